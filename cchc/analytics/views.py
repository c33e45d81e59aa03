"""The dashboards: read-only pages (the one write is the coordinator's reminder button), each
built from a fixed number of queries, each table exportable to XLSX and each chart's data to
CSV, each chart drawn with its table. What each page shows is `cchc.analytics.pages`'s: a view
hands it the reader and the query string, and renders."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cchc.analytics import pages
from cchc.assessments import selectors as assessment_selectors
from cchc.assessments.models import Assessment
from cchc.assessments.services.notices import remind_units
from cchc.core.exports import csv_response, file_name, xlsx_response
from cchc.core.params import id_param
from cchc.core.permissions import capability_required
from cchc.core.roles import Capability


def _params(request: HttpRequest, page: str) -> pages.Params:
    """The page's query string: its round (overview, progress) or its year (the others) read
    as an id (a 400 for anything else), the filters as typed (each page checks its own)."""
    by_round = page in pages.ROUND_PAGES
    return pages.Params(
        round=id_param(request.GET, "round") if by_round else None,
        year=None if by_round else id_param(request.GET, "year"),
        band=request.GET.get("band"),
        state=request.GET.get("state", ""),
        remedy=request.GET.get("remedy", ""),
        area=request.GET.get("area", ""),
        page=request.GET.get("page"),
    )


@capability_required(Capability.VIEW_ANALYTICS)
def overview_view(request: HttpRequest) -> HttpResponse:
    """Where the city stands: ranking with trend, the area heatmap, who over-claims, the map."""
    context = pages.overview_page(request.user, _params(request, "overview"))
    return render(request, "analytics/overview.html", context)


@capability_required(Capability.VIEW_ANALYTICS)
def area_view(request: HttpRequest, pk: int, area_pk: int) -> HttpResponse:
    """A heatmap cell opened: the unit's criteria in that area, their scores and evidence."""
    context = pages.area_page(request.user, assessment_pk=pk, area_pk=area_pk)
    return render(request, "analytics/area.html", context)


@capability_required(Capability.VIEW_ANALYTICS)
def progress_view(request: HttpRequest) -> HttpResponse:
    """Per unit: the stage it is at and the days to its deadline or late; reminders."""
    return render(
        request,
        "analytics/progress.html",
        pages.progress_page(request.user, _params(request, "progress")),
    )


@require_POST
@capability_required(Capability.MANAGE_ROUNDS)
def remind_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Remind one unit (`assessment`) or every unit that has not submitted."""
    round_ = assessment_selectors.round_get_for_manage(user=request.user, pk=pk)
    assessments = round_.assessments.select_related("org_unit", "round").exclude(
        status=Assessment.Status.SUBMITTED
    )
    one = id_param(request.POST, "assessment")
    if one is not None:
        assessments = assessments.filter(pk=one)
    count = remind_units(actor=request.user, assessments=list(assessments))
    if count:
        messages.success(request, _("%(count)s units were reminded.") % {"count": count})
    else:
        messages.info(
            request, _("Nobody to remind: each of these units was reminded today already.")
        )
    return redirect(reverse("analytics:progress") + f"?round={round_.pk}")


@capability_required(Capability.VIEW_ANALYTICS)
def inspections_view(request: HttpRequest) -> HttpResponse:
    """Plan coverage, shortcomings per area, root causes (Pareto), remediation, repeats."""
    context = pages.inspections_page(request.user, _params(request, "inspections"))
    return render(request, "analytics/inspections.html", context)


@capability_required(Capability.VIEW_ANALYTICS)
def indicators_view(request: HttpRequest) -> HttpResponse:
    """The overdue-dossier rate by month against last year, and directives on time."""
    context = pages.indicators_page(request.user, _params(request, "indicators"))
    return render(request, "analytics/indicators.html", context)


@capability_required(Capability.VIEW_ANALYTICS)
def export_view(request: HttpRequest, page: str, table: str, fmt: str) -> HttpResponse:
    """One table of a dashboard, as the reader sees it (same scope, same filters)."""
    build = pages.PAGES.get(page)
    if build is None or fmt not in ("csv", "xlsx"):
        raise Http404
    found = build(request.user, _params(request, page), only=table).get("tables", {}).get(table)
    if found is None:
        raise Http404
    filename = file_name(found.title, timezone.localdate().isoformat())
    return csv_response(found, filename) if fmt == "csv" else xlsx_response(found, filename)


@capability_required(Capability.VIEW_ANALYTICS)
def map_data_view(request: HttpRequest, pk: int) -> JsonResponse:
    """The round's units with their boundaries and, per measure, a colour and a text."""
    return JsonResponse(pages.map_features(request.user, round_pk=pk))
