"""What each dashboard shows, as plain data: one function per page, taking the reader and the
page's parameters (the query string) and returning what the page renders — its figures, charts,
pages of rows and its exportable tables. The views parse nothing else and render; an export
asks the same function for the one table it needs (`only`), so it is the page's own rows.
Each page is built from a fixed number of queries whatever the number of units."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cchc.analytics import charts, maps, selectors, summary
from cchc.analytics import indicators as indicator_boards
from cchc.analytics import inspections as inspection_boards
from cchc.analytics.progress import round_progress
from cchc.analytics.results import APPRAISED_STATUSES, ranking, round_label
from cchc.assessments import selectors as assessment_selectors
from cchc.assessments.models import Round
from cchc.core.dates import COLUMN_PLACES, format_count, format_points
from cchc.core.exports import Table
from cchc.frameworks.models import Criterion
from cchc.frameworks.selectors import bands_of
from cchc.orgunits import lineage
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.naming import labels_apart
from cchc.orgunits.selectors import assessed_units_for_user

ROWS_PER_PAGE = 100
ACTIONS_SHOWN = 50


@dataclass(frozen=True)
class Params:
    """A dashboard's query string as its view read it: the chosen round or year (ids, already
    read through `core.params.id_param`), the filters as typed, and the page of rows."""

    round: int | None = None
    year: int | None = None
    band: str | None = None  # the overview's ranking, one band's units
    state: str = ""  # the progress table, one stage's units
    remedy: str = ""  # the inspections' actions, one status
    area: str = ""  # the inspections' shortcomings, one area
    page: str | None = None


def _chosen_round(user: Any, params: Params) -> Round | None:
    choice = params.round
    if choice is not None:
        return selectors.round_for_analytics(user=user, pk=choice)
    rounds = selectors.rounds_for_analytics(user=user)
    published = [r for r in rounds if r.status == Round.Status.PUBLISHED]
    candidates = published or rounds
    if not candidates:
        return None
    # The newest round organised by the reader's own unit first (the province's office opens
    # on the province's round, not on a city's newer one), then the newest of the others.
    own = {m.org_unit_id for m in user.active_memberships}
    chosen = next((r for r in candidates if r.organiser_id in own), candidates[0])
    return selectors.round_for_analytics(user=user, pk=chosen.pk)


def _status_chart(
    title: str, counts: Iterable[tuple[str, str, int]], *, tone: str, href: str
) -> charts.BarChart:
    """A bar per status (state, label, count), coloured `<tone>-<state>`, each linking to the
    rows in that status (`href` with its {state} filled in)."""
    return charts.BarChart(
        width=460,
        label_width=150,
        title=title,
        bars=[
            charts.Bar(
                label=label,
                value=count,
                text=format_count(count),
                tip=f"{label}: {format_count(count)}",
                tone=f"{tone}-{state}",
                href=href.format(state=state),
            )
            for state, label, count in counts
        ],
    )


def _chosen_year(params: Params, years: list[int]) -> int:
    today = timezone.localdate()
    choice = params.year
    if choice is not None:
        if not 2000 <= choice <= 2100:
            raise Http404
        return choice
    # This year when it has data; a plan already made for next year does not take the page
    # there (the leader opened on "2027: 0/2" while 2026's visits were under way).
    past = [year for year in years if year <= today.year]
    return past[0] if past else (years[-1] if years else today.year)


def _pct(value: Decimal | None) -> str:
    """A percent beside the columns' figures: two places ("80,00%", not "80%")."""
    return f"{format_points(value, COLUMN_PLACES)}%" if value is not None else "—"


def _page(params: Params, rows: list[Any]) -> Any:
    """A page of rows (a nation has 3,321 units; the export has them all)."""
    return Paginator(rows, ROWS_PER_PAGE).get_page(params.page)


# Overview: ranking, heatmap, self against appraisal, map ------------------------------------


def overview_page(user: Any, params: Params, only: str | None = None) -> dict[str, Any]:
    """The overview's context; `only`: the one table an export needs (the rest is skipped)."""
    scope = selectors.scope_for(user)
    round_ = _chosen_round(user, params)
    context: dict[str, Any] = {
        "round": round_,
        "rounds": selectors.rounds_for_analytics(user=user),
        "scope": scope,
        "tables": {},
    }
    if round_ is None:
        return context
    context["page_base"] = f"round={round_.pk}&"
    own = scope.own_unit_ids
    shows_ranking = round_.status in APPRAISED_STATUSES and (
        scope.agency_ids is None or round_.status == Round.Status.PUBLISHED
    )
    tables: dict[str, Table] = {}
    context["tables"] = tables
    if shows_ranking and only in (None, "ranking", "bands", "gaps"):
        board = ranking(round_, bands=bands_of(round_.framework))
        context["ranking"] = board
        if board.lineage is not None:
            context["lineage_rule_explanation"] = lineage.RULE_EXPLANATIONS[board.lineage.rule]
        labels = [round_label(member) for member in board.series]
        context["series_labels"] = labels
        band = params.band
        context["band"] = band
        if band is not None:
            context["page_base"] = f"{urlencode({'round': str(round_.pk), 'band': band})}&"
        shown = board.rows if band is None else [row for row in board.rows if row.band == band]
        ranking_page = _page(params, shown)
        context["ranking_page"] = ranking_page
        ranking_page.object_list = [
            (
                row,
                charts.sparkline(
                    row.trend,
                    [
                        f"{label}: {_pct(value)}"
                        for label, value in zip(labels, row.trend, strict=True)
                    ],
                ),
            )
            for row in ranking_page.object_list
        ]
        bands = board.band_counts()
        context["band_chart"] = charts.BarChart(
            width=420,
            label_width=120,
            title=_("Units per band"),
            bars=[
                charts.Bar(
                    label=name or _("Not ranked"),
                    value=count,
                    text=format_count(count),
                    tip=_("%(band)s: %(count)s units")
                    % {"band": name or _("Not ranked"), "count": count},
                    tone=colour,
                    href=f"?{urlencode({'round': str(round_.pk), 'band': name})}#ranking-heading",
                )
                for name, colour, count in bands
            ],
        )
        tables["ranking"] = Table(
            "ranking",
            _("Ranking"),
            [
                _("Rank"),
                _("Unit code"),
                _("Unit"),
                _("Appraised"),
                _("Maximum"),
                _("Percent"),
                _("Band"),
                _("Change (points of %)"),
                _("Places gained"),
                *labels,
            ],
            (  # read by the export only
                [
                    row.rank,
                    row.unit_code,
                    row.unit_name,
                    row.total,
                    row.maximum,
                    row.percent,
                    row.band,
                    row.change,
                    row.rank_change,
                    *row.trend,
                ]
                for row in board.rows
            ),
        )
        tables["bands"] = Table(
            "bands",
            _("Units per band"),
            [_("Band"), _("Units")],
            [[name or _("Not ranked"), count] for name, _colour, count in bands],
        )
        gap_rows = [row for row in board.rows if own is None or row.org_unit_id in own]
        context["gap_rows"] = gap_rows
        context["gap_rows_page"] = _page(params, gap_rows)
        tables["gaps"] = Table(
            "gaps",
            _("Self-score against appraisal"),
            [
                _("Unit code"),
                _("Unit"),
                _("Self-score"),
                _("Over-claim (points)"),
                _("Over-claim (% of own maximum)"),
                _("Over-claim index"),
                *labels,
            ],
            (
                [
                    row.unit_code,
                    row.unit_name,
                    row.self_points,
                    row.gap,
                    row.gap_percent,
                    row.over_claim_index,
                    *row.gaps,
                ]
                for row in gap_rows
            ),
        )
    if only not in (None, "heatmap", "area_gaps"):
        return context
    # A published round's area figures were kept when it was published: the page (and the
    # export of its over-claim per area) then reads the per-area totals of the rows it shows
    # only, and a unit reader's own for its own over-claim.
    frozen = summary.frozen_areas(round_) if only in (None, "area_gaps") else None
    heatmap = selectors.round_heatmap(round_, scope=scope, with_areas=frozen is None)
    heatmap_page = _page(params, heatmap.rows)
    context["heatmap"] = heatmap
    context["heatmap_page"] = heatmap_page
    if frozen is not None:
        mine = [row for row in heatmap.rows if row.unit_id in own] if own is not None else []
        heatmap.load_areas([*heatmap_page.object_list, *mine])
        averages, frozen_gaps = summary.area_figures(frozen, heatmap)
    context["area_averages"] = averages if frozen is not None else heatmap.area_averages()
    if heatmap.uses_appraisal:
        area_gaps = frozen_gaps if frozen is not None and own is None else heatmap.area_gaps(own)
        context["area_gaps"] = area_gaps
        context["area_gap_chart"] = charts.BarChart(
            width=520,
            label_width=250,
            title=_("Over-claim per area"),
            bars=[
                charts.Bar(
                    label=f"{gap.area.code}. {gap.area.title}",
                    value=float(max(gap.gap_percent or 0, 0)),
                    text=_pct(gap.gap_percent),
                    tip=_("%(area)s: %(points)s points claimed above the appraisal on average")
                    % {"area": gap.area.title, "points": format_points(gap.mean_gap)},
                    tone="gap",
                )
                for gap in area_gaps
            ],
        )
        tables["area_gaps"] = Table(
            "area_gaps",
            _("Over-claim per area"),
            [_("Area"), _("Units"), _("Mean over-claim (points)"), _("Over-claim (%)")],
            [
                [f"{gap.area.code}. {gap.area.title}", gap.units, gap.mean_gap, gap.gap_percent]
                for gap in area_gaps
            ],
        )
    tables["heatmap"] = Table(
        "heatmap",
        _("Area heatmap"),
        [
            _("Unit code"),
            _("Unit"),
            *[f"{area.code} (%)" for area in heatmap.areas],
            _("Total"),
            _("Maximum"),
            _("Percent"),
        ],
        (
            [
                row.unit_code,
                row.unit_name,
                *[percent for _points, _maximum, percent in row.figures],
                row.total,
                row.maximum,
                row.percent,
            ]
            for row in heatmap.rows
        ),
    )
    # An agency sees its areas: a total over every area only once the round is published.
    context["shows_totals"] = scope.agency_ids is None or round_.status == Round.Status.PUBLISHED
    context["map_measures"] = maps.MEASURES
    context["map_legends"] = maps.legends(round_)
    context["tile_url"] = settings.MAP_TILE_URL
    return context


def area_page(user: Any, *, assessment_pk: int, area_pk: int) -> dict[str, Any]:
    """A heatmap cell opened: the unit's criteria in that area, their scores and evidence."""
    assessment = assessment_selectors.assessment_get_for_user(user=user, pk=assessment_pk)
    round_ = selectors.round_for_analytics(user=user, pk=assessment.round_id)
    area = get_object_or_404(Criterion, pk=area_pk, framework_id=round_.framework_id)
    scope = selectors.scope_for(user)
    criteria = list(Criterion.objects.filter(framework_id=round_.framework_id).order_by("order"))
    visible = scope.area_ids(criteria)
    if visible is not None and area.pk not in visible:
        raise PermissionDenied
    leaves = [c for c in criteria if c.parent_id == area.pk]
    scores = {
        score.criterion_id: score
        for score in assessment.scores.filter(criterion__in=leaves).prefetch_related("evidence")
    }
    return {
        "assessment": assessment,
        "round": round_,
        "area": area,
        "rows": [(criterion, scores.get(criterion.pk)) for criterion in leaves],
        "shows_appraisal": assessment_selectors.shows_appraisal(user=user, assessment=assessment),
        "totals": (assessment.area_totals or {}).get(str(area.pk), {}),
    }


# Round progress -----------------------------------------------------------------------------


def progress_page(user: Any, params: Params, only: str | None = None) -> dict[str, Any]:
    """Every round past its draft, a unit's included: it follows its own row there."""
    scope = selectors.scope_for(user)
    rounds = [
        r
        for r in assessment_selectors.round_list_for_user(user=user)
        if r.status != Round.Status.DRAFT
    ]
    choice = params.round
    round_: Round | None
    if choice is not None:
        round_ = assessment_selectors.round_get_for_user(user=user, pk=choice)
        if round_.status == Round.Status.DRAFT:
            raise PermissionDenied
    else:
        # A round the user follows whole before one organised above them (whose units may
        # all lie outside their tree: the city's office opened on the province's round, every
        # count 0), an open one first.
        followed = [
            r for r in rounds if assessment_selectors.round_follows_whole(user=user, round_=r)
        ]
        candidates = (
            [r for r in followed if r.status == Round.Status.OPEN]
            or followed
            or [r for r in rounds if r.status == Round.Status.OPEN]
            or rounds
        )
        round_ = candidates[0] if candidates else None
    context: dict[str, Any] = {"round": round_, "rounds": rounds, "tables": {}}
    if round_ is None:
        return context
    today = timezone.localdate()
    unit_ids = scope.own_unit_ids
    if unit_ids is None:
        unit_ids = assessment_selectors.round_unit_ids_for_user(user=user, round_=round_)
    board = round_progress(round_, unit_ids=unit_ids, today=today)
    context["progress"] = board
    context["can_remind"] = (
        assessment_selectors.round_can_manage(user=user, round_=round_)
        and round_.status == Round.Status.OPEN
    )
    context["state_chart"] = _status_chart(
        _("Units by stage"),
        board.counts(),
        tone="state",
        href=f"?round={round_.pk}&state={{state}}#progress-table",
    )
    state = params.state
    rows = [row for row in board.rows if not state or row.state == state]
    context["rows_page"] = _page(params, rows)
    context["page_base"] = f"round={round_.pk}&state={state}&"
    context["state"] = state
    context["tables"] = {
        "progress": Table(
            "progress",
            _("Round progress"),
            [
                _("Unit code"),
                _("Unit"),
                _("Stage"),
                _("Declared"),
                _("Carried over, to confirm"),
                _("Criteria"),
                _("Deadline"),
                _("Days left (negative: late)"),
            ],
            [
                [
                    row.assessment.org_unit.code,
                    row.assessment.org_unit.name,
                    row.state_label,
                    row.assessment.declared_count,
                    row.assessment.carried_count,
                    row.assessment.leaf_count,
                    row.assessment.due_on,
                    row.days_left,
                ]
                for row in rows
            ],
        ),
        "stages": Table(
            "stages",
            _("Units by stage"),
            [_("Stage"), _("Units")],
            [[label, count] for _state, label, count in board.counts()],
        ),
    }
    return context


# Inspections --------------------------------------------------------------------------------


def inspections_page(user: Any, params: Params, only: str | None = None) -> dict[str, Any]:
    years = inspection_boards.inspection_years(user=user)
    year = _chosen_year(params, years)
    today = timezone.localdate()
    stats = inspection_boards.inspection_stats(user=user, year=year, today=today)
    causes = stats.causes[:12]
    list_url = reverse("inspections:root_causes")
    context: dict[str, Any] = {
        "years": years or [year],
        "year": year,
        "stats": stats,
        "causes": causes,
        "pareto": charts.pareto_chart(
            _("Root causes: shortcomings explained and cumulative share"),
            [
                (
                    row.cause.title,
                    row.shortcomings,
                    row.cumulative,
                    _("%(cause)s: %(count)s shortcomings in %(units)s units")
                    % {"cause": row.cause.title, "count": row.shortcomings, "units": row.units},
                    f"{list_url}#cause-{row.cause.pk}",
                )
                for row in causes
            ],
            share_tip=_("Up to {label}: {percent} % of the shortcomings"),
        ),
        "area_chart": charts.BarChart(
            title=_("Shortcomings per area"),
            bars=[
                charts.Bar(
                    label=row.area,
                    value=row.shortcomings,
                    text=format_count(row.shortcomings),
                    tip=_("%(area)s: %(count)s shortcomings in %(units)s units")
                    % {"area": row.area, "count": row.shortcomings, "units": row.units},
                    tone="shortcoming",
                    href=f"?{urlencode({'year': str(year), 'area': row.area})}#shortcomings",
                )
                for row in stats.areas[:15]
            ],
        ),
        "remediation_chart": _status_chart(
            _("Remediation actions by status"),
            stats.remediation,
            tone="remedy",
            href=f"?year={year}&remedy={{state}}#actions",
        ),
    }
    remedy = params.remedy
    actions = inspection_boards.actions_in(user=user, year=year, today=today, state=remedy)
    context["remedy"] = remedy if remedy in dict(inspection_boards.REMEDIATION_STATES) else ""
    context["remediation_states"] = inspection_boards.REMEDIATION_STATES
    context["actions"] = list(actions[:ACTIONS_SHOWN])
    context["today"] = today
    area = params.area
    if area:
        context["area"] = area
        context["area_findings"] = list(
            inspection_boards.shortcomings_in(user=user, year=year, area=area)[:ACTIONS_SHOWN]
        )
    context["tables"] = {
        "root_causes": Table(
            "root_causes",
            _("Root causes"),
            [_("Root cause"), _("Shortcomings"), _("Units"), _("Cumulative share (%)")],
            [
                [row.cause.title, row.shortcomings, row.units, row.cumulative]
                for row in stats.causes
            ],
        ),
        "shortcomings": Table(
            "shortcomings",
            _("Shortcomings per area"),
            [_("Topic"), _("Area"), _("Shortcomings"), _("Units")],
            [[row.topic_label, row.area, row.shortcomings, row.units] for row in stats.areas],
        ),
        "remediation": Table(
            "remediation",
            _("Remediation actions by status"),
            [_("Status"), _("Remediation to do")],
            [[label, count] for _state, label, count in stats.remediation],
        ),
        "repeats": Table(
            "repeats",
            _("Repeated shortcomings"),
            [_("Unit"), _("Visit"), _("Shortcoming"), _("Earlier visit")],
            [
                [
                    finding.inspection.org_unit.name,
                    finding.inspection.visit_date,
                    finding.text,
                    finding.repeat_of.inspection.visit_date if finding.repeat_of else "",
                ]
                for finding in stats.repeats
            ],
        ),
    }
    return context


# Indicators ---------------------------------------------------------------------------------


def indicators_page(user: Any, params: Params, only: str | None = None) -> dict[str, Any]:
    today = timezone.localdate()
    years = list(range(today.year, today.year - 5, -1))
    year = _chosen_year(params, years)
    # Two units of one name (the city's and the province's Trần Phú) are told apart.
    units = labels_apart(assessed_units_for_user(user).select_related("parent"))
    # The units' own months and directives: the page's rows (an export of them: every unit).
    rows_page = _page(params, units)
    shown = units if only in ("overdue_by_month", "directives") else list(rows_page.object_list)
    detail = [pk for pk, _name in shown]
    board = indicator_boards.overdue_by_month(units, year=year, today=today, detail=detail)
    directives = indicator_boards.directives_by_unit(detail, year=year)
    months = [f"{m:02d}" for m in range(1, board.last_month + 1)]
    city, before = board.city[: board.last_month], board.city_last_year[: board.last_month]
    dossier_url = reverse("indicators:dossier_list")
    chart = charts.line_chart(
        _("Overdue dossiers by month (%)"),
        [f"T{m}" for m in range(1, board.last_month + 1)],
        [
            (
                str(year),
                "this-year",
                [m.rate for m in city],
                [
                    _("%(month)s/%(year)s: %(rate)s overdue (%(overdue)s of %(received)s)")
                    % {
                        "month": label,
                        "year": year,
                        "rate": _pct(m.rate),
                        "overdue": format_count(m.overdue),
                        "received": format_count(m.received),
                    }
                    for label, m in zip(months, city, strict=True)
                ],
                False,
            ),
            (
                str(year - 1),
                "last-year",
                [m.rate for m in before],
                [
                    _("%(month)s/%(year)s: %(rate)s overdue (%(overdue)s of %(received)s)")
                    % {
                        "month": label,
                        "year": year - 1,
                        "rate": _pct(m.rate),
                        "overdue": format_count(m.overdue),
                        "received": format_count(m.received),
                    }
                    for label, m in zip(months, before, strict=True)
                ],
                True,
            ),
        ],
        unit="%",
        # Each point lists its own month's overdue dossiers (of its year).
        series_hrefs=[
            [
                f"{dossier_url}?year={shown}&period=annual&month={m}&which=overdue"
                for m in range(1, board.last_month + 1)
            ]
            for shown in (year, year - 1)
        ],
    )
    rows = [(unit, directives.get(unit.unit_id)) for unit in board.units]
    rows_page.object_list = rows
    return {
        "year": year,
        "years": years,
        # This year's last month is under way: its figures are not a whole month's.
        "month_so_far": today if year == today.year else None,
        "board": board,
        "lineage_rule_explanation": (
            lineage.RULE_EXPLANATIONS[board.lineage.rule] if board.lineage else ""
        ),
        "months": months,
        "chart": chart,
        "rows_page": rows_page,
        "page_base": f"year={year}&",
        "city": city,
        "before": before,
        "tables": {
            "overdue_by_month": Table(
                "overdue_by_month",
                _("Overdue dossiers by month (%)"),
                [
                    _("Unit"),
                    *[f"{m}/{year}" for m in months],
                    str(year),
                    str(year - 1),
                    _("Change (points)"),
                ],
                (  # read by the export only
                    [
                        unit.name,
                        *[m.rate for m in unit.months[: board.last_month]],
                        unit.total.rate,
                        unit.total_last_year.rate,
                        unit.change,
                    ]
                    for unit in board.units
                ),
            ),
            "city_by_month": Table(
                "city_by_month",
                # A ward reads its own months: its file was named "…-toan-bo-don-vi" (all units).
                _("Overdue dossiers by month, all units")
                if len(board.units) != 1
                else _("Overdue dossiers by month, %(unit)s") % {"unit": board.units[0].name},
                [
                    _("Month"),
                    _("Received"),
                    _("Overdue"),
                    _("Rate (%)"),
                    _("Received last year"),
                    _("Overdue last year"),
                    _("Rate last year (%)"),
                ],
                [
                    [
                        f"{label}/{year}",
                        m.received,
                        m.overdue,
                        m.rate,
                        b.received,
                        b.overdue,
                        b.rate,
                    ]
                    for label, m, b in zip(months, city, before, strict=True)
                ],
            ),
            "directives": Table(
                "directives",
                _("Directives"),
                [_("Unit"), _("Due"), _("Finished on time"), _("Late"), _("On time (%)")],
                (
                    [
                        unit.name,
                        figures.directives_due if figures else 0,
                        figures.directives_on_time if figures else 0,
                        figures.directives_late if figures else 0,
                        figures.directives_rate if figures else None,
                    ]
                    for unit, figures in rows
                ),
            ),
        },
    }


# Exports, map -------------------------------------------------------------------------------

PAGES: dict[str, Callable[..., dict[str, Any]]] = {
    "overview": overview_page,
    "progress": progress_page,
    "inspections": inspections_page,
    "indicators": indicators_page,
}
ROUND_PAGES = {"overview", "progress"}  # chosen by round; the others by year


def map_features(user: Any, *, round_pk: int) -> dict[str, Any]:
    """The round's units with their boundaries and, per measure, a colour and a text (GeoJSON)."""
    round_ = selectors.round_for_analytics(user=user, pk=round_pk)
    scope = selectors.scope_for(user)
    heatmap = selectors.round_heatmap(round_, scope=scope, with_areas=False)
    measures = maps.unit_measures(heatmap, round_, own_unit_ids=scope.own_unit_ids)
    own = scope.own_unit_ids
    boundaries = dict(
        OrgUnit.objects.filter(
            pk__in=[row.unit_id for row in heatmap.rows], boundary__isnull=False
        ).values_list("pk", "boundary")
    )
    features = [
        {
            "type": "Feature",
            "geometry": boundaries[row.unit_id],
            "properties": {
                "id": row.assessment_pk,
                "name": row.unit_name,
                "percent": str(row.percent) if row.percent is not None else None,
                "bucket": row.bucket,
                "measures": measures.get(row.unit_id, {}),
                "url": row.url if own is None or row.unit_id in own else "",
            },
        }
        for row in heatmap.rows
        if boundaries.get(row.unit_id)
    ]
    return {"type": "FeatureCollection", "features": features}
