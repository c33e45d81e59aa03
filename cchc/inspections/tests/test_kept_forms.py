"""A refused form on the visit's page comes back open, as it was typed, its reason beside the
field (found on a new user's walk): a progress report refused for its file lost the text and
the "done" tick, its reason in a banner off screen; a remediation action refused for a past
deadline lost its text; a team member refused for no topic lost the person chosen, with a bare
"This field is required." naming no field."""

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cchc.core.testing import BaseTestCase
from cchc.inspections.models import ProgressReport, RemediationAction, TeamMember
from cchc.inspections.tests.factories import approved_inspection, conclude_ready, to_status


def report_form(page: str, action: RemediationAction) -> str:
    start = page.index(reverse("inspections:action_report", args=[action.pk]))
    return page[page.rindex("<details", 0, start) : page.index("</details>", start)]


class KeptFormTests(BaseTestCase):
    def test_a_refused_progress_report_keeps_its_text_and_tick_and_says_why_beside_the_file(self):
        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        action = conclude_ready(self.cast, inspection)
        inspection = to_status(self.cast, inspection, "concluded")
        self.login("ward_officer")
        url = reverse("inspections:action_report", args=[action.pk])
        response = self.client.post(
            url,
            {
                "text": "Đã tổ chức đánh giá nội bộ ngày 05/12",
                "is_done": "on",
                "file": SimpleUploadedFile("ghi-chu.txt", b"plain text", "text/plain"),
            },
        )
        assert response.status_code == 302
        assert response.url.endswith(f"#action-{action.pk}")
        assert not ProgressReport.objects.filter(action=action).exists()
        page = self.client.get(inspection.get_absolute_url()).content.decode()
        form = report_form(page, action)
        assert form.startswith('<details class="mt-1" open'), form[:80]
        assert "Đã tổ chức đánh giá nội bộ ngày 05/12</textarea>" in form
        assert re.search(r'name="is_done"[^>]*checked', form)
        assert 'data-testid="report-error"' in form and "PDF, DOCX" in form
        # Read once: the next visit of the page shows an empty form again.
        page = self.client.get(inspection.get_absolute_url()).content.decode()
        assert "ngày 05/12</textarea>" not in report_form(page, action)
        # Refused for its text with a good file attached: the file is asked for again.
        self.client.post(
            url,
            {
                "text": "  ",
                "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
            },
        )
        form = report_form(self.client.get(inspection.get_absolute_url()).content.decode(), action)
        assert "vui lòng chọn lại tệp" in form, form

    def test_a_refused_action_keeps_its_text_and_a_refused_member_the_person_chosen(self):
        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        action = conclude_ready(self.cast, inspection)
        recommendation = action.recommendation
        self.login("appraiser")  # on the visit's team
        past = timezone.localdate() - datetime.timedelta(days=3)
        response = self.client.post(
            reverse("inspections:action_create", args=[recommendation.pk]),
            {"text": "Rà soát quy chế một cửa", "deadline": past.isoformat()},
        )
        assert response.status_code == 302, response.status_code
        assert response.url.endswith(f"#recommendation-{recommendation.pk}")
        assert RemediationAction.objects.filter(recommendation=recommendation).count() == 1
        page = self.client.get(inspection.get_absolute_url()).content.decode()
        assert 'value="Rà soát quy chế một cửa"' in page
        assert f'value="{past.isoformat()}"' in page
        assert 'data-testid="action-error"' in page and "ngày đã qua" in page

        inspection = approved_inspection(self.cast, year=timezone.localdate().year + 1)
        self.login("home_affairs")
        members = TeamMember.objects.filter(inspection=inspection).count()
        response = self.client.post(
            reverse("inspections:team_add", args=[inspection.pk]),
            {"member-user": str(self.appraiser.pk)},
        )
        assert response.url.endswith("#team")
        assert TeamMember.objects.filter(inspection=inspection).count() == members
        page = self.client.get(inspection.get_absolute_url()).content.decode()
        add = page[
            page.index('data-testid="team-add"') - 400 : page.index('data-testid="team-add"')
        ]
        assert "open" in add.rsplit("<details", 1)[1], add
        assert re.search(rf'<option value="{self.appraiser.pk}" selected', page)
        # The reason is beside the topics, not a bare sentence in the banner.
        before, after = page.split('data-testid="team-add"', 1)
        assert "Trường này là bắt buộc" not in before
        assert "Trường này là bắt buộc" in after.split("</form>", 1)[0]
