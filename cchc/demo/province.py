"""The second demo: Hà Tĩnh province after the reform of 1 July 2025 (issue 20).

The 27 wards and communes that covered the former Hà Tĩnh city before July 2025 are loaded
under a former city of their own, assessed in 2024 (published), then merged into the 7 new
units of the shared data by the real reorganisation service (`reorganisation_apply`, from the
shipped file `orgunits/data/reorganisation-ha-tinh-2025.csv`), so their lineage is real. The
province runs the new units' rounds directly: 2025 (published: its ranking shows the 2024
figures each new unit inherits, with the rule) and 2026 (in self-assessment, some units
partly filled).

The 2020 city stays loaded and active beside it, and GSO codes are unique among active units,
so the former units get demo-only CCHC codes (`18073-cu`) and no GSO code where a 2020 ward
holds it; the new units keep their official codes as CCHC codes (`18073-2025`), with the GSO
code left blank where a 2020 ward holds it (Thành Sen 18073, Trần Phú 18100). The province has
69 units in reality: only these 7 are in the demo, as the province's note says."""

import dataclasses
import datetime
import random
from pathlib import Path
from typing import Any

from django.utils import timezone

from cchc.accounts.models import User
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services import assessment_submit, round_advance, round_create
from cchc.demo.rounds import _chair, _fill, _officer, _published_round
from cchc.frameworks.models import Framework
from cchc.orgunits.models import OrgUnit, Reorganisation
from cchc.orgunits.reorganisation import (
    ReorganisationSpec,
    SpecRow,
    read_reorganisation_text,
    reorganisation_apply,
)
from cchc.orgunits.services import org_unit_create, org_unit_update

REFORM_FILE = (
    Path(__file__).resolve().parents[1] / "orgunits" / "data" / ("reorganisation-ha-tinh-2025.csv")
)
REFORM_NAME = "Sắp xếp đơn vị hành chính cấp xã tỉnh Hà Tĩnh từ 01/07/2025 (thành phố Hà Tĩnh cũ)"
REFORM_ON = datetime.date(2025, 7, 1)
FORMER_CITY_CODE = "436-cu"
FORMER_CITY_NAME = "Thành phố Hà Tĩnh (trước 07/2025)"
FORMER_SUFFIX = "-cu"  # demo-only CCHC codes of the units before July 2025
NEW_SUFFIX = "-2025"  # the new units' CCHC codes: their official code and the year
# The new unit whose people the demo's ward logins are (they start at its lead predecessor,
# Phường Nam Hà, and the reorganisation moves them).
THANH_SEN = "18073-2025"
LEAD_OF_THANH_SEN = "18073" + FORMER_SUFFIX
PROVINCE_NOTE = (
    "Dữ liệu minh họa: tỉnh Hà Tĩnh có 69 đơn vị hành chính cấp xã sau ngày 01/07/2025 "
    "(9 phường, 60 xã); bản demo chỉ có 7 đơn vị thay thế thành phố Hà Tĩnh cũ (Phường Thành "
    "Sen, Trần Phú, Hà Huy Tập, các xã Thạch Lạc, Đồng Tiến, Thạch Khê, Cẩm Bình), lập từ 27 "
    "phường, xã trước sắp xếp bằng chức năng Sắp xếp đơn vị. Các đơn vị còn lại của tỉnh không "
    "có trong bản demo. Ranh giới trên bản đồ là các ô vuông minh họa, không phải ranh giới đo "
    "đạc. Phường Thành Sen và Phường Trần Phú để trống mã thống kê vì bản demo thành phố năm "
    "2020 vẫn dùng các mã 18073, 18100; mã chính thức nằm trong mã đơn vị (18073-2025)."
)
PROVINCE_CENTRE = (105.885, 18.29)  # south of the 2020 city's squares on the map
CELL = 0.03


def _square(column: int, row: int, size: float = CELL) -> dict[str, Any]:
    west = PROVINCE_CENTRE[0] + (column - 3.5) * size
    south = PROVINCE_CENTRE[1] - row * size
    ring = [
        [round(west, 5), round(south, 5)],
        [round(west + size, 5), round(south, 5)],
        [round(west + size, 5), round(south + size, 5)],
        [round(west, 5), round(south + size, 5)],
        [round(west, 5), round(south, 5)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def province_is_seeded() -> bool:
    return Reorganisation.objects.filter(name=REFORM_NAME).exists()


def taken_gso_codes() -> set[str]:
    """The GSO codes the 2020 demo's active units hold (not the former units', which end)."""
    return set(
        OrgUnit.objects.filter(active_to__isnull=True)
        .exclude(gso_code="")
        .exclude(code__endswith=FORMER_SUFFIX)
        .values_list("gso_code", flat=True)
    )


def seed_former_city(*, province: OrgUnit, before: list[dict[str, Any]]) -> OrgUnit:
    """The former city and its 27 units as they were before July 2025 (demo-only codes; the
    GSO code where no 2020 ward holds it)."""
    taken = taken_gso_codes()
    city = org_unit_create(
        actor=None,
        code=FORMER_CITY_CODE,
        name=FORMER_CITY_NAME,
        kind=OrgUnit.Kind.CITY,
        parent=province,
        sort_order=900,
    )
    for index, unit in enumerate(before):
        gso = str(unit["code"])
        kind = OrgUnit.Kind.WARD if unit["name"].startswith("Phường") else OrgUnit.Kind.COMMUNE
        org_unit_create(
            actor=None,
            code=gso + FORMER_SUFFIX,
            gso_code="" if gso in taken else gso,
            name=unit["name"],
            kind=kind,
            parent=city,
            boundary=_square(index % 9, 3 + index // 9, CELL / 2.5),
            sort_order=index + 1,
        )
    return city


def reform_rows(taken: set[str]) -> tuple[list[SpecRow], dict[str, str]]:
    """The shipped 2025 file, read as the reorganisation page reads it, its rows moved to the
    demo's codes: former units by their demo-only codes, and no GSO code for a new unit where
    a 2020 ward holds it."""
    rows, headings = read_reorganisation_text(REFORM_FILE.read_text(encoding="utf-8"))
    moved = [
        dataclasses.replace(
            row,
            old_code=row.old_code + FORMER_SUFFIX,
            new_gso_code="" if row.new_gso_code in taken else row.new_gso_code,
        )
        for row in rows
    ]
    return moved, headings


def apply_reform(*, actor: Any, former_city: OrgUnit) -> Reorganisation:
    """The real reorganisation: the former units end on 30/06/2025, the 7 new units are
    created under the province with their lineage, and the people move. Then the former city,
    with nothing left under it, ends too."""
    rows, headings = reform_rows(taken_gso_codes())
    reorganisation = reorganisation_apply(
        ReorganisationSpec(
            name=REFORM_NAME,
            effective_on=REFORM_ON,
            rows=rows,
            headings=headings,
            source=REFORM_FILE.name,
        ),
        actor=actor,
    )
    org_unit_update(
        actor=actor, org_unit=former_city, active_to=REFORM_ON - datetime.timedelta(days=1)
    )
    for index, unit in enumerate(
        OrgUnit.objects.filter(code__endswith=NEW_SUFFIX, active_to__isnull=True).order_by("code")
    ):
        org_unit_update(actor=actor, org_unit=unit, boundary=_square(index, 0), sort_order=index)
    return reorganisation


def seed_province_rounds(
    *,
    province: OrgUnit,
    former_city: OrgUnit,
    coordinator: User,
    history: Framework,
    framework_2025: Framework,
    framework_2026: Framework,
    reform: Any,
) -> list[Round]:
    """2024 (the former units, published), the reorganisation (`reform`, called between),
    2025 (the new units, published by the province) and 2026 (in self-assessment)."""
    former = list(
        OrgUnit.objects.filter(parent=former_city, kind__in=OrgUnit.ASSESSED_KINDS).order_by(
            "sort_order"
        )
    )
    rng = random.Random(2024)  # noqa: S311 (reproducible demo data)
    strengths = {unit.pk: rng.random() for unit in former}
    round_2024 = _published_round(
        framework=history,
        city=former_city,
        coordinator=None,
        units=former,
        period=Round.Period.ANNUAL,
        due=datetime.date(2024, 12, 20),
        rng=rng,
        strengths=strengths,
        previous=None,
        decision=("45/QĐ-UBND", datetime.date(2025, 1, 25)),
    )
    reform()
    new = list(
        OrgUnit.objects.filter(parent=province, kind__in=OrgUnit.ASSESSED_KINDS).order_by(
            "sort_order"
        )
    )
    rng = random.Random(2025)  # noqa: S311 (reproducible demo data)
    strengths = {unit.pk: rng.random() for unit in new}
    round_2025 = _published_round(
        framework=framework_2025,
        city=province,
        coordinator=coordinator,
        units=new,
        period=Round.Period.ANNUAL,
        due=datetime.date(2025, 12, 20),
        rng=rng,
        strengths=strengths,
        previous=None,
        decision=("120/QĐ-UBND", datetime.date(2026, 1, 28)),
    )
    today = timezone.localdate()
    round_2026 = round_create(
        actor=coordinator,
        framework=framework_2026,
        organiser=province,
        period=Round.Period.ANNUAL,
        year=framework_2026.year,
        units=new,
        self_assessment_due_on=today + datetime.timedelta(days=10),
        appraisal_due_on=today + datetime.timedelta(days=24),
        appeals_due_on=today + datetime.timedelta(days=38),
    )
    round_2026 = round_advance(actor=coordinator, round_=round_2026)
    # Thành Sen half filled by its officer, one unit submitted, one just started.
    plan = {THANH_SEN: (0.5, False), "18652-2025": (1.0, True), "18604-2025": (0.2, False)}
    for assessment in Assessment.objects.filter(round=round_2026).select_related("org_unit"):
        unit = assessment.org_unit
        if unit.code not in plan:
            continue
        share, submit = plan[unit.code]
        _fill(assessment, _officer(unit), rng, strengths[unit.pk], share=share)
        if submit:
            assessment_submit(actor=_chair(unit), assessment=assessment)
    return [round_2024, round_2025, round_2026]
