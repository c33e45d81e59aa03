"""Frameworks: importing a 500-criterion file (limit: under 1 s), and scoring a 150-criterion
assessment in memory with no query (vs a plain sum over the same Decimals)."""

import random
from decimal import Decimal

from common import median_seconds, report, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from cchc.frameworks.importers import read_framework_file  # noqa: E402
from cchc.frameworks.models import Criterion  # noqa: E402
from cchc.frameworks.scoring import score_tree  # noqa: E402
from cchc.frameworks.services import framework_import  # noqa: E402
from cchc.orgunits.services import org_unit_create  # noqa: E402

RULES = ["yes_no", "ratio floor=80", "tiers: 100=max; 95=0.75; 90=0.5", "deduction 0.25", "manual"]


def framework_csv(leaf_count: int, seed: int = 7) -> str:
    """Areas of 10 criteria of 4 leaves each, until leaf_count leaves (deterministic)."""
    rng = random.Random(seed)
    lines = ["code,parent_code,title,max_points,rule"]
    leaves = 0
    area = 0
    while leaves < leaf_count:
        area += 1
        area_rows, area_total = [], Decimal(0)
        for criterion in range(1, 11):
            code = f"{area}.{criterion}"
            children, total = [], Decimal(0)
            for sub in range(1, 5):
                if leaves >= leaf_count:
                    break
                points = Decimal(rng.choice([1, 2, 3, 5]))
                children.append(
                    f"{code}.{sub},{code},Tiêu chí {code}.{sub},{points},{rng.choice(RULES)}"
                )
                total += points
                leaves += 1
            if children:
                area_rows.append(f"{code},{area},Tiêu chí {code},{total},sum")
                area_rows.extend(children)
                area_total += total
        lines.append(f"{area},,Lĩnh vực {area},{area_total},sum")
        lines.extend(area_rows)
    return "\n".join(lines) + "\n"


def main() -> None:
    province = org_unit_create(actor=None, code="B0", name="Bench province", kind="province")
    issuer = org_unit_create(actor=None, code="B1", name="Bench city", kind="city", parent=province)
    text = framework_csv(400)  # 400 leaves + 100 criteria + areas ≈ 510 rows
    data = text.encode()
    row_count = text.count("\n") - 1
    counter = {"n": 0}

    def import_once() -> None:
        counter["n"] += 1
        content, agencies = read_framework_file(data=data, file_name="bench.csv")
        framework_import(
            actor=None,
            issuer=issuer,
            content=content,
            agencies=agencies,
            name=f"Bench {counter['n']}",
            year=2026,
            unit_kinds=["ward"],
        )

    import_seconds = median_seconds(import_once, repeat=5)
    with CaptureQueriesContext(connection) as queries:
        import_once()
    import_query_count = len(queries)
    framework_id = Criterion.objects.order_by("-id").values_list("framework_id", flat=True)[0]

    # Baseline: the database's own insert of the same number of rows, in one statement batch.
    def raw_insert() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS bench_rows (code text, title text, points text)"
            )
            cursor.executemany(
                "INSERT INTO bench_rows VALUES (%s, %s, %s)",
                [(f"c{n}", f"t{n}", "1") for n in range(row_count)],
            )

    raw_seconds = median_seconds(raw_insert, repeat=5)

    # Scoring a 150-leaf assessment: pure Python over loaded rows.
    criteria = list(Criterion.objects.filter(framework_id=framework_id).order_by("order"))
    nodes = [criterion.as_node() for criterion in criteria]
    parent_ids = {node.parent_id for node in nodes}
    leaves = [node for node in nodes if node.id not in parent_ids][:150]
    rng = random.Random(3)
    inputs = {}
    for node in leaves:
        low, high = sorted((rng.randint(0, 50), rng.randint(1, 50)))
        inputs[node.id] = {
            "answer": "yes",
            "numerator": Decimal(low),
            "denominator": Decimal(high),
            "count": rng.randint(0, 5),
            "points": Decimal(0),
        }
    keep = {node.id for node in leaves} | {node.parent_id for node in leaves}
    keep |= {node.parent_id for node in nodes if node.id in keep}
    tree = [node for node in nodes if node.id in keep]
    with CaptureQueriesContext(connection) as scoring_queries:
        score_seconds = median_seconds(lambda: score_tree(tree, inputs), repeat=20)
    scoring_query_count = len(scoring_queries)
    plain_seconds = median_seconds(
        lambda: sum((node.max_points for node in leaves), Decimal(0)), repeat=20
    )
    report(
        "frameworks",
        {
            "import_rows": row_count,
            "import_seconds": import_seconds,
            "import_limit_seconds": 1.0,
            "import_vs_limit": import_seconds / 1.0,
            "import_queries": import_query_count,
            "raw_insert_seconds_same_rows": raw_seconds,
            "import_vs_raw_insert": import_seconds / raw_seconds if raw_seconds else None,
            "score_150_leaves_seconds": score_seconds,
            "score_queries": scoring_query_count,
            "plain_decimal_sum_seconds": plain_seconds,
            "score_vs_plain_sum": score_seconds / plain_seconds if plain_seconds else None,
        },
    )


if __name__ == "__main__":
    main()
