"""Ranking with its trend, the units that moved most, and the over-claim index: read from the
totals stored on each assessment (and the table frozen at publication), two queries for any
number of units and rounds. Each round's figures come from the results module
(`assessments.services.results`: `rank_rows` for a live round, `published_rows` for a
published one), as on the results page, the portal and the exports:

- percent: appraised points / applicable appraised maximum, rounded half-up to 0.01;
- rank: competition ranking by percent ("1, 2, 2, 4"), complete units only (every criterion
  appraised or not applicable); a published round keeps the ranks and bands it was published
  with; units that did not submit are listed, unranked;
- trend: the unit's percent in each round of the series (the same organiser's rounds past
  self-assessment, oldest first, up to SERIES_LENGTH, ending with the chosen round);
- change: percentage points and ranks against the previous round of the series (ranks among
  the units ranked in both: `assessments.services.results.rank_changes`);
- over-claim: self-score minus the appraisal of the criteria the unit scores itself, in
  points, and in percentage points of its self-scored maximum; the index is the mean of the
  latter over the rounds of the series where the unit was appraised.
- across a reorganisation: a unit made from others (merged, divided) takes their figures for
  the rounds before it existed (trend, change, over-claim), by the one rule of
  `orgunits.lineage` (the setting LINEAGE_HISTORY_RULE); the series then also holds the
  earlier rounds its predecessors were assessed in, whoever organised them. Each figure so
  computed is listed in the ranking's `inherited` notes, shown under the table. Those rounds'
  own rankings are untouched: they show the former units as published.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from cchc.analytics.summary import frozen_trend
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services.results import (
    ResultRow,
    Totals,
    published_rows,
    rank_changes,
    rank_rows,
    totals_of,
)
from cchc.core.points import round_points
from cchc.frameworks.models import ClassificationBand
from cchc.orgunits.lineage import Lineage, lineage_for

SERIES_LENGTH = 6
PERIOD_ORDER = {Round.Period.H1: 1, Round.Period.M9: 2, Round.Period.ANNUAL: 3}
APPRAISED_STATUSES = (
    Round.Status.APPRAISAL,
    Round.Status.APPEALS,
    Round.Status.FINALISED,
    Round.Status.PUBLISHED,
)
MOVERS = 3


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
    # "Phường Thành Sen, CN/2024: computed from …": each figure taken from predecessors.
    inherited: list[str] = field(default_factory=list)

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
    # The rule by which units made by a reorganisation read their predecessors' figures.
    lineage: Lineage | None = None

    @property
    def inherited(self) -> list[str]:
        return [note for row in self.rows for note in row.inherited]

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


def series_for(round_: Round, lineage: Lineage | None = None) -> list[Round]:
    """The organiser's rounds past self-assessment up to this one, oldest first (one query),
    and, for units made by a reorganisation (`lineage`), the rounds their predecessors were
    assessed in."""
    same = Q(organiser_id=round_.organiser_id)
    if lineage is not None and lineage.sources:
        former = {source.unit_id for sources in lineage.sources.values() for source in sources}
        same |= Q(pk__in=Assessment.objects.filter(org_unit_id__in=former).values("round_id"))
    rounds = [
        candidate
        for candidate in Round.objects.filter(same, status__in=APPRAISED_STATUSES)
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


def _published(round_: Round) -> dict[int, ResultRow]:
    """The table frozen at publication, as published (ranks and bands), no query."""
    return {row.org_unit_id: row for row in published_rows(round_) or []}


def _trend_only(round_: Round) -> dict[int, ResultRow] | None:
    """An earlier published round of a trend: each unit's percent and over-claim from the
    round's summary (cchc/analytics/summary.py), without reading its whole ranking; None
    when it was published before summaries existed."""
    trend = frozen_trend(round_)
    if trend is None:
        return None
    zero = Decimal(0)
    return {
        unit: ResultRow(
            org_unit_id=unit,
            unit_name="",
            unit_code="",
            total=None,
            maximum=None,
            percent=value,
            self_points=zero,
            self_max=self_max,
            gap=gap,
            rank=None,
            band="",
            band_colour="",
        )
        for unit, (value, gap, self_max) in trend.items()
    }


def _live(
    round_ids: list[int], bands: dict[int, list[ClassificationBand]]
) -> dict[int, dict[int, ResultRow]]:
    """Rounds not published: every unit's stored totals (submitted or not), ranked now by
    the results module (one query)."""
    units: dict[int, list[Totals]] = {pk: [] for pk in round_ids}
    if round_ids:
        for round_id, totals in totals_of(Assessment.objects.filter(round_id__in=round_ids)):
            units[round_id].append(totals)
    return {
        pk: {row.org_unit_id: row for row in rank_rows(members, bands.get(pk, []))}
        for pk, members in units.items()
    }


def ranking(
    round_: Round, *, bands: list[ClassificationBand], unit_ids: set[int] | None = None
) -> Ranking:
    """The round's ranking over every unit (ranks never depend on who looks); `unit_ids`
    then keeps the rows a reader may see. Published rounds are read from the table frozen
    at publication; the others from the totals stored on each assessment. A unit made by a
    reorganisation takes its predecessors' figures for the rounds before it (lineage)."""
    lineage = lineage_for(round_.assessments.values_list("org_unit_id", flat=True))
    series = series_for(round_, lineage)
    members = {member.pk: member for member in [*series, round_]}
    previous = series[-2] if len(series) >= 2 and series[-1].pk == round_.pk else None
    shown = {round_.pk, previous.pk if previous else None}
    tables: dict[int, dict[int, ResultRow]] = {}
    for member_pk, member in members.items():
        if member.status != Round.Status.PUBLISHED:
            continue
        trend = None if member_pk in shown else _trend_only(member)
        if trend is not None:
            tables[member_pk] = trend
        elif member.published_results is not None:  # the previous round's: one query
            tables[member_pk] = _published(member)
    tables.update(_live([pk for pk in members if pk not in tables], {round_.pk: bands}))
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
    inherited = _Inherited(lineage, tables)
    rows = []
    for unit_id, stored in current.items():
        if unit_ids is not None and unit_id not in unit_ids:
            continue
        earlier = before.get(unit_id)
        pk = stored.assessment_pk
        row = RankRow(
            org_unit_id=unit_id,
            unit_name=stored.unit_name,
            unit_code=stored.unit_code,
            assessment_pk=pk or 0,
            url=detail.replace("/0/", f"/{pk}/") if pk else "",
            total=stored.total,
            maximum=stored.maximum,
            percent=stored.percent,
            rank=stored.rank,
            band=stored.band,
            band_colour=stored.band_colour,
            self_points=stored.self_points,
            gap=stored.gap,
            gap_percent=stored.gap_percent,
            previous_percent=(earlier.percent if earlier else inherited.percent(previous, unit_id)),
            previous_rank=earlier.rank if earlier else None,
            rank_change=changes.places.get(unit_id),
        )
        for member in series:
            theirs = tables[member.pk].get(unit_id)
            if theirs is None and lineage.has_history(unit_id):
                percent = inherited.percent(member, unit_id)
                row.trend.append(percent)
                row.gaps.append(inherited.gap(member, unit_id))
                if percent is not None:
                    row.inherited.append(
                        lineage.explain(stored.unit_name, unit_id, round_label(member))
                    )
                continue
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
        lineage=lineage if lineage.sources else None,
    )


# A trend's column is short: "6T 2026" and "9T 2026" as Vietnamese reports write the rounds of
# six and nine months, the year's own round "Năm 2026" ("CN", cả năm, read as Sunday).
PERIOD_SHORT = {
    "h1": pgettext_lazy("round, short", "H1"),
    "m9": pgettext_lazy("round, short", "9M"),
    "annual": pgettext_lazy("round, short", "Year"),
}


def round_label(round_: Round) -> str:
    """ "Năm 2024": a round as the trend's columns name it."""
    period = PERIOD_SHORT.get(round_.period, round_.period)
    return f"{period} {round_.year}"


class _Inherited:
    """A round's figures for a unit made after it, from its predecessors' (lineage), each
    round's percent and over-claim read once for all units."""

    def __init__(self, lineage: Lineage, tables: dict[int, dict[int, ResultRow]]) -> None:
        self.lineage = lineage
        self.tables = tables
        self.cache: dict[tuple[int, str], dict[int, Decimal | None]] = {}

    def _values(self, round_pk: int, name: str) -> dict[int, Decimal | None]:
        key = (round_pk, name)
        if key not in self.cache:
            self.cache[key] = {
                unit: getattr(row, name) for unit, row in self.tables[round_pk].items()
            }
        return self.cache[key]

    def percent(self, member: Round | None, unit_id: int) -> Decimal | None:
        if member is None or not self.lineage.has_history(unit_id):
            return None
        return self.lineage.mean(unit_id, self._values(member.pk, "percent"))

    def gap(self, member: Round, unit_id: int) -> Decimal | None:
        return self.lineage.mean(unit_id, self._values(member.pk, "gap_percent"))
