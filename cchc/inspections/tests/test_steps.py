"""Who moves a visit on is its state machine's (visits.INSPECTION_STEPS): the page shows the
next step to exactly those the advance view lets take it, for every persona and every state."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from cchc.core.testing import PERSONAS, BaseTestCase
from cchc.inspections import selectors
from cchc.inspections.models import Inspection
from cchc.inspections.pages import inspection_page
from cchc.inspections.selectors import inspection_for_page
from cchc.inspections.services import visits
from cchc.inspections.tests.factories import approved_inspection, import_checklists, to_status


class StepRuleTests(BaseTestCase):
    def setUp(self):
        import_checklists(self.cast)
        self.inspection = approved_inspection(self.cast, year=timezone.localdate().year)

    def test_the_step_to_preparing_is_the_keepers_the_others_the_team_s(self):
        inspection = self.inspection
        keeper, inspector = self.home_affairs, self.inspector
        assert (
            visits.transition_actor_refusal(
                user=keeper, inspection=inspection, target=Inspection.Status.PREPARING
            )
            is None
        )
        # The team records the visit but does not open its preparation: the coordinator does.
        on_team = inspection.team.first().user
        assert not selectors.can_manage(user=on_team, inspection=inspection)
        assert selectors.can_inspect(user=on_team, inspection=inspection)
        for user in (on_team, inspector):
            refusal = visits.transition_actor_refusal(
                user=user, inspection=inspection, target=Inspection.Status.PREPARING
            )
            assert refusal == "Bạn không có quyền chuyển cuộc kiểm tra sang “Đang chuẩn bị”."
        # The team's steps: a member of the team, and the keepers who may correct it.
        for user in (on_team, keeper):
            assert visits.may_move(user=user, inspection=inspection, target="visiting")
        assert not visits.may_move(user=self.leader, inspection=inspection, target="visiting")
        assert not visits.may_move(user=self.ward_officer, inspection=inspection, target="x")
        # The page's next step is the state machine's: the keeper's, with why not yet.
        page = inspection_page(
            user=keeper, inspection=inspection_for_page(user=keeper, pk=inspection.pk)
        )
        assert page["may_move"] and page["next_value"] == Inspection.Status.PREPARING
        assert page["refusal"] == visits.transition_refusal(inspection, "preparing")
        leader = self.leader  # reads every visit of the city, moves none
        page = inspection_page(
            user=leader, inspection=inspection_for_page(user=leader, pk=inspection.pk)
        )
        assert not page["may_move"] and page["refusal"] is None

    def test_the_page_offers_the_step_to_exactly_those_the_view_lets_take_it(self):
        inspection = self.inspection
        url = inspection.get_absolute_url()
        advance = reverse("inspections:advance", args=[inspection.pk])
        on_team = {member.user_id for member in inspection.team.all()}
        later = datetime.datetime.combine(
            inspection.visit_date + datetime.timedelta(days=1), datetime.time(9), datetime.UTC
        )
        for status in ("planned", "preparing", "visiting"):
            to_status(self.cast, inspection, status)
            target = visits.NEXT_STATUS[Inspection.Status(status)]
            for persona in PERSONAS:
                with self.subTest(status=status, persona=persona), time_machine.travel(later):
                    self.login(persona)
                    page = self.client.get(url)
                    body = page.content.decode() if page.status_code == 200 else ""
                    shown = 'data-testid="advance"' in body or 'data-testid="refusal"' in body
                    response = self.client.post(advance, {"target": target})
                    Inspection.objects.filter(pk=inspection.pk).update(status=status)
                    assert (response.status_code == 302) == shown, (
                        response.status_code,
                        shown,
                    )
                    if persona in {"home_affairs", "admin"}:
                        assert shown  # the plan's keepers take every step
            assert any(self.cast.users[p].pk in on_team for p in PERSONAS if p != "no_role")

    def test_the_head_concludes_and_signs_the_notice_a_member_records_only(self):
        # A walk: a member assigned two ISO sections concluded the visit and issued its notice,
        # printed "TM. ĐOÀN KIỂM TRA / TRƯỞNG ĐOÀN". The head concludes and signs; the
        # coordinator may stand in.
        from cchc.documents.models import Kind
        from cchc.documents.selectors import can_issue
        from cchc.inspections.models import TeamMember

        inspection = to_status(self.cast, self.inspection, "visiting")
        seated = set(inspection.team.values_list("user_id", flat=True))
        other = next(u for u in (self.appraiser, self.inspector) if u.pk not in seated)
        TeamMember.objects.create(
            inspection=inspection,
            user=other,
            agency=self.cast.agency,
            topics=["iso"],
            visit_date=inspection.visit_date,
        )
        team = list(inspection.team.select_related("user"))
        head = next(member.user for member in team if member.is_head)
        members = [member.user for member in team if not member.is_head]
        assert members, "the fixture's team has a member besides its head"
        for member in members:
            assert selectors.can_inspect(user=member, inspection=inspection)
            assert not visits.may_move(user=member, inspection=inspection, target="concluded")
            assert not can_issue(user=member, kind=Kind.CONCLUSION_NOTICE, target=inspection)
            later = datetime.datetime.combine(
                inspection.visit_date + datetime.timedelta(days=1), datetime.time(9), datetime.UTC
            )
            with time_machine.travel(later):
                self.client.force_login(member)
                self.client.post(
                    reverse("inspections:advance", args=[inspection.pk]), {"target": "concluded"}
                )
                inspection.refresh_from_db()
                assert inspection.status == Inspection.Status.VISITING
                issue = reverse("documents:issue", args=[Kind.CONCLUSION_NOTICE, inspection.pk])
                assert self.client.post(issue, {"issued_on": "2026-06-20"}).status_code == 403
                page = self.client.get(inspection.get_absolute_url()).content.decode()
                assert "Đang chờ Trưởng đoàn" in page
        for user in (head, self.home_affairs):
            assert visits.may_move(user=user, inspection=inspection, target="concluded")
            assert can_issue(user=user, kind=Kind.CONCLUSION_NOTICE, target=inspection)
