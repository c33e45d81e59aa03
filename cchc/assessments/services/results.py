"""Results, computed in one place for every page and export: totals, percent, completeness,
rank (competition ranking: ties share a rank), band, over-claim and the change of rank, for a
live round (from the totals each assessment stores) or a published one (from its frozen table).

Who reads it: the results page and its XLSX (`assessments.views`, `assessments.exports`), the
dashboards (`analytics.results`, `analytics.summary`), the portal's ranking pages
(`portal.selectors`) and the ranking announcement (`documents.kinds.ranking_announcement`).
None of them computes a percent, a rank or a band of its own.

A published row is written once by `ResultRow.as_json` (Decimals as exact strings) and read
back by `ResultRow.from_json`; nothing else converts a frozen figure."""

import datetime
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from cchc.assessments.models import Assessment, Round
from cchc.core.points import percent
from cchc.frameworks.models import ClassificationBand
from cchc.frameworks.selectors import band_for, bands_of

ZERO = Decimal(0)


def decimal_text(value: Decimal | None) -> str | None:
    """A Decimal as it is frozen: its exact digits, never an exponent ("1E+1"), None kept."""
    return None if value is None else format(value, "f")


def text_decimal(value: Any) -> Decimal | None:
    """A frozen figure back to its Decimal (None and "" are no figure)."""
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True, slots=True)
class Totals:
    """What an assessment stores of its unit's result (engine.refresh_totals): the inputs."""

    org_unit_id: int
    unit_name: str
    unit_code: str
    assessment_pk: int
    submitted: bool
    self_points: Decimal
    self_max: Decimal
    appraised_points: Decimal | None
    appraised_max: Decimal | None
    appraised_self_part: Decimal | None
    appraised_count: int
    all_leaf_count: int

    @property
    def is_complete(self) -> bool:
        return is_complete(
            submitted=self.submitted,
            appraised_count=self.appraised_count,
            all_leaf_count=self.all_leaf_count,
        )


TOTALS_COLUMNS = (
    "org_unit_id",
    "org_unit__name",
    "org_unit__code",
    "pk",
    "status",
    "self_points",
    "self_max",
    "appraised_points",
    "appraised_max",
    "appraised_self_part",
    "appraised_count",
    "all_leaf_count",
)


def totals_of(assessments: QuerySet[Assessment]) -> list[tuple[int, Totals]]:
    """(round id, totals) of each assessment: one query, no model instances."""
    rows = assessments.values_list("round_id", *TOTALS_COLUMNS)
    return [
        (round_id, Totals(unit, name, code, pk, status == Assessment.Status.SUBMITTED, *rest))
        for round_id, unit, name, code, pk, status, *rest in rows
    ]


def is_complete(*, submitted: bool, appraised_count: int, all_leaf_count: int) -> bool:
    """Ranked only when submitted and every criterion appraised or not applicable."""
    return submitted and 0 < all_leaf_count <= appraised_count


def over_claim(
    self_points: Decimal, appraised_self_part: Decimal | None, *, complete: bool = True
) -> Decimal | None:
    """Self-score minus the appraisal of the criteria the unit scores itself; None before
    its appraisal is complete (a criterion not appraised yet would count as 0 appraised
    points, and the unit as claiming all of it: 46 points "over-claimed" a third of the way
    through, a walk)."""
    if appraised_self_part is None or not complete:
        return None
    return self_points - appraised_self_part


def rank_competition(percents: list[Decimal | None]) -> list[int | None]:
    """Rank by percentage, highest first; equal percentages share a rank and the next rank
    skips ("1, 2, 2, 4"). Units without a result get no rank."""
    ordered = sorted((p for p in percents if p is not None), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
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


@dataclass(slots=True)
class ResultRow:
    """One unit's result in a round. The figures are Decimals; a published row keeps them
    as exact strings (as_json) and reads them back once (from_json)."""

    org_unit_id: int
    unit_name: str
    unit_code: str
    total: Decimal | None  # appraised points; None before any criterion is appraised
    maximum: Decimal | None  # the applicable appraised maximum
    percent: Decimal | None  # complete units only
    self_points: Decimal
    self_max: Decimal
    gap: Decimal | None  # self-score minus appraised score: the over-claim
    rank: int | None
    band: str
    band_colour: str
    previous_rank: int | None = None
    rank_change: int | None = None  # positive: moved up, among the units ranked in both rounds
    is_complete: bool = True  # every criterion appraised; only complete units are ranked
    # When the previous round ranked other units: how many were ranked in both (the change
    # counts only them); None when both ranked the same units.
    rank_compared_among: int | None = None
    # Not frozen: the live row's assessment, and whether it was submitted (a published
    # table holds submitted units only).
    assessment_pk: int | None = None
    submitted: bool = True

    @property
    def gap_percent(self) -> Decimal | None:
        """The over-claim in percentage points of the self-scored maximum."""
        return percent(self.gap, self.self_max)

    def as_json(self) -> dict[str, Any]:
        """The row as publication freezes it (Round.published_results)."""
        return {
            "org_unit_id": self.org_unit_id,
            "unit_name": self.unit_name,
            "unit_code": self.unit_code,
            "total": decimal_text(self.total),
            "maximum": decimal_text(self.maximum),
            "percent": decimal_text(self.percent),
            "self_points": decimal_text(self.self_points),
            "self_max": decimal_text(self.self_max),
            "gap": decimal_text(self.gap),
            "rank": self.rank,
            "band": self.band,
            "band_colour": self.band_colour,
            "previous_rank": self.previous_rank,
            "rank_change": self.rank_change,
            "is_complete": self.is_complete,
            "rank_compared_among": self.rank_compared_among,
        }

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> "ResultRow":
        """A frozen row read back (rows frozen before a key existed lack it)."""
        return cls(
            org_unit_id=row["org_unit_id"],
            unit_name=row.get("unit_name", ""),
            unit_code=row.get("unit_code", ""),
            total=text_decimal(row.get("total")),
            maximum=text_decimal(row.get("maximum")),
            percent=text_decimal(row.get("percent")),
            self_points=text_decimal(row.get("self_points")) or ZERO,
            self_max=text_decimal(row.get("self_max")) or ZERO,
            gap=text_decimal(row.get("gap")),
            rank=row.get("rank"),
            band=row.get("band") or "",
            band_colour=row.get("band_colour") or "",
            previous_rank=row.get("previous_rank"),
            rank_change=row.get("rank_change"),
            is_complete=row.get("is_complete", True),
            rank_compared_among=row.get("rank_compared_among"),
        )


def sort_rows(rows: list[ResultRow]) -> list[ResultRow]:
    """Ranked units first by rank, then by name; the unranked after, by name."""
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.unit_name))
    return rows


def rank_rows(
    units: Iterable[Totals],
    bands: list[ClassificationBand],
    previous_ranks: Mapping[int, int | None] | None = None,
) -> list[ResultRow]:
    """The ranking of these units' stored totals: the one computation of a live result."""
    units = list(units)
    percents = [
        percent(unit.appraised_points, unit.appraised_max) if unit.is_complete else None
        for unit in units
    ]
    ranks = rank_competition(percents)
    previous_ranks = previous_ranks or {}
    changes = rank_changes(
        {unit.org_unit_id: rank for unit, rank in zip(units, ranks, strict=True)},
        previous_ranks,
    )
    rows = []
    for unit, value, rank in zip(units, percents, ranks, strict=True):
        band = band_for(value, bands) if rank is not None else None
        change = changes.places.get(unit.org_unit_id)
        rows.append(
            ResultRow(
                org_unit_id=unit.org_unit_id,
                unit_name=unit.unit_name,
                unit_code=unit.unit_code,
                total=unit.appraised_points,
                maximum=unit.appraised_max,
                percent=value,
                self_points=unit.self_points,
                self_max=unit.self_max,
                gap=over_claim(
                    unit.self_points, unit.appraised_self_part, complete=unit.is_complete
                ),
                rank=rank,
                band=band.name if band else "",
                band_colour=band.colour if band else "",
                previous_rank=previous_ranks.get(unit.org_unit_id),
                rank_change=change,
                is_complete=unit.is_complete,
                rank_compared_among=changes.among if change is not None else None,
                assessment_pk=unit.assessment_pk,
                submitted=unit.submitted,
            )
        )
    return sort_rows(rows)


def published_rows(round_: Round) -> list[ResultRow] | None:
    """The table frozen at publication, read back; None when the round froze none."""
    if round_.published_results is None:
        return None
    return sort_rows([ResultRow.from_json(row) for row in round_.published_results])


def previous_ranks(round_: Round) -> dict[int, int | None]:
    """The ranks the round's previous round was published with (none before publication)."""
    previous = round_.previous if round_.previous_id else None
    if previous is None or not previous.published_results:
        return {}
    return {row["org_unit_id"]: row.get("rank") for row in previous.published_results}


def round_results(round_: Round) -> list[ResultRow]:
    """The live ranking of a round's submitted units, from the totals stored on each
    assessment (one query for the units, one for the bands, one for the previous round)."""
    units = [
        totals
        for _round, totals in totals_of(
            round_.assessments.filter(status=Assessment.Status.SUBMITTED)
        )
    ]
    return rank_rows(units, bands_of(round_.framework), previous_ranks(round_))


# What the readers of a round freeze with it at publication (the dashboards: each area's
# average and over-claim, each unit's trend figures). A reader registers its function in its
# AppConfig.ready() (analytics: `summary.round_summary`): assessments imports no reader.
SummaryProvider = Callable[[Round, list[ResultRow]], dict[str, Any]]
SUMMARY_PROVIDERS: list[SummaryProvider] = []


def register_summary_provider(provider: SummaryProvider) -> None:
    if provider not in SUMMARY_PROVIDERS:
        SUMMARY_PROVIDERS.append(provider)


def round_freeze(round_: Round) -> None:
    """Fix what publication keeps (the caller saves): the ranking, and what the registered
    readers keep of the round (`SUMMARY_PROVIDERS`)."""
    rows = round_results(round_)
    round_.published_results = [row.as_json() for row in rows]
    summary: dict[str, Any] = {}
    for provider in SUMMARY_PROVIDERS:
        summary.update(provider(round_, rows))
    round_.published_summary = summary


@functools.lru_cache(maxsize=16)
def _frozen_rows(round_id: int, published_at: datetime.datetime) -> tuple[ResultRow, ...]:
    frozen = Round.objects.filter(pk=round_id).values_list("published_results", flat=True).get()
    return tuple(sort_rows([ResultRow.from_json(row) for row in frozen or []]))


def shared_published_rows(round_: Round) -> tuple[ResultRow, ...] | None:
    """The frozen table of a published round, decoded once per process and shared by every
    request that reads it (a nation's is 3,321 rows: decoding them was most of an API page).
    A published table never changes (publishing again gives a new `published_at`, a new
    key). The rows are shared: read them, never change them. `round_` may be loaded without
    its published table (defer("published_results")). None before publication."""
    if round_.status != Round.Status.PUBLISHED or round_.published_at is None:
        return None
    rows = _frozen_rows(round_.pk, round_.published_at)
    return rows if rows else None


def published_or_live_results(round_: Round) -> list[ResultRow]:
    """The frozen published table, or the live one before publication: what the results
    page, its XLSX and the ranking announcement show."""
    if round_.status == Round.Status.PUBLISHED:
        frozen = published_rows(round_)
        if frozen is not None:
            return frozen
    return round_results(round_)
