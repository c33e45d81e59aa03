"""An issued document is one number, kept; a visit has one decision, from the register
(issue 17, items 5 and 6).

What a user could do: issue a notice again and get a second number without being told (the
first stayed in the register, and on the portal, as if current); type a decision number on the
visit's page over the decision issued from the register (the visit and its notice then cited
the typed one); issue a decision forming the team after the visit had concluded (the register
held a decision the visit never had). Each is refused here, over HTTP, in Vietnamese, and the
refusal takes no number."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.models import Counter, IssuedDocument
from cchc.documents.tests.scenes import concluded_inspection
from cchc.inspections.models import Inspection
from cchc.inspections.tests.factories import approved_inspection, to_status

pytestmark = pytest.mark.security


def last_number(symbol: str) -> int:
    counter = Counter.objects.filter(symbol=symbol).first()
    return counter.last if counter else 0


class ReissueRefusalTests(BaseTestCase):
    def setUp(self):
        self.inspection = concluded_inspection(self.cast)
        self.first = services.issue(
            actor=None, kind="conclusion_notice", target=self.inspection, signer_name="A"
        )
        self.url = reverse("documents:issue", args=["conclusion_notice", self.inspection.pk])
        self.data = {"signer_name": "B", "issued_on": timezone.localdate().isoformat()}
        self.login("appraiser")

    def assert_refused(self, response) -> None:
        page = response.content.decode()
        assert "Chưa ban hành: hãy đánh dấu ô xác nhận bên dưới thông báo" in page
        assert "Hãy đánh dấu ô xác nhận để ban hành lại" in page  # the notice beside the box
        assert list(IssuedDocument.objects.all()) == [self.first]
        assert last_number("TB-ĐKT") == 1
        self.first.refresh_from_db()
        assert self.first.replaced_by is None

    def test_issuing_again_without_the_confirmation_is_refused(self):
        self.assert_refused(self.client.post(self.url, self.data, follow=True))

    def test_the_number_alone_is_no_confirmation(self):
        response = self.client.post(self.url, {**self.data, "replaces": "01/TB-ĐKT"}, follow=True)
        self.assert_refused(response)

    def test_a_tick_for_another_number_is_refused(self):
        for replaces in ("", "99/TB-ĐKT", "01/tb-đkt", "02/TB-ĐKT"):
            response = self.client.post(
                self.url, {**self.data, "replaces": replaces, "confirm_replace": "on"}, follow=True
            )
            self.assert_refused(response)


class OneDecisionRefusalTests(BaseTestCase):
    def issue_decision(self, inspection: Inspection, **extra: str):
        url = reverse("documents:issue", args=["team_decision", inspection.pk])
        day = min(timezone.localdate(), inspection.visit_date).isoformat()
        data = {"signer_name": "Chủ tịch", "issued_on": day, **extra}
        return self.client.post(url, data, follow=True)

    def test_no_number_is_typed_over_the_issued_decision(self):
        inspection = approved_inspection(self.cast)
        self.login("home_affairs")
        self.issue_decision(inspection)
        inspection.refresh_from_db()
        assert inspection.decision_number == "01/QĐ-UBND"
        response = self.client.post(
            reverse("inspections:decision", args=[inspection.pk]),
            {
                "decision-number": "15/QĐ-UBND",
                "decision-date": inspection.decision_date.isoformat(),
                "decision-signer": "Chủ tịch",
            },
            follow=True,
        )
        assert "đã được ban hành từ sổ văn bản với số 01/QĐ-UBND" in response.content.decode()
        inspection.refresh_from_db()
        assert inspection.decision_number == "01/QĐ-UBND"

    def test_a_typed_decision_is_replaced_only_when_confirmed(self):
        inspection = approved_inspection(self.cast)
        self.login("home_affairs")
        self.client.post(
            reverse("inspections:decision", args=[inspection.pk]),
            {
                "decision-number": "15/QĐ-UBND",
                "decision-date": min(timezone.localdate(), inspection.visit_date).isoformat(),
                "decision-signer": "Chủ tịch",
            },
        )
        refused = self.issue_decision(inspection).content.decode()
        assert "Chưa ban hành: hãy đánh dấu ô xác nhận" in refused
        assert "Cuộc kiểm tra đang ghi Quyết định số 15/QĐ-UBND" in refused
        assert "thay thế Quyết định số 15/QĐ-UBND đang ghi trên trang cuộc kiểm tra" in refused
        assert not IssuedDocument.objects.exists() and last_number("QĐ-UBND") == 0
        inspection.refresh_from_db()
        assert inspection.decision_number == "15/QĐ-UBND"
        self.issue_decision(inspection, replaces="15/QĐ-UBND", confirm_replace="on")
        inspection.refresh_from_db()
        assert inspection.decision_number == IssuedDocument.objects.get().reference

    def assert_too_late(self, status: str) -> None:
        inspection = to_status(self.cast, approved_inspection(self.cast), status)
        self.login("home_affairs")
        page = self.issue_decision(
            inspection, replaces="12/QĐ-UBND", confirm_replace="on"
        ).content.decode()
        assert "Quyết định thành lập Đoàn kiểm tra phải có trước cuộc kiểm tra" in page
        assert not IssuedDocument.objects.exists() and last_number("QĐ-UBND") == 0
        inspection.refresh_from_db()
        assert inspection.decision_number == "12/QĐ-UBND"

    def test_no_decision_forming_the_team_during_the_visit(self):
        self.assert_too_late(Inspection.Status.VISITING)

    def test_no_decision_forming_the_team_after_the_visit_concluded(self):
        self.assert_too_late(Inspection.Status.CONCLUDED)
