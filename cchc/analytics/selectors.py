"""The area heatmap and the self-vs-appraised gap of a round, computed in memory from three
queries whatever the number of units (criteria, assessments, scores)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied

from cchc.assessments import selectors as assessment_selectors
from cchc.assessments.models import Assessment, Round
from cchc.core.permissions import require_capability
from cchc.core.points import HUNDRED, round_points
from cchc.core.roles import Capability
from cchc.frameworks.models import Criterion
from cchc.frameworks.scoring import Section

# The heatmap's colour buckets follow the classification palette (docs/architecture.md).
BUCKETS = (
    (Decimal(90), "excellent"),
    (Decimal(80), "good"),
    (Decimal(70), "fair"),
    (Decimal(50), "average"),
)


def bucket(percent: Decimal | None) -> str:
    if percent is None:
        return "none"
    for floor, name in BUCKETS:
        if percent >= floor:
            return name
    return "weak"


@dataclass
class Cell:
    area_pk: int
    points: Decimal
    maximum: Decimal
    self_points: Decimal
    percent: Decimal | None
    bucket: str

    @property
    def gap(self) -> Decimal:
        return self.self_points - self.points


@dataclass
class HeatmapRow:
    assessment: Assessment
    cells: list[Cell]
    total: Decimal
    maximum: Decimal
    self_total: Decimal
    appraised_self_part: Decimal = Decimal(0)
    percent: Decimal | None = None
    bucket: str = "none"

    @property
    def gap(self) -> Decimal:
        """Points the unit's own score claims above the appraisal, on the criteria it scores."""
        return self.self_total - self.appraised_self_part


@dataclass
class Heatmap:
    round: Round
    areas: list[Criterion]
    rows: list[HeatmapRow] = field(default_factory=list)
    uses_appraisal: bool = True

    def area_averages(self) -> list[Decimal | None]:
        """The mean percentage per area across units: which areas drag the city down."""
        averages: list[Decimal | None] = []
        for index in range(len(self.areas)):
            values = [
                percent for row in self.rows if (percent := row.cells[index].percent) is not None
            ]
            averages.append(round_points(sum(values, Decimal(0)) / len(values)) if values else None)
        return averages


def round_for_analytics(*, user: Any, pk: int) -> Round:
    """Return a round the user may analyse: published to every analyst, earlier stages to those
    who run it or follow it (never to a unit)."""
    require_capability(user, Capability.VIEW_ANALYTICS)
    round_ = assessment_selectors.round_get_for_user(user=user, pk=pk)
    if round_.status == Round.Status.DRAFT:
        raise PermissionDenied
    return round_


def rounds_for_analytics(*, user: Any) -> list[Round]:
    require_capability(user, Capability.VIEW_ANALYTICS)
    return [
        round_
        for round_ in assessment_selectors.round_list_for_user(user=user)
        if round_.status != Round.Status.DRAFT
    ]


def _areas(criteria: list[Criterion]) -> list[Criterion]:
    """Areas are the lowest groups: criteria whose sub-criteria are all scored directly."""
    children: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        if criterion.parent_id:
            children[criterion.parent_id].append(criterion)
    # Bonus and penalty sections are caps, not shares of a maximum: they are not areas.
    return [
        criterion
        for criterion in criteria
        if children.get(criterion.pk)
        and all(not children.get(kid.pk) for kid in children[criterion.pk])
        and criterion.section == Section.NORMAL
    ]


def round_heatmap(round_: Round) -> Heatmap:
    """Read every unit's stored totals per area (appraised once the round has reached appraisal,
    else declared): two queries and no scoring, whatever the number of units."""
    criteria = list(Criterion.objects.filter(framework_id=round_.framework_id).order_by("order"))
    assessments = list(
        round_.assessments.select_related("org_unit").order_by(
            "org_unit__sort_order", "org_unit__name"
        )
    )
    uses_appraisal = round_.status != Round.Status.OPEN
    areas = _areas(criteria)
    heatmap = Heatmap(round=round_, areas=areas, uses_appraisal=uses_appraisal)
    for assessment in assessments:
        stored = assessment.area_totals or {}
        cells = []
        for area in areas:
            values = stored.get(str(area.pk), {})
            points, maximum = (
                _pair(values, "a", "am") if uses_appraisal else _pair(values, "s", "sm")
            )
            percent = round_points(points * HUNDRED / maximum) if maximum else None
            cells.append(
                Cell(
                    area.pk,
                    points,
                    maximum,
                    Decimal(values.get("s") or 0),
                    percent,
                    bucket(percent),
                )
            )
        if uses_appraisal:
            total = assessment.appraised_points or Decimal(0)
            maximum = assessment.appraised_max or Decimal(0)
            own_part = assessment.appraised_self_part or Decimal(0)
        else:
            total, maximum, own_part = (
                assessment.self_points,
                assessment.self_max,
                assessment.self_points,
            )
        row = HeatmapRow(
            assessment=assessment,
            cells=cells,
            total=total,
            maximum=maximum,
            self_total=assessment.self_points,
            appraised_self_part=own_part,
        )
        row.percent = round_points(row.total * HUNDRED / row.maximum) if row.maximum else None
        row.bucket = bucket(row.percent)
        heatmap.rows.append(row)
    return heatmap


def _pair(values: dict[str, Any], points_key: str, max_key: str) -> tuple[Decimal, Decimal]:
    return Decimal(values.get(points_key) or 0), Decimal(values.get(max_key) or 0)
