"""The area heatmap and the self-vs-appraised gap of a round, computed in memory from three
queries whatever the number of units (criteria, assessments, scores)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied

from cchc.assessments import selectors as assessment_selectors
from cchc.assessments.engine import appraised_nodes
from cchc.assessments.models import Assessment, Round, Score
from cchc.core.permissions import require_capability
from cchc.core.points import HUNDRED, round_points
from cchc.core.roles import Capability
from cchc.frameworks.models import Criterion
from cchc.frameworks.scoring import Node, Section, score_tree

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
    """Score every unit's tree (appraised when the round has reached appraisal, else declared)."""
    criteria = list(Criterion.objects.filter(framework_id=round_.framework_id).order_by("order"))
    assessments = list(
        round_.assessments.select_related("org_unit").order_by(
            "org_unit__sort_order", "org_unit__name"
        )
    )
    scores: dict[int, dict[int, Score]] = defaultdict(dict)
    for score in Score.objects.filter(assessment__round=round_).only(
        "assessment_id",
        "criterion_id",
        "inputs",
        "self_points",
        "appraised_points",
        "is_not_applicable",
    ):
        scores[score.assessment_id][score.criterion_id] = score
    uses_appraisal = round_.status not in (Round.Status.OPEN,)
    nodes = appraised_nodes(criterion.as_node() for criterion in criteria)
    leaf_ids = {c.pk for c in criteria} - {c.parent_id for c in criteria if c.parent_id}
    areas = _areas(criteria)
    heatmap = Heatmap(round=round_, areas=areas, uses_appraisal=uses_appraisal)
    for assessment in assessments:
        unit_scores = scores.get(assessment.pk, {})
        appraised = _score(
            nodes, unit_scores, leaf_ids, "appraised_points" if uses_appraisal else "self_points"
        )
        declared = _score(nodes, unit_scores, leaf_ids, "self_points", self_scored_only=True)
        appraised_own = _score(
            nodes,
            unit_scores,
            leaf_ids,
            "appraised_points" if uses_appraisal else "self_points",
            self_scored_only=True,
        )
        cells = []
        for area in areas:
            result = appraised.results.get(area.pk)
            own = declared.results.get(area.pk)
            points = result.points if result else Decimal(0)
            maximum = result.applicable_max if result else Decimal(0)
            percent = round_points(points * HUNDRED / maximum) if maximum else None
            cells.append(
                Cell(
                    area.pk,
                    points,
                    maximum,
                    own.points if own else Decimal(0),
                    percent,
                    bucket(percent),
                )
            )
        row = HeatmapRow(
            assessment=assessment,
            cells=cells,
            total=appraised.total,
            maximum=appraised.applicable_max,
            self_total=declared.total,
            appraised_self_part=appraised_own.total,
        )
        row.percent = round_points(row.total * HUNDRED / row.maximum) if row.maximum else None
        row.bucket = bucket(row.percent)
        heatmap.rows.append(row)
    return heatmap


def _score(
    nodes: list[Node],
    unit_scores: dict[int, Score],
    leaf_ids: set[int],
    field_name: str,
    *,
    self_scored_only: bool = False,
) -> Any:
    inputs = {}
    not_applicable = set()
    for criterion_id, score in unit_scores.items():
        if score.is_not_applicable:
            not_applicable.add(criterion_id)
            continue
        value = getattr(score, field_name)
        if value is not None and criterion_id in leaf_ids:
            inputs[criterion_id] = {"points": value}
    return score_tree(
        nodes,
        inputs,
        include=lambda node: (
            node.id not in not_applicable and (node.is_self_scored or not self_scored_only)
        ),
    )
