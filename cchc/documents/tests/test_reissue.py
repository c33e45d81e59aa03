"""One decision per visit, from the register, and a document issued again said and kept
(issue 17, items 5 and 6).

Found walking the demo as a new user: the visit and its notice cited "15/QĐ-UBND", typed on
the visit's page, while the decision issued from the register was 01/QĐ-UBND (issued after the
visit had concluded); and issuing a notice again took a new number silently (02 and 04/TB-ĐKT
for one visit), both left in the register as if current."""

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cchc.core.audit import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.models import IssuedDocument
from cchc.documents.tests.scenes import concluded_inspection
from cchc.inspections.models import Inspection
from cchc.inspections.services import visits
from cchc.inspections.tests.factories import approved_inspection, to_status
from cchc.portal import selectors as portal_selectors


def notice(inspection: Inspection, signer: str = "Trưởng đoàn", **kwargs: Any) -> IssuedDocument:
    return services.issue(
        actor=None, kind="conclusion_notice", target=inspection, signer_name=signer, **kwargs
    )


def decision(cast, inspection: Inspection, **kwargs: Any) -> IssuedDocument:
    return services.issue(
        actor=cast.home_affairs,
        kind="team_decision",
        target=inspection,
        signer_name="Nguyễn Văn Chủ Tịch",
        issued_on=min(timezone.localdate(), inspection.visit_date),
        **kwargs,
    )


class ReissueTests(BaseTestCase):
    def test_issuing_again_without_confirming_is_refused_and_takes_no_number(self):
        inspection = concluded_inspection(self.cast)
        first = notice(inspection)
        with self.assertRaises(ValidationError) as refused:
            notice(inspection, signer="Người khác")
        assert "đã được ban hành số 01/TB-ĐKT" in refused.exception.messages[0]
        assert "ban hành lại sẽ cấp số mới" in refused.exception.messages[0]
        assert list(IssuedDocument.objects.all()) == [first]
        second = notice(inspection, replaces="01/TB-ĐKT")
        assert second.reference == "02/TB-ĐKT"  # the refusal took no number

    def test_the_first_is_kept_as_it_was_issued_and_marked_replaced(self):
        inspection = concluded_inspection(self.cast)
        first = notice(inspection)
        kept = (first.number, first.reference, first.docx_sha256, first.pdf_sha256)
        second = notice(inspection, signer="Người ký mới", replaces="01/TB-ĐKT")
        first.refresh_from_db()
        assert first.replaced_by == second and second.replaces == first
        assert (first.number, first.reference, first.docx_sha256, first.pdf_sha256) == kept
        assert not first.is_current and second.is_current
        with first.pdf.open("rb") as handle:
            assert handle.read()  # the files stay
        event = AuditEvent.objects.get(action="document.update", object_id=str(first.pk))
        assert event.after == {"replaced_by": "02/TB-ĐKT"}

    def test_confirming_an_older_number_replaces_nothing(self):
        inspection = concluded_inspection(self.cast)
        notice(inspection)
        notice(inspection, replaces="01/TB-ĐKT")
        with self.assertRaises(ValidationError) as refused:
            notice(inspection, replaces="01/TB-ĐKT")
        assert "02/TB-ĐKT" in refused.exception.messages[0]
        assert IssuedDocument.objects.count() == 2

    def test_the_preview_says_what_issuing_again_does_before_the_click(self):
        inspection = concluded_inspection(self.cast)
        issued = notice(inspection)
        self.login("appraiser")
        url = reverse("documents:preview", args=["conclusion_notice", inspection.pk])
        page = self.client.get(url).content.decode()
        day = issued.issued_on.strftime("%d/%m/%Y")
        assert (
            f"Văn bản này đã được ban hành số 01/TB-ĐKT ngày {day}; ban hành lại sẽ cấp số mới "
            "và văn bản số 01/TB-ĐKT được đánh dấu là đã bị thay thế"
        ) in page
        assert 'data-testid="confirm-replace"' in page and " required " in page
        assert 'name="replaces" value="01/TB-ĐKT"' in page

    def test_the_page_refuses_without_the_tick_and_issues_again_with_it(self):
        inspection = concluded_inspection(self.cast)
        notice(inspection)
        self.login("appraiser")
        url = reverse("documents:issue", args=["conclusion_notice", inspection.pk])
        data = {"signer_name": "Lê Thị Hồng Vân", "issued_on": timezone.localdate().isoformat()}
        refused = self.client.post(url, {**data, "replaces": "01/TB-ĐKT"}, follow=True)
        assert "Chưa ban hành: hãy đánh dấu ô xác nhận" in refused.content.decode()
        assert IssuedDocument.objects.count() == 1
        done = self.client.post(
            url, {**data, "replaces": "01/TB-ĐKT", "confirm_replace": "on"}, follow=True
        )
        assert "Đã ban hành số 02/TB-ĐKT; văn bản số 01/TB-ĐKT" in done.content.decode()
        assert IssuedDocument.objects.get(replaced_by__isnull=True).reference == "02/TB-ĐKT"

    def test_the_register_shows_both_and_which_replaced_which(self):
        inspection = concluded_inspection(self.cast)
        first = notice(inspection)
        second = notice(inspection, replaces="01/TB-ĐKT")
        self.login("home_affairs")
        register = self.client.get(reverse("documents:register")).content.decode()
        assert "Đã bị thay thế bởi 02/TB-ĐKT" in register
        assert "Thay thế 01/TB-ĐKT" in register
        old = self.client.get(first.get_absolute_url()).content.decode()
        assert "Văn bản này đã bị thay thế bởi văn bản số 02/TB-ĐKT" in old
        new = self.client.get(second.get_absolute_url()).content.decode()
        assert "Văn bản này thay thế văn bản số 01/TB-ĐKT" in new

    def test_the_portal_shows_only_the_current_notice(self):
        inspection = concluded_inspection(self.cast)
        first = notice(inspection)
        visits.inspection_publish(actor=None, inspection=inspection, publish=True)
        assert self.client.get(reverse("portal:document", args=[first.pk])).status_code == 200
        unit_url = reverse("portal:unit", args=[inspection.org_unit.code])
        assert (
            reverse("portal:document", args=[first.pk])
            in self.client.get(unit_url).content.decode()
        )
        second = notice(inspection, replaces="01/TB-ĐKT")
        page = portal_selectors.unit_page(inspection.org_unit)
        assert page.inspections == [(inspection, second, [])]  # unsigned: no verdict lines
        shown = self.client.get(unit_url).content.decode()  # not the page cached before
        assert reverse("portal:document", args=[second.pk]) in shown
        assert reverse("portal:document", args=[first.pk]) not in shown
        assert self.client.get(reverse("portal:document", args=[first.pk])).status_code == 404
        assert self.client.get(reverse("portal:document", args=[second.pk])).status_code == 200


class OneDecisionTests(BaseTestCase):
    def test_the_issued_decision_is_the_visits_and_the_notice_cites_it(self):
        inspection = approved_inspection(self.cast)
        visits.decision_record(
            actor=None,
            inspection=inspection,
            number="15/QĐ-UBND",
            date=min(timezone.localdate(), inspection.visit_date),
            signer="Chủ tịch",
        )
        issued = decision(self.cast, inspection, replaces="15/QĐ-UBND")
        assert issued.reference == "01/QĐ-UBND"
        inspection.refresh_from_db()
        assert inspection.decision_number == "01/QĐ-UBND"
        inspection = to_status(self.cast, inspection, Inspection.Status.CONCLUDED)
        content = notice(inspection).content
        assert "Căn cứ Quyết định số 01/QĐ-UBND" in str(content)
        assert "15/QĐ-UBND" not in str(content)

    def test_the_notice_cites_the_issued_decision_even_when_the_visit_says_otherwise(self):
        # A visit whose typed number disagrees with its issued decision (data from before
        # this change): the documents cite the issued decision.
        inspection = approved_inspection(self.cast)
        decision(self.cast, inspection)
        Inspection.objects.filter(pk=inspection.pk).update(decision_number="15/QĐ-UBND")
        inspection = to_status(self.cast, inspection, Inspection.Status.CONCLUDED)
        content = str(notice(inspection).content)
        assert "Căn cứ Quyết định số 01/QĐ-UBND" in content and "15/QĐ-UBND" not in content

    def test_the_visit_page_shows_the_issued_decision_instead_of_the_form(self):
        inspection = approved_inspection(self.cast)
        self.login("home_affairs")
        before = self.client.get(inspection.get_absolute_url()).content.decode()
        assert 'data-testid="issue-decision"' in before and 'data-testid="decision-form"' in before
        decision(self.cast, inspection)
        after = self.client.get(inspection.get_absolute_url()).content.decode()
        assert 'data-testid="decision-issued"' in after
        assert 'data-testid="decision-form"' not in after
        assert "Số 01/QĐ-UBND ngày" in after

    def test_a_decision_issued_again_before_the_visit_becomes_the_visits(self):
        inspection = approved_inspection(self.cast)
        decision(self.cast, inspection)
        second = decision(self.cast, inspection, replaces="01/QĐ-UBND")
        inspection.refresh_from_db()
        assert inspection.decision_number == second.reference == "02/QĐ-UBND"

    def test_the_preview_says_why_no_decision_can_be_issued_once_the_visit_started(self):
        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        self.login("home_affairs")
        url = reverse("documents:preview", args=["team_decision", inspection.pk])
        page = self.client.get(url).content.decode()
        assert 'data-testid="issue-refused"' in page
        assert "Quyết định thành lập Đoàn kiểm tra phải có trước cuộc kiểm tra" in page
        assert 'data-testid="issue-form"' not in page
