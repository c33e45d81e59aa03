"""Changing a round's deadlines: no page could. The province postponing the self-assessment
for everyone, or giving appeals a week more, meant extending units one by one (and never past
the appraisal deadline), and a round could not be finalised before an appeals deadline set too
far ahead (found by the attacker walk, who had to edit the database)."""

import datetime

import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cchc.assessments.models import Round
from cchc.assessments.services import (
    assessment_extend,
    round_deadlines_change,
    round_transition_refusal,
)
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.notifications.models import Notification

D = datetime.date
JUNE_10 = datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC)


def deadlines(round_: Round) -> tuple[D, D, D]:
    round_.refresh_from_db()
    return round_.self_assessment_due_on, round_.appraisal_due_on, round_.appeals_due_on


@time_machine.travel(JUNE_10, tick=False)
class RoundDeadlinesTests(BaseTestCase):
    def setUp(self):
        # Self-assessment by 01/07, appraisal by 16/07, appeals by 31/07 (make_round).
        self.round = make_round(self.cast)
        self.a = assessment_of(self.round, self.cast.ward_a)
        self.b = assessment_of(self.round, self.cast.ward_b)

    def change(self, self_on, appraisal_on, appeals_on, reason="Tỉnh lùi thời hạn.", **extra):
        return round_deadlines_change(
            actor=self.home_affairs,
            round_=self.round,
            self_assessment_due_on=self_on,
            appraisal_due_on=appraisal_on,
            appeals_due_on=appeals_on,
            reason=reason,
            **extra,
        )

    def test_only_later_a_submission_keeps_its_deadline_and_a_stale_page_changes_nothing(self):
        """Found by the review: moving the deadline back took away the time units were given
        (an extension lost); postponing it rewrote a late submission as on time; a second
        coordinator's page, opened before the first's change, silently undid it."""
        from cchc.assessments.models import Assessment
        from cchc.core.exceptions import ConflictError
        from cchc.core.versioning import version_token

        with self.assertRaises(ValidationError) as refused:
            self.change(D(2026, 6, 25), D(2026, 7, 16), D(2026, 7, 31))
        assert "chỉ có thể lùi" in str(refused.exception), refused.exception
        # Ward A submitted on 06/07, five days late; postponing to 10/07 leaves it late.
        Assessment.objects.filter(pk=self.a.pk).update(
            status=Assessment.Status.SUBMITTED,
            submitted_at=datetime.datetime(2026, 7, 6, 9, tzinfo=datetime.UTC),
        )
        seen = version_token(Round.objects.get(pk=self.round.pk))
        with time_machine.travel(JUNE_10 + datetime.timedelta(hours=1), tick=False):
            self.round = self.change(D(2026, 7, 10), D(2026, 7, 20), D(2026, 8, 5))
        self.a.refresh_from_db()
        self.b.refresh_from_db()
        assert (self.a.due_on, self.b.due_on) == (D(2026, 7, 1), D(2026, 7, 10))
        event = AuditEvent.objects.filter(action="round.deadlines").latest("pk")
        assert event.after["units_moved"] == [
            {"unit": str(self.cast.ward_b), "before": "2026-07-01"}
        ]
        with self.assertRaises(ConflictError):
            self.change(D(2026, 7, 10), D(2026, 7, 20), D(2026, 8, 9), expected_version=seen)
        assert deadlines(self.round)[2] == D(2026, 8, 5)

    def test_a_later_self_assessment_deadline_moves_every_unit_and_tells_them(self):
        assessment_extend(
            actor=self.home_affairs, assessment=self.b, due_on=D(2026, 7, 10), reason="Lũ"
        )
        self.change(D(2026, 7, 5), D(2026, 7, 20), D(2026, 8, 5))
        assert deadlines(self.round) == (D(2026, 7, 5), D(2026, 7, 20), D(2026, 8, 5))
        self.a.refresh_from_db()
        self.b.refresh_from_db()
        # A on the round's deadline follows it; B, given until 10/07, keeps its own.
        assert (self.a.due_on, self.b.due_on) == (D(2026, 7, 5), D(2026, 7, 10))
        self.change(D(2026, 7, 12), D(2026, 7, 20), D(2026, 8, 5))
        self.b.refresh_from_db()
        assert self.b.due_on == D(2026, 7, 12)  # passed by the new deadline: it follows
        event = AuditEvent.objects.filter(action="round.deadlines").latest("pk")
        assert event.after["reason"] == "Tỉnh lùi thời hạn."
        told = Notification.objects.filter(
            kind=Notification.Kind.DEADLINES_CHANGED, user=self.ward_officer
        ).latest("pk")
        assert "12/07/2026" in told.body and "Tỉnh lùi thời hạn." in told.body, told.body
        assert told.url == self.a.get_absolute_url()
        # The ward's page says the new deadline.
        self.login("ward_officer")
        assert "12/07/2026" in self.client.get(self.a.get_absolute_url()).content.decode()

    def test_refused_a_past_day_a_stage_over_a_wrong_order_and_no_reason(self):
        with self.assertRaises(ValidationError) as refused:
            self.change(D(2026, 6, 9), D(2026, 7, 16), D(2026, 7, 31), reason=" ")
        assert set(refused.exception.message_dict) == {"self_assessment_due_on", "reason"}
        with self.assertRaises(ValidationError) as refused:
            self.change(D(2026, 7, 20), D(2026, 7, 16), D(2026, 7, 31))
        assert "tự đánh giá, tiếp đến thẩm định" in str(refused.exception)
        # The appraisal deadline may not come before a unit's own deadline.
        assessment_extend(
            actor=self.home_affairs, assessment=self.b, due_on=D(2026, 7, 10), reason="Lũ"
        )
        with self.assertRaises(ValidationError) as refused:
            self.change(D(2026, 7, 1), D(2026, 7, 8), D(2026, 7, 31))
        assert "được tự chấm đến 10/07/2026" in str(refused.exception)
        # Once in appraisal, the self-assessment deadline is history.
        Round.objects.filter(pk=self.round.pk).update(status=Round.Status.APPRAISAL)
        with self.assertRaises(ValidationError) as refused:
            self.change(D(2026, 7, 20), D(2026, 7, 25), D(2026, 8, 5))
        assert list(refused.exception.message_dict) == ["self_assessment_due_on"]
        self.change(D(2026, 7, 1), D(2026, 7, 25), D(2026, 8, 5))
        assert deadlines(self.round) == (D(2026, 7, 1), D(2026, 7, 25), D(2026, 8, 5))
        Round.objects.filter(pk=self.round.pk).update(status=Round.Status.FINALISED)
        with self.assertRaises(ValidationError) as refused:
            self.change(D(2026, 7, 1), D(2026, 7, 25), D(2026, 8, 6))
        assert "đã chốt" in str(refused.exception)
        assert deadlines(self.round)[2] == D(2026, 8, 5)

    def test_an_earlier_appeals_deadline_lets_the_round_be_finalised_sooner(self):
        Round.objects.filter(pk=self.round.pk).update(status=Round.Status.APPEALS)
        self.round.refresh_from_db()
        july_17 = datetime.datetime(2026, 7, 17, 9, tzinfo=datetime.UTC)
        with time_machine.travel(july_17):
            waiting = round_transition_refusal(self.round, Round.Status.FINALISED)
        assert waiting and "31/07/2026" in waiting
        self.round = self.change(
            D(2026, 7, 1), D(2026, 7, 16), D(2026, 7, 16), reason="Kết quả cần sớm."
        )
        with time_machine.travel(july_17):
            assert round_transition_refusal(self.round, Round.Status.FINALISED) is None


@time_machine.travel(JUNE_10, tick=False)
class RoundDeadlinesPageTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast)
        self.url = reverse("assessments:round_deadlines", args=[self.round.pk])

    def test_the_coordinator_changes_them_on_the_board_and_a_refusal_keeps_what_was_typed(self):
        from cchc.core.versioning import version_token

        self.login("home_affairs")
        board = self.client.get(self.round.get_absolute_url()).content.decode()
        assert 'data-testid="deadlines"' in board and "Thay đổi hạn của đợt" in board
        version = version_token(self.round)
        assert f'value="{version}"' in board
        response = self.client.post(
            self.url,
            {
                "self_assessment_due_on": "2026-06-01",
                "appraisal_due_on": "2026-07-16",
                "appeals_due_on": "2026-07-31",
                "reason": "Lùi hạn",
                "version": version,
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "Hạn mới không thể là một ngày đã qua." in page
        assert 'value="Lùi hạn"' in page and " open" in page
        assert deadlines(self.round)[0] == D(2026, 7, 1)
        response = self.client.post(
            self.url,
            {
                "self_assessment_due_on": "2026-07-08",
                "appraisal_due_on": "2026-07-16",
                "appeals_due_on": "2026-07-31",
                "reason": "Lùi hạn",
                "version": version,
            },
        )
        assert response.status_code == 302
        assert deadlines(self.round)[0] == D(2026, 7, 8)
        Round.objects.filter(pk=self.round.pk).update(
            updated_at=JUNE_10 + datetime.timedelta(minutes=5)  # frozen time: a later change
        )
        # The same page sent again (read before this change): refused, the board says why.
        response = self.client.post(
            self.url,
            {
                "self_assessment_due_on": "2026-07-09",
                "appraisal_due_on": "2026-07-16",
                "appeals_due_on": "2026-07-31",
                "reason": "Lùi hạn",
                "version": version,
            },
            follow=True,
        )
        assert "Có người đã thay đổi đợt này" in response.content.decode()
        assert deadlines(self.round)[0] == D(2026, 7, 8)

    def test_nobody_else_changes_them(self):
        for persona, status in (("ward_officer", 403), ("ward_chair", 403), ("appraiser", 403)):
            self.login(persona)
            response = self.client.post(
                self.url,
                {
                    "self_assessment_due_on": "2026-07-08",
                    "appraisal_due_on": "2026-07-16",
                    "appeals_due_on": "2026-07-31",
                    "reason": "x",
                },
            )
            assert response.status_code == status, persona
            board = self.client.get(self.round.get_absolute_url()).content.decode()
            assert 'data-testid="deadlines"' not in board, persona
        # A keeper of another city has the capability, not the round.
        from cchc.accounts.services import membership_add, user_create
        from cchc.core.roles import Role
        from cchc.core.testing import TEST_PASSWORD
        from cchc.orgunits.services import org_unit_create

        other = org_unit_create(
            actor=None, code="H999", name="TP khác", kind="city", parent=self.cast.province
        )
        keeper = user_create(actor=None, username="noivu.khac", password=TEST_PASSWORD)
        membership_add(actor=None, user=keeper, role=Role.HOME_AFFAIRS, org_unit=other)
        self.client.force_login(keeper)
        response = self.client.post(
            self.url,
            {
                "self_assessment_due_on": "2026-07-08",
                "appraisal_due_on": "2026-07-16",
                "appeals_due_on": "2026-07-31",
                "reason": "x",
            },
        )
        assert response.status_code in (403, 404)
        assert deadlines(self.round)[0] == D(2026, 7, 1)
