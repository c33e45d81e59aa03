from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exceptions import ConflictError
from cchc.core.forms import add_service_errors
from cchc.core.htmx import render_page_or_partial
from cchc.core.imports import ImportFailed, ignored_columns_message
from cchc.core.permissions import capability_required, user_has_capability, user_has_role
from cchc.core.roles import Capability, Role
from cchc.core.versioning import form_take_current_version, version_token
from cchc.orgunits import importers, selectors, services
from cchc.orgunits.forms import OrgUnitForm, OrgUnitImportForm
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import under_q

UNIT_SAVED_MESSAGE = gettext_noop("The unit was saved.")
IMPORT_DONE_MESSAGE = gettext_noop(
    "Import finished: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
)


@capability_required(Capability.VIEW_ORG_UNITS)
def unit_list_view(request: HttpRequest) -> HttpResponse:
    """Show the tree of units, filterable by kind and name, with a map of their boundaries."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in OrgUnit.Kind.values else ""
    query = request.GET.get("q", "").strip()
    units = selectors.org_units_in_tree_order(
        list(selectors.org_unit_list_for_user(user=request.user, kind=kind, query=query))
    )
    context = {
        "units": units,
        "kind": kind,
        "query": query,
        "kinds": OrgUnit.Kind.choices,
        "can_manage": user_has_capability(request.user, Capability.MANAGE_ORG_UNITS),
        "can_import": user_has_capability(request.user, Capability.IMPORT_ORG_UNITS),
    }
    return render_page_or_partial(
        request, "orgunits/unit_list.html", "orgunits/_unit_table.html", context
    )


@capability_required(Capability.VIEW_ORG_UNITS)
def unit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one unit, its place in the tree and the units under it."""
    unit = selectors.org_unit_get_for_user(user=request.user, pk=pk)
    context = {
        "unit": unit,
        "children": unit.children.order_by("sort_order", "name"),
        "can_edit": selectors.org_unit_can_manage(user=request.user, org_unit=unit),
    }
    return render(request, "orgunits/unit_detail.html", context)


@capability_required(Capability.MANAGE_ORG_UNITS)
def unit_create_view(request: HttpRequest) -> HttpResponse:
    """Add a unit under one I keep."""
    parents = selectors.org_unit_manageable_for_user(user=request.user)
    form = OrgUnitForm(
        request.POST if request.method == "POST" else None,
        parents=parents,
        parent_required=not user_has_role(request.user, Role.SYSTEM_ADMIN),
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.org_unit_create(actor=request.user, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(UNIT_SAVED_MESSAGE))
            return redirect("orgunits:unit_detail", pk=unit.pk)
    return render(
        request, "orgunits/unit_form.html", {"form": form}, status=400 if form.errors else 200
    )


@capability_required(Capability.MANAGE_ORG_UNITS)
def unit_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a unit I keep; refuse to overwrite someone else's newer save."""
    unit = selectors.org_unit_get_for_edit(user=request.user, pk=pk)
    # A keeper may move a unit within their part of the tree, or leave it where it is (the
    # city's own parent, the province, is outside a city coordinator's part but stays offered).
    manageable = selectors.org_unit_manageable_for_user(user=request.user)
    parents = OrgUnit.objects.filter(
        Q(pk__in=manageable.exclude(under_q([unit])).values("pk")) | Q(pk=unit.parent_id or 0)
    ).order_by("path")
    parent_required = unit.parent_id is not None or not user_has_role(
        request.user, Role.SYSTEM_ADMIN
    )
    title_name = unit.name
    conflict = None
    if request.method == "POST":
        form = OrgUnitForm(
            request.POST, instance=unit, parents=parents, parent_required=parent_required
        )
        if form.is_valid():
            try:
                services.org_unit_update(
                    actor=request.user,
                    org_unit=selectors.org_unit_get_for_edit(user=request.user, pk=pk),
                    expected_version=form.cleaned_data["version"] or None,
                    **form.service_values(),
                )
            except ConflictError as error:
                conflict = error.current
                form.add_error(None, error.message)
                form_take_current_version(form, conflict, "version")
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _(UNIT_SAVED_MESSAGE))
                return redirect("orgunits:unit_detail", pk=pk)
    else:
        form = OrgUnitForm(
            instance=unit,
            parents=parents,
            parent_required=parent_required,
            initial={"version": version_token(unit)},
        )
    context = {"form": form, "unit": unit, "conflict": conflict, "title_name": title_name}
    return render(request, "orgunits/unit_form.html", context, status=400 if form.errors else 200)


@capability_required(Capability.IMPORT_ORG_UNITS)
def unit_import_view(request: HttpRequest) -> HttpResponse:
    """Import units from CSV or GeoJSON: all rows or none, errors by row and column."""
    form = OrgUnitImportForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    import_errors: list[object] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        importer = (
            importers.import_units_csv
            if upload.name.lower().endswith(".csv")
            else importers.import_units_geojson
        )
        try:
            result = importer(actor=request.user, data=data, source=upload.name)
        except ImportFailed as failure:
            import_errors = list(failure.errors)
        else:
            messages.success(
                request,
                _(IMPORT_DONE_MESSAGE)
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            if result.ignored:
                messages.info(request, ignored_columns_message(result.ignored))
            return redirect("orgunits:unit_list")
    status = 400 if form.errors or import_errors else 200
    context = {"form": form, "import_errors": import_errors}
    return render(request, "orgunits/unit_import.html", context, status=status)


@capability_required(Capability.VIEW_ORG_UNITS)
def unit_export_csv_view(request: HttpRequest) -> HttpResponse:
    """Download every unit as CSV in the import format."""
    units = selectors.org_units_in_tree_order(
        list(selectors.org_unit_list_for_user(user=request.user))
    )
    response = HttpResponse(
        "\ufeff" + importers.export_units_csv(units), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="don-vi.csv"'
    return response


@capability_required(Capability.VIEW_ORG_UNITS)
def unit_export_geojson_view(request: HttpRequest) -> HttpResponse:
    """Download every unit with its boundary as GeoJSON; the map reads the same data."""
    units = selectors.org_units_in_tree_order(
        list(selectors.org_unit_list_for_user(user=request.user))
    )
    response = JsonResponse(
        importers.export_units_geojson(units), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Type"] = "application/geo+json"
    if request.GET.get("download"):
        response["Content-Disposition"] = 'attachment; filename="don-vi.geojson"'
    return response
