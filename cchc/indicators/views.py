from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from cchc.core.forms import form_error_messages, perform
from cchc.core.htmx import is_htmx
from cchc.core.imports import ImportFailed, ignored_columns_message
from cchc.core.params import id_param
from cchc.core.permissions import capability_required, user_has_capability
from cchc.core.roles import Capability
from cchc.indicators import figures, progress, selectors, services
from cchc.indicators.forms import (
    FIELD_CHOICES,
    ColumnAliasForm,
    CompleteForm,
    DirectiveForm,
    DirectiveImportForm,
    DossierImportForm,
    PeriodForm,
)
from cchc.indicators.models import ColumnAlias, Directive
from cchc.indicators.periods import LAST_MONTH
from cchc.orgunits.lineage import lineage_for
from cchc.orgunits.naming import labels_apart
from cchc.orgunits.selectors import assessed_units_for_user

DIRECTIVE_SAVED_MESSAGE = gettext_noop("The directive was recorded.")
DIRECTIVE_DONE_MESSAGE = gettext_noop("The completion was recorded.")
DIRECTIVES_IMPORTED_MESSAGE = gettext_noop("%(added)s directives added, %(updated)s updated.")
CHOOSE_FILE_MESSAGE = gettext_noop("Choose a file to import.")
SHOWN_ERRORS = 30  # a refused directive file: the first problems, then how many more
HEADING_SAVED_MESSAGE = gettext_noop("The heading is accepted from now on.")
HEADING_DELETED_MESSAGE = gettext_noop("The heading was removed.")
WHICH = set(figures.DOSSIER_FIGURES)  # the figures whose rows a page lists


def _period(request: HttpRequest) -> tuple[int, str]:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    if form.is_valid():
        return form.cleaned_data["year"], form.cleaned_data["period"]
    return today.year, "annual" if today.month > 9 else ("m9" if today.month > 6 else "h1")


@capability_required(Capability.VIEW_INDICATORS)
def overview_view(request: HttpRequest) -> HttpResponse:
    """Every unit's figures for a period, against the same period last year; each figure
    opens the dossiers behind it."""
    year, period = _period(request)
    units = list(assessed_units_for_user(request.user).select_related("parent"))
    figures = selectors.figures_for_units([unit.pk for unit in units], year, period)
    # Two units of one name (the city's and the province's Trần Phú) are told apart.
    labels = dict(labels_apart(units))
    totals = selectors.Figures()
    for row in figures.values():
        for name in (
            "received",
            "finished",
            "on_time",
            "late",
            "open_past_due",
            "online",
            "late_with_apology",
            "directives_due",
            "directives_on_time",
            "directives_late",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    context = {
        "rows": [(unit, figures[unit.pk], labels[unit.pk]) for unit in units],
        "totals": totals if len(units) > 1 else None,
        "year": year,
        "period": period,
        "form": PeriodForm(initial={"year": year, "period": period}),
        "can_manage": user_has_capability(request.user, Capability.MANAGE_INDICATORS),
    }
    return render(request, "indicators/overview.html", context)


@capability_required(Capability.VIEW_INDICATORS)
def dossier_list_view(request: HttpRequest) -> HttpResponse:
    """The dossiers behind one figure of one unit (or of every unit the user reads)."""
    year, period = _period(request)
    which = request.GET.get("which", "received")
    if which not in WHICH:
        raise Http404
    units = assessed_units_for_user(request.user)
    unit_id = id_param(request.GET, "unit")
    if unit_id is not None:
        unit = get_object_or_404(units, pk=unit_id)
        unit_ids = [unit.pk]
    else:
        unit = None
        unit_ids = list(units.values_list("pk", flat=True))
    # A unit's dossiers of earlier years include those of the units it was made from (as the
    # figures compare them, analytics.indicators): a point of last year lists what it counts.
    lineage = lineage_for(unit_ids)
    unit_ids = sorted({old for pk in unit_ids for old in lineage.history_ids(pk)})
    month = id_param(request.GET, "month")
    if month is not None and not 1 <= month <= LAST_MONTH[period]:
        raise Http404  # a month outside the period
    rows = selectors.dossier_rows(
        unit_ids=unit_ids, year=year, period=period, which=which, month=month
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    now = timezone.now()
    for dossier in page.object_list:
        # The badges: finished late, or still open past its due time (a list of the overdue
        # marked only the first, so the open ones looked fine: a new-user walk).
        dossier.is_late = figures.LATE.holds(dossier)  # type: ignore[attr-defined]
        dossier.is_past_due = figures.OPEN_PAST_DUE.holds(dossier, now)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "unit": unit,
        "which": which,
        "figure_label": _(figures.DOSSIER_FIGURES[which].label),
        "year": year,
        "period": period,
        "month": month,
        "query": request.GET.copy(),
    }
    return render(request, "indicators/dossier_list.html", context)


@capability_required(Capability.MANAGE_INDICATORS)
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload an export of the public-service software: it is imported in the background and
    its page shows the progress. Below, the recent imports and the extra column headings."""
    form = DossierImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = services.dossier_import_start(
            actor=request.user,
            upload=form.cleaned_data["file"],
            mode=form.cleaned_data["mode"],
        )
        return redirect(record)
    context = {
        "form": form,
        "imports": list(selectors.imports_for(request.user)[:20]),
        "aliases": [
            (alias, dict(FIELD_CHOICES).get(alias.field, alias.field))
            for alias in ColumnAlias.objects.all()
        ],
        "alias_form": ColumnAliasForm(),
    }
    return render(request, "indicators/import.html", context, status=400 if form.errors else 200)


@capability_required(Capability.MANAGE_INDICATORS)
def import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: how far it has got while it runs (the page polls), then what it did."""
    record = get_object_or_404(selectors.imports_for(request.user), pk=pk)
    context = {
        "record": record,
        "progress": progress.read(record.pk) if record.is_running else None,
    }
    if is_htmx(request):
        return render(request, "indicators/_import_progress.html", context)
    return render(request, "indicators/import_detail.html", context)


@capability_required(Capability.MANAGE_INDICATORS)
def rejected_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(selectors.imports_for(request.user), pk=pk)
    if not record.rejected_file:
        raise Http404
    response: Any = FileResponse(
        record.rejected_file.open("rb"),
        as_attachment=True,
        filename=f"ho-so-bi-tu-choi-{record.pk}.csv",
        content_type="text/csv",
    )
    return response


@require_POST
@capability_required(Capability.MANAGE_INDICATORS)
def alias_add_view(request: HttpRequest) -> HttpResponse:
    form = ColumnAliasForm(request.POST)
    perform(
        request,
        lambda: services.column_alias_add(
            actor=request.user,
            field=form.cleaned_data["field"],
            heading=form.cleaned_data["heading"],
        ),
        _(HEADING_SAVED_MESSAGE),
        form,
    )
    return redirect("indicators:import")


@require_POST
@capability_required(Capability.MANAGE_INDICATORS)
def alias_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    alias = get_object_or_404(ColumnAlias, pk=pk)
    perform(
        request,
        lambda: services.column_alias_delete(actor=request.user, alias=alias),
        _(HEADING_DELETED_MESSAGE),
    )
    return redirect("indicators:import")


@capability_required(Capability.VIEW_INDICATORS)
def directive_list_view(request: HttpRequest) -> HttpResponse:
    units = assessed_units_for_user(request.user)
    directives = Directive.objects.filter(org_unit__in=units).select_related("org_unit")
    unit_id = id_param(request.GET, "unit")
    if unit_id is not None:
        directives = directives.filter(org_unit_id=unit_id)
    today = timezone.localdate()
    page = Paginator(directives.order_by("deadline", "number", "pk"), 50).get_page(
        request.GET.get("page")
    )
    can_manage = user_has_capability(request.user, Capability.MANAGE_INDICATORS)
    context = {
        "page": page,
        # Each row: the directive, its state, and whether this reader may record its
        # completion here (the form; else the date as text).
        "rows": [
            (directive, directive.state(today), _may_complete(request.user, directive))
            for directive in page
        ],
        "can_manage": can_manage,
        "form": DirectiveForm(units=units, initial={"issued_on": today}) if can_manage else None,
        "units": units,
        "unit_id": unit_id,
    }
    return render(request, "indicators/directive_list.html", context)


def _may_complete(user: Any, directive: Directive) -> bool:
    try:
        return services.directive_completion_refusal(actor=user, directive=directive) is None
    except PermissionDenied:
        return False


@require_POST
@capability_required(Capability.MANAGE_INDICATORS)
def directive_create_view(request: HttpRequest) -> HttpResponse:
    form = DirectiveForm(request.POST, units=assessed_units_for_user(request.user))
    perform(
        request,
        lambda: services.directive_create(actor=request.user, **form.cleaned_data),
        _(DIRECTIVE_SAVED_MESSAGE),
        form,
    )
    return redirect("indicators:directive_list")


@require_POST
@capability_required(Capability.MANAGE_INDICATORS)
def directive_import_view(request: HttpRequest) -> HttpResponse:
    """Import directives from a CSV or XLSX file: every row, or nothing."""
    form = DirectiveImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for message in form_error_messages(form) or [_(CHOOSE_FILE_MESSAGE)]:
            messages.error(request, message)
        return redirect("indicators:directive_list")
    upload = form.cleaned_data["file"]
    ignored: list[str] = []
    try:
        added, updated = services.directives_import(
            actor=request.user, data=upload.read(), file_name=upload.name or "", ignored=ignored
        )
    except ImportFailed as failure:
        # The first problems, and how many in all: 45 bad rows showed 30, and no word of the
        # other 15 or that nothing was imported (the dossier import's page says both).
        count = len(failure.errors)
        messages.error(
            request,
            ngettext(
                "Nothing was imported: %(counter)s problem must be fixed first.",
                "Nothing was imported: %(counter)s problems must be fixed first.",
                count,
            )
            % {"counter": count},
        )
        for error in failure.errors[:SHOWN_ERRORS]:
            messages.error(request, str(error))
        if count > SHOWN_ERRORS:
            more = count - SHOWN_ERRORS
            messages.error(
                request,
                ngettext("… and %(more)s more.", "… and %(more)s more.", more) % {"more": more},
            )
    else:
        messages.success(
            request, _(DIRECTIVES_IMPORTED_MESSAGE) % {"added": added, "updated": updated}
        )
        if ignored:
            messages.info(request, ignored_columns_message(ignored))
    return redirect("indicators:directive_list")


@require_POST
@capability_required(Capability.VIEW_INDICATORS)
def directive_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The Home Affairs office, or the unit itself, records when a directive was done."""
    directive = get_object_or_404(
        Directive.objects.filter(org_unit__in=assessed_units_for_user(request.user)), pk=pk
    )
    # Who may is the service's rule (PermissionDenied for someone who may not at all).
    services.directive_completion_refusal(actor=request.user, directive=directive)
    form = CompleteForm(request.POST)
    if not form.is_valid():
        for message in form_error_messages(form):
            messages.error(request, message)
    else:
        try:
            services.directive_complete(
                actor=request.user,
                directive=directive,
                completed_on=form.cleaned_data["completed_on"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _(DIRECTIVE_DONE_MESSAGE))
    return redirect(f"{redirect('indicators:directive_list').url}?unit={directive.org_unit_id}")
