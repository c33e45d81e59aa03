"""Results: totals, percentages, ranks (ties share a rank), bands and the change of rank."""

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from cchc.assessments.models import Assessment, Round
from cchc.core.points import HUNDRED, round_points
from cchc.frameworks.selectors import band_for, bands_of


@dataclass
class ResultRow:
    org_unit_id: int
    unit_name: str
    unit_code: str
    total: str
    maximum: str
    percent: str | None
    self_points: str
    self_max: str
    gap: str  # self-score minus appraised score: the over-claim
    rank: int | None
    band: str
    band_colour: str
    previous_rank: int | None
    rank_change: int | None  # positive: moved up
    is_complete: bool = True  # every criterion appraised; only complete units are ranked

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def rank_competition(percents: list[Decimal | None]) -> list[int | None]:
    """Rank by percentage, highest first; equal percentages share a rank and the next rank
    skips ("1, 2, 2, 4"). Units without a result get no rank."""
    ordered = sorted((p for p in percents if p is not None), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, percent in enumerate(ordered, start=1):
        first_position.setdefault(percent, position)
    return [first_position[p] if p is not None else None for p in percents]


def round_results(round_: Round) -> list[ResultRow]:
    """Compute the ranking of a round from the totals and counts stored on each assessment
    (one query for the units, one for the bands)."""
    assessments = list(
        round_.assessments.select_related("org_unit").filter(status=Assessment.Status.SUBMITTED)
    )
    bands = bands_of(round_.framework)
    previous_ranks: dict[int, int | None] = {}
    if round_.previous_id and round_.previous and round_.previous.published_results:
        previous_ranks = {
            row["org_unit_id"]: row.get("rank") for row in round_.previous.published_results
        }
    percents: list[Decimal | None] = []
    # Every criterion appraised or not applicable: counted on the row by each save.
    complete = {a.pk for a in assessments if a.is_appraised}
    for assessment in assessments:
        points, maximum = assessment.appraised_points, assessment.appraised_max
        if assessment.pk in complete and points is not None and maximum:
            percents.append(round_points(points * HUNDRED / maximum))
        else:
            percents.append(None)
    ranks = rank_competition(percents)
    rows = []
    for assessment, percent, rank in zip(assessments, percents, ranks, strict=True):
        band = band_for(percent, bands)
        previous_rank = previous_ranks.get(assessment.org_unit_id)
        appraised = assessment.appraised_points or Decimal(0)
        rows.append(
            ResultRow(
                org_unit_id=assessment.org_unit_id,
                unit_name=assessment.org_unit.name,
                unit_code=assessment.org_unit.code,
                total=str(appraised),
                maximum=str(assessment.appraised_max or Decimal(0)),
                percent=str(percent) if percent is not None else None,
                self_points=str(assessment.self_points),
                self_max=str(assessment.self_max),
                gap=str(assessment.self_points - (assessment.appraised_self_part or Decimal(0))),
                rank=rank,
                band=band.name if band else "",
                band_colour=band.colour if band else "",
                previous_rank=previous_rank,
                rank_change=(previous_rank - rank) if previous_rank and rank else None,
                is_complete=assessment.pk in complete,
            )
        )
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit_name))
    return rows


def round_freeze(round_: Round) -> None:
    """Fix what publication keeps (the caller saves): the ranking, and what the dashboards
    read of the round (each area's average and over-claim, each unit's trend figures)."""
    from cchc.analytics.summary import round_summary  # analytics reads rounds, not the reverse

    round_.published_results = [row.as_json() for row in round_results(round_)]
    round_.published_summary = round_summary(round_, round_.published_results)


def published_or_live_results(round_: Round) -> list[dict[str, Any]]:
    """Return the frozen published table, or the live one before publication."""
    if round_.status == Round.Status.PUBLISHED and round_.published_results is not None:
        return list(round_.published_results)
    return [row.as_json() for row in round_results(round_)]
