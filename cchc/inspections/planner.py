"""Consolidation planner: one inspection visit per unit per year, pure Python (no database).

All requests for a unit become one visit covering every requested topic, dated on a working day
inside as many of the requests' windows as possible (inside all of them when they share one; when
no working day is inside any, the working day nearest to a window), with each request left outside
recorded as a conflict with its gap; staffed by one member of each requesting agency per topic. Hard
invariants: no member is booked on two visits the same day, and no member inspects a unit where
they work. The output depends only on the input values, not on their order.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

OUTSIDE_WINDOW = "outside_window"
NO_MEMBER = "no_member"

# How far past the requests' windows to look for a working day before widening the search.
_FIRST_SEARCH_RADIUS = 31
_MAX_SEARCH_RADIUS = 3660


@dataclass(frozen=True)
class PlanRequest:
    id: int
    unit_id: int
    topic: str  # e.g. "cchc", "tthc", "iso", "directives"
    agency_id: int  # the requesting agency; a member of this agency must be on the team
    window_start: datetime.date
    window_end: datetime.date


@dataclass(frozen=True)
class PlanMember:
    id: int
    agency_id: int
    topics: frozenset[str]  # topics the member can cover; empty = any topic of their agency
    home_unit_ids: frozenset[int]  # units where the member works (never inspects these)


@dataclass(frozen=True)
class Conflict:
    """A planning problem shown to the user.

    outside_window: the chosen date lies outside these requests' windows; gaps[i] is the number
    of days between the date and the nearest edge of request_ids[i]'s window, days the largest.
    no_member: no free member of agency_id could be assigned for topic on that date.
    """

    kind: str  # "outside_window" | "no_member"
    request_ids: tuple[int, ...]
    agency_id: int | None = None
    topic: str | None = None
    days: int = 0
    gaps: tuple[int, ...] = ()


@dataclass
class PlannedVisit:
    unit_id: int
    date: datetime.date
    topics: tuple[str, ...]  # sorted, unique
    request_ids: tuple[int, ...]  # sorted
    member_ids: tuple[int, ...]  # head first; unique
    head_id: int | None
    assignments: dict[str, tuple[int, ...]]  # topic -> member ids covering it
    conflicts: tuple[Conflict, ...]


@dataclass
class Plan:
    visits: list[PlannedVisit]  # sorted by (date, unit_id)
    request_count: int
    visit_count: int
    units_consolidated: int  # units with more than one request, visited once
    visits_saved: int  # request_count - visit_count
    conflict_count: int


def working_days(
    start: datetime.date,
    end: datetime.date,
    holidays: frozenset[datetime.date] = frozenset(),
) -> list[datetime.date]:
    """Monday to Friday from start to end inclusive, minus holidays."""
    days: list[datetime.date] = []
    day = start
    one = datetime.timedelta(days=1)
    while day <= end:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += one
    return days


# A required slot on a visit: (agency_id, topic).
_Slot = tuple[int, str]
# A candidate member for a slot: (topic tier, member id, home unit ids); tier 0 = lists the topic,
# 1 = lists no topic, 2 = any other member of the agency.
_Candidate = tuple[int, int, frozenset[int]]


@dataclass
class _Group:
    """The requests of one unit, with the days the visit may take place on."""

    unit_id: int
    requests: list[PlanRequest]
    slots: list[_Slot]  # sorted
    days: list[datetime.date]  # working days inside the most windows (else nearest to one)


def window_gap(day: datetime.date, start: datetime.date, end: datetime.date) -> int:
    """Days between day and the nearest edge of the window [start, end] (0 inside)."""
    if day < start:
        return (start - day).days
    if day > end:
        return (day - end).days
    return 0


def outside_window_conflict(requests: Iterable[PlanRequest], day: datetime.date) -> Conflict | None:
    """The requests whose window does not hold day, each with its gap; None when all do."""
    outside = sorted(
        (r.id, window_gap(day, r.window_start, r.window_end))
        for r in requests
        if not r.window_start <= day <= r.window_end
    )
    if not outside:
        return None
    gaps = tuple(gap for _, gap in outside)
    return Conflict(
        OUTSIDE_WINDOW, tuple(request_id for request_id, _ in outside), days=max(gaps), gaps=gaps
    )


def _candidate_days(
    requests: list[PlanRequest], holidays: frozenset[datetime.date]
) -> list[datetime.date]:
    """The working days inside as many of the requests' windows as any working day is.

    How many windows hold a day changes only where a window starts or the day after one ends,
    so the year is cut there and each piece counted once. When no working day is inside any
    window, the working days nearest to a window instead."""
    one = datetime.timedelta(days=1)
    cuts = sorted({r.window_start for r in requests} | {r.window_end + one for r in requests})
    by_count: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
    for piece_start, next_start in zip(cuts, cuts[1:], strict=False):
        count = sum(1 for r in requests if r.window_start <= piece_start <= r.window_end)
        if count:
            by_count[count].append((piece_start, next_start - one))
    for count in sorted(by_count, reverse=True):
        days = [day for start, end in by_count[count] for day in working_days(start, end, holidays)]
        if days:
            return days
    return _nearest_days(requests, holidays)


def _nearest_days(
    requests: list[PlanRequest], holidays: frozenset[datetime.date]
) -> list[datetime.date]:
    """Working days at the smallest distance to the nearest window (none holds a working day)."""
    low = min(r.window_start for r in requests)
    high = max(r.window_end for r in requests)
    radius = _FIRST_SEARCH_RADIUS
    while radius <= _MAX_SEARCH_RADIUS:
        span = datetime.timedelta(days=radius)
        best: list[datetime.date] = []
        best_distance = radius + 1
        for day in working_days(low - span, high + span, holidays):
            distance = min(window_gap(day, r.window_start, r.window_end) for r in requests)
            if distance < best_distance:
                best, best_distance = [day], distance
            elif distance == best_distance:
                best.append(day)
        # A working day outside the scanned span is more than `radius` days from every window.
        if best_distance <= radius:
            return best
        radius *= 2
    raise ValueError(f"No working day within {_MAX_SEARCH_RADIUS} days of {low}..{high}.")


class _Planner:
    def __init__(
        self,
        members: Iterable[PlanMember],
        holidays: frozenset[datetime.date],
        head_agency_id: int | None,
    ) -> None:
        self.holidays = holidays
        self.head_agency_id = head_agency_id
        self.agency_of: dict[int, int] = {}
        self.by_agency: dict[int, list[PlanMember]] = defaultdict(list)
        for member in sorted(members, key=lambda m: m.id):
            self.agency_of[member.id] = member.agency_id
            self.by_agency[member.agency_id].append(member)
        self.candidates_cache: dict[_Slot, list[_Candidate]] = {}
        self.booked: dict[datetime.date, set[int]] = defaultdict(set)  # members busy that day
        self.load: dict[datetime.date, int] = defaultdict(int)  # visits planned that day
        self.bookings: dict[int, int] = defaultdict(int)  # visits per member so far

    def candidates(self, slot: _Slot) -> list[_Candidate]:
        """Members of the slot's agency, best topic fit first, then by id."""
        found = self.candidates_cache.get(slot)
        if found is None:
            agency_id, topic = slot
            found = []
            for member in self.by_agency.get(agency_id, []):
                tier = 0 if topic in member.topics else 1 if not member.topics else 2
                found.append((tier, member.id, member.home_unit_ids))
            found.sort(key=lambda candidate: (candidate[0], candidate[1]))
            self.candidates_cache[slot] = found
        return found

    def staff(self, group: _Group, day: datetime.date) -> tuple[dict[_Slot, int], list[int]]:
        """Fill the group's slots on day without booking: slot -> member id, and the team in
        the order members were first assigned. Unfillable slots are left out."""
        busy = self.booked.get(day, set())
        bookings = self.bookings
        unit_id = group.unit_id
        filled: dict[_Slot, int] = {}
        team: list[int] = []
        on_team: set[int] = set()
        for slot in group.slots:
            best: tuple[int, int, int, int] | None = None
            for tier, member_id, homes in self.candidates(slot):
                if best is not None and tier > best[0]:
                    break  # candidates are sorted by tier; nothing better follows
                if member_id in busy or unit_id in homes:
                    continue
                # Same tier: someone already on this visit first, then the least booked, by id.
                key = (tier, 0 if member_id in on_team else 1, bookings[member_id], member_id)
                if best is None or key < best:
                    best = key
            if best is not None:
                member_id = best[3]
                filled[slot] = member_id
                if member_id not in on_team:
                    on_team.add(member_id)
                    team.append(member_id)
        return filled, team

    def plan_group(self, group: _Group) -> PlannedVisit:
        # Prefer a day with a full team, then the least loaded day, then the earliest; failing a
        # full team anywhere, the day that fills the most slots (same tie-breaks).
        best: tuple[int, int, datetime.date, dict[_Slot, int], list[int]] | None = None
        ordered = sorted(group.days, key=lambda day: (self.load[day], day))
        for day in ordered:
            filled, team = self.staff(group, day)
            if len(filled) == len(group.slots):
                best = (0, self.load[day], day, filled, team)
                break
            key = (len(group.slots) - len(filled), self.load[day], day)
            if best is None or key < best[:3]:
                best = (*key, filled, team)
        if best is None:  # pragma: no cover - _candidate_days never returns an empty list
            raise RuntimeError(f"No candidate day for unit {group.unit_id}.")
        _, _, day, filled, team = best
        return self.book(group, day, filled, team)

    def book(
        self, group: _Group, day: datetime.date, filled: dict[_Slot, int], team: list[int]
    ) -> PlannedVisit:
        busy = self.booked[day]
        for member_id in team:
            busy.add(member_id)
            self.bookings[member_id] += 1
        self.load[day] += 1

        head_id = team[0] if team else None
        if self.head_agency_id is not None:
            for member_id in team:
                if self.agency_of[member_id] == self.head_agency_id:
                    head_id = member_id
                    break
        member_ids = tuple(team)
        if head_id is not None:
            member_ids = (head_id, *(m for m in team if m != head_id))

        topics = tuple(sorted({r.topic for r in group.requests}))
        covering: dict[str, list[int]] = {topic: [] for topic in topics}
        for slot in group.slots:
            member_id_or_none = filled.get(slot)
            if member_id_or_none is not None and member_id_or_none not in covering[slot[1]]:
                covering[slot[1]].append(member_id_or_none)

        conflicts: list[Conflict] = []
        outside = outside_window_conflict(group.requests, day)
        if outside is not None:
            conflicts.append(outside)
        for slot in group.slots:
            if slot not in filled:
                agency_id, topic = slot
                concerned = tuple(
                    r.id for r in group.requests if r.agency_id == agency_id and r.topic == topic
                )
                conflicts.append(Conflict(NO_MEMBER, concerned, agency_id=agency_id, topic=topic))

        return PlannedVisit(
            unit_id=group.unit_id,
            date=day,
            topics=topics,
            request_ids=tuple(r.id for r in group.requests),
            member_ids=member_ids,
            head_id=head_id,
            assignments={topic: tuple(ids) for topic, ids in covering.items()},
            conflicts=tuple(conflicts),
        )


def plan_year(
    requests: Iterable[PlanRequest],
    members: Iterable[PlanMember],
    *,
    holidays: frozenset[datetime.date] = frozenset(),
    head_agency_id: int | None = None,
) -> Plan:
    """Plan one visit per unit covering all of that unit's requests.

    Raises ValueError if a request's window ends before it starts.
    """
    by_unit: dict[int, list[PlanRequest]] = defaultdict(list)
    request_count = 0
    for request in requests:
        if request.window_end < request.window_start:
            raise ValueError(
                f"Request {request.id}: window ends ({request.window_end}) "
                f"before it starts ({request.window_start})."
            )
        by_unit[request.unit_id].append(request)
        request_count += 1

    groups: list[_Group] = []
    for unit_id, unit_requests in by_unit.items():
        unit_requests.sort(key=lambda r: (r.id, r.agency_id, r.topic))
        days = _candidate_days(unit_requests, holidays)
        slots = sorted({(r.agency_id, r.topic) for r in unit_requests})
        groups.append(_Group(unit_id, unit_requests, slots, days))
    # Tightest choice of days first so flexible visits fit around them; then by unit.
    groups.sort(key=lambda g: (len(g.days), g.unit_id))

    planner = _Planner(members, holidays, head_agency_id)
    visits = [planner.plan_group(group) for group in groups]
    visits.sort(key=lambda v: (v.date, v.unit_id))
    return Plan(
        visits=visits,
        request_count=request_count,
        visit_count=len(visits),
        units_consolidated=sum(1 for g in groups if len(g.requests) > 1),
        visits_saved=request_count - len(visits),
        conflict_count=sum(len(v.conflicts) for v in visits),
    )
