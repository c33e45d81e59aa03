"""The area heatmap and the self-vs-appraised gap of a round, computed in memory from three
queries whatever the number of units (criteria, assessments, scores)."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cchc.assessments import selectors as assessment_selectors
from cchc.assessments.models import Assessment, Round
from cchc.assessments.services.results import is_complete, over_claim
from cchc.core.dates import COLUMN_PLACES, format_points
from cchc.core.permissions import require_capability
from cchc.core.points import percent, round_points
from cchc.core.roles import Capability, Role
from cchc.frameworks.models import Criterion
from cchc.frameworks.selectors import areas_of
from cchc.orgunits.scope import Scope as UnitScope

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


# The same few texts of points recur across thousands of units and areas: each is made a
# Decimal, and each pair a percent, once.
@lru_cache(maxsize=1 << 16, typed=True)
def _number(value: Any) -> Decimal:
    return Decimal(value or 0)


@lru_cache(maxsize=1 << 16, typed=True)
def _figure(points: Any, maximum: Any) -> tuple[Decimal, Decimal, Decimal | None]:
    """(points, maximum, percent of the maximum) of an area, as stored."""
    points, maximum = _number(points), _number(maximum)
    return points, maximum, percent(points, maximum)


@lru_cache(maxsize=1 << 16, typed=True)
def _gap(claimed: Any, appraised: Any, maximum: Any) -> tuple[Decimal, Decimal]:
    """(self-score minus the appraisal of the same criteria, the self-scored maximum)."""
    return _number(claimed) - _number(appraised), _number(maximum)


NO_FIGURE: tuple[Decimal, Decimal, Decimal | None] = (Decimal(0), Decimal(0), None)


@dataclass(slots=True)
class Cell:
    area_pk: int
    points: Decimal
    maximum: Decimal
    self_points: Decimal
    percent: Decimal | None
    bucket: str
    self_maximum: Decimal = Decimal(0)
    appraised_own: Decimal | None = None  # the appraisal of what the unit scored itself
    url: str = ""  # the unit's criteria in this area

    @property
    def label(self) -> str:
        """The cell's text: the percent (two places, as its column is read), or a dash."""
        return format_points(self.percent, COLUMN_PLACES) if self.percent is not None else "—"

    @property
    def fraction(self) -> str:
        """Points of the maximum, as its tooltip says them: "12,5 / 20"."""
        return f"{format_points(self.points)} / {format_points(self.maximum)}"

    @property
    def gap(self) -> Decimal | None:
        """Points the unit's own score claims above the appraisal in this area."""
        if self.appraised_own is None:
            return None
        return self.self_points - self.appraised_own


@dataclass(slots=True)
class HeatmapRow:
    assessment_pk: int
    unit_id: int
    unit_name: str
    unit_code: str
    total: Decimal | None  # None: no figure (a unit that never submitted, once appraised)
    maximum: Decimal | None
    self_total: Decimal
    appraised_self_part: Decimal = Decimal(0)
    percent: Decimal | None = None
    bucket: str = "none"
    url: str = ""
    # Per area: (points, maximum, percent), kept for the averages; the cells (with the
    # self-scores and colours) are made only for the rows shown or exported.
    figures: list[tuple[Decimal, Decimal, Decimal | None]] = field(default_factory=list)
    # Per area: (self-score minus the appraisal of what the unit scored itself, the self-scored
    # maximum), None without an appraisal of its own criteria; for the over-claim per area.
    gaps: list[tuple[Decimal, Decimal] | None] = field(default_factory=list)
    stored: dict[str, Any] = field(default_factory=dict)
    area_keys: list[tuple[int, str]] = field(default_factory=list)
    uses_appraisal: bool = True
    linked: bool = True  # the reader may open the unit's assessment and its areas
    areas_read: bool = False
    _cells: list[Cell] | None = None

    def read_areas(self, stored: dict[str, Any]) -> None:
        """Take the unit's stored per-area totals: the figures of each area."""
        points_key, max_key = ("a", "am") if self.uses_appraisal else ("s", "sm")
        figures: list[tuple[Decimal, Decimal, Decimal | None]] = []
        gaps: list[tuple[Decimal, Decimal] | None] = []
        for _area_pk, key in self.area_keys:
            values = stored.get(key)
            if not values:
                figures.append(NO_FIGURE)
                gaps.append(None)
                continue
            figures.append(_figure(values.get(points_key), values.get(max_key)))
            own = values.get("as", values.get("a"))  # rows saved before "as" existed
            gaps.append(_gap(values.get("s"), own, values.get("sm")) if own is not None else None)
        self.stored, self.figures, self.gaps = stored, figures, gaps
        self.areas_read, self._cells = True, None

    @property
    def gap(self) -> Decimal | None:
        """Points the unit's own score claims above the appraisal, on the criteria it scores;
        None before its appraisal is complete (the results' rule)."""
        return over_claim(
            self.self_total,
            self.appraised_self_part,
            complete=not self.uses_appraisal or self.percent is not None,
        )

    @property
    def cells(self) -> list[Cell]:
        if self._cells is None:
            area_url = reverse("analytics:area", args=[self.assessment_pk, 0])[: -len("0/")]
            self._cells = [
                _cell(area_pk, self.stored.get(key) or {}, figures, self.uses_appraisal)
                for (area_pk, key), figures in zip(self.area_keys, self.figures, strict=True)
            ]
            for cell in self._cells:
                cell.url = f"{area_url}{cell.area_pk}/"
        return self._cells


def _cell(
    area_pk: int,
    values: dict[str, Any],
    figures: tuple[Decimal, Decimal, Decimal | None],
    uses_appraisal: bool,
) -> Cell:
    points, maximum, percent = figures
    own = values.get("as", values.get("a"))  # rows saved before "as" existed
    return Cell(
        area_pk,
        points,
        maximum,
        _number(values.get("s")),
        percent,
        bucket(percent),
        self_maximum=_number(values.get("sm")),
        appraised_own=_number(own) if uses_appraisal and own is not None else None,
    )


@dataclass
class Heatmap:
    round: Round
    areas: list[Criterion]
    rows: list[HeatmapRow] = field(default_factory=list)
    uses_appraisal: bool = True

    def load_areas(self, rows: list[HeatmapRow]) -> None:
        """Read the per-area totals of these rows (one query), for a heatmap read without."""
        wanted = {row.assessment_pk: row for row in rows if not row.areas_read}
        if not wanted:
            return
        stored = dict(
            Assessment.objects.filter(pk__in=list(wanted)).values_list("pk", "area_totals")
        )
        for pk, row in wanted.items():
            row.read_areas(stored.get(pk) or {})

    def area_averages(self) -> list[Decimal | None]:
        """The mean percentage per area across units: which areas drag the city down."""
        averages: list[Decimal | None] = []
        for index in range(len(self.areas)):
            values = [
                percent for row in self.rows if (percent := row.figures[index][2]) is not None
            ]
            averages.append(round_points(sum(values, Decimal(0)) / len(values)) if values else None)
        return averages

    def area_gaps(self, unit_ids: set[int] | None = None) -> list["AreaGap"]:
        """Per area: the mean over-claim in points, and as a share of the self-scored maximum
        (what the units claimed above the appraisal, on the criteria they score). Read from
        the stored totals directly: no cell is made for the rows not shown."""
        if not self.uses_appraisal:
            return [AreaGap(area, None, None, 0) for area in self.areas]
        rows = [
            row
            for row in self.rows
            # A unit's over-claim once its appraisal is complete (a percent), as the results
            # give it: before, an area appraised in part counts the rest as claimed.
            if row.areas_read
            and row.percent is not None
            and (unit_ids is None or row.unit_id in unit_ids)
        ]
        result = []
        for index, area in enumerate(self.areas):
            gap_sum = maximum = Decimal(0)
            count = 0
            for row in rows:
                pair = row.gaps[index]
                if pair is None:
                    continue
                gap_sum += pair[0]
                maximum += pair[1]
                count += 1
            result.append(
                AreaGap(
                    area,
                    round_points(gap_sum / count) if count else None,
                    percent(gap_sum, maximum) if count else None,
                    count,
                )
            )
        return result


@dataclass
class AreaGap:
    area: Criterion
    mean_gap: Decimal | None
    gap_percent: Decimal | None
    units: int


@dataclass
class Scope:
    """What one reader sees on the dashboards.

    - leaders, the coordinator, inspectors, administrators: everything (`unit_ids` None);
    - an agency: every unit, but of a round's areas only those holding criteria it appraises;
    - a unit: published rounds only, and its own progress, self-scores, inspections and data.
    """

    published_only: bool = False
    own_unit_ids: set[int] | None = None  # a unit's own: progress, self-score, over-claim
    agency_ids: set[int] | None = None  # an agency's: its areas
    area_codes: tuple[str, ...] = ()

    @property
    def is_unit(self) -> bool:
        return self.own_unit_ids is not None

    def area_ids(self, criteria: list[Criterion]) -> set[int] | None:
        """The areas (by id) this reader sees in a framework, None for all."""
        if self.agency_ids is None:
            return None
        by_pk = {criterion.pk: criterion for criterion in criteria}
        seen: set[int] = set()
        for criterion in criteria:
            mine = criterion.agency_id in self.agency_ids or any(
                criterion.code == code or criterion.code.startswith(f"{code}.")
                for code in self.area_codes
            )
            if not mine:
                continue
            parent = by_pk.get(criterion.parent_id) if criterion.parent_id else None
            while parent is not None:
                seen.add(parent.pk)
                parent = by_pk.get(parent.parent_id) if parent.parent_id else None
        return seen


def scope_for(user: Any) -> Scope:
    """The dashboards' view of the user's `cchc.orgunits.scope.Scope`."""
    require_capability(user, Capability.VIEW_ANALYTICS)
    units = UnitScope.of(user)
    if units.whole_dashboards:
        return Scope()
    if Role.APPRAISER in units.roles:
        memberships = [m for m in user.active_memberships if m.role == Role.APPRAISER]
        return Scope(
            agency_ids={m.org_unit_id for m in memberships},
            area_codes=tuple(code for m in memberships for code in m.area_codes),
        )
    return Scope(published_only=True, own_unit_ids=set(units.own_unit_ids))


def round_for_analytics(*, user: Any, pk: int) -> Round:
    """Return a round the user may analyse: published to every reader, earlier stages to
    those who run it or follow it (never to a unit, never a draft)."""
    scope = scope_for(user)
    round_ = assessment_selectors.round_get_for_user(user=user, pk=pk)
    if not _offered(user, scope, round_):
        raise PermissionDenied
    return round_


def _offered(user: Any, scope: Scope, round_: Round) -> bool:
    """Published rounds to every reader; earlier stages (never a draft) to those who follow
    the whole round: not to a unit, nor to the readers of a round organised above their tree."""
    if round_.status == Round.Status.PUBLISHED:
        return True
    return (
        round_.status != Round.Status.DRAFT
        and not scope.published_only
        and assessment_selectors.round_follows_whole(user=user, round_=round_)
    )


def rounds_for_analytics(*, user: Any) -> list[Round]:
    """The rounds to choose from, without what each froze at publication (a nation's ranking
    is a megabyte): `round_for_analytics` reads the one chosen whole."""
    scope = scope_for(user)
    return [
        round_
        for round_ in assessment_selectors.round_list_for_user(user=user).defer(
            "published_results", "published_summary"
        )
        if _offered(user, scope, round_)
    ]


def round_heatmap(round_: Round, *, scope: Scope | None = None, with_areas: bool = True) -> Heatmap:
    """Read every unit's stored totals per area (appraised once the round has reached appraisal,
    else declared): two queries and no scoring, whatever the number of units. An agency's
    scope keeps its areas only. `with_areas` False: each unit's totals only, without reading
    (decoding) its per-area totals — the map needs none, a page only those of the rows it
    shows (`Heatmap.load_areas`)."""
    criteria = list(Criterion.objects.filter(framework_id=round_.framework_id).order_by("order"))
    # Plain values, not model instances: a nation has 3,321 rows.
    assessments = round_.assessments.order_by("org_unit__sort_order", "org_unit__name").values_list(
        "pk",
        "org_unit_id",
        "org_unit__name",
        "org_unit__code",
        "area_totals" if with_areas else "round_id",  # a small stand-in, not read
        "self_points",
        "self_max",
        "appraised_points",
        "appraised_max",
        "appraised_self_part",
        "status",
        "appraised_count",
        "all_leaf_count",
    )
    uses_appraisal = round_.status != Round.Status.OPEN
    own = scope.own_unit_ids if scope is not None else None
    areas = areas_of(criteria)
    visible = scope.area_ids(criteria) if scope is not None else None
    if visible is not None:
        areas = [area for area in areas if area.pk in visible]
    area_keys = [(area.pk, str(area.pk)) for area in areas]
    zero = Decimal(0)
    detail = reverse("assessments:assessment_detail", args=[0])
    heatmap = Heatmap(round=round_, areas=areas, uses_appraisal=uses_appraisal)
    for (pk, unit_id, name, code, stored, own_total, own_max, appraised, appraised_max,
         appraised_own, status, appraised_count, leaves) in assessments:  # fmt: skip
        submitted = status == Assessment.Status.SUBMITTED
        total: Decimal | None
        maximum: Decimal | None
        if uses_appraisal and not submitted:
            # Never submitted: nothing was appraised. No figure (it read "0,00"), and none in
            # the areas' averages (they counted it 0 %).
            total, maximum, own_part, share = None, None, zero, None
            stored = {}
        elif uses_appraisal:
            total, maximum, own_part = (
                appraised or zero,
                appraised_max or zero,
                appraised_own or zero,
            )
            # A percent once the appraisal is complete, as the results give it: a third of
            # the way through, "18,74 %" read as the unit's result (and on the map, its band).
            complete = is_complete(
                submitted=submitted, appraised_count=appraised_count, all_leaf_count=leaves
            )
            share = percent(total, maximum) if complete else None
        else:
            total, maximum, own_part = own_total, own_max, own_total
            share = percent(total, maximum)
        row = HeatmapRow(
            assessment_pk=pk,
            unit_id=unit_id,
            unit_name=name,
            unit_code=code,
            total=total,
            maximum=maximum,
            self_total=own_total,
            appraised_self_part=own_part,
            percent=share,
            bucket=bucket(share),
            url=detail.replace("/0/", f"/{pk}/"),
            area_keys=area_keys,
            uses_appraisal=uses_appraisal,
            linked=own is None or unit_id in own,
        )
        if with_areas or (uses_appraisal and not submitted):
            row.read_areas(stored or {})
        heatmap.rows.append(row)
    return heatmap


def _pair(values: dict[str, Any], points_key: str, max_key: str) -> tuple[Decimal, Decimal]:
    return Decimal(values.get(points_key) or 0), Decimal(values.get(max_key) or 0)
