"""The consolidation planner: invariants over generated years, and hand-made edge cases."""

import datetime
import random
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cchc.inspections.planner import (
    Conflict,
    PlanMember,
    PlanRequest,
    plan_year,
    working_days,
)

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)
MON = D(2026, 3, 2)  # a Monday; MON + n days below
TOPICS = ["cchc", "tthc", "iso", "directives"]


def day(offset):
    return MON + datetime.timedelta(days=offset)


def req(id, unit, agency, start, end, topic="cchc"):
    return PlanRequest(id, unit, topic, agency, start, end)


def member(id, agency, topics=(), homes=()):
    return PlanMember(id, agency, frozenset(topics), frozenset(homes))


def largest_distance(date, requests):
    return max(max((r.window_start - date).days, (date - r.window_end).days, 0) for r in requests)


def is_working_day(date, holidays):
    return date.weekday() < 5 and date not in holidays


def windows_holding(date, requests):
    return sum(1 for r in requests if r.window_start <= date <= r.window_end)


def gap(date, request):
    """Days from date to the nearest edge of the request's window, counted by hand."""
    if date < request.window_start:
        return (request.window_start - date).days
    if date > request.window_end:
        return (date - request.window_end).days
    return 0


def check_date(visit, unit_requests, holidays):
    """The visit's date is inside the most windows any working day is inside; failing any, it is
    the working day nearest to a window; each request outside is reported with its real gap."""
    low = min(r.window_start for r in unit_requests) - datetime.timedelta(days=60)
    high = max(r.window_end for r in unit_requests) + datetime.timedelta(days=60)
    candidates = working_days(low, high, holidays)
    best = max(windows_holding(d, unit_requests) for d in candidates)
    assert windows_holding(visit.date, unit_requests) == best
    if best == 0:
        nearest = min(min(gap(d, r) for r in unit_requests) for d in candidates)
        assert min(gap(visit.date, r) for r in unit_requests) == nearest
    outside = [c for c in visit.conflicts if c.kind == "outside_window"]
    left_out = sorted(
        r.id for r in unit_requests if not r.window_start <= visit.date <= r.window_end
    )
    if not left_out:
        assert not outside
        return
    (conflict,) = outside
    by_id = {r.id: r for r in unit_requests}
    assert conflict.request_ids == tuple(left_out)
    assert conflict.gaps == tuple(gap(visit.date, by_id[rid]) for rid in left_out)
    assert all(g > 0 for g in conflict.gaps)
    assert conflict.days == max(conflict.gaps)


def check_plan(requests, members, plan, holidays=frozenset(), head_agency_id=None):
    """Check every promise of plan_year independently of its implementation."""
    by_unit = defaultdict(list)
    for r in requests:
        by_unit[r.unit_id].append(r)
    by_id = {r.id: r for r in requests}
    member_by_id = {m.id: m for m in members}

    # Counts.
    assert plan.request_count == len(requests)
    assert plan.visit_count == len(plan.visits) == len(by_unit)
    assert plan.visits_saved == plan.request_count - plan.visit_count
    assert plan.units_consolidated == sum(1 for rs in by_unit.values() if len(rs) > 1)
    assert plan.conflict_count == sum(len(v.conflicts) for v in plan.visits)
    assert plan.visits == sorted(plan.visits, key=lambda v: (v.date, v.unit_id))

    # Every request exactly once, one visit per unit, on the visit for its unit.
    covered = [rid for v in plan.visits for rid in v.request_ids]
    assert sorted(covered) == sorted(r.id for r in requests)
    assert len({v.unit_id for v in plan.visits}) == len(plan.visits)

    booked = set()
    for visit in plan.visits:
        unit_requests = by_unit[visit.unit_id]
        assert visit.request_ids == tuple(sorted(r.id for r in unit_requests))
        assert visit.topics == tuple(sorted({r.topic for r in unit_requests}))
        assert is_working_day(visit.date, holidays)

        # Team: unique, head first, right agencies, never at home, never double-booked.
        assert len(set(visit.member_ids)) == len(visit.member_ids)
        if visit.member_ids:
            assert visit.head_id == visit.member_ids[0]
        else:
            assert visit.head_id is None
        requesting = {r.agency_id for r in unit_requests}
        for member_id in visit.member_ids:
            m = member_by_id[member_id]
            assert m.agency_id in requesting
            assert visit.unit_id not in m.home_unit_ids
            assert (member_id, visit.date) not in booked, "member double-booked"
            booked.add((member_id, visit.date))
        if head_agency_id is not None and any(
            member_by_id[m].agency_id == head_agency_id for m in visit.member_ids
        ):
            assert member_by_id[visit.head_id].agency_id == head_agency_id
        assigned = {m for ids in visit.assignments.values() for m in ids}
        assert assigned == set(visit.member_ids)
        assert set(visit.assignments) == set(visit.topics)

        # Date: inside as many windows as any working day is (all of them when they share one),
        # else the nearest working day to a window; every request left outside is reported with
        # the real number of days between the date and its window.
        check_date(visit, unit_requests, holidays)

        # Each (agency, topic) is covered by a member of that agency, or reported as a conflict
        # only when that agency truly had nobody free and eligible that day.
        missing = {(c.agency_id, c.topic): c for c in visit.conflicts if c.kind == "no_member"}
        for agency_id, topic in {(r.agency_id, r.topic) for r in unit_requests}:
            covering = [
                m for m in visit.assignments[topic] if member_by_id[m].agency_id == agency_id
            ]
            if (agency_id, topic) in missing:
                assert not covering
                assert missing[(agency_id, topic)].request_ids == tuple(
                    sorted(
                        r.id for r in unit_requests if r.agency_id == agency_id and r.topic == topic
                    )
                )
            else:
                assert len(covering) == 1
        assert set(missing) <= {(r.agency_id, r.topic) for r in unit_requests}
        for rid in visit.request_ids:
            assert by_id[rid].unit_id == visit.unit_id

    # No member was left idle while a no_member conflict was reported for their agency.
    for visit in plan.visits:
        for conflict in visit.conflicts:
            if conflict.kind != "no_member":
                continue
            for m in members:
                if m.agency_id == conflict.agency_id:
                    assert (m.id, visit.date) in booked or visit.unit_id in m.home_unit_ids


def generated_year(rng, units=200, agencies=7, members_per_agency=6, overlap=True):
    requests = []
    for unit in range(units):
        anchor = D(2026, 1, 5) + datetime.timedelta(days=rng.randrange(0, 300))
        for agency in rng.sample(range(1, agencies + 1), rng.randint(1, 4)):
            spread = 15 if overlap else 120
            start = anchor + datetime.timedelta(days=rng.randrange(-spread, spread + 1))
            end = start + datetime.timedelta(days=rng.randrange(0, 92))
            requests.append(
                PlanRequest(len(requests) + 1, unit, rng.choice(TOPICS), agency, start, end)
            )
    members = []
    for agency in range(1, agencies + 1):
        for n in range(members_per_agency):
            topics = frozenset(rng.sample(TOPICS, rng.choice([0, 1, 2])))
            homes = frozenset(rng.sample(range(units), rng.choice([0, 0, 1, 3])))
            members.append(PlanMember(agency * 100 + n, agency, topics, homes))
    return requests, members


HOLIDAYS = frozenset([D(2026, 4, 30), D(2026, 5, 1), D(2026, 9, 2)])


@pytest.mark.parametrize("seed", range(25))
def test_generated_years_keep_every_invariant(seed):
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    requests, members = generated_year(
        rng, overlap=seed % 2 == 0, members_per_agency=rng.choice([1, 2, 6])
    )
    plan = plan_year(requests, members, holidays=HOLIDAYS, head_agency_id=seed % 8 or None)
    check_plan(requests, members, plan, HOLIDAYS, head_agency_id=seed % 8 or None)
    assert plan.visit_count <= len({r.unit_id for r in requests})


@pytest.mark.parametrize("seed", range(10))
def test_with_enough_members_overlapping_windows_have_no_conflict(seed):
    rng = random.Random(1000 + seed)  # noqa: S311 - seeded test data
    requests, members = generated_year(rng, members_per_agency=25)
    # Keep only units whose windows share a working day.
    by_unit = defaultdict(list)
    for r in requests:
        by_unit[r.unit_id].append(r)
    requests = [
        r
        for rs in by_unit.values()
        if working_days(max(x.window_start for x in rs), min(x.window_end for x in rs))
        for r in rs
    ]
    plan = plan_year(requests, members)
    check_plan(requests, members, plan)
    assert plan.conflict_count == 0


dates = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31))


@st.composite
def small_years(draw):
    requests = []
    for unit in range(draw(st.integers(1, 12))):
        for _ in range(draw(st.integers(1, 4))):
            start = draw(dates)
            end = start + datetime.timedelta(days=draw(st.integers(0, 40)))
            agency = draw(st.integers(1, 3))
            topic = draw(st.sampled_from(TOPICS))
            requests.append(PlanRequest(len(requests) + 1, unit, topic, agency, start, end))
    members = []
    for member_id in range(draw(st.integers(0, 8))):
        members.append(
            PlanMember(
                member_id,
                draw(st.integers(1, 3)),
                frozenset(draw(st.lists(st.sampled_from(TOPICS), max_size=2))),
                frozenset(draw(st.lists(st.integers(0, 11), max_size=2))),
            )
        )
    holidays = frozenset(draw(st.lists(dates, max_size=5)))
    return requests, members, holidays


@settings(max_examples=150, deadline=None)
@given(small_years(), st.sampled_from([None, 1, 2, 3]))
def test_hypothesis_years_keep_every_invariant(year, head_agency_id):
    requests, members, holidays = year
    plan = plan_year(requests, members, holidays=holidays, head_agency_id=head_agency_id)
    check_plan(requests, members, plan, holidays, head_agency_id)


def test_working_days_skip_weekends_and_holidays():
    assert MON.weekday() == 0
    days = working_days(MON, day(13), frozenset([day(2)]))
    assert days == [day(0), day(1), day(3), day(4), day(7), day(8), day(9), day(10), day(11)]
    assert working_days(day(5), day(6)) == []
    assert working_days(day(1), day(0)) == []


def test_requests_of_one_unit_become_one_visit_inside_the_common_window():
    requests = [
        req(1, 10, 1, day(0), day(11), "cchc"),
        req(2, 10, 2, day(2), day(18), "tthc"),
        req(3, 10, 3, day(7), day(25), "iso"),
        req(4, 20, 1, day(0), day(4)),
    ]
    members = [member(1, 1), member(2, 2), member(3, 3)]
    plan = plan_year(requests, members)
    assert plan.visit_count == 2
    assert plan.units_consolidated == 1
    assert plan.visits_saved == 2
    visit = next(v for v in plan.visits if v.unit_id == 10)
    assert visit.request_ids == (1, 2, 3)
    assert visit.topics == ("cchc", "iso", "tthc")
    assert day(7) <= visit.date <= day(11)
    assert visit.assignments == {"cchc": (1,), "tthc": (2,), "iso": (3,)}
    assert visit.conflicts == ()


def test_non_overlapping_windows_give_a_day_inside_the_most_windows():
    requests = [
        req(1, 10, 1, day(0), day(18)),
        req(2, 10, 2, day(0), day(3)),  # ends Thursday
        req(3, 10, 3, day(14), day(18)),  # starts Monday two weeks on
    ]
    members = [member(1, 1), member(2, 2), member(3, 3)]
    plan = plan_year(requests, members)
    (visit,) = plan.visits
    # Monday to Thursday of the first week are inside two windows (as is the third week); the
    # earliest wins, and request 3 is 14 days away.
    assert visit.date == day(0)
    assert visit.conflicts == (Conflict("outside_window", (3,), days=14, gaps=(14,)),)
    assert plan.conflict_count == 1


def test_windows_of_one_unit_in_different_months_the_day_satisfies_most_requests():
    # The walk's Nam Hà: 01-10/03 twice and 01-10/04. The old planner split the difference (22/03,
    # inside no window, "up to 12 days"); a day in early March satisfies two of the three.
    requests = [
        req(1, 10, 1, D(2026, 3, 1), D(2026, 3, 10), "cchc"),
        req(2, 10, 2, D(2026, 3, 1), D(2026, 3, 10), "tthc"),
        req(3, 10, 3, D(2026, 4, 1), D(2026, 4, 10), "iso"),
    ]
    (visit,) = plan_year(requests, [member(1, 1), member(2, 2), member(3, 3)]).visits
    assert visit.date == D(2026, 3, 2)  # 1 March is a Sunday
    assert visit.conflicts == (Conflict("outside_window", (3,), days=30, gaps=(30,)),)


def test_one_window_inside_another_and_a_third_alone():
    # Three windows, two nested: their overlap beats the earlier day of the long one alone.
    requests = [
        req(1, 10, 1, day(0), day(25)),
        req(2, 10, 1, day(9), day(11), "iso"),
        req(3, 10, 1, day(21), day(22), "tthc"),
    ]
    (visit,) = plan_year(requests, [member(1, 1)]).visits
    assert visit.date == day(9)
    assert visit.conflicts == (Conflict("outside_window", (3,), days=12, gaps=(12,)),)


def test_gaps_are_counted_to_each_windows_nearest_edge():
    # Windows Mon-Fri and the Monday after next: each holds five working days; the first wins,
    # and the second is 14 days after its Monday.
    requests = [req(1, 10, 1, day(0), day(4)), req(2, 10, 1, day(14), day(18), "iso")]
    (visit,) = plan_year(requests, [member(1, 1)]).visits
    assert visit.date == day(0)
    assert visit.conflicts == (Conflict("outside_window", (2,), days=14, gaps=(14,)),)
    assert visit.assignments == {"cchc": (1,), "iso": (1,)}
    # The only member busy every day of the first week (a one-day visit elsewhere each day): the
    # second window's week has a full team, and the first window is left 10 days behind.
    busy = [req(10 + n, 20 + n, 1, day(n), day(n)) for n in range(5)]
    plan = plan_year(requests + busy, [member(1, 1)])
    visit = next(v for v in plan.visits if v.unit_id == 10)
    assert (visit.date, visit.member_ids) == (day(14), (1,))
    assert visit.conflicts == (Conflict("outside_window", (1,), days=10, gaps=(10,)),)


def test_weekend_only_window_takes_the_nearest_working_day():
    plan = plan_year([req(1, 10, 1, day(5), day(6))], [member(1, 1)])
    (visit,) = plan.visits
    assert visit.date == day(4)  # Friday before; Monday after is as close but later
    assert visit.conflicts == (Conflict("outside_window", (1,), days=1, gaps=(1,)),)
    # With that Friday a holiday, the Monday after.
    plan = plan_year([req(1, 10, 1, day(5), day(6))], [member(1, 1)], holidays=frozenset([day(4)]))
    assert plan.visits[0].date == day(7)
    # A second weekend-only visit goes to the less loaded of the two nearest days.
    plan = plan_year(
        [req(1, 10, 1, day(5), day(6)), req(2, 20, 1, day(5), day(6))], [member(1, 1), member(2, 1)]
    )
    assert {v.date for v in plan.visits} == {day(4), day(7)}


def test_window_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="window ends"):
        plan_year([req(1, 10, 1, day(0), day(4)), req(2, 11, 1, day(3), day(2))], [member(1, 1)])


def test_agency_without_a_free_member_gives_a_no_member_conflict():
    requests = [
        req(1, 10, 1, day(1), day(1)),
        req(2, 20, 1, day(1), day(1), "iso"),
        req(3, 20, 2, day(1), day(1), "iso"),
    ]
    members = [member(1, 1), member(2, 2)]
    plan = plan_year(requests, members)
    first, second = plan.visits
    assert (first.unit_id, first.member_ids, first.conflicts) == (10, (1,), ())
    assert second.unit_id == 20
    assert second.member_ids == (2,)
    assert second.assignments == {"iso": (2,)}
    assert second.conflicts == (Conflict("no_member", (2,), agency_id=1, topic="iso"),)
    assert plan.conflict_count == 1


def test_agency_with_no_members_at_all_gives_a_no_member_conflict():
    plan = plan_year([req(1, 10, 5, day(0), day(4))], [member(1, 1)])
    (visit,) = plan.visits
    assert visit.member_ids == ()
    assert visit.head_id is None
    assert visit.assignments == {"cchc": ()}
    assert visit.conflicts == (Conflict("no_member", (1,), agency_id=5, topic="cchc"),)


def test_a_day_with_a_full_team_is_preferred_over_a_less_loaded_one():
    # Monday: unit 10 takes the only member of agency 1. Tuesday: units 30 and 35 (agency 2).
    # Unit 20 (agency 1, Monday or Tuesday) goes on the busier Tuesday, the only full-team day.
    requests = [
        req(1, 10, 1, day(0), day(0)),
        req(2, 30, 2, day(1), day(1)),
        req(3, 35, 2, day(1), day(1)),
        req(4, 20, 1, day(0), day(1)),
        req(5, 40, 1, day(0), day(1)),
    ]
    plan = plan_year(requests, [member(1, 1), member(2, 2), member(3, 2)])
    by_unit = {v.unit_id: v for v in plan.visits}
    assert by_unit[10].date == day(0)
    assert (by_unit[20].date, by_unit[20].member_ids, by_unit[20].conflicts) == (day(1), (1,), ())
    # Unit 40 finds agency 1 busy both days: the less loaded Monday, with the conflict shown.
    assert by_unit[40].date == day(0)
    assert by_unit[40].conflicts == (Conflict("no_member", (5,), agency_id=1, topic="cchc"),)
    assert plan.conflict_count == 1


def test_tightest_window_is_planned_first():
    # One member for both units: unit 10 could go Monday or Tuesday, unit 20 only Monday.
    # Planning by unit id alone would give unit 10 Monday and leave unit 20 without a member.
    requests = [req(1, 10, 1, day(0), day(1)), req(2, 20, 1, day(0), day(0))]
    plan = plan_year(requests, [member(1, 1)])
    assert [(v.unit_id, v.date, v.member_ids) for v in plan.visits] == [
        (20, day(0), (1,)),
        (10, day(1), (1,)),
    ]
    assert plan.conflict_count == 0


def test_visits_spread_over_the_window_and_members_share_the_load():
    requests = [req(n, n, 1, day(0), day(4)) for n in range(1, 6)]
    plan = plan_year(requests, [member(1, 1), member(2, 1)])
    assert [v.date for v in plan.visits] == [day(0), day(1), day(2), day(3), day(4)]
    assert [v.member_ids for v in plan.visits] == [(1,), (2,), (1,), (2,), (1,)]
    assert plan.conflict_count == 0


def test_member_working_at_the_unit_is_never_chosen():
    requests = [req(1, 10, 1, day(0), day(0)), req(2, 20, 1, day(0), day(0))]
    # Member 1 (lowest id, no bookings) works at unit 10; member 2 is sent there instead.
    members = [member(1, 1, homes=[10]), member(2, 1)]
    plan = plan_year(requests, members)
    by_unit = {v.unit_id: v for v in plan.visits}
    assert by_unit[10].member_ids == (2,)
    assert by_unit[20].member_ids == (1,)
    # With member 1 alone, unit 10 gets nobody rather than its own staff.
    plan = plan_year(requests[:1], members[:1])
    assert plan.visits[0].member_ids == ()
    assert plan.visits[0].conflicts[0].kind == "no_member"


def test_head_comes_from_the_head_agency():
    requests = [req(1, 10, 1, day(0), day(4), "tthc"), req(2, 10, 2, day(0), day(4), "cchc")]
    members = [member(1, 1), member(2, 2)]
    (visit,) = plan_year(requests, members, head_agency_id=2).visits
    assert visit.head_id == 2
    assert visit.member_ids == (2, 1)
    # Without a head agency (or none of its members on the team): the first assigned member.
    (visit,) = plan_year(requests, members).visits
    assert (visit.head_id, visit.member_ids) == (1, (1, 2))
    (visit,) = plan_year(requests, members, head_agency_id=9).visits
    assert (visit.head_id, visit.member_ids) == (1, (1, 2))


def test_one_member_covers_two_topics_of_the_same_agency():
    requests = [req(1, 10, 1, day(0), day(4), "cchc"), req(2, 10, 1, day(0), day(4), "iso")]
    # Member 2 covers cchc; for iso, member 2 (already on the visit) beats member 1 (lower id).
    members = [member(1, 1, topics=["iso"]), member(2, 1, topics=["cchc", "iso"])]
    (visit,) = plan_year(requests, members).visits
    assert visit.member_ids == (2,)
    assert visit.assignments == {"cchc": (2,), "iso": (2,)}
    # Generalists are reused too.
    (visit,) = plan_year(requests, [member(1, 1), member(2, 1)]).visits
    assert visit.member_ids == (1,)
    # Specialists are preferred over reusing a member who does not list the topic.
    members = [member(1, 1, topics=["cchc"]), member(2, 1, topics=["iso"])]
    (visit,) = plan_year(requests, members).visits
    assert visit.assignments == {"cchc": (1,), "iso": (2,)}


def test_topic_fit_then_generalists_then_anyone():
    request = [req(1, 10, 1, day(0), day(4), "iso")]
    specialist, generalist, other = (
        member(3, 1, topics=["iso"]),
        member(2, 1),
        member(1, 1, topics=["cchc"]),
    )
    assert plan_year(request, [other, generalist, specialist]).visits[0].member_ids == (3,)
    assert plan_year(request, [other, generalist]).visits[0].member_ids == (2,)
    assert plan_year(request, [other]).visits[0].member_ids == (1,)


def test_same_input_gives_the_same_plan_in_any_order():
    rng = random.Random(7)  # noqa: S311 - seeded test data
    requests, members = generated_year(rng, units=120, members_per_agency=3)
    plan = plan_year(requests, members, holidays=HOLIDAYS, head_agency_id=1)
    assert plan_year(requests, members, holidays=HOLIDAYS, head_agency_id=1) == plan
    rng.shuffle(requests)
    rng.shuffle(members)
    assert plan_year(iter(requests), iter(members), holidays=HOLIDAYS, head_agency_id=1) == plan


@st.composite
def one_units_windows(draw):
    """1-6 windows of one unit anywhere in a year, some a day or a weekend long, some far apart;
    holidays that may empty a window of working days."""
    requests = []
    for request_id in range(1, draw(st.integers(1, 6)) + 1):
        start = draw(dates)
        end = start + datetime.timedelta(days=draw(st.sampled_from([0, 1, 2, 6, 9, 30, 90])))
        topic = draw(st.sampled_from(TOPICS))
        requests.append(PlanRequest(request_id, 7, topic, draw(st.integers(1, 3)), start, end))
    holidays = frozenset(draw(st.lists(dates, max_size=12)))
    return requests, holidays


@settings(max_examples=300, deadline=None)
@given(one_units_windows(), st.booleans())
def test_hypothesis_the_date_is_inside_the_most_windows_and_gaps_are_real(windows, staffed):
    requests, holidays = windows
    # With a member of every agency, or nobody at all: the date never depends on staffing here.
    members = [member(agency, agency) for agency in (1, 2, 3)] if staffed else []
    (visit,) = plan_year(requests, members, holidays=holidays).visits
    assert is_working_day(visit.date, holidays)
    check_date(visit, requests, holidays)
    # Ties go to the earliest such day (one visit: no load to spread, a team on any day).
    low = min(r.window_start for r in requests) - datetime.timedelta(days=60)
    best = windows_holding(visit.date, requests)
    earlier = working_days(low, visit.date - ONE_DAY, holidays)
    if best:
        assert all(windows_holding(d, requests) < best for d in earlier)
    else:
        nearest = min(gap(visit.date, r) for r in requests)
        assert all(min(gap(d, r) for r in requests) > nearest for d in earlier)
