import csv

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cchc.analytics import selectors
from cchc.assessments.models import Round
from cchc.core.permissions import capability_required
from cchc.core.roles import Capability


def _chosen_round(request: HttpRequest) -> Round | None:
    choice = request.GET.get("round", "")
    if choice:
        if not choice.isdigit():
            raise Http404
        return selectors.round_for_analytics(user=request.user, pk=int(choice))
    rounds = selectors.rounds_for_analytics(user=request.user)
    published = [r for r in rounds if r.status == Round.Status.PUBLISHED]
    candidates = published or rounds
    return candidates[0] if candidates else None


@capability_required(Capability.VIEW_ANALYTICS)
def overview_view(request: HttpRequest) -> HttpResponse:
    """Where the city stands: the area heatmap, who over-claims, and the map by band."""
    round_ = _chosen_round(request)
    heatmap = selectors.round_heatmap(round_) if round_ else None
    context = {
        "round": round_,
        "rounds": selectors.rounds_for_analytics(user=request.user),
        "heatmap": heatmap,
        "area_averages": heatmap.area_averages() if heatmap else [],
    }
    return render(request, "analytics/overview.html", context)


@capability_required(Capability.VIEW_ANALYTICS)
def heatmap_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The heatmap's figures as CSV: one row per unit, one column per area (percent)."""
    heatmap = selectors.round_heatmap(selectors.round_for_analytics(user=request.user, pk=pk))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            "unit_code",
            "unit",
            *[f"{area.code} (%)" for area in heatmap.areas],
            "total",
            "max",
            "percent",
            "self_total",
        ]
    )
    for row in heatmap.rows:
        writer.writerow(
            [
                row.assessment.org_unit.code,
                row.assessment.org_unit.name,
                *[cell.percent if cell.percent is not None else "" for cell in row.cells],
                row.total,
                row.maximum,
                row.percent if row.percent is not None else "",
                row.self_total,
            ]
        )
    response["Content-Disposition"] = f'attachment; filename="ban-do-nhiet-{pk}.csv"'
    return response


@capability_required(Capability.VIEW_ANALYTICS)
def map_data_view(request: HttpRequest, pk: int) -> JsonResponse:
    """The round's units with their boundaries and band colour, for the map."""
    heatmap = selectors.round_heatmap(selectors.round_for_analytics(user=request.user, pk=pk))
    features = [
        {
            "type": "Feature",
            "geometry": row.assessment.org_unit.boundary,
            "properties": {
                "id": row.assessment.pk,
                "name": row.assessment.org_unit.name,
                "percent": str(row.percent) if row.percent is not None else None,
                "bucket": row.bucket,
                "url": row.assessment.get_absolute_url(),
            },
        }
        for row in heatmap.rows
        if row.assessment.org_unit.boundary
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
