"""Ranking with its trend, the units that moved most, and the over-claim index: read from the
totals stored on each assessment (and the table frozen at publication), two queries for any
number of units and rounds.

- percent: appraised points / applicable appraised maximum, rounded half-up to 0.01;
- rank: competition ranking by percent ("1, 2, 2, 4"), complete units only (every criterion
  appraised or not applicable); a published round keeps the ranks it was published with;
- trend: the unit's percent in each round of the series (the same organiser's rounds past
  self-assessment, oldest first, up to SERIES_LENGTH, ending with the chosen round);
- change: percentage points and ranks against the previous round of the series;
- over-claim: self-score minus the appraisal of the criteria the unit scores itself, in
  points, and in percentage points of its self-scored maximum; the index is the mean of the
  latter over the rounds of the series where the unit was appraised.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from cchc.assessments.models import Assessment, Round
from cchc.assessments.services.results import rank_competition
from cchc.core.points import HUNDRED, round_points
from cchc.frameworks.models import ClassificationBand
from cchc.frameworks.selectors import band_for

SERIES_LENGTH = 6
PERIOD_ORDER = {Round.Period.H1: 1, Round.Period.M9: 2, Round.Period.ANNUAL: 3}
APPRAISED_STATUSES = (
    Round.Status.APPRAISAL,
    Round.Status.APPEALS,
    Round.Status.FINALISED,
    Round.Status.PUBLISHED,
)
MOVERS = 3
STORED_FIELDS = (
    "round_id",
    "org_unit__name",
    "org_unit__code",
    "status",
    "self_points",
    "self_max",
    "appraised_points",
    "appraised_max",
    "appraised_self_part",
    "appraised_count",
    "all_leaf_count",
)


def percent_of(points: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    if points is None or not maximum:
        return None
    return round_points(points * HUNDRED / maximum)


@dataclass
class RankRow:
    org_unit_id: int
    unit_name: str
    unit_code: str
    assessment_pk: int
    url: str
    total: Decimal | None
    maximum: Decimal | None
    percent: Decimal | None
    rank: int | None
    band: str
    band_colour: str
    self_points: Decimal
    gap: Decimal | None  # over-claim in points, this round
    gap_percent: Decimal | None  # … in percentage points of the self-scored maximum
    previous_percent: Decimal | None = None
    previous_rank: int | None = None
    trend: list[Decimal | None] = field(default_factory=list)
    gaps: list[Decimal | None] = field(default_factory=list)  # gap_percent per series round

    @property
    def change(self) -> Decimal | None:
        """Percentage points gained since the previous round of the series."""
        if self.percent is None or self.previous_percent is None:
            return None
        return self.percent - self.previous_percent

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive: moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def over_claim_index(self) -> Decimal | None:
        values = [gap for gap in self.gaps if gap is not None]
        if not values:
            return None
        return round_points(sum(values, Decimal(0)) / len(values))


@dataclass
class Ranking:
    round: Round
    series: list[Round]
    rows: list[RankRow]
    provisional: bool  # not published yet: figures may still change

    @property
    def improved(self) -> list[RankRow]:
        moved = [row for row in self.rows if row.change is not None and row.change > 0]
        moved.sort(key=lambda row: (-(row.change or 0), row.unit_name))
        return moved[:MOVERS]

    @property
    def fell(self) -> list[RankRow]:
        moved = [row for row in self.rows if row.change is not None and row.change < 0]
        moved.sort(key=lambda row: (row.change or 0, row.unit_name))
        return moved[:MOVERS]

    def band_counts(self) -> list[tuple[str, str, int]]:
        """(band name, palette key, units) in the order the bands fall, then unranked."""
        counts: dict[tuple[str, str], int] = {}
        for row in self.rows:
            key = (row.band, row.band_colour) if row.band else ("", "none")
            counts[key] = counts.get(key, 0) + 1
        return [(name, colour, count) for (name, colour), count in counts.items()]


def series_for(round_: Round) -> list[Round]:
    """The organiser's rounds past self-assessment up to this one, oldest first (one query)."""
    rounds = [
        candidate
        for candidate in Round.objects.filter(
            organiser_id=round_.organiser_id, status__in=APPRAISED_STATUSES
        ).select_related("framework")
        if _order(candidate) <= _order(round_)
    ]
    if round_.status in APPRAISED_STATUSES and all(r.pk != round_.pk for r in rounds):
        rounds.append(round_)
    rounds.sort(key=_order)
    return rounds[-SERIES_LENGTH:]


def _order(round_: Round) -> tuple[int, int, int]:
    return (round_.year, PERIOD_ORDER.get(Round.Period(round_.period), 0), round_.pk)


def ranking(
    round_: Round, *, bands: list[ClassificationBand], unit_ids: set[int] | None = None
) -> Ranking:
    """The round's ranking over every unit (ranks never depend on who looks); `unit_ids`
    then keeps the rows a reader may see."""
    series = series_for(round_)
    rows_by_round: dict[int, dict[int, Assessment]] = {r.pk: {} for r in series}
    if round_.pk not in rows_by_round:
        rows_by_round[round_.pk] = {}
    stored = (
        Assessment.objects.filter(round_id__in=list(rows_by_round))
        .select_related("org_unit")
        .only(*STORED_FIELDS)
    )
    for assessment in stored:
        rows_by_round[assessment.round_id][assessment.org_unit_id] = assessment
    current = rows_by_round[round_.pk]
    figures = {
        member.pk: _percents_and_ranks(rows_by_round[member.pk], _frozen(member))
        for member in {*series, round_}
    }
    percents, ranks = figures[round_.pk]
    previous = series[-2] if len(series) >= 2 and series[-1].pk == round_.pk else None
    previous_percents, previous_ranks = figures[previous.pk] if previous else ({}, {})
    rows = []
    for unit_id, assessment in current.items():
        if unit_ids is not None and unit_id not in unit_ids:
            continue
        percent = percents.get(unit_id)
        band = band_for(percent, bands) if ranks.get(unit_id) is not None else None
        appraised_own = assessment.appraised_self_part
        gap = assessment.self_points - appraised_own if appraised_own is not None else None
        row = RankRow(
            org_unit_id=unit_id,
            unit_name=assessment.org_unit.name,
            unit_code=assessment.org_unit.code,
            assessment_pk=assessment.pk,
            url=assessment.get_absolute_url(),
            total=assessment.appraised_points,
            maximum=assessment.appraised_max,
            percent=percent,
            rank=ranks.get(unit_id),
            band=band.name if band else "",
            band_colour=band.colour if band else "",
            self_points=assessment.self_points,
            gap=gap,
            gap_percent=_gap_percent(assessment),
            previous_percent=previous_percents.get(unit_id),
            previous_rank=previous_ranks.get(unit_id),
        )
        for member in series:
            theirs = rows_by_round[member.pk].get(unit_id)
            row.trend.append(figures[member.pk][0].get(unit_id))
            row.gaps.append(_gap_percent(theirs) if theirs else None)
        rows.append(row)
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit_name))
    return Ranking(
        round=round_,
        series=series,
        rows=rows,
        provisional=round_.status != Round.Status.PUBLISHED,
    )


def _frozen(round_: Round) -> dict[int, dict] | None:
    """The table frozen at publication, by unit, if the round is published."""
    if round_.status == Round.Status.PUBLISHED and round_.published_results is not None:
        return {row["org_unit_id"]: row for row in round_.published_results}
    return None


def _percents_and_ranks(
    assessments: dict[int, Assessment], published: dict[int, dict] | None
) -> tuple[dict[int, Decimal | None], dict[int, int | None]]:
    """Per unit: the percent and rank as published, or as the stored totals give them now
    (complete, submitted units only)."""
    if published is not None:
        return (
            {
                unit: Decimal(row["percent"]) if row.get("percent") is not None else None
                for unit, row in published.items()
            },
            {unit: row.get("rank") for unit, row in published.items()},
        )
    units = list(assessments)
    percents = [
        percent_of(a.appraised_points, a.appraised_max)
        if a.is_appraised and a.appraised_points is not None
        else None
        for a in assessments.values()
    ]
    return dict(zip(units, percents, strict=True)), dict(
        zip(units, rank_competition(percents), strict=True)
    )


def _gap_percent(assessment: Assessment) -> Decimal | None:
    if assessment.appraised_self_part is None or not assessment.self_max:
        return None
    return round_points(
        (assessment.self_points - assessment.appraised_self_part) * HUNDRED / assessment.self_max
    )
