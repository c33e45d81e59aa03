"""Scoring rounds at national scale (3,321 communes, 150 criteria): ranking a round against one
raw SQL aggregate over the same rows, the city-overview heatmap, and the self-assessment page
against a bare page that renders the same rows from a list. BENCH_SCALE=city|province|nation."""

import os
import random
import time
from decimal import Decimal

from common import median_seconds, report, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from cchc.accounts.services import membership_add, user_create  # noqa: E402
from cchc.analytics.selectors import round_heatmap  # noqa: E402
from cchc.assessments.engine import LoadedTree, appraised_nodes, area_totals  # noqa: E402
from cchc.assessments.models import Assessment, Round, Score  # noqa: E402
from cchc.assessments.services import round_advance, round_create  # noqa: E402
from cchc.assessments.services.results import round_results  # noqa: E402
from cchc.core.roles import Role  # noqa: E402
from cchc.frameworks.importers import read_framework_file  # noqa: E402
from cchc.frameworks.models import Criterion  # noqa: E402
from cchc.frameworks.scoring import score_tree  # noqa: E402
from cchc.frameworks.services import framework_import, framework_publish  # noqa: E402
from cchc.orgunits.models import OrgUnit  # noqa: E402
from cchc.orgunits.services import org_unit_create  # noqa: E402

SCALES = {"city": 15, "province": 200, "nation": 3321}
LEAVES = 150


def framework_text() -> str:
    lines = ["code,parent_code,title,max_points,rule"]
    for area in range(1, 16):
        lines.append(f"{area},,Lĩnh vực {area},{10 * Decimal('0.5') * 2},sum")
        for item in range(1, 11):
            rule = ["yes_no", "ratio", "deduction 0.25"][item % 3]
            lines.append(f"{area}.{item},{area},Tiêu chí {area}.{item},1,{rule}")
    return "\n".join(lines) + "\n"


def build(unit_count: int) -> tuple[Round, OrgUnit]:
    started = time.perf_counter()
    province = org_unit_create(actor=None, code="P", name="Tỉnh", kind="province")
    OrgUnit.objects.bulk_create(
        OrgUnit(
            code=f"X{n}",
            name=f"Xã {n}",
            kind="commune",
            parent=province,
            path="",
            depth=1,
            sort_order=n,
        )
        for n in range(unit_count)
    )
    # Paths by id, as the services would write them.
    units = list(OrgUnit.objects.filter(parent=province))
    for unit in units:
        unit.path = f"{province.path}{unit.pk}/"
    OrgUnit.objects.bulk_update(units, ["path"], batch_size=1000)
    content, agencies = read_framework_file(data=framework_text().encode(), file_name="f.csv")
    framework = framework_import(
        actor=None,
        issuer=province,
        content=content,
        agencies=agencies,
        name="Bench",
        year=2026,
        unit_kinds=["commune"],
    )
    framework = framework_publish(actor=None, framework=framework)
    import datetime

    round_ = round_create(
        actor=None,
        framework=framework,
        organiser=province,
        period="h1",
        year=2026,
        units=units,
        self_assessment_due_on=datetime.date(2026, 7, 1),
        appraisal_due_on=datetime.date(2026, 7, 10),
        appeals_due_on=datetime.date(2026, 7, 20),
    )
    round_ = round_advance(actor=None, round_=round_)
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.PUBLISHED)
    round_.refresh_from_db()
    criteria = list(Criterion.objects.filter(framework=framework).order_by("order"))
    leaves = [c for c in criteria if c.parent_id]
    nodes = appraised_nodes(c.as_node() for c in criteria)
    tree = LoadedTree(criteria, nodes, {}, {c.parent_id for c in criteria if c.parent_id})
    rng = random.Random(7)
    assessments = list(round_.assessments.all())
    batch: list[Score] = []
    for assessment in assessments:
        points = {leaf.pk: Decimal(rng.choice(["0", "0.5", "0.75", "1"])) for leaf in leaves}
        for leaf in leaves:
            batch.append(
                Score(
                    assessment=assessment,
                    criterion=leaf,
                    inputs={"points": str(points[leaf.pk])},
                    self_points=points[leaf.pk],
                    appraised_points=points[leaf.pk],
                )
            )
        result = score_tree(nodes, {pk: {"points": value} for pk, value in points.items()})
        assessment.area_totals = area_totals(tree, result, result)
        assessment.status = Assessment.Status.SUBMITTED
        assessment.self_points = assessment.appraised_points = assessment.appraised_self_part = (
            result.total
        )
        assessment.self_max = assessment.appraised_max = result.applicable_max
        assessment.leaf_count = assessment.declared_count = len(leaves)
        assessment.all_leaf_count = assessment.appraised_count = len(leaves)
        if len(batch) >= 20_000:
            Score.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Score.objects.bulk_create(batch, batch_size=5000)
    Assessment.objects.bulk_update(
        assessments,
        [
            "status",
            "self_points",
            "appraised_points",
            "appraised_self_part",
            "self_max",
            "appraised_max",
            "leaf_count",
            "declared_count",
            "all_leaf_count",
            "appraised_count",
            "area_totals",
        ],
        batch_size=1000,
    )
    print(
        f"  built {unit_count} units x {len(leaves)} criteria in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return round_, assessments[0].org_unit


def main() -> None:
    scale = os.environ.get("BENCH_SCALE", "nation")
    unit_count = SCALES[scale]
    round_, first_unit = build(unit_count)

    ranking_seconds = median_seconds(lambda: round_results(round_), repeat=3)

    def raw_ranking() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.assessment_id, SUM(s.appraised_points) AS total FROM assessments_score s "
                "JOIN assessments_assessment a ON a.id = s.assessment_id WHERE a.round_id = %s "
                "GROUP BY s.assessment_id ORDER BY total DESC",
                [round_.pk],
            )
            cursor.fetchall()

    raw_seconds = median_seconds(raw_ranking, repeat=3)
    heatmap_seconds = median_seconds(lambda: round_heatmap(round_), repeat=1)

    # The self-assessment page of one unit (150 criteria) over the test client, against a bare
    # template that lists the same 150 rows.
    officer = user_create(actor=None, username="bench", password="x", password_hash="!")
    membership_add(actor=None, user=officer, role=Role.UNIT_OFFICER, org_unit=first_unit)
    client = Client()
    client.force_login(officer)
    assessment = Assessment.objects.get(round=round_, org_unit=first_unit)
    url = assessment.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as page_queries:
        client.get(url)
    page_query_count = len(page_queries)
    page_seconds = median_seconds(lambda: client.get(url), repeat=5)
    rows = list(Score.objects.filter(assessment=assessment).select_related("criterion"))
    bare = Template(
        "{% for s in rows %}<tr><td>{{ s.criterion.code }}</td><td>{{ s.criterion.title }}</td><td>{{ s.self_points }}</td></tr>{% endfor %}"
    )
    bare_seconds = median_seconds(lambda: bare.render(Context({"rows": rows})), repeat=5)

    # The appraisal page: one criterion across every submitted unit, as a coordinator sees it,
    # against a bare template listing the same rows.
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.APPRAISAL)
    coordinator = user_create(actor=None, username="bench-nv", password="x", password_hash="!")
    membership_add(actor=None, user=coordinator, role=Role.HOME_AFFAIRS, org_unit=round_.organiser)
    keeper = Client()
    keeper.force_login(coordinator)
    appraisal_url = f"/rounds/{round_.pk}/appraisal/"
    assert keeper.get(appraisal_url).status_code == 200
    with CaptureQueriesContext(connection) as appraisal_queries:
        keeper.get(appraisal_url)
    appraisal_query_count = len(appraisal_queries)
    appraisal_seconds = median_seconds(lambda: keeper.get(appraisal_url), repeat=3)
    first_leaf = (
        Criterion.objects.filter(framework=round_.framework, parent__isnull=False)
        .order_by("order")
        .first()
    )
    unit_rows = list(
        Score.objects.filter(assessment__round=round_, criterion=first_leaf).select_related(
            "assessment__org_unit"
        )
    )
    bare_units = Template(
        "{% for s in rows %}<tr><td>{{ s.assessment.org_unit.name }}</td><td>{{ s.self_points }}</td><td>{{ s.appraised_points }}</td></tr>{% endfor %}"
    )
    bare_appraisal = median_seconds(
        lambda: bare_units.render(Context({"rows": unit_rows})), repeat=3
    )
    Round.objects.filter(pk=round_.pk).update(status=Round.Status.PUBLISHED)

    report(
        f"rounds_{scale}",
        {
            "units": unit_count,
            "criteria": LEAVES,
            "ranking_seconds": ranking_seconds,
            "raw_sql_aggregate_seconds": raw_seconds,
            "ranking_vs_raw_sql": ranking_seconds / raw_seconds if raw_seconds else None,
            "overview_heatmap_seconds": heatmap_seconds,
            "overview_limit_seconds": 1.0,
            "overview_vs_limit": heatmap_seconds / 1.0,
            "self_assessment_page_seconds": page_seconds,
            "self_assessment_page_queries": page_query_count,
            "bare_rows_render_seconds": bare_seconds,
            "page_vs_bare_render": page_seconds / bare_seconds if bare_seconds else None,
            "appraisal_page_seconds": appraisal_seconds,
            "appraisal_page_queries": appraisal_query_count,
            "appraisal_bare_rows_render_seconds": bare_appraisal,
            "appraisal_vs_bare_render": appraisal_seconds / bare_appraisal
            if bare_appraisal
            else None,
        },
    )


if __name__ == "__main__":
    main()
