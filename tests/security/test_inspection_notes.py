"""The team's notes of a visit (checklist verdicts, photos, findings, root causes, the support
given, recommendations and their actions) reach the inspected unit when the team concludes
the visit, not while it is under way.

Found walking the demo as a ward's chair: during the visit the ward's home listed the team's
draft actions to report on (a test action "hạn 31/12/2099" among them), its inspection page
showed the draft strengths and shortcomings, and the draft conclusion notice of a visit not
yet started opened (/documents/preview/conclusion_notice/<id>/ and its Word draft)."""

import datetime

import pytest
from django.urls import reverse

from cchc.api.tests.helpers import make_client
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase
from cchc.inspections.models import Inspection, RemediationAction
from cchc.inspections.services import findings, visits
from cchc.inspections.tests.factories import (
    approved_inspection,
    conclude_ready,
    png,
    to_status,
)

pytestmark = pytest.mark.security

SHORTCOMING = "Việc duy trì Hệ thống quản lý chất lượng ISO 9001:2015 còn chậm"
RECOMMENDATION = "Bố trí kinh phí duy trì ISO"
SUPPORT = "Hướng dẫn cấu hình thủ tục trên Hệ thống một cửa"


class NotesBeforeTheConclusionTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.visit = to_status(self.cast, approved_inspection(self.cast), "visiting")
        conclude_ready(self.cast, self.visit)  # verdicts, a shortcoming, its recommendation
        Inspection.objects.filter(pk=self.visit.pk).update(support_given=SUPPORT)
        self.action = RemediationAction.objects.get(recommendation__inspection=self.visit)
        self.photo = visits.photo_add(actor=None, inspection=self.visit, upload=png())
        self.notice = reverse("documents:preview", args=["conclusion_notice", self.visit.pk])
        self.notice_parts = [
            self.notice,
            reverse("documents:preview_raw", args=["conclusion_notice", self.visit.pk]),
            reverse("documents:draft_docx", args=["conclusion_notice", self.visit.pk]),
        ]

    def page(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content.decode()

    def report(self) -> int:
        url = reverse("inspections:action_report", args=[self.action.pk])
        return self.client.post(url, {"text": "Đã bố trí kinh phí", "is_done": ""}).status_code

    def test_the_unit_waits_for_the_conclusion_then_reads_and_reports(self) -> None:
        for role in ("ward_officer", "ward_chair"):
            self.login(role)
            page = self.page(self.visit.get_absolute_url())
            assert 'data-testid="notes-withheld"' in page
            for note in (SHORTCOMING, RECOMMENDATION, SUPPORT, self.action.text):
                assert note not in page, (role, note)
            assert self.action.text not in self.page(reverse("core:home"))
            checklist = self.page(reverse("inspections:checklist_visit", args=[self.visit.pk]))
            assert 'class="badge verdict-' not in checklist and "(1/" not in checklist
            assert 'data-testid="results-withheld"' in checklist
            photo = reverse("inspections:file_download", args=[self.photo.pk])
            assert self.client.get(photo).status_code == 404
            for url in self.notice_parts:
                assert self.client.get(url).status_code == 403, url
            assert self.report() == 403
            # The visit itself stays theirs: its date, team and the documents asked of it.
            assert self.visit.org_unit.name in page and 'id="documents"' in page
        _client, token = make_client(
            self.cast, name="Phường A", unit="ward_a", role=Role.UNIT_OFFICER
        )
        api = {"Authorization": f"Bearer {token}"}
        detail = self.client.get(f"/api/v1/inspections/visits/{self.visit.pk}", headers=api).json()
        assert (detail["findings"], detail["recommendations"], detail["support_given"]) == (
            [],
            [],
            "",
        )
        for path in ("findings", "recommendations"):
            body = self.client.get(f"/api/v1/inspections/{path}", headers=api).json()
            assert body["items"] == [], path
        # The dashboards and exports, and the overdue reminders (review of this change).
        self.login("ward_officer")
        year = {"year": self.visit.plan.year}
        dashboard = self.page(reverse("analytics:inspections") + f"?year={year['year']}")
        assert self.action.text not in dashboard and "Kinh phí còn hạn hẹp" not in dashboard
        past = self.visit.visit_date + datetime.timedelta(days=400)
        assert findings.escalate_overdue(today=past) == 0

        # The team concludes: the unit reads every note and reports on its action.
        visits.inspection_advance(
            actor=self.cast.home_affairs, inspection=self.visit, target=Inspection.Status.CONCLUDED
        )
        self.login("ward_officer")
        page = self.page(self.visit.get_absolute_url())
        assert 'data-testid="notes-withheld"' not in page
        for note in (SHORTCOMING, RECOMMENDATION, SUPPORT, self.action.text):
            assert note in page, note
        assert self.action.text in self.page(reverse("core:home"))
        photo = reverse("inspections:file_download", args=[self.photo.pk])
        assert self.client.get(photo).status_code == 200
        for url in self.notice_parts:
            assert self.client.get(url).status_code == 200, url
        assert self.report() == 302
        dashboard = self.page(reverse("analytics:inspections") + f"?year={year['year']}")
        assert "Kinh phí còn hạn hẹp" in dashboard  # the root cause, now theirs to read
        assert findings.escalate_overdue(today=past) == 1
        detail = self.client.get(f"/api/v1/inspections/visits/{self.visit.pk}", headers=api).json()
        assert [r["text"] for r in detail["recommendations"]] == [RECOMMENDATION]

    def test_the_team_and_the_city_read_the_notes_during_the_visit(self) -> None:
        for role in ("home_affairs", "leader"):
            self.login(role)
            page = self.page(self.visit.get_absolute_url())
            assert SHORTCOMING in page and RECOMMENDATION in page, role
            assert self.client.get(self.notice).status_code == 200, role
        self.client.force_login(self.visit.team.get(is_head=True).user)
        assert SHORTCOMING in self.page(self.visit.get_absolute_url())

    def test_the_notice_button_opens_the_issued_notice_once_there_is_one(self) -> None:
        # Found walking the demo: after 03/TB-ĐKT was issued, "Thông báo kết luận" still opened
        # the live draft (watermark, no number) for the ward and the coordinator alike.
        from cchc.documents.services import issue

        visits.inspection_advance(
            actor=self.cast.home_affairs, inspection=self.visit, target=Inspection.Status.CONCLUDED
        )
        self.login("ward_officer")
        page = self.page(self.visit.get_absolute_url())
        assert self.notice not in page  # the draft is the team's
        self.login("home_affairs")
        assert self.notice in self.page(self.visit.get_absolute_url())
        self.visit.refresh_from_db()
        issued = issue(
            actor=self.cast.home_affairs,
            kind="conclusion_notice",
            target=self.visit,
            signer_name="Trưởng đoàn",
            issued_on=self.visit.visit_date,
        )
        for role in ("home_affairs", "ward_officer"):
            self.login(role)
            page = self.page(self.visit.get_absolute_url())
            assert 'data-testid="issued-notice"' in page and issued.get_absolute_url() in page
            assert self.notice not in page, role
