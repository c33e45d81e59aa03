"""A register's numbers and dates go up together.

Found walking the app as a new user: team decision 02/QĐ-UBND was issued dated 25/11/2026
after 01/QĐ-UBND of 08/12/2026 in the same register, because the form of an overdue visit
refused today's date ("Quyết định phải đề ngày 30/11/2026 hoặc trước đó") and so pushed the
user to date the decision back. A new number is not dated before the latest one issued in its
register (issuer, symbol, year), and the decision of a visit whose day has passed asks for the
visit to move first."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.models import Counter, IssuedDocument
from cchc.inspections.models import Inspection
from cchc.inspections.services import planning
from cchc.inspections.tests.factories import approved_inspection


def decision(cast, inspection: Inspection, day: datetime.date) -> IssuedDocument:
    return services.issue(
        actor=cast.home_affairs,
        kind="team_decision",
        target=inspection,
        signer_name="Nguyễn Văn Chủ Tịch",
        issued_on=day,
    )


class RegisterOrderTests(BaseTestCase):
    def setUp(self) -> None:
        self.today = timezone.localdate()
        self.overdue = approved_inspection(self.cast)
        assert self.overdue.visit_date < self.today  # the plan is replayed from 1 January
        # Another visit of the plan, ahead: its decision, dated today, takes No. 01.
        self.ahead = Inspection.objects.create(
            plan=self.overdue.plan,
            org_unit=self.cast.ward_b,
            visit_date=self.today + datetime.timedelta(days=30),
            topics=["iso"],
        )
        self.first = decision(self.cast, self.ahead, self.today)
        assert self.first.reference == "01/QĐ-UBND"

    def test_a_number_dated_before_the_latest_of_its_register_is_refused(self):
        with self.assertRaises(ValidationError) as refused:
            decision(self.cast, self.overdue, self.overdue.visit_date)
        (message,) = refused.exception.message_dict["issued_on"]
        assert f"Số 01/QĐ-UBND của sổ này đề ngày {self.today:%d/%m/%Y}" in message, message
        # The visit's day has passed: move the visit, not the date.
        assert "“Dời ngày kiểm tra”" in message, message
        assert "hoặc muộn hơn" not in message  # no date would do: the visit's is before
        # Nothing written: no number taken, no document, the visit's decision unchanged.
        assert IssuedDocument.objects.count() == 1
        counter = Counter.objects.get(issuer=self.cast.city, symbol="QĐ-UBND")
        assert counter.last == 1
        self.overdue.refresh_from_db()
        assert self.overdue.decision_number == ""

    def test_the_decision_of_a_passed_visit_asks_to_move_the_visit_first(self):
        with self.assertRaises(ValidationError) as refused:
            decision(self.cast, self.overdue, self.today)
        (message,) = refused.exception.message_dict["issued_on"]
        assert f"ngày {self.overdue.visit_date:%d/%m/%Y}" in message, message
        assert "“Dời ngày kiểm tra”" in message, message
        assert IssuedDocument.objects.count() == 1
        # Moved to today, the visit's decision is dated today and takes the next number.
        planning.visit_reschedule(
            actor=self.cast.home_affairs, inspection=self.overdue, visit_date=self.today
        )
        self.overdue.refresh_from_db()
        second = decision(self.cast, self.overdue, self.today)
        assert second.reference == "02/QĐ-UBND" and second.issued_on == self.today

    def test_another_document_is_told_the_earliest_date_it_may_take(self):
        refusal = services.register_order_refusal(
            self.cast.city, self.today.year, "QĐ-UBND", self.today - datetime.timedelta(days=1)
        )
        assert refusal == (
            f"Số 01/QĐ-UBND của sổ này đề ngày {self.today:%d/%m/%Y}: văn bản cấp số sau không "
            f"thể đề ngày sớm hơn. Vui lòng đề ngày {self.today:%d/%m/%Y} hoặc muộn hơn."
        )

    def test_another_register_or_the_same_day_is_not_refused(self):
        # Another series of the same issuer (its plan, KH-UBND) starts its own order.
        plan = services.issue(
            actor=self.cast.home_affairs,
            kind="inspection_plan",
            target=self.overdue.plan,
            signer_name="Nguyễn Văn Chủ Tịch",
            issued_on=datetime.date(self.today.year, 1, 2),
        )
        assert plan.reference == "01/KH-UBND"
        assert (
            services.register_order_refusal(self.cast.city, self.today.year, "QĐ-UBND", self.today)
            is None
        )

    def test_the_issue_form_says_it_beside_the_date(self):
        self.login("home_affairs")
        url = reverse("documents:issue", args=["team_decision", self.overdue.pk])
        response = self.client.post(
            url,
            {
                "signer_name": "Nguyễn Văn Chủ Tịch",
                "issued_on": self.overdue.visit_date.isoformat(),
            },
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert 'id="id_issued_on_errors"' in content
        assert "01/QĐ-UBND" in content and "Dời ngày kiểm tra" in content
        assert IssuedDocument.objects.count() == 1
