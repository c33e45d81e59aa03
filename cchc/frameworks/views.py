from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from cchc.core.exceptions import ConflictError
from cchc.core.forms import add_service_errors
from cchc.core.htmx import is_htmx, render_page_or_partial
from cchc.core.imports import ImportFailed, ignored_columns_message
from cchc.core.params import id_param
from cchc.core.permissions import capability_required
from cchc.core.roles import Capability
from cchc.core.versioning import form_take_current_version, version_token
from cchc.frameworks import importers, selectors, services
from cchc.frameworks.forms import (
    CriterionForm,
    FrameworkForm,
    FrameworkImportForm,
    bands_text,
    preview_form_class,
)
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.rules import InputError
from cchc.frameworks.scoring import Section

IMPORTED_MESSAGE = gettext_noop("The framework was imported as a draft: %(count)s criteria.")
SAVED_MESSAGE = gettext_noop("Saved.")
PUBLISHED_MESSAGE = gettext_noop("The framework is published. It can no longer be changed.")
COPIED_MESSAGE = gettext_noop("Version %(version)s was created as a draft; change it there.")
ARCHIVED_MESSAGE = gettext_noop("The framework is archived.")
DELETED_MESSAGE = gettext_noop("The criterion %(code)s was removed.")
MISSING_INFO_MESSAGE = gettext_noop("Give the name and year here or in the file's info sheet.")
MISSING_KINDS_MESSAGE = gettext_noop("Say which kinds of unit the framework applies to.")
YEAR_DISAGREES_MESSAGE = gettext_noop(
    "The file's “Bộ tiêu chí” sheet says %(file)s, the form %(form)s: leave the year empty to "
    "take the file's, or correct the one that is wrong."
)


@capability_required(Capability.VIEW_FRAMEWORKS)
def framework_list_view(request: HttpRequest) -> HttpResponse:
    """List the frameworks: published ones for everyone, drafts for those who keep them."""
    frameworks = selectors.framework_list_for_user(user=request.user)
    context = {
        "frameworks": frameworks,
        "can_import": selectors.framework_issuers_for_user(user=request.user).exists(),
    }
    return render(request, "frameworks/framework_list.html", context)


def _tree_context(request: HttpRequest, framework: Framework) -> dict[str, Any]:
    criteria = selectors.criteria_of(framework)
    bands = selectors.bands_of(framework)
    parent_ids = {criterion.parent_id for criterion in criteria if criterion.parent_id}
    can_manage = selectors.framework_can_manage(user=request.user, framework=framework)
    return {
        "framework": framework,
        "criteria": criteria,
        "parent_ids": parent_ids,
        "total_max": sum(
            (c.max_points for c in criteria if c.parent_id is None and c.section == Section.NORMAL),
            start=0,
        ),
        "bands": bands,
        "can_manage": can_manage,
        "can_edit": can_manage and framework.is_draft,
        "publish_problems": services.framework_publish_problems(
            framework, criteria=criteria, bands=bands
        )
        if can_manage and framework.is_draft
        else [],
        "versions": selectors.framework_versions(user=request.user, framework=framework),
    }


@capability_required(Capability.VIEW_FRAMEWORKS)
def framework_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the criterion tree with max points and rules; edit a draft in place."""
    framework = selectors.framework_get_for_user(user=request.user, pk=pk)
    return render(request, "frameworks/framework_detail.html", _tree_context(request, framework))


@capability_required(Capability.MANAGE_FRAMEWORKS)
def framework_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft's name, year, legal basis, kinds and bands."""
    framework = selectors.framework_get_for_edit(user=request.user, pk=pk)
    if not framework.is_draft:
        messages.error(request, _(services.FROZEN_MESSAGE))
        return redirect("frameworks:framework_detail", pk=pk)
    initial = {"version_token": version_token(framework), "bands": bands_text(framework)}
    form = FrameworkForm(
        request.POST if request.method == "POST" else None, instance=framework, initial=initial
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in FrameworkForm.Meta.fields}
        try:
            services.framework_update(
                actor=request.user,
                framework=selectors.framework_get_for_edit(user=request.user, pk=pk),
                expected_version=form.cleaned_data["version_token"] or None,
                bands=form.cleaned_data["bands"],
                **values,
            )
        except ConflictError as error:
            conflict = error.current
            form.add_error(None, error.message)
            form_take_current_version(form, conflict, "version_token")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(SAVED_MESSAGE))
            return redirect("frameworks:framework_detail", pk=pk)
    status = 400 if form.errors else 200
    context = {"form": form, "framework": framework, "conflict": conflict}
    return render(request, "frameworks/framework_form.html", context, status=status)


@capability_required(Capability.MANAGE_FRAMEWORKS)
def framework_import_view(request: HttpRequest) -> HttpResponse:
    """Import a framework file as a new draft: all rows or none, every problem listed."""
    issuers = selectors.framework_issuers_for_user(user=request.user)
    form = FrameworkImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        issuers=issuers,
    )
    import_errors: list[object] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content, agencies = importers.read_framework_file(
                data=upload.read(), file_name=upload.name
            )
        except ImportFailed as failure:
            import_errors = list(failure.errors)
        else:
            info = {**content.info, **{k: v for k, v in form.cleaned_data.items() if v}}
            file_year, form_year = content.info.get("year"), form.cleaned_data.get("year")
            if file_year and form_year and int(file_year) != form_year:
                # The file's info sheet and the form disagree: neither silently wins.
                form.add_error(
                    "year", _(YEAR_DISAGREES_MESSAGE) % {"file": file_year, "form": form_year}
                )
            elif not info.get("name") or not info.get("year"):
                form.add_error("name", _(MISSING_INFO_MESSAGE))
            elif not info.get("unit_kinds"):
                form.add_error("unit_kinds", _(MISSING_KINDS_MESSAGE))
            else:
                framework = services.framework_import(
                    actor=request.user,
                    issuer=form.cleaned_data["issuer"],
                    content=content,
                    agencies=agencies,
                    name=info["name"],
                    year=info["year"],
                    unit_kinds=list(info["unit_kinds"]),
                    decision_number=info.get("decision_number", ""),
                    decision_date=info.get("decision_date"),
                    description=info.get("description", ""),
                    is_illustrative=bool(info.get("is_illustrative")),
                    source=upload.name,
                )
                messages.success(request, _(IMPORTED_MESSAGE) % {"count": len(content.criteria)})
                if content.ignored:
                    messages.info(request, ignored_columns_message(content.ignored))
                return redirect("frameworks:framework_detail", pk=framework.pk)
    status = 400 if form.errors or import_errors else 200
    context = {"form": form, "import_errors": import_errors}
    return render(request, "frameworks/framework_import.html", context, status=status)


@capability_required(Capability.VIEW_FRAMEWORKS)
def framework_export_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the framework as a workbook in the import format."""
    framework = selectors.framework_get_for_user(user=request.user, pk=pk)
    data = importers.export_framework_xlsx(
        framework, selectors.criteria_of(framework), selectors.bands_of(framework)
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="bo-tieu-chi-{framework.pk}.xlsx"'
    return response


@capability_required(Capability.VIEW_FRAMEWORKS)
def framework_export_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the criteria as CSV in the import format."""
    framework = selectors.framework_get_for_user(user=request.user, pk=pk)
    text = importers.export_framework_csv(selectors.criteria_of(framework))
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bo-tieu-chi-{framework.pk}.csv"'
    return response


@capability_required(Capability.VIEW_FRAMEWORKS)
def framework_template_view(request: HttpRequest) -> HttpResponse:
    """Download a blank framework workbook with a guide to the rules."""
    data = importers.framework_template_xlsx(year=timezone.localdate().year)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mau-bo-tieu-chi.xlsx"'
    return response


@require_POST
@capability_required(Capability.MANAGE_FRAMEWORKS)
def framework_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a draft, or say what stops it."""
    framework = selectors.framework_get_for_edit(user=request.user, pk=pk)
    try:
        services.framework_publish(actor=request.user, framework=framework)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(PUBLISHED_MESSAGE))
    return redirect("frameworks:framework_detail", pk=pk)


@require_POST
@capability_required(Capability.MANAGE_FRAMEWORKS)
def framework_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a framework into a new draft version."""
    framework = selectors.framework_get_for_edit(user=request.user, pk=pk)
    try:
        copy = services.framework_copy(actor=request.user, framework=framework)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("frameworks:framework_detail", pk=pk)
    messages.success(request, _(COPIED_MESSAGE) % {"version": copy.version})
    return redirect("frameworks:framework_detail", pk=copy.pk)


@require_POST
@capability_required(Capability.MANAGE_FRAMEWORKS)
def framework_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive a published framework."""
    framework = selectors.framework_get_for_edit(user=request.user, pk=pk)
    try:
        services.framework_archive(actor=request.user, framework=framework)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(ARCHIVED_MESSAGE))
    return redirect("frameworks:framework_detail", pk=pk)


@capability_required(Capability.VIEW_FRAMEWORKS)
def framework_diff_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show what changed between two frameworks, criterion by criterion."""
    framework = selectors.framework_get_for_user(user=request.user, pk=pk)
    versions = selectors.framework_versions(user=request.user, framework=framework)
    against_id = id_param(request.GET, "against")
    other = None
    rows: list[selectors.DiffRow] = []
    if against_id is not None:
        other = selectors.framework_get_for_user(user=request.user, pk=against_id)
        rows = selectors.framework_diff(old=other, new=framework)
    context = {"framework": framework, "other": other, "rows": rows, "versions": versions}
    return render(request, "frameworks/framework_diff.html", context)


def _criterion_form(request: HttpRequest, criterion: Criterion, data: Any = None) -> CriterionForm:
    return CriterionForm(
        data,
        instance=criterion,
        agencies=selectors.agencies_for_criteria(),
        has_children=criterion.children.exists(),
        initial={"version_token": version_token(criterion)},
    )


def _render_criterion(
    request: HttpRequest,
    criterion: Criterion,
    form: CriterionForm | None,
    conflict: Criterion | None = None,
    status: int = 200,
) -> HttpResponse:
    framework = criterion.framework
    context = {
        "criterion": criterion,
        "framework": framework,
        "form": form,
        "conflict": conflict,
        "can_edit": True,
        "is_parent": criterion.children.exists(),
        "publish_problems": services.framework_publish_problems(framework),
        "oob": True,
    }
    if is_htmx(request):
        # htmx swaps only 2xx answers: errors come back as a 200 with the form and its messages.
        return render(request, "frameworks/_criterion.html", context)
    return render(request, "frameworks/criterion_edit.html", context, status=status)


@capability_required(Capability.MANAGE_FRAMEWORKS)
def criterion_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit one criterion of a draft in place; a stale save shows the other person's values."""
    criterion = selectors.criterion_get_for_edit(user=request.user, pk=pk)
    if not criterion.framework.is_draft:
        raise Http404
    if request.method != "POST":
        if request.GET.get("cancel"):
            return _render_criterion(request, criterion, None)
        return _render_criterion(request, criterion, _criterion_form(request, criterion))
    form = _criterion_form(request, criterion, request.POST)
    conflict = None
    if form.is_valid():
        try:
            criterion = services.criterion_update(
                actor=request.user,
                criterion=selectors.criterion_get_for_edit(user=request.user, pk=pk),
                expected_version=form.cleaned_data["version_token"] or None,
                **form.service_values(),
            )
        except ConflictError as error:
            conflict = error.current
            form.add_error(None, error.message)
            form_take_current_version(form, conflict, "version_token")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if is_htmx(request):
                return _render_criterion(request, criterion, None)
            messages.success(request, _(SAVED_MESSAGE))
            return redirect("frameworks:framework_detail", pk=criterion.framework_id)
    return _render_criterion(request, criterion, form, conflict, status=400)


@capability_required(Capability.MANAGE_FRAMEWORKS)
def criterion_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a criterion to a draft, under a parent (?parent=id) or as a new area."""
    framework = selectors.framework_get_for_edit(user=request.user, pk=pk)
    if not framework.is_draft:
        raise Http404
    parent = None
    parent_id = id_param(request.GET, "parent") or id_param(request.POST, "parent")
    if parent_id is not None:
        parent = framework.criteria.filter(pk=parent_id).first()
        if parent is None:
            raise Http404
    blank = Criterion(framework=framework, parent=parent, max_points=0, rule_text="yes_no")
    form = CriterionForm(
        request.POST if request.method == "POST" else None,
        instance=blank,
        agencies=selectors.agencies_for_criteria(),
        has_children=False,
    )
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            criterion = services.criterion_create(
                actor=request.user,
                framework=framework,
                parent=parent,
                **values,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(SAVED_MESSAGE))
            return redirect(f"{criterion.framework.get_absolute_url()}#criterion-{criterion.pk}")
    context = {"form": form, "framework": framework, "parent": parent}
    status = 400 if form.errors else 200
    return render(request, "frameworks/criterion_create.html", context, status=status)


@require_POST
@capability_required(Capability.MANAGE_FRAMEWORKS)
def criterion_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a criterion (and its sub-criteria) from a draft."""
    criterion = selectors.criterion_get_for_edit(user=request.user, pk=pk)
    framework_id = criterion.framework_id
    try:
        services.criterion_delete(actor=request.user, criterion=criterion)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(DELETED_MESSAGE) % {"code": criterion.code})
    return redirect("frameworks:framework_detail", pk=framework_id)


@capability_required(Capability.VIEW_FRAMEWORKS)
def criterion_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Try a criterion's rule on sample inputs and read how it scores them."""
    criterion = selectors.criterion_get_for_user(user=request.user, pk=pk)
    if criterion.children.exists():
        raise Http404
    rule = criterion.rule
    form = preview_form_class(rule)(request.POST if request.method == "POST" else None)
    result = None
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            inputs = rule.parse_inputs(form.cleaned_data)
            result = rule.score(inputs, criterion.max_points)
        except InputError as input_error:
            error = input_error.message
    context = {"criterion": criterion, "form": form, "result": result, "error": error}
    # htmx swaps only 2xx answers: a refused figure comes back as 200 with its message.
    status = 400 if error and not is_htmx(request) else 200
    return render_page_or_partial(
        request,
        "frameworks/criterion_preview.html",
        "frameworks/_preview_result.html",
        context,
        status=status,
    )
