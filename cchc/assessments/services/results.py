"""Results: totals, percentages, ranks (ties share a rank), bands and the change of rank."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
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
    rank_change: int | None  # positive: moved up, among the units ranked in both rounds
    is_complete: bool = True  # every criterion appraised; only complete units are ranked
    # When the previous round ranked other units: how many were ranked in both (the change
    # counts only them); None when both ranked the same units.
    rank_compared_among: int | None = None

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


@dataclass(frozen=True)
class RankChanges:
    places: dict[int, int] = field(default_factory=dict)  # unit id -> places gained
    among: int | None = None  # units compared, when the rounds ranked different units


def rank_changes(
    current: Mapping[int, int | None], previous: Mapping[int, int | None]
) -> RankChanges:
    """The places each unit gained since the previous round (positive: moved up), counted
    among the units ranked in both rounds: each round's ranks are ranked again among those
    units alone (ties stay ties). A rank among two units and one among forty are not on one
    scale: a unit 13th of forty and first of two has gained one place over the other unit,
    not twelve. `among` says how many were compared when the rounds ranked different units;
    with fewer than two units in both, nothing is compared."""
    now = {unit: rank for unit, rank in current.items() if rank is not None}
    before = {unit: rank for unit, rank in previous.items() if rank is not None}
    both = [unit for unit in now if unit in before]
    if len(both) < 2:
        return RankChanges()
    ranks_now = rank_competition([Decimal(-now[unit]) for unit in both])
    ranks_before = rank_competition([Decimal(-before[unit]) for unit in both])
    places = {
        unit: earlier - later
        for unit, later, earlier in zip(both, ranks_now, ranks_before, strict=True)
        if later is not None and earlier is not None
    }
    same_units = set(now) == set(before)
    return RankChanges(places=places, among=None if same_units else len(both))


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
    changes = rank_changes(
        {a.org_unit_id: rank for a, rank in zip(assessments, ranks, strict=True)}, previous_ranks
    )
    rows = []
    for assessment, percent, rank in zip(assessments, percents, ranks, strict=True):
        band = band_for(percent, bands)
        previous_rank = previous_ranks.get(assessment.org_unit_id)
        change = changes.places.get(assessment.org_unit_id)
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
                rank_change=change,
                is_complete=assessment.pk in complete,
                rank_compared_among=changes.among if change is not None else None,
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
