"""Conflicts of a proposed plan through the service: the date that satisfies most requests,
gaps that follow the visit's date, and an approval that names every conflict left open."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.inspections.models import Inspection, InspectionPlan, TeamMember
from cchc.inspections.services import planning
from cchc.inspections.tests.factories import team_ready
from cchc.orgunits.models import OrgUnit


class NamHaCase(BaseTestCase):
    """The walk's ward: 01-10/03 twice and 01-10/04, all from one agency. Next year's plan, so
    that no other test's visits of this year share its days."""

    def setUp(self):
        team_ready(self.cast)
        self.year = timezone.localdate().year + 1
        self.plan = planning.plan_get_or_create(
            actor=None, organiser=self.cast.city, year=self.year
        )
        march = (datetime.date(self.year, 3, 1), datetime.date(self.year, 3, 10))
        april = (datetime.date(self.year, 4, 1), datetime.date(self.year, 4, 10))
        self.requests = {
            topic: planning.request_file(
                actor=self.appraiser,
                plan=self.plan,
                org_unit=self.cast.ward_a,
                topic=topic,
                agency=self.cast.agency,
                window_start=window[0],
                window_end=window[1],
            )
            for topic, window in (("tthc", march), ("iso", march), ("cchc", april))
        }
        planning.plan_propose(
            actor=self.home_affairs, plan=self.plan, earliest=datetime.date(self.year, 1, 1)
        )
        self.visit = Inspection.objects.get(plan=self.plan)

    def lines(self, visit=None):
        visit = visit or Inspection.objects.get(pk=self.visit.pk)
        requests = {r.pk: r for r in self.plan.requests.select_related("agency")}
        agencies = {u.pk: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.AGENCY)}
        return planning.open_conflicts(visit, requests=requests, agencies=agencies)


class NamHaTests(NamHaCase):
    def test_the_visit_falls_inside_two_windows_and_the_third_gap_is_real(self):
        march_first_working_day = datetime.date(self.year, 3, 1)
        while march_first_working_day.weekday() >= 5:
            march_first_working_day += datetime.timedelta(days=1)
        assert self.visit.visit_date == march_first_working_day
        gap = (datetime.date(self.year, 4, 1) - self.visit.visit_date).days
        assert self.visit.conflicts == [
            {
                "kind": "outside_window",
                "requests": [self.requests["cchc"].pk],
                "agency": None,
                "topic": None,
                "days": gap,
                "gaps": [gap],
            }
        ]
        (line,) = self.lines()
        assert line.text == (
            f"Nằm ngoài khoảng thời gian Phòng Tư pháp đề nghị (Cải cách hành chính, "
            f"01/04/{self.year}–10/04/{self.year}), lệch {gap} ngày"
        ), line.text

    def test_after_a_reschedule_the_gaps_follow_the_new_date(self):
        # Moved to 2 April (or the first working day after): both March windows are behind it.
        day = datetime.date(self.year, 4, 2)
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        planning.visit_reschedule(actor=self.home_affairs, inspection=self.visit, visit_date=day)
        visit = Inspection.objects.get(pk=self.visit.pk)
        gap = (day - datetime.date(self.year, 3, 10)).days  # 23 days from 2 April
        (conflict,) = visit.conflicts
        assert conflict["requests"] == sorted([self.requests["tthc"].pk, self.requests["iso"].pk])
        assert (conflict["days"], conflict["gaps"]) == (gap, [gap, gap])
        assert all(f"lệch {gap} ngày" in line.text for line in self.lines(visit))
        self.plan.refresh_from_db()
        assert self.plan.summary["conflicts"] == 2  # as many as the page lists
        # Back inside every window it can be: one conflict again, the April one's gap.
        planning.visit_reschedule(
            actor=self.home_affairs, inspection=visit, visit_date=self.visit.visit_date
        )
        visit.refresh_from_db()
        assert visit.conflicts == self.visit.conflicts
        self.plan.refresh_from_db()
        assert self.plan.summary["conflicts"] == 1

    def test_moving_a_visit_to_its_own_day_is_refused_as_no_move(self):
        # Found walking the demo: "Đã dời ngày kiểm tra." for the date it already had.
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError) as refused:
            planning.visit_reschedule(
                actor=self.home_affairs, inspection=self.visit, visit_date=self.visit.visit_date
            )
        assert "vui lòng chọn ngày khác" in refused.exception.message_dict["visit_date"][0]

    def test_approval_is_refused_listing_the_open_conflicts_unless_each_is_accepted(self):
        with self.assertRaises(ValidationError) as refused:
            planning.plan_approve(actor=self.home_affairs, plan=self.plan)
        messages = refused.exception.messages
        assert messages[0].startswith("Chưa thể phê duyệt kế hoạch: còn 1 vướng mắc"), messages
        assert messages[1].startswith("Phường Trần Phú ("), messages
        assert "lệch" in messages[1] and "Cải cách hành chính" in messages[1], messages
        self.plan.refresh_from_db()
        assert self.plan.status == InspectionPlan.Status.DRAFT
        # A key from another date (the page was read before a reschedule) accepts nothing.
        (line,) = self.lines()
        stale = line.key.replace(self.visit.visit_date.isoformat(), "2000-01-01")
        with self.assertRaises(ValidationError):
            planning.plan_approve(actor=self.home_affairs, plan=self.plan, accepted=[stale])
        planning.plan_approve(actor=self.home_affairs, plan=self.plan, accepted=[line.key])
        self.plan.refresh_from_db()
        assert self.plan.status == InspectionPlan.Status.APPROVED
        event = AuditEvent.objects.filter(action="plan.approve").latest("pk")
        assert event.after["conflicts_accepted"] == [messages[1]]

    def test_a_topic_nobody_of_its_agency_covers_is_open_until_someone_does(self):
        for member in TeamMember.objects.filter(inspection=self.visit):
            planning.team_member_remove(actor=self.home_affairs, member=member)
        planning.team_member_add(
            actor=self.home_affairs, inspection=self.visit, user=self.inspector, topics=["tthc"]
        )
        visit = Inspection.objects.get(pk=self.visit.pk)
        missing = [c["topic"] for c in visit.conflicts if c["kind"] == "no_member"]
        assert missing == ["cchc", "iso"]
        outside = next(line for line in self.lines(visit) if ":outside:" in line.key)
        with self.assertRaises(ValidationError) as refused:
            planning.plan_approve(actor=self.home_affairs, plan=self.plan, accepted=[outside.key])
        assert "còn 2 vướng mắc" in refused.exception.messages[0]
        assert any(
            "Không còn thành viên nào của Phòng Tư pháp" in m and "ISO" in m
            for m in refused.exception.messages
        ), refused.exception.messages
        planning.team_member_add(
            actor=self.home_affairs,
            inspection=visit,
            user=self.appraiser,
            topics=["cchc", "iso"],
        )
        visit.refresh_from_db()
        assert [c["kind"] for c in visit.conflicts] == ["outside_window"]
        planning.plan_approve(actor=self.home_affairs, plan=self.plan, accepted=[outside.key])


class PlanPageConflictTests(NamHaCase):
    def test_the_page_shows_each_gap_and_approves_only_what_is_ticked(self):
        self.login("home_affairs")
        url = reverse("inspections:plan_detail", args=[self.plan.pk])
        page = self.client.get(url).content.decode()
        (line,) = self.lines()
        assert line.text in page
        assert f'name="accept" value="{line.key}" form="plan-approve"' in page
        approve = reverse("inspections:plan_approve", args=[self.plan.pk])
        response = self.client.post(approve, follow=True)
        assert "Chưa thể phê duyệt kế hoạch" in response.content.decode()
        self.plan.refresh_from_db()
        assert self.plan.status == InspectionPlan.Status.DRAFT
        self.client.post(approve, {"accept": [line.key]})
        self.plan.refresh_from_db()
        assert self.plan.status == InspectionPlan.Status.APPROVED
        page = self.client.get(url).content.decode()
        assert line.text in page and 'name="accept"' not in page
        assert "1 vướng mắc đã chấp nhận khi phê duyệt hoặc phát sinh sau đó" in page
        assert "cần xử lý" not in page
