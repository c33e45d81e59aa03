"""Planning next year's consolidated inspections through the real service (requests read, the
planner run, visits and teams written) for the generator's units (BENCH_SCALE=city|province|
nation: 3,321 communes), 7 agencies with 25 members each, three requests per unit. Compared
with the pure planner on the same requests (the part that cannot be made faster by the
database)."""

import datetime
import random
import sys
import time

from common import OVER_LIMIT, report, setup_django
from generate import dataset

setup_django()

from cchc.accounts.models import Membership, User  # noqa: E402
from cchc.core.roles import Role  # noqa: E402
from cchc.inspections import planner  # noqa: E402
from cchc.inspections.models import Inspection, InspectionRequest, TeamMember  # noqa: E402
from cchc.inspections.services import planning  # noqa: E402
from cchc.orgunits.models import OrgUnit  # noqa: E402

LIMIT_SECONDS = 30.0
TOPICS = ["cchc", "tthc", "iso", "directives"]


def build(top: OrgUnit, communes: list[OrgUnit]) -> planning.InspectionPlan:
    rng = random.Random(2026)
    OrgUnit.objects.bulk_create(
        OrgUnit(code=f"A{n}", name=f"Sở {n}", kind="agency", parent=top, depth=1, sort_order=n)
        for n in range(7)
    )
    agencies = list(OrgUnit.objects.filter(parent=top, code__startswith="A").order_by("code"))
    for agency in agencies:
        agency.path = f"{top.path}{agency.pk}/"
    OrgUnit.objects.bulk_update(agencies, ["path"])
    User.objects.bulk_create(
        User(username=f"m{a}-{n}", full_name=f"Thành viên {a}-{n}")
        for a in range(7)
        for n in range(25)
    )
    users = {user.username: user for user in User.objects.filter(username__startswith="m")}
    Membership.objects.bulk_create(
        Membership(user=users[f"m{a}-{n}"], role=Role.APPRAISER, org_unit=agencies[a])
        for a in range(7)
        for n in range(25)
    )
    plan = planning.plan_get_or_create(actor=None, organiser=top, year=2027)
    requests = []
    for unit in communes:
        start = datetime.date(2027, 1, 5) + datetime.timedelta(days=rng.randrange(0, 250))
        for topic, agency in zip(rng.sample(TOPICS, 3), rng.sample(agencies, 3), strict=True):
            requests.append(
                InspectionRequest(
                    plan=plan,
                    org_unit=unit,
                    topic=topic,
                    agency=agency,
                    window_start=start + datetime.timedelta(days=rng.randrange(0, 10)),
                    window_end=min(
                        start + datetime.timedelta(days=rng.randrange(30, 90)),
                        datetime.date(2027, 12, 31),
                    ),
                )
            )
    InspectionRequest.objects.bulk_create(requests, batch_size=2000)
    return plan


def main() -> int:
    data = dataset()
    plan = build(data.top, data.units)
    requests = list(plan.requests.all())
    members, _agency_of = planning._plan_members(plan)
    started = time.perf_counter()
    planner.plan_year(
        [
            planner.PlanRequest(
                id=r.pk,
                unit_id=r.org_unit_id,
                topic=r.topic,
                agency_id=r.agency_id,
                window_start=r.window_start,
                window_end=r.window_end,
            )
            for r in requests
        ],
        members,
    )
    pure = time.perf_counter() - started
    timings = []
    for _ in range(2):  # proposing again replaces the visits: the second run deletes first
        started = time.perf_counter()
        result = planning.plan_propose(actor=None, plan=plan, earliest=datetime.date(2027, 1, 1))
        timings.append(time.perf_counter() - started)
    seconds = min(timings)
    report(
        f"inspection_plan_{data.scale}",
        {
            "units": len(data.units),
            "requests": len(requests),
            "visits": Inspection.objects.filter(plan=plan).count(),
            "team_members": TeamMember.objects.filter(inspection__plan=plan).count(),
            "conflicts": result.conflict_count,
            "seconds_service": seconds,
            "seconds_planner_only": pure,
            "ratio_service_to_planner": seconds / pure if pure else 0.0,
            "limit_seconds": LIMIT_SECONDS,
            "ratio_to_limit": seconds / LIMIT_SECONDS,
        },
    )
    return 0 if seconds <= LIMIT_SECONDS else OVER_LIMIT


if __name__ == "__main__":
    sys.exit(main())
