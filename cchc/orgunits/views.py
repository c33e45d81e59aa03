import base64
import binascii
from decimal import Decimal
from typing import Any

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
from cchc.core.points import percent
from cchc.core.roles import Capability, Role
from cchc.core.versioning import form_take_current_version, version_token
from cchc.orgunits import importers, selectors, services
from cchc.orgunits.forms import (
    OrgUnitForm,
    OrgUnitImportForm,
    ReorganisationApplyForm,
    ReorganisationForm,
)
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.reorganisation import (
    FOLLOWERS,
    Plan,
    ReorganisationSpec,
    read_reorganisation_file,
    reorganisation_apply,
    reorganisation_preview,
)
from cchc.orgunits.scope import under_q

UNIT_SAVED_MESSAGE = gettext_noop("The unit was saved.")
IMPORT_DONE_MESSAGE = gettext_noop(
    "Import finished: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
)
REORGANISATION_DONE_MESSAGE = gettext_noop(
    "The reorganisation was applied: %(ended)s units ended, %(created)s created, "
    "%(renamed)s renamed, %(moved)s moved."
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
        "predecessors": selectors.predecessors(unit, user=request.user),
        "successors": selectors.successors(unit, user=request.user),
        "own_changes": selectors.unit_renames_and_moves(unit, user=request.user),
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


def _shares_of(plan: Plan, old: Any) -> Decimal | None:
    """The sum of the shares a divided unit gives its parts (None when any part has none)."""
    shares = [link.share for link in plan.successors_of(old)]
    known = [share for share in shares if share is not None]
    return sum(known, Decimal(0)) if known and len(known) == len(shares) else None


def _preview_context(plan: Plan) -> dict[str, Any]:
    """The preview's tables, as plain rows (names of the new units resolved)."""
    names = {code: unit.name for code, unit in plan.new_units.items()}
    ended: list[dict[str, Any]] = []
    for old in plan.ended:
        whole = _shares_of(plan, old)
        ended.append(
            {
                "unit": old,
                "successors": [
                    {
                        "name": names[link.new_code],
                        "share": link.share,
                        "share_percent": percent(link.share, whole),
                        "default": link.is_default,
                    }
                    for link in plan.successors_of(old)
                ],
                "divided": plan.is_divided(old),
            }
        )
    follows = [
        {
            "kind": kind,
            "title": follower.title,
            "items": [
                {"item": item, "new_name": names[item.new_code]}
                for item in plan.follows.get(kind, [])
            ],
        }
        for kind, follower in FOLLOWERS.items()
    ]
    return {
        "plan": plan,
        "counts": plan.counts(),
        "ended": ended,
        "created": plan.created,
        "continuations": plan.continuations,
        "follows": follows,
    }


@capability_required(Capability.MANAGE_ORG_UNITS)
def reorganisation_view(request: HttpRequest) -> HttpResponse:
    """Describe a reorganisation (a file, or rows typed here), preview what it changes, then
    apply it with one button: once, all or nothing, audited. The spec comes back with the
    button and is read and checked again (nothing of the preview is trusted)."""
    import_errors: list[object] = []
    form = ReorganisationForm()
    if request.method == "POST" and "apply" in request.POST:
        apply_form = ReorganisationApplyForm(request.POST)
        data = b""
        if apply_form.is_valid():
            try:
                data = base64.b64decode(apply_form.cleaned_data["content"], validate=True)
            except (binascii.Error, ValueError):
                data = b""
        if not data:
            return render(request, "orgunits/reorganisation.html", {"form": form}, status=400)
        values = apply_form.cleaned_data
        form = ReorganisationForm(
            initial={"name": values["name"], "effective_on": values["effective_on"]}
        )
        try:
            rows, headings = read_reorganisation_file(data=data, file_name=values["file_name"])
            result = reorganisation_apply(
                ReorganisationSpec(
                    name=values["name"],
                    effective_on=values["effective_on"],
                    rows=rows,
                    source=values["file_name"],
                    headings=headings,
                ),
                actor=request.user,
            )
        except ImportFailed as failure:
            import_errors = list(failure.errors)
        else:
            messages.success(request, _(REORGANISATION_DONE_MESSAGE) % result.summary)
            return redirect("orgunits:reorganisation_detail", pk=result.pk)
    elif request.method == "POST":
        form = ReorganisationForm(request.POST, request.FILES or None)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload:
                data, file_name = upload.read(), upload.name
            else:
                data, file_name = form.cleaned_data["rows"].strip().encode("utf-8"), "rows.csv"
            try:
                rows, headings = read_reorganisation_file(data=data, file_name=file_name)
                spec = ReorganisationSpec(
                    name=form.cleaned_data["name"],
                    effective_on=form.cleaned_data["effective_on"],
                    rows=rows,
                    source=file_name,
                    headings=headings,
                )
                plan = reorganisation_preview(spec, actor=request.user)
            except ImportFailed as failure:
                import_errors = list(failure.errors)
            else:
                apply_form = ReorganisationApplyForm(
                    initial={
                        "name": spec.name,
                        "effective_on": spec.effective_on,
                        "file_name": file_name,
                        "content": base64.b64encode(data).decode("ascii"),
                    }
                )
                context = {**_preview_context(plan), "apply_form": apply_form, "spec": spec}
                return render(request, "orgunits/reorganisation_preview.html", context)
    status = 400 if form.errors or import_errors else 200
    context = {
        "form": form,
        "import_errors": import_errors,
        "reorganisations": selectors.reorganisations_for_user(user=request.user)[:20],
    }
    return render(request, "orgunits/reorganisation.html", context, status=status)


@capability_required(Capability.VIEW_ORG_UNITS)
def reorganisation_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One applied reorganisation: the units it ended, made, renamed and moved (those the
    reader reads)."""
    reorganisation, changes = selectors.reorganisation_get_for_user(user=request.user, pk=pk)
    context = {"reorganisation": reorganisation, "changes": changes}
    return render(request, "orgunits/reorganisation_detail.html", context)
