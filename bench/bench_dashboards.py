"""The dashboards at national scale: 3,321 communes, a 150-criterion framework, six rounds
(five published, one open), a year's consolidated inspections with findings, root causes and
remediation actions, two years of dossiers and a year of directives. Each page is requested
through the test client as a leader (server time: views, queries and templates) and printed
beside the 1 s limit, with its query count. BENCH_SCALE=city|province|nation.

The data are generated in bulk and deterministically (random.Random(8)); the stored totals a
unit's saves would keep are written directly (bench_rounds builds the first round's scores
through the scoring engine)."""

import datetime
import os
import random
from decimal import Decimal
from typing import Any

from bench_rounds import SCALES, build  # sets Django up on a throw-away database
from common import median_seconds, report
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cchc.accounts.services import membership_add, user_create  # noqa: E402
from cchc.assessments.models import Assessment, Round  # noqa: E402
from cchc.assessments.services.results import round_results  # noqa: E402
from cchc.core.roles import Role  # noqa: E402
from cchc.core.textsearch import fold  # noqa: E402
from cchc.indicators.models import Directive, Dossier  # noqa: E402
from cchc.indicators.summary import rebuild_dossier_months  # noqa: E402
from cchc.inspections.models import (  # noqa: E402
    Finding,
    Inspection,
    InspectionPlan,
    InspectionRequest,
    Recommendation,
    RemediationAction,
    RootCause,
)
from cchc.orgunits.models import OrgUnit  # noqa: E402
from cchc.orgunits.services import org_unit_create  # noqa: E402

LIMIT_SECONDS = 1.0
DOSSIERS_PER_UNIT_YEAR = 150
AREAS = [
    ("cchc", "Công tác chỉ đạo điều hành"),
    ("cchc", "Cải cách tổ chức bộ máy"),
    ("cchc", "Hiện đại hóa hành chính"),
    ("tthc", "Bộ phận một cửa"),
    ("tthc", "Công khai thủ tục"),
    ("iso", "Duy trì và cải tiến"),
    ("directives", "Kết quả thực hiện"),
]


def more_rounds(first: Round, units: list[OrgUnit], rng: random.Random) -> list[Round]:
    """Four earlier published rounds and this year's open 9-month round: copies of the
    first round's rows with each unit's totals moved a little."""
    base = list(Assessment.objects.filter(round=first))
    made = []
    for year, period, status in (
        (2024, "h1", Round.Status.PUBLISHED),
        (2024, "annual", Round.Status.PUBLISHED),
        (2025, "h1", Round.Status.PUBLISHED),
        (2025, "annual", Round.Status.PUBLISHED),
        (2026, "m9", Round.Status.OPEN),
    ):
        round_ = Round.objects.create(
            framework=first.framework,
            organiser=first.organiser,
            period=period,
            year=year,
            status=status,
            self_assessment_due_on=datetime.date(year, 12 if period == "annual" else 7, 10),
            appraisal_due_on=datetime.date(year, 12 if period == "annual" else 7, 20),
            appeals_due_on=datetime.date(year, 12 if period == "annual" else 7, 28),
        )
        rows = []
        for source in base:
            factor = Decimal(str(round(rng.uniform(0.85, 1.1), 3)))
            maximum = source.appraised_max or Decimal(0)
            points = min(
                maximum,
                ((source.appraised_points or Decimal(0)) * factor).quantize(Decimal("0.01")),
            )
            claim = min(source.self_max, points + Decimal(rng.choice([0, 0, 0.5, 1, 2])))
            is_open = status == Round.Status.OPEN
            rows.append(
                Assessment(
                    round=round_,
                    org_unit_id=source.org_unit_id,
                    status=rng.choice(["not_started", "in_progress", "submitted"])
                    if is_open
                    else "submitted",
                    due_on=datetime.date(2026, 12, 10)
                    if is_open
                    else round_.self_assessment_due_on,
                    self_points=claim,
                    self_max=source.self_max,
                    appraised_points=None if is_open else points,
                    appraised_max=None if is_open else source.appraised_max,
                    appraised_self_part=None if is_open else points,
                    area_totals=source.area_totals,
                    declared_count=rng.randint(0, source.leaf_count),
                    leaf_count=source.leaf_count,
                    appraised_count=0 if is_open else source.all_leaf_count,
                    all_leaf_count=source.all_leaf_count,
                )
            )
        Assessment.objects.bulk_create(rows, batch_size=1000)
        if status == Round.Status.PUBLISHED:
            round_.published_results = [row.as_json() for row in round_results(round_)]
            round_.published_at = timezone.now()
            round_.save(update_fields=["published_results", "published_at"])
        made.append(round_)
    first.published_results = [row.as_json() for row in round_results(first)]
    first.save(update_fields=["published_results"])
    return made


def inspections(province: OrgUnit, units: list[OrgUnit], rng: random.Random) -> int:
    """One visit per unit, 60 % concluded, two shortcomings each linked to 1–2 of 40 root
    causes, a recommendation and an action per concluded visit; three requests per visit."""
    agency = org_unit_create(
        actor=None, code="SNV", name="Sở Nội vụ", kind="agency", parent=province
    )
    plan = InspectionPlan.objects.create(organiser=province, year=2026, status="approved")
    visits = Inspection.objects.bulk_create(
        [
            Inspection(
                plan=plan,
                org_unit=unit,
                visit_date=datetime.date(2026, 3, 1) + datetime.timedelta(days=n % 250),
                topics=["cchc", "tthc", "iso"],
                status="concluded" if rng.random() < 0.6 else "planned",
            )
            for n, unit in enumerate(units)
        ],
        batch_size=1000,
    )
    InspectionRequest.objects.bulk_create(
        [
            InspectionRequest(
                plan=plan,
                org_unit_id=visit.org_unit_id,
                topic=topic,
                agency=agency,
                window_start=datetime.date(2026, 1, 5),
                window_end=datetime.date(2026, 12, 20),
                inspection=visit,
            )
            for visit in visits
            for topic in ("cchc", "tthc", "iso")
        ],
        batch_size=2000,
    )
    causes = RootCause.objects.bulk_create(
        [
            RootCause(organiser=province, title=f"Nguyên nhân {n}", folded=fold(f"Nguyên nhân {n}"))
            for n in range(40)
        ]
    )
    concluded = [visit for visit in visits if visit.status == "concluded"]
    findings = []
    for visit in concluded:
        for _n in range(2):
            topic, area = rng.choice(AREAS)
            text = f"Hạn chế về {area.lower()}"
            findings.append(
                Finding(
                    inspection=visit,
                    kind="shortcoming",
                    topic=topic,
                    area=area,
                    text=text,
                    folded=fold(text),
                    severity="moderate",
                )
            )
    findings = Finding.objects.bulk_create(findings, batch_size=2000)
    through = Finding.root_causes.through
    links = []
    for finding in findings:
        # A few causes explain most shortcomings (a Pareto shape).
        for cause in {
            causes[min(39, int(rng.paretovariate(1.2)) - 1)] for _n in range(rng.randint(1, 2))
        }:
            links.append(through(finding_id=finding.pk, rootcause_id=cause.pk))
    through.objects.bulk_create(links, batch_size=5000)
    recommendations = Recommendation.objects.bulk_create(
        [Recommendation(inspection=visit, text="Khắc phục các hạn chế") for visit in concluded],
        batch_size=2000,
    )
    today = timezone.localdate()
    RemediationAction.objects.bulk_create(
        [
            RemediationAction(
                recommendation=recommendation,
                owner_id=recommendation.inspection.org_unit_id,
                text="Tổ chức thực hiện",
                deadline=today + datetime.timedelta(days=rng.randint(-60, 60)),
                status=rng.choice(["open", "open", "reported", "verified"]),
            )
            for recommendation in recommendations
        ],
        batch_size=2000,
    )
    return len(visits)


def dossiers(units: list[OrgUnit], rng: random.Random) -> int:
    """Two years of dossiers (last year and this one up to today), 6 % of them late."""
    table = Dossier._meta.db_table
    columns = "code, procedure_code, procedure_name, org_unit_id, channel, received_at, due_at, finished_at, status, apology_issued, satisfaction"
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 11)})"  # noqa: S608
    ops = connection.ops
    zone = timezone.get_current_timezone()
    now = timezone.now()
    start = datetime.datetime(2025, 1, 1, 8, tzinfo=zone)
    span = (now - start).total_seconds()
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for unit in units:
            for _n in range(int(DOSSIERS_PER_UNIT_YEAR * span / (365 * 86400))):
                received = start + datetime.timedelta(seconds=rng.random() * span)
                due = received + datetime.timedelta(days=rng.randint(1, 15))
                late = rng.random() < 0.06
                finished = (
                    due + datetime.timedelta(days=rng.randint(1, 5))
                    if late
                    else received + datetime.timedelta(days=1)
                )
                done = finished < now
                batch.append(
                    (
                        f"H{count:08d}",
                        "1.001",
                        "Thủ tục",
                        unit.pk,
                        "online" if rng.random() < 0.4 else "in_person",
                        ops.adapt_datetimefield_value(received),
                        ops.adapt_datetimefield_value(due),
                        ops.adapt_datetimefield_value(finished) if done else None,
                        "finished" if done else "open",
                        late and rng.random() < 0.7,
                        rng.choice([None, 4, 5]),
                    )
                )
                count += 1
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
        if batch:
            cursor.executemany(sql, batch)
        rebuild_dossier_months()  # as an import would
    Directive.objects.bulk_create(
        [
            Directive(
                number=f"{n}/TB-UBND",
                issued_on=datetime.date(2026, 1, 5) + datetime.timedelta(days=30 * n),
                content="Chỉ đạo",
                deadline=datetime.date(2026, 2, 5) + datetime.timedelta(days=30 * n),
                org_unit=unit,
                completed_on=datetime.date(2026, 2, 1)
                + datetime.timedelta(days=30 * n + rng.randint(0, 10))
                if rng.random() < 0.8
                else None,
            )
            for unit in units
            for n in range(4)
        ],
        batch_size=2000,
    )
    return count


def main() -> None:
    scale = os.environ.get("BENCH_SCALE", "nation")
    unit_count = SCALES[scale]
    rng = random.Random(8)
    first, _unit = build(unit_count)
    province = first.organiser
    units = list(OrgUnit.objects.filter(parent=province, kind="commune").order_by("sort_order"))
    rounds = more_rounds(first, units, rng)
    visit_count = inspections(province, units, rng)
    dossier_count = dossiers(units, rng)
    print(
        f"  generated: {len(rounds) + 1} rounds, {visit_count} visits, {dossier_count} dossiers",
        flush=True,
    )

    leader = user_create(actor=None, username="bench-leader", password="x", password_hash="!")
    membership_add(actor=None, user=leader, role=Role.LEADER, org_unit=province)
    client = Client()
    client.force_login(leader)
    open_round = rounds[-1]
    pages: dict[str, tuple[str, dict[str, Any]]] = {
        "overview": ("/overview/", {"round": first.pk}),
        "progress": ("/overview/progress/", {"round": open_round.pk}),
        "inspections": ("/overview/inspections/", {"year": 2026}),
        "indicators": ("/overview/indicators/", {"year": 2026}),
        "map_data": (f"/overview/rounds/{first.pk}/map.json", {}),
        "ranking_xlsx": ("/overview/export/overview/ranking.xlsx", {"round": first.pk}),
    }
    figures: dict[str, object] = {
        "units": unit_count,
        "rounds": len(rounds) + 1,
        "visits": visit_count,
        "dossiers": dossier_count,
        "limit_seconds": LIMIT_SECONDS,
    }
    for name, (url, params) in pages.items():
        response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        query_count = len(queries)  # now: the next request's start clears the log

        def fetch(url: str = url, params: dict[str, Any] = params) -> object:
            return client.get(url, params)

        seconds = median_seconds(fetch, repeat=3)
        figures[f"{name}_seconds"] = seconds
        figures[f"{name}_queries"] = query_count
        figures[f"{name}_vs_limit"] = seconds / LIMIT_SECONDS
    report(f"dashboards_{scale}", figures)


if __name__ == "__main__":
    main()
