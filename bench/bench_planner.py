"""Inspection consolidation planner at national scale: 3,321 units, ~3 requests each from 7
agencies with windows of 1-3 months in 2026, 25 members per agency. Pure Python, no database."""

import datetime
import random
import sys

from common import OVER_LIMIT, ROOT, median_seconds, report

sys.path.insert(0, str(ROOT))  # the project, as setup_django() would do

from cchc.inspections.planner import (  # noqa: E402
    Plan,
    PlanMember,
    PlanRequest,
    plan_year,
)

UNITS = 3321
AGENCIES = 7
MEMBERS_PER_AGENCY = 25
TOPICS = ["cchc", "tthc", "iso", "directives"]
YEAR = 2026
LIMIT_SECONDS = 10.0
# Vietnamese public holidays in 2026 (fixed dates plus the Tết and Hùng Kings days off).
HOLIDAYS = frozenset(
    [datetime.date(YEAR, 1, 1)]
    + [datetime.date(YEAR, 2, day) for day in range(14, 23)]
    + [datetime.date(YEAR, 4, 27), datetime.date(YEAR, 4, 30), datetime.date(YEAR, 5, 1)]
    + [datetime.date(YEAR, 9, 1), datetime.date(YEAR, 9, 2)]
)


def build(seed: int = 2026) -> tuple[list[PlanRequest], list[PlanMember]]:
    rng = random.Random(seed)
    members: list[PlanMember] = []
    for agency in range(1, AGENCIES + 1):
        for n in range(MEMBERS_PER_AGENCY):
            member_id = agency * 100 + n
            # Most members list one or two topics, some any topic; one in five works at a unit.
            topics = frozenset(rng.sample(TOPICS, rng.choice([0, 1, 1, 2])))
            homes = frozenset([rng.randrange(UNITS)]) if rng.random() < 0.2 else frozenset()
            members.append(PlanMember(member_id, agency, topics, homes))

    requests: list[PlanRequest] = []
    year_start = datetime.date(YEAR, 1, 5)
    for unit in range(UNITS):
        count = rng.choice([1, 2, 3, 3, 4, 5])  # 3 on average
        # Requests for one unit cluster around a season, so their windows mostly overlap.
        anchor = year_start + datetime.timedelta(days=rng.randrange(0, 300))
        for agency in rng.sample(range(1, AGENCIES + 1), count):
            start = anchor + datetime.timedelta(days=rng.randrange(-20, 21))
            start = max(start, datetime.date(YEAR, 1, 2))
            end = min(
                start + datetime.timedelta(days=rng.randrange(30, 92)), datetime.date(YEAR, 12, 31)
            )
            requests.append(
                PlanRequest(len(requests) + 1, unit, rng.choice(TOPICS), agency, start, end)
            )
    return requests, members


def main() -> int:
    requests, members = build()
    result: list[Plan] = []

    def run() -> None:
        result.append(plan_year(requests, members, holidays=HOLIDAYS, head_agency_id=1))

    seconds = median_seconds(run, repeat=3)
    plan = result[-1]
    outside = sum(1 for v in plan.visits for c in v.conflicts if c.kind == "outside_window")
    report(
        "inspection_planner_nation",
        {
            "units": UNITS,
            "agencies": AGENCIES,
            "members": len(members),
            "requests": plan.request_count,
            "visits": plan.visit_count,
            "units_consolidated": plan.units_consolidated,
            "visits_saved": plan.visits_saved,
            "conflicts": plan.conflict_count,
            "outside_window_conflicts": outside,
            "no_member_conflicts": plan.conflict_count - outside,
            "seconds": seconds,
            "limit_seconds": LIMIT_SECONDS,
            "seconds_vs_limit": seconds / LIMIT_SECONDS,
        },
    )
    if seconds > LIMIT_SECONDS:
        print(f"OVER LIMIT: {seconds:.2f}s > {LIMIT_SECONDS:.0f}s")
        return OVER_LIMIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
