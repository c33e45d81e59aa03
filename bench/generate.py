"""The benchmarks' data at three scales, deterministic by seed.

    city      15 wards under one city
    province  200 communes under one province
    nation    3,321 communes (Vietnam's communes and wards since 07/2025) in 34 groups

Every scale has the same shape: a 150-criterion framework (15 areas × 10 criteria, three kinds
of rule); six rounds (2024 h1 and year, 2025 h1 and year, 2026 h1 published with every unit's
150 scores and evidence records; 2026 9-month open, 32 units in progress with their scores);
a year of consolidated inspections (three requests per visit, findings linked to 40 root
causes, recommendations and remediation actions); two years of dossiers (150 per unit a year,
6 % late, with their monthly counts); four directives per unit; and the people who use them (a
leader and a coordinator at the top, 32 ward officers with a real password).

The four older rounds keep what every page reads of a round — each unit's totals, per-area
totals and published ranking — but not the unit's 150 scores: no page reads an old round's
scores row by row, and leaving them out keeps the nation's data at half a million scores
instead of three million.

The nation's top unit is stored as a province with its 34 groups as cities (the kinds the
product's tree allows): the names say "Cả nước" and "Tỉnh n", the shape is what matters.

On SQLite the data of a scale is built once and kept in var/bench/ (a copy per benchmark);
the file name carries a digest of this file and of the migrations, so it is rebuilt whenever
either changes. With DATABASE_URL it is built in that database for every benchmark.

    python bench/generate.py [city|province|nation|all]     build and keep (SQLite)
"""

from __future__ import annotations

import datetime
import hashlib
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from common import ROOT, setup_django

if TYPE_CHECKING:
    from cchc.assessments.models import Round
    from cchc.orgunits.models import OrgUnit

SCALES = {"city": 15, "province": 200, "nation": 3321}
GROUPS = {"city": 1, "province": 1, "nation": 34}
SEED = 8
AREAS = 15
PER_AREA = 10
LEAVES = AREAS * PER_AREA
OFFICERS = 32
PASSWORD = "bench-password-2026"  # noqa: S105 (a throw-away benchmark database)
DOSSIERS_PER_UNIT_YEAR = 150
KEEP = ROOT / "var" / "bench"
TOP_CODE = "BENCH"
FINDING_AREAS = [
    ("cchc", "Công tác chỉ đạo điều hành"),
    ("cchc", "Cải cách tổ chức bộ máy"),
    ("cchc", "Hiện đại hóa hành chính"),
    ("tthc", "Bộ phận một cửa"),
    ("tthc", "Công khai thủ tục"),
    ("iso", "Duy trì và cải tiến"),
    ("directives", "Kết quả thực hiện"),
]


@dataclass
class Dataset:
    scale: str
    top: OrgUnit
    units: list[OrgUnit]  # the assessed units, in order
    first: Round  # 2026 h1, published, every unit's 150 scores
    rounds: list[Round]  # the six rounds, oldest first
    open_round: Round  # 2026 9 months, open
    officers: list[tuple[str, int]]  # (username, open-round assessment id), password PASSWORD
    visits: int
    dossiers: int


def scale_from_environment() -> str:
    scale = os.environ.get("BENCH_SCALE", "nation")
    if scale not in SCALES:
        sys.exit(f"BENCH_SCALE must be one of {', '.join(SCALES)} (not {scale!r}).")
    return scale


def dataset(scale: str | None = None) -> Dataset:
    """The data of `scale` (default BENCH_SCALE) in the benchmark's database, built or copied."""
    from django.conf import settings
    from django.db import connection

    scale = scale or scale_from_environment()
    kept = _kept_file(scale)
    if connection.vendor == "sqlite" and kept.exists():
        connection.close()
        target = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(kept, target)
        print(f"  data: {scale} from {kept.relative_to(ROOT)}", flush=True)
        return _read(scale)
    if connection.vendor != "sqlite":
        _empty_throwaway_database()
    build(scale)
    if connection.vendor == "sqlite":
        KEEP.mkdir(parents=True, exist_ok=True)
        for old in KEEP.glob(f"{scale}-*.sqlite3"):
            old.unlink()
        partial = kept.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(partial)])
        partial.rename(kept)
    return _read(scale)


def _empty_throwaway_database() -> None:
    """Empty the DATABASE_URL database before building: only one named for benchmarks."""
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        sys.exit(
            f"DATABASE_URL names {name!r}: benchmarks empty their database first, so its name "
            "must contain 'bench' (e.g. postgres://postgres@127.0.0.1:5432/cchc_bench)."
        )
    call_command("flush", interactive=False, verbosity=0)


def _kept_file(scale: str) -> Path:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for migration in sorted((ROOT / "cchc").glob("*/migrations/0*.py")):
        digest.update(migration.name.encode())
        digest.update(migration.read_bytes())
    return KEEP / f"{scale}-{SEED}-{digest.hexdigest()[:12]}.sqlite3"


def _read(scale: str) -> Dataset:
    from cchc.accounts.models import Membership
    from cchc.assessments.models import Assessment, Round
    from cchc.indicators.models import Dossier
    from cchc.inspections.models import Inspection
    from cchc.orgunits.models import OrgUnit

    top = OrgUnit.objects.get(code=TOP_CODE)
    rounds = list(Round.objects.filter(organiser=top).order_by("year", "period"))
    rounds.sort(key=lambda r: (r.year, {"h1": 0, "m9": 1, "annual": 2}[r.period]))
    open_round = next(r for r in rounds if r.status == Round.Status.OPEN)
    first = next(r for r in rounds if r.year == 2026 and r.period == "h1")
    assessment_of = dict(
        Assessment.objects.filter(round=open_round).values_list("org_unit_id", "pk")
    )
    officers = [
        (m.user.username, assessment_of[m.org_unit_id])
        for m in Membership.objects.filter(user__username__startswith="bench-officer-")
        .select_related("user")
        .order_by("user__username")
    ]
    return Dataset(
        scale=scale,
        top=top,
        units=list(OrgUnit.objects.filter(kind__in=["ward", "commune"]).order_by("sort_order")),
        first=first,
        rounds=rounds,
        open_round=open_round,
        officers=officers,
        visits=Inspection.objects.count(),
        dossiers=Dossier.objects.count(),
    )


def framework_text() -> str:
    lines = ["code,parent_code,title,max_points,rule"]
    for area in range(1, AREAS + 1):
        lines.append(f"{area},,Lĩnh vực {area},{PER_AREA},sum")
        for item in range(1, PER_AREA + 1):
            rule = ["yes_no", "ratio", "deduction 0.25"][item % 3]
            lines.append(f"{area}.{item},{area},Tiêu chí {area}.{item},1,{rule}")
    return "\n".join(lines) + "\n"


def _inputs(rule: str, quality: float, rng: random.Random) -> dict:
    """What a unit of this `quality` (0.5–1) declares for a criterion of this rule."""
    if rule == "yes_no":
        return {"answer": "yes" if rng.random() < quality else "no"}
    if rule == "ratio":
        return {
            "numerator": str(sum(rng.random() < quality for _n in range(4))),
            "denominator": "4",
        }
    return {"count": str(sum(rng.random() > quality for _n in range(3)))}


def build(scale: str) -> None:
    """Build the data of `scale` in the (empty, migrated) benchmark database."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    units = _units(scale)
    first = _first_round(units, rng)
    rounds = _more_rounds(first, rng)
    _people(first.organiser, rounds[-1], first)
    visits = _inspections(first.organiser, units, rng)
    dossiers = _dossiers(units, rng)
    print(
        f"  built {scale}: {len(units)} units × {LEAVES} criteria, {len(rounds) + 1} rounds, "
        f"{visits} visits, {dossiers} dossiers in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def _units(scale: str) -> list:
    from cchc.orgunits.models import OrgUnit
    from cchc.orgunits.services import org_unit_create

    top = org_unit_create(
        actor=None,
        code=TOP_CODE,
        name="Cả nước (đo)" if scale == "nation" else "Tỉnh (đo)",
        kind="province",
    )
    group_count = GROUPS[scale]
    groups = [
        org_unit_create(
            actor=None,
            code=f"BG{n:02d}",
            name=f"Tỉnh {n + 1}" if scale == "nation" else "Thành phố (đo)",
            kind="city",
            parent=top,
        )
        for n in range(group_count)
    ]
    kind = "ward" if scale == "city" else "commune"
    count = SCALES[scale]
    OrgUnit.objects.bulk_create(
        OrgUnit(
            code=f"X{n:05d}",
            name=f"{'Phường' if kind == 'ward' else 'Xã'} {n + 1}",
            kind=kind,
            parent=groups[n * group_count // count],
            path="",
            depth=2,
            sort_order=n,
        )
        for n in range(count)
    )
    units = list(OrgUnit.objects.filter(kind=kind).select_related("parent").order_by("sort_order"))
    for unit in units:  # paths by id, as the services write them
        assert unit.parent is not None
        unit.path = f"{unit.parent.path}{unit.pk}/"
    OrgUnit.objects.bulk_update(units, ["path"], batch_size=1000)
    return units


def _first_round(units: list, rng: random.Random):
    """2026 h1 through the services, then every unit's 150 scores (scored by the engine) and an
    evidence record per area, written in bulk; published."""
    from django.utils import timezone

    from cchc.assessments.engine import LoadedTree, appraised_nodes, area_totals
    from cchc.assessments.models import Assessment, Evidence, Round, Score
    from cchc.assessments.services import round_advance, round_create
    from cchc.assessments.services.results import round_freeze
    from cchc.frameworks.importers import read_framework_file
    from cchc.frameworks.models import Criterion
    from cchc.frameworks.scoring import score_tree
    from cchc.frameworks.services import framework_import, framework_publish

    top = units[0].parent.parent
    content, agencies = read_framework_file(data=framework_text().encode(), file_name="f.csv")
    framework = framework_import(
        actor=None,
        issuer=top,
        content=content,
        agencies=agencies,
        name="Bộ tiêu chí (đo)",
        year=2026,
        unit_kinds=["ward", "commune"],
    )
    framework = framework_publish(actor=None, framework=framework)
    round_ = round_create(
        actor=None,
        framework=framework,
        organiser=top,
        period="h1",
        year=2026,
        units=units,
        self_assessment_due_on=datetime.date(2026, 7, 1),
        appraisal_due_on=datetime.date(2026, 7, 10),
        appeals_due_on=datetime.date(2026, 7, 20),
    )
    round_ = round_advance(actor=None, round_=round_)
    criteria = list(Criterion.objects.filter(framework=framework).order_by("order"))
    leaves = [c for c in criteria if c.parent_id]
    rules = {c.pk: c.rule_text.split()[0] for c in leaves}
    first_of_area = {c.parent_id: c for c in reversed(leaves)}
    nodes = [c.as_node() for c in criteria]
    points_nodes = appraised_nodes(nodes)
    tree = LoadedTree(criteria, nodes, {}, {c.parent_id for c in criteria if c.parent_id})
    assessments = list(round_.assessments.select_related("org_unit"))
    scores: list[Score] = []
    evidence: list[Evidence] = []
    for assessment in assessments:
        quality = rng.uniform(0.5, 1.0)
        inputs = {leaf.pk: _inputs(rules[leaf.pk], quality, rng) for leaf in leaves}
        result = score_tree(nodes, inputs)
        # Appraised as declared: the appraised tree scores the same points.
        appraised = score_tree(
            points_nodes, {leaf.pk: {"points": result.results[leaf.pk].points} for leaf in leaves}
        )
        for leaf in leaves:
            points = result.results[leaf.pk].points
            scores.append(
                Score(
                    assessment=assessment,
                    criterion=leaf,
                    inputs=inputs[leaf.pk],
                    self_points=points,
                    appraised_points=points,
                )
            )
        for area, leaf in first_of_area.items():
            evidence.append(
                Evidence(
                    org_unit=assessment.org_unit,
                    assessment=assessment,
                    kind=Evidence.Kind.CITED,
                    title=f"Báo cáo {leaf.code} của {assessment.org_unit.name}",
                    document_number=f"{area}/BC-UBND",
                    document_date=datetime.date(2026, 6, 1),
                    issuer=assessment.org_unit.name,
                )
            )
        assessment.area_totals = area_totals(tree, result, appraised, appraised)
        assessment.status = Assessment.Status.SUBMITTED
        assessment.self_points = assessment.appraised_points = result.total
        assessment.appraised_self_part = result.total
        assessment.self_max = assessment.appraised_max = result.applicable_max
        assessment.leaf_count = assessment.declared_count = len(leaves)
        assessment.all_leaf_count = assessment.appraised_count = len(leaves)
        if len(scores) >= 20_000:
            Score.objects.bulk_create(scores, batch_size=5000)
            scores = []
    Score.objects.bulk_create(scores, batch_size=5000)
    evidence = Evidence.objects.bulk_create(evidence, batch_size=5000)
    # Each evidence record proves the first criterion of its area.
    score_of = {
        (assessment_id, criterion_id): pk
        for pk, assessment_id, criterion_id in Score.objects.filter(
            assessment__round=round_, criterion__in=first_of_area.values()
        ).values_list("pk", "assessment_id", "criterion_id")
    }
    through = Score.evidence.through
    area_of = {f"{area}/BC-UBND": leaf.pk for area, leaf in first_of_area.items()}
    through.objects.bulk_create(
        [
            through(
                score_id=score_of[(record.assessment_id, area_of[record.document_number])],
                evidence_id=record.pk,
            )
            for record in evidence
        ],
        batch_size=5000,
    )
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
    round_.status = Round.Status.PUBLISHED
    round_.published_at = timezone.now()
    round_freeze(round_)
    round_.save(update_fields=["status", "published_at", "published_results", "published_summary"])
    return round_


def _more_rounds(first, rng: random.Random) -> list:
    """Four earlier published rounds and this year's open 9-month round: each unit's totals
    moved a little from the first round's. In the open round the officers' units are in
    progress with the first round's scores; its deadlines follow today's date."""
    from django.utils import timezone

    from cchc.assessments.models import Assessment, Round, Score
    from cchc.assessments.services.results import round_freeze

    today = timezone.localdate()
    base = list(Assessment.objects.filter(round=first).order_by("org_unit__sort_order"))
    made = []
    for year, period, status in (
        (2024, "h1", Round.Status.PUBLISHED),
        (2024, "annual", Round.Status.PUBLISHED),
        (2025, "h1", Round.Status.PUBLISHED),
        (2025, "annual", Round.Status.PUBLISHED),
        (2026, "m9", Round.Status.OPEN),
    ):
        is_open = status == Round.Status.OPEN
        due = (
            today + datetime.timedelta(days=30)
            if is_open
            else datetime.date(year, 12 if period == "annual" else 7, 10)
        )
        round_ = Round.objects.create(
            framework=first.framework,
            organiser=first.organiser,
            period=period,
            year=year,
            status=status,
            self_assessment_due_on=due,
            appraisal_due_on=due + datetime.timedelta(days=10),
            appeals_due_on=due + datetime.timedelta(days=18),
        )
        rows = []
        for n, source in enumerate(base):
            factor = Decimal(str(round(rng.uniform(0.85, 1.1), 3)))
            maximum = source.appraised_max or Decimal(0)
            points = min(
                maximum,
                ((source.appraised_points or Decimal(0)) * factor).quantize(Decimal("0.01")),
            )
            claim = min(source.self_max, points + Decimal(rng.choice([0, 0, 0.5, 1, 2])))
            if is_open:
                state = (
                    "in_progress"
                    if n < OFFICERS
                    else rng.choice(["not_started", "in_progress", "submitted"])
                )
            else:
                state = "submitted"
            rows.append(
                Assessment(
                    round=round_,
                    org_unit_id=source.org_unit_id,
                    status=state,
                    due_on=due,
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
        rows = Assessment.objects.bulk_create(rows, batch_size=1000)
        if is_open:
            Score.objects.bulk_create(
                Score(
                    assessment=row,
                    criterion_id=score.criterion_id,
                    inputs=score.inputs,
                    self_points=score.self_points,
                )
                for row, source in zip(rows[:OFFICERS], base[:OFFICERS], strict=True)
                for score in Score.objects.filter(assessment=source)
            )
        else:
            round_freeze(round_)
            round_.published_at = timezone.now()
            round_.save(update_fields=["published_results", "published_summary", "published_at"])
        made.append(round_)
    return made


def _people(top, open_round, first) -> None:
    """A leader and a coordinator at the top; an officer for each of the first 32 units."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from cchc.accounts.services import membership_add, user_create
    from cchc.core.roles import Role

    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "benchsalt")
    for username, role in (("bench-leader", Role.LEADER), ("bench-nv", Role.HOME_AFFAIRS)):
        user = user_create(actor=None, username=username, password=PASSWORD, password_hash=hashed)
        membership_add(actor=None, user=user, role=role, org_unit=top)
    for n, assessment in enumerate(
        open_round.assessments.select_related("org_unit").order_by("org_unit__sort_order")[
            :OFFICERS
        ]
    ):
        user = user_create(
            actor=None, username=f"bench-officer-{n:02d}", password=PASSWORD, password_hash=hashed
        )
        membership_add(actor=None, user=user, role=Role.UNIT_OFFICER, org_unit=assessment.org_unit)


def _inspections(top, units: list, rng: random.Random) -> int:
    """One visit per unit, 60 % concluded, two shortcomings each linked to 1–2 of 40 root
    causes, a recommendation and an action per concluded visit; three requests per visit."""
    from django.utils import timezone

    from cchc.core.textsearch import fold
    from cchc.inspections.models import (
        Finding,
        Inspection,
        InspectionPlan,
        InspectionRequest,
        Recommendation,
        RemediationAction,
        RootCause,
    )
    from cchc.orgunits.services import org_unit_create

    agency = org_unit_create(actor=None, code="SNV", name="Sở Nội vụ", kind="agency", parent=top)
    plan = InspectionPlan.objects.create(organiser=top, year=2026, status="approved")
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
            RootCause(organiser=top, title=f"Nguyên nhân {n}", folded=fold(f"Nguyên nhân {n}"))
            for n in range(40)
        ]
    )
    concluded = [visit for visit in visits if visit.status == "concluded"]
    findings = []
    for visit in concluded:
        for _n in range(2):
            topic, area = rng.choice(FINDING_AREAS)
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


def _dossiers(units: list, rng: random.Random) -> int:
    """Two years of dossiers (last year and this one up to today), 6 % of them late, with the
    monthly counts an import keeps; four directives per unit."""
    from django.db import connection, transaction
    from django.utils import timezone

    from cchc.indicators.models import Directive, Dossier
    from cchc.indicators.summary import rebuild_dossier_months

    table = Dossier._meta.db_table
    columns = (
        "code, procedure_code, procedure_name, org_unit_id, channel, received_at, due_at, "
        "finished_at, status, apology_issued, satisfaction"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 11)})"  # noqa: S608
    ops = connection.ops
    zone = timezone.get_current_timezone()
    now = timezone.now()
    start = datetime.datetime(now.year - 1, 1, 1, 8, tzinfo=zone)
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


def main(argv: list[str]) -> int:
    """Build and keep the data of the scales asked for (SQLite); each in its own database."""
    import subprocess

    wanted = argv[1:] or [scale_from_environment()]
    scales = list(SCALES) if wanted == ["all"] else wanted
    for scale in scales:
        if scale not in SCALES:
            sys.exit(f"Unknown scale {scale!r}: {', '.join(SCALES)} or all.")
    if len(scales) > 1 or os.environ.get("BENCH_SCALE") != scales[0]:
        # One fresh database per scale: run this script again for each.
        failed = 0
        for scale in scales:
            environment = {**os.environ, "BENCH_SCALE": scale}
            failed += subprocess.run(
                [sys.executable, __file__], env=environment, cwd=ROOT, check=False
            ).returncode
        return 1 if failed else 0
    setup_django()
    data = dataset(scales[0])
    print(
        f"{data.scale}: {len(data.units)} units, {len(data.rounds)} rounds, {data.visits} visits, "
        f"{data.dossiers} dossiers",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
