"""Ranking with its trend, the units that moved most, and the over-claim index: read from the
totals stored on each assessment (and the table frozen at publication), two queries for any
number of units and rounds.

- percent: appraised points / applicable appraised maximum, rounded half-up to 0.01;
- rank: competition ranking by percent ("1, 2, 2, 4"), complete units only (every criterion
  appraised or not applicable); a published round keeps the ranks it was published with;
- trend: the unit's percent in each round of the series (the same organiser's rounds past
  self-assessment, oldest first, up to SERIES_LENGTH, ending with the chosen round);
- change: percentage points and ranks against the previous round of the series (ranks among
  the units ranked in both: `assessments.services.results.rank_changes`);
- over-claim: self-score minus the appraisal of the criteria the unit scores itself, in
  points, and in percentage points of its self-scored maximum; the index is the mean of the
  latter over the rounds of the series where the unit was appraised.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse

from cchc.analytics.summary import frozen_trend
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services.results import rank_changes, rank_competition
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
    # Places gained (positive: moved up) among the units ranked in both rounds (rank_changes).
    rank_change: int | None = None
    trend: list[Decimal | None] = field(default_factory=list)
    gaps: list[Decimal | None] = field(default_factory=list)  # gap_percent per series round

    @property
    def change(self) -> Decimal | None:
        """Percentage points gained since the previous round of the series."""
        if self.percent is None or self.previous_percent is None:
            return None
        return self.percent - self.previous_percent

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
    # The previous round ranked other units: changes of rank count only this many, ranked in both.
    rank_compared_among: int | None = None

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
        )
        .select_related("framework")
        .defer("published_results")  # 1 MB each at a nation's scale; read where needed
        if _order(candidate) <= _order(round_)
    ]
    if round_.status in APPRAISED_STATUSES and all(r.pk != round_.pk for r in rounds):
        rounds.append(round_)
    rounds.sort(key=_order)
    return rounds[-SERIES_LENGTH:]


def _order(round_: Round) -> tuple[int, int, int]:
    return (round_.year, PERIOD_ORDER.get(Round.Period(round_.period), 0), round_.pk)


@dataclass(slots=True)
class _Stored:
    """One unit's figures in one round: as published, or as its assessment stores them."""

    name: str
    code: str
    assessment_pk: int | None
    total: Decimal | None
    maximum: Decimal | None
    self_points: Decimal
    self_max: Decimal
    gap: Decimal | None  # self-score minus the appraisal of what the unit scored itself
    complete: bool
    percent: Decimal | None = None
    rank: int | None = None

    @property
    def gap_percent(self) -> Decimal | None:
        if self.gap is None or not self.self_max:
            return None
        return round_points(self.gap * HUNDRED / self.self_max)


def _published(round_: Round, *, full: bool = True) -> dict[int, _Stored]:
    """The table frozen at publication: ranks as published, no query. Earlier rounds of a
    trend need only the percent and the over-claim (`full` False)."""
    table = {}
    zero = Decimal(0)
    for row in round_.published_results or []:
        percent = row.get("percent")
        gap = row.get("gap")
        table[row["org_unit_id"]] = _Stored(
            name=row.get("unit_name", "") if full else "",
            code=row.get("unit_code", "") if full else "",
            assessment_pk=None,
            total=Decimal(row["total"]) if full and row.get("total") is not None else None,
            maximum=Decimal(row["maximum"]) if full and row.get("maximum") is not None else None,
            self_points=Decimal(row.get("self_points") or 0) if full else zero,
            self_max=Decimal(row.get("self_max") or 0),
            gap=Decimal(gap) if gap is not None else None,
            complete=row.get("is_complete", True),
            percent=Decimal(percent) if percent is not None else None,
            rank=row.get("rank"),
        )
    return table


def _trend_only(round_: Round) -> dict[int, _Stored] | None:
    """An earlier published round of a trend: each unit's percent and over-claim from the
    round's summary (cchc/analytics/summary.py), without reading its whole ranking; None
    when it was published before summaries existed."""
    trend = frozen_trend(round_)
    if trend is None:
        return None
    zero = Decimal(0)
    return {
        unit: _Stored(
            name="",
            code="",
            assessment_pk=None,
            total=None,
            maximum=None,
            self_points=zero,
            self_max=self_max,
            gap=gap,
            complete=True,
            percent=percent,
        )
        for unit, (percent, gap, self_max) in trend.items()
    }


def _live(round_ids: list[int]) -> dict[int, dict[int, _Stored]]:
    """Rounds not published: every unit's stored totals and counts, ranked now (one query)."""
    tables: dict[int, dict[int, _Stored]] = {pk: {} for pk in round_ids}
    if not round_ids:
        return tables
    rows = Assessment.objects.filter(round_id__in=round_ids).values_list(
        "round_id",
        "org_unit_id",
        "pk",
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
    for (round_id, unit, pk, name, code, status, own, own_max, points, maximum, own_appraised,
         appraised, leaves) in rows:  # fmt: skip
        complete = status == Assessment.Status.SUBMITTED and 0 < leaves <= appraised
        tables[round_id][unit] = _Stored(
            name=name,
            code=code,
            assessment_pk=pk,
            total=points,
            maximum=maximum,
            self_points=own,
            self_max=own_max,
            gap=own - own_appraised if own_appraised is not None else None,
            complete=complete,
            percent=percent_of(points, maximum) if complete else None,
        )
    for table in tables.values():
        units = list(table)
        for unit, rank in zip(
            units, rank_competition([table[u].percent for u in units]), strict=True
        ):
            table[unit].rank = rank
    return tables


def ranking(
    round_: Round, *, bands: list[ClassificationBand], unit_ids: set[int] | None = None
) -> Ranking:
    """The round's ranking over every unit (ranks never depend on who looks); `unit_ids`
    then keeps the rows a reader may see. Published rounds are read from the table frozen
    at publication; the others from the totals stored on each assessment."""
    series = series_for(round_)
    members = {member.pk: member for member in [*series, round_]}
    previous = series[-2] if len(series) >= 2 and series[-1].pk == round_.pk else None
    shown = {round_.pk, previous.pk if previous else None}
    tables: dict[int, dict[int, _Stored]] = {}
    for member_pk, member in members.items():
        if member.status != Round.Status.PUBLISHED:
            continue
        trend = None if member_pk in shown else _trend_only(member)
        if trend is not None:
            tables[member_pk] = trend
        elif member.published_results is not None:  # the previous round's: one query
            tables[member_pk] = _published(member, full=member_pk in shown)
    tables.update(_live([pk for pk in members if pk not in tables]))
    current = tables[round_.pk]
    if any(stored.assessment_pk is None for stored in current.values()):
        # Published: the links need each unit's assessment (one small query).
        links = dict(round_.assessments.values_list("org_unit_id", "pk"))
        for unit, stored in current.items():
            stored.assessment_pk = links.get(unit)
    before = tables[previous.pk] if previous else {}
    changes = rank_changes(
        {unit: stored.rank for unit, stored in current.items()},
        {unit: stored.rank for unit, stored in before.items()},
    )
    detail = reverse("assessments:assessment_detail", args=[0])
    rows = []
    for unit_id, stored in current.items():
        if unit_ids is not None and unit_id not in unit_ids:
            continue
        band = band_for(stored.percent, bands) if stored.rank is not None else None
        earlier = before.get(unit_id)
        pk = stored.assessment_pk
        row = RankRow(
            org_unit_id=unit_id,
            unit_name=stored.name,
            unit_code=stored.code,
            assessment_pk=pk or 0,
            url=detail.replace("/0/", f"/{pk}/") if pk else "",
            total=stored.total,
            maximum=stored.maximum,
            percent=stored.percent,
            rank=stored.rank,
            band=band.name if band else "",
            band_colour=band.colour if band else "",
            self_points=stored.self_points,
            gap=stored.gap,
            gap_percent=stored.gap_percent,
            previous_percent=earlier.percent if earlier else None,
            previous_rank=earlier.rank if earlier else None,
            rank_change=changes.places.get(unit_id),
        )
        for member in series:
            theirs = tables[member.pk].get(unit_id)
            row.trend.append(theirs.percent if theirs else None)
            row.gaps.append(theirs.gap_percent if theirs else None)
        rows.append(row)
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit_name))
    return Ranking(
        round=round_,
        series=series,
        rows=rows,
        provisional=round_.status != Round.Status.PUBLISHED,
        rank_compared_among=changes.among if changes.places else None,
    )
