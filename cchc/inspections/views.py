from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from cchc.accounts.models import User
from cchc.assessments.models import Evidence
from cchc.assessments.services.evidence import CONTENT_TYPES
from cchc.core.exceptions import BadInput, ConflictError
from cchc.core.forms import form_error_messages, perform, take_kept
from cchc.core.htmx import is_htmx
from cchc.core.imports import ImportFailed, ignored_columns_message
from cchc.core.params import id_param
from cchc.core.permissions import capability_required, user_has_capability
from cchc.core.roles import Capability, Role
from cchc.frameworks.models import Framework
from cchc.frameworks.sources import DataSource
from cchc.indicators.selectors import describe_source, figures_for_units, source_link
from cchc.inspections import pages, selectors
from cchc.inspections.forms import (
    ActionForm,
    ChecklistFrameworkForm,
    ChecklistImportForm,
    DocumentAnswerForm,
    ItemResultForm,
    PhotoForm,
    PlanForm,
    ProgressForm,
    RecommendationForm,
    ReopenForm,
    RequestForm,
    RescheduleForm,
    SupportForm,
    TeamDecisionForm,
    TeamMemberForm,
)
from cchc.inspections.models import (
    DocumentRequest,
    Finding,
    Inspection,
    InspectionFile,
    InspectionPlan,
    InspectionRequest,
    ItemResult,
    Recommendation,
    RemediationAction,
    RootCause,
    TeamMember,
    Topic,
)
from cchc.inspections.services import checklists, findings, planning, visits
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import under_q

NO_TARGET_MESSAGE = gettext_noop("Choose the step to move the inspection to from its page.")
PLAN_READY_MESSAGE = gettext_noop("The plan for %(year)s is ready for requests.")
PLAN_APPROVED_ALREADY_MESSAGE = gettext_noop(
    "The plan for %(year)s is already approved: it takes no more requests. A visit is "
    "rescheduled or its team changed from its own page."
)
REQUEST_FILED_MESSAGE = gettext_noop("The request was filed.")
REQUEST_WITHDRAWN_MESSAGE = gettext_noop("The request was withdrawn.")
PROPOSED_MESSAGE = gettext_noop(
    "%(requests)s requests → %(visits)s visits; %(units)s units visited once instead of "
    "several times."
)
APPROVED_MESSAGE = gettext_noop("The plan was approved; units and teams were notified.")
RESCHEDULED_MESSAGE = gettext_noop("The visit was moved.")
MEMBER_ADDED_MESSAGE = gettext_noop("%(person)s joined the team.")
CHOOSE_FILE_AGAIN_MESSAGE = gettext_noop(
    "The report was not sent: choose the file again (a browser does not send it twice)."
)
MEMBER_REMOVED_MESSAGE = gettext_noop("%(person)s left the team.")
DECISION_SAVED_MESSAGE = gettext_noop("The decision forming the team was recorded.")
MOVED_MESSAGE = gettext_noop("The inspection is now “%(status)s”.")
NOTHING_NEW_ASKED_MESSAGE = gettext_noop(
    "Every document of the checklists is already asked of the unit; nothing new was asked."
)
DOCUMENTS_ASKED_MESSAGE = gettext_noop("%(count)s documents were asked of the unit.")
ANSWER_SENT_MESSAGE = gettext_noop("Sent to the inspection team.")
RESULT_SAVED_MESSAGE = gettext_noop("Saved.")
PHOTO_ADDED_MESSAGE = gettext_noop("The photo was added.")
SUPPORT_SAVED_MESSAGE = gettext_noop("The support given was recorded.")
FINDING_SAVED_MESSAGE = gettext_noop("The finding was recorded.")
FINDING_DELETED_MESSAGE = gettext_noop("The finding was deleted.")
RECOMMENDATION_DELETED_MESSAGE = gettext_noop("The recommendation was deleted.")
# How many open remediation actions the coordinator's list shows (the count says the rest).
FOLLOWED_SHOWN = 100
ACTION_DELETED_MESSAGE = gettext_noop("The remediation action was deleted.")
CAUSE_LINKED_MESSAGE = gettext_noop("The root cause was linked.")
CAUSE_UNLINKED_MESSAGE = gettext_noop("The root cause was unlinked.")
RECOMMENDATION_SAVED_MESSAGE = gettext_noop("The recommendation was recorded.")
ACTION_SAVED_MESSAGE = gettext_noop("The remediation action was recorded.")
REPORT_SENT_MESSAGE = gettext_noop("Your report was sent to the inspection team.")
VERIFIED_MESSAGE = gettext_noop("The action was verified and closed.")
REOPENED_MESSAGE = gettext_noop("The action was reopened and the unit told why.")
PUBLISHED_MESSAGE = gettext_noop("The inspection is marked for the public portal.")
UNPUBLISHED_MESSAGE = gettext_noop("The inspection was taken off the public portal.")
SIGNATURES_CHECKED_MESSAGE = gettext_noop("The signatures were checked again.")
CHECKLIST_IMPORTED_MESSAGE = gettext_noop(
    "The checklist was imported with %(count)s items; it replaces the previous version."
)
NO_ORGANISER_MESSAGE = gettext_noop("You coordinate no unit, so you cannot organise a plan.")


def _organiser_for(user: Any) -> OrgUnit | None:
    keeper_roles = {Role.HOME_AFFAIRS, Role.SYSTEM_ADMIN}
    for membership in user.active_memberships:
        if membership.role in keeper_roles and membership.org_unit.kind != OrgUnit.Kind.AGENCY:
            return membership.org_unit
    return None


# --- Plans and requests ---------------------------------------------------------------------


@capability_required(Capability.VIEW_INSPECTIONS)
def inspection_list_view(request: HttpRequest) -> HttpResponse:
    """Plans, the visits I may see, and, for a unit, what it still has to remedy."""
    user = request.user
    plans = list(selectors.plan_list_for_user(user=user).order_by("-year"))
    inspections = list(
        selectors.inspection_list_for_user(user=user)
        .prefetch_related("team__user")
        .order_by("-plan__year", "visit_date", "org_unit__sort_order")
    )
    today = timezone.localdate()
    context = {
        "plans": plans,
        "inspections": inspections,
        "overdue": {i.pk for i in inspections if selectors.visit_overdue(i, today=today)},
        "actions": list(selectors.actions_to_report(user=user)),
        # The coordinator's open remediation: reported done first, then overdue, then the rest.
        "following": list(selectors.open_actions_to_follow(user=user)[:FOLLOWED_SHOWN]),
        "following_count": selectors.open_actions_to_follow(user=user).count(),
        "today": today,
        "can_plan": user_has_capability(user, Capability.MANAGE_INSPECTIONS)
        and _organiser_for(user) is not None,
        "plan_form": PlanForm(
            initial={"year": max([timezone.localdate().year - 1, *(p.year for p in plans)]) + 1}
        ),
    }
    return render(request, "inspections/inspection_list.html", context)


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def plan_create_view(request: HttpRequest) -> HttpResponse:
    organiser = _organiser_for(request.user)
    if organiser is None:
        messages.error(request, _(NO_ORGANISER_MESSAGE))
        return redirect("inspections:inspection_list")
    form = PlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 2000 and 2100."))
        return redirect("inspections:inspection_list")
    plan = planning.plan_get_or_create(
        actor=request.user, organiser=organiser, year=form.cleaned_data["year"]
    )
    if plan.status == InspectionPlan.Status.APPROVED:  # it existed, approved: no new requests
        messages.info(request, _(PLAN_APPROVED_ALREADY_MESSAGE) % {"year": plan.year})
    else:
        messages.success(request, _(PLAN_READY_MESSAGE) % {"year": plan.year})
    return redirect(plan.get_absolute_url())


def _request_form(request: HttpRequest, plan: InspectionPlan, data: Any = None) -> RequestForm:
    units = OrgUnit.objects.filter(
        under_q([plan.organiser]), kind__in=OrgUnit.ASSESSED_KINDS, active_to__isnull=True
    ).order_by("sort_order", "name")
    return RequestForm(
        data,
        units=units,
        agencies=selectors.requesting_agencies(user=request.user, plan=plan).order_by(
            "sort_order", "name"
        ),
        initial={"window_start": f"{plan.year}-09-01", "window_end": f"{plan.year}-10-31"},
    )


@capability_required(Capability.VIEW_INSPECTIONS)
def plan_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Requests, the consolidated visits with their conflicts, the saving, and approval."""
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    can_manage = selectors.plan_can_manage(user=request.user, plan=plan)
    requests = list(plan.requests.select_related("org_unit", "agency", "filed_by", "inspection"))
    visible = set(
        selectors.inspection_list_for_user(user=request.user)
        .filter(plan=plan)
        .values_list("pk", flat=True)
    )
    inspections = [
        inspection
        for inspection in plan.inspections.select_related("org_unit").prefetch_related(
            "team__user", "team__agency"
        )
        if can_manage or inspection.pk in visible
    ]
    agencies = {unit.pk: unit for unit in OrgUnit.objects.filter(kind=OrgUnit.Kind.AGENCY)}
    # A request refused on the last post comes back as it was typed, each reason beside it.
    form = take_kept(
        request, _request_draft_key(plan), lambda data: _request_form(request, plan, data)
    ) or _request_form(request, plan)
    is_draft = plan.status == InspectionPlan.Status.DRAFT
    # Each form is shown by the check its POST view makes (selectors.can_request, can_withdraw).
    can_request = is_draft and selectors.can_request(user=request.user, plan=plan)
    today = timezone.localdate()
    context = {
        "plan": plan,
        "can_manage": can_manage,
        "can_request": can_request,
        "requests": requests if can_manage or can_request else [],
        "withdrawable": {
            item.pk
            for item in requests
            if is_draft and selectors.can_withdraw(user=request.user, request=item, plan=plan)
        },
        "overdue": {i.pk for i in inspections if selectors.visit_overdue(i, today=today)},
        "rows": [
            (
                inspection,
                planning.open_conflicts(
                    inspection, requests={r.pk: r for r in requests}, agencies=agencies
                ),
            )
            for inspection in inspections
        ],
        "form": form,
        "is_draft": plan.status == InspectionPlan.Status.DRAFT,
        "filing_more": request.GET.get("more") == "1",
    }
    return render(request, "inspections/plan_detail.html", context)


@require_POST
@capability_required(Capability.REQUEST_INSPECTIONS)
def request_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    if not selectors.can_request(user=request.user, plan=plan):
        raise PermissionDenied
    form = _request_form(request, plan, request.POST)
    filed = perform(
        request,
        lambda: planning.request_file(actor=request.user, plan=plan, **form.cleaned_data),
        _(REQUEST_FILED_MESSAGE),
        form,
        keep=_request_draft_key(plan),
    )
    # Filed, the form opens again for the next request (an agency files several in a row; the
    # panel closed after each).
    return redirect(plan.get_absolute_url() + ("?more=1" if filed else "") + "#request-form")


def _request_draft_key(plan: InspectionPlan) -> str:
    return f"inspections:request-draft:{plan.pk}"


@require_POST
@capability_required(Capability.REQUEST_INSPECTIONS)
def request_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection_request = get_object_or_404(
        InspectionRequest.objects.select_related("plan__organiser"), pk=pk
    )
    plan = selectors.plan_get_for_user(user=request.user, pk=inspection_request.plan_id)
    if not selectors.can_withdraw(user=request.user, request=inspection_request, plan=plan):
        raise PermissionDenied
    perform(
        request,
        lambda: planning.request_withdraw(actor=request.user, request=inspection_request),
        _(REQUEST_WITHDRAWN_MESSAGE),
    )
    return redirect(plan.get_absolute_url())


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def plan_propose_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_manage(user=request.user, pk=pk)
    try:
        result = planning.plan_propose(actor=request.user, plan=plan)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(PROPOSED_MESSAGE)
            % {
                "requests": result.request_count,
                "visits": result.visit_count,
                "units": result.units_consolidated,
            },
        )
    return redirect(plan.get_absolute_url())


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def plan_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_manage(user=request.user, pk=pk)
    perform(
        request,
        lambda: planning.plan_approve(
            actor=request.user, plan=plan, accepted=request.POST.getlist("accept")
        ),
        _(APPROVED_MESSAGE),
    )
    return redirect(plan.get_absolute_url())


# --- One inspection -------------------------------------------------------------------------


@capability_required(Capability.VIEW_INSPECTIONS)
def inspection_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one visit: team, documents, checklist results, photos, findings, root
    causes, recommendations and remediation, with the next step for whoever may take it."""
    inspection = selectors.inspection_for_page(user=request.user, pk=pk)
    member_form = take_kept(
        request,
        _kept_key(inspection, "member"),
        lambda data: TeamMemberForm(
            data, prefix="member", people=pages.team_people(inspection), topics=inspection.topics
        ),
    )
    context = pages.inspection_page(
        user=request.user,
        inspection=inspection,
        take_draft=lambda: request.session.pop(_finding_draft_key(inspection), None),
        kept=_kept_forms(request, inspection),
        member_form=member_form,
    )
    return render(request, "inspections/inspection_detail.html", context)


def _for_manage(request: HttpRequest, pk: int) -> Inspection:
    inspection = selectors.inspection_get_for_user(user=request.user, pk=pk)
    if not selectors.can_manage(user=request.user, inspection=inspection):
        raise PermissionDenied
    return inspection


def _for_team(request: HttpRequest, pk: int) -> Inspection:
    inspection = selectors.inspection_get_for_user(user=request.user, pk=pk)
    if not selectors.can_inspect(user=request.user, inspection=inspection):
        raise PermissionDenied
    return inspection


def _for_unit(request: HttpRequest, pk: int) -> Inspection:
    inspection = selectors.inspection_get_for_user(user=request.user, pk=pk)
    if not selectors.can_answer(user=request.user, inspection=inspection):
        raise PermissionDenied
    return inspection


def _back(inspection: Inspection, anchor: str = "") -> HttpResponse:
    return redirect(inspection.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _post(
    request: HttpRequest,
    inspection: Inspection,
    action: Callable[[], Any],
    success: str,
    form: Any = None,
    anchor: str = "",
    *,
    keep: str = "",
) -> HttpResponse:
    """Run a form's action and go back to the visit's page; with `keep` (the form's name on
    the page), a refused form comes back there as typed, each reason beside its field."""
    perform(request, action, success, form, keep=_kept_key(inspection, keep) if keep else "")
    return _back(inspection, anchor)


def _kept_key(inspection: Inspection, name: str) -> str:
    """Where a refused form of the visit's page waits for the page (core.forms.perform)."""
    return f"inspection-kept:{inspection.pk}:{name}"


def _kept_forms(request: HttpRequest, inspection: Inspection) -> dict[str, dict[str, Any]]:
    """The refused forms waiting for this visit's page, by name (read once: then gone)."""
    prefix = _kept_key(inspection, "")
    return {
        key.removeprefix(prefix): request.session.pop(key)
        for key in [key for key, _value in request.session.items() if key.startswith(prefix)]
    }


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def inspection_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_manage(request, pk)
    form = RescheduleForm(request.POST, prefix="move")
    return _post(
        request,
        inspection,
        lambda: planning.visit_reschedule(
            actor=request.user, inspection=inspection, **form.cleaned_data
        ),
        _(RESCHEDULED_MESSAGE),
        form,
        "team",
    )


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def team_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_manage(request, pk)
    form = TeamMemberForm(
        request.POST,
        prefix="member",
        people=pages.team_people(inspection) + _any_person(request),
        topics=inspection.topics,
    )

    person = get_object_or_404(User, pk=form.cleaned_data["user"]) if form.is_valid() else None

    def add() -> None:
        if person is None:  # perform runs it only for a valid form
            raise Http404
        planning.team_member_add(
            actor=request.user,
            inspection=inspection,
            user=person,
            topics=form.cleaned_data["topics"],
            is_head=form.cleaned_data["is_head"],
        )

    # Refused, the form comes back open as it was typed, each reason beside its field.
    perform(
        request,
        add,
        _(MEMBER_ADDED_MESSAGE) % {"person": person},
        form,
        keep=_kept_key(inspection, "member"),
    )
    return _back(inspection, "team")


def _any_person(request: HttpRequest) -> list[tuple[int, str]]:
    """Accept any user id in the form: the service says clearly why someone cannot join."""
    raw = request.POST.get("member-user", "")
    return [(int(raw), raw)] if raw.isdigit() else []


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def team_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(TeamMember.objects.select_related("inspection", "user"), pk=pk)
    inspection = _for_manage(request, member.inspection_id)
    return _post(
        request,
        inspection,
        lambda: planning.team_member_remove(actor=request.user, member=member),
        _(MEMBER_REMOVED_MESSAGE) % {"person": member.user},
        anchor="team",
    )


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def decision_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_manage(request, pk)
    form = TeamDecisionForm(request.POST, prefix="decision")
    return _post(
        request,
        inspection,
        lambda: visits.decision_record(
            actor=request.user, inspection=inspection, **form.cleaned_data
        ),
        _(DECISION_SAVED_MESSAGE),
        form,
        "team",
    )


@require_POST
@capability_required(Capability.INSPECT)
def inspection_advance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the visit on: preparing (the coordinator), visiting and concluded (the team)."""
    inspection = selectors.inspection_get_for_user(user=request.user, pk=pk)
    target = request.POST.get("target", "")
    # Who may: the state machine's rule (visits.INSPECTION_STEPS), the one the page asks.
    refusal = visits.transition_actor_refusal(
        user=request.user, inspection=inspection, target=target
    )
    if refusal is not None:
        raise PermissionDenied(refusal)
    if target not in Inspection.Status.values:  # no page sends it ("… sang “”" was said)
        raise BadInput(_(NO_TARGET_MESSAGE))
    try:
        inspection = visits.inspection_advance(
            actor=request.user, inspection=inspection, target=target
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(MOVED_MESSAGE) % {"status": inspection.get_status_display()})
    return _back(inspection)


@require_POST
@capability_required(Capability.INSPECT)
def documents_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_team(request, pk)
    try:
        count = visits.documents_request(actor=request.user, inspection=inspection)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if count:
            messages.success(request, _(DOCUMENTS_ASKED_MESSAGE) % {"count": count})
        else:  # asked again (a double click): "0 documents asked" read as a success (a walk)
            messages.info(request, _(NOTHING_NEW_ASKED_MESSAGE))
    return _back(inspection, "documents")


@require_POST
@capability_required(Capability.REMEDIATE)
def document_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(DocumentRequest, pk=pk)
    inspection = _for_unit(request, document.inspection_id)
    form = DocumentAnswerForm(
        request.POST,
        request.FILES,
        evidence=Evidence.objects.filter(org_unit=inspection.org_unit),
    )
    return _post(
        request,
        inspection,
        lambda: visits.document_answer(
            actor=request.user,
            request=document,
            upload=form.cleaned_data["file"],
            evidence=form.cleaned_data["evidence"],
            note=form.cleaned_data["note"],
        ),
        _(ANSWER_SENT_MESSAGE),
        form,
        "documents",
    )


@capability_required(Capability.VIEW_INSPECTIONS)
def checklist_visit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist during the visit, made for a tablet: one card per item, a verdict, a note,
    saved item by item."""
    inspection = selectors.inspection_get_for_user(user=request.user, pk=pk)
    can_inspect = selectors.can_inspect(user=request.user, inspection=inspection)
    # The unit reads the team's verdicts and photos once the visit is concluded.
    notes = selectors.notes_visible(user=request.user, inspection=inspection)
    items = visits.visit_items(inspection)
    results = {result.item_id: result for result in inspection.results.all()} if notes else {}
    data = _data_figures(inspection, items)
    photos: dict[int, list[InspectionFile]] = {}
    shown = inspection.files.filter(purpose=InspectionFile.Purpose.PHOTO, item__isnull=False)
    for photo in shown if notes else []:
        photos.setdefault(photo.item_id or 0, []).append(photo)
    member = next((m for m in inspection.team.all() if m.user_id == request.user.pk), None)
    mine = set(member.sections) if member else set()
    rows = [
        {
            "item": item,
            "result": results.get(item.pk),
            "mine": f"{item.checklist_id}:{item.section_code}" in mine,
            "photos": photos.get(item.pk, []),
            "data": data.get(item.pk),
        }
        for item in items
    ]
    context = {
        "inspection": inspection,
        "rows": rows,
        "can_record": can_inspect and inspection.status == Inspection.Status.VISITING,
        "notes_visible": notes,
        "verdicts": ItemResult.Verdict.choices,
        "marked": len(results),
    }
    return render(request, "inspections/checklist_visit.html", context)


def _data_figures(inspection: Inspection, items: list[Any]) -> dict[int, dict[str, str]]:
    """For items fed by the data: the unit's figure for the visit's year, and its rows."""
    fed = [item for item in items if item.data_source]
    if not fed:
        return {}
    year = inspection.plan.year
    figures = figures_for_units([inspection.org_unit_id], year, "annual")[inspection.org_unit_id]
    return {
        item.pk: {
            # What is counted, before the figure: "0/1 (0%)" alone said nothing (a walk).
            "label": str(DataSource(item.data_source).label),
            "text": describe_source(item.data_source, figures),
            "url": source_link(
                item.data_source, unit_id=inspection.org_unit_id, year=year, period="annual"
            ),
        }
        for item in fed
    }


@require_POST
@capability_required(Capability.INSPECT)
def item_result_save_view(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Save one verdict; htmx gets the card back, a plain form post goes back to the list."""
    inspection = _for_team(request, pk)
    item = next((i for i in visits.visit_items(inspection) if i.pk == item_pk), None)
    if item is None:
        raise Http404
    form = ItemResultForm(request.POST)
    error_messages: list[str] = []
    conflict = None
    if form.is_valid():
        try:
            visits.item_result_save(
                actor=request.user,
                inspection=inspection,
                item=item,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except ConflictError as error:
            conflict = error.current
            error_messages = [error.message]
        except ValidationError as error:
            error_messages = list(error.messages)
    else:
        error_messages = [str(m) for errors in form.errors.values() for m in errors]
    result = ItemResult.objects.filter(inspection=inspection, item=item).first()
    if not is_htmx(request):
        for message in error_messages:
            messages.error(request, message)
        if not error_messages:
            messages.success(request, _(RESULT_SAVED_MESSAGE))
        return redirect(f"{request.path.rsplit('/items/', 1)[0]}/checklist/#item-{item.pk}")
    row = {
        "item": item,
        "result": result,
        "mine": True,
        "data": _data_figures(inspection, [item]).get(item.pk),
        "photos": list(inspection.files.filter(purpose=InspectionFile.Purpose.PHOTO, item=item)),
    }
    context = {
        "inspection": inspection,
        "row": row,
        "can_record": True,
        "verdicts": ItemResult.Verdict.choices,
        "errors": error_messages,
        "saved": not error_messages,
        "conflict": conflict,
        "posted": form.data if error_messages else None,
        # The page's count of marked items, which moved only on a reload.
        "marked": ItemResult.objects.filter(inspection=inspection).count(),
        "total": len(visits.visit_items(inspection)),
    }
    return render(
        request,
        "inspections/_item_card.html",
        context,
        status=409 if conflict else (400 if error_messages else 200),
    )


@require_POST
@capability_required(Capability.INSPECT)
def photo_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a photo of the visit, of the whole visit or of one checklist item."""
    inspection = _for_team(request, pk)
    form = PhotoForm(request.POST, request.FILES, prefix="photo")
    item_pk = request.POST.get("item", "")
    item = next((i for i in visits.visit_items(inspection) if str(i.pk) == item_pk), None)
    perform(
        request,
        lambda: visits.photo_add(
            actor=request.user,
            inspection=inspection,
            upload=form.cleaned_data["file"],
            caption=form.cleaned_data["caption"],
            item=item,
        ),
        _(PHOTO_ADDED_MESSAGE),
        form,
    )
    if item is not None:
        return redirect(
            reverse("inspections:checklist_visit", args=[inspection.pk]) + f"#item-{item.pk}"
        )
    return _back(inspection, "photos")


@require_POST
@capability_required(Capability.INSPECT)
def support_save_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_team(request, pk)
    form = SupportForm(request.POST, prefix="support")
    return _post(
        request,
        inspection,
        lambda: visits.support_save(
            actor=request.user, inspection=inspection, text=form.cleaned_data["text"]
        ),
        _(SUPPORT_SAVED_MESSAGE),
        form,
        "support",
    )


def _finding_draft_key(inspection: Inspection) -> str:
    return f"inspections:finding-draft:{inspection.pk}"


FINDING_LISTS = ("items", "root_causes")


@require_POST
@capability_required(Capability.INSPECT)
def finding_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_team(request, pk)
    form = pages.finding_form(inspection, visits.visit_items(inspection), request.POST)

    def create() -> None:
        data = form.cleaned_data
        topic, _sep, area = data["area"].partition("|")
        findings.finding_create(
            actor=request.user,
            inspection=inspection,
            kind=data["kind"],
            topic=topic,
            area=area,
            text=data["text"],
            severity=data["severity"],
            cause_kind=data["cause_kind"],
            cause=data["cause"],
            items=list(data["items"]),
            root_causes=list(data["root_causes"]),
            new_root_cause=data["new_root_cause"],
        )

    if not perform(request, create, _(FINDING_SAVED_MESSAGE), form):
        # Refused: what was typed waits in the session for the page to show it again.
        request.session[_finding_draft_key(inspection)] = {
            name: request.POST.getlist(name) if name in FINDING_LISTS else request.POST.get(name)
            for name in form.fields
            if name in request.POST
        }
    return _back(inspection, "findings")


@require_POST
@capability_required(Capability.INSPECT)
def finding_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding, pk=pk)
    inspection = _for_team(request, finding.inspection_id)
    return _post(
        request,
        inspection,
        lambda: findings.finding_delete(actor=request.user, finding=finding),
        _(FINDING_DELETED_MESSAGE),
        anchor="findings",
    )


@capability_required(Capability.INSPECT)
def finding_suggest_view(request: HttpRequest, pk: int) -> HttpResponse:
    """As the inspector types: existing root causes and similar shortcomings of other units."""
    inspection = _for_team(request, pk)
    causes, similar = selectors.finding_suggestions(
        inspection=inspection, text=request.GET.get("text", "")
    )
    return render(
        request,
        "inspections/_suggestions.html",
        {"causes": causes, "similar": similar, "inspection": inspection},
    )


@require_POST
@capability_required(Capability.INSPECT)
def finding_cause_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm (link) or reject (unlink) a root cause for a finding."""
    finding = get_object_or_404(Finding.objects.select_related("inspection"), pk=pk)
    inspection = _for_team(request, finding.inspection_id)
    linked = request.POST.get("linked") == "1"
    title = request.POST.get("title", "")
    cause = None
    if not title.strip():
        cause = get_object_or_404(
            RootCause,
            pk=id_param(request.POST, "cause") or 0,
            organiser=inspection.plan.organiser,
        )

    def link() -> None:
        findings.finding_link_root_cause(
            actor=request.user, finding=finding, root_cause=cause, title=title, linked=linked
        )

    success = _(CAUSE_LINKED_MESSAGE) if linked else _(CAUSE_UNLINKED_MESSAGE)
    return _post(request, inspection, link, success, anchor=f"finding-{finding.pk}")


@require_POST
@capability_required(Capability.INSPECT)
def recommendation_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_team(request, pk)
    form = RecommendationForm(
        request.POST,
        prefix="rec",
        findings=inspection.findings.all(),
        causes=RootCause.objects.filter(organiser=inspection.plan.organiser),
    )
    return _post(
        request,
        inspection,
        lambda: findings.recommendation_create(
            actor=request.user,
            inspection=inspection,
            text=form.cleaned_data["text"],
            findings=list(form.cleaned_data["findings"]),
            root_causes=list(form.cleaned_data["root_causes"]),
        ),
        _(RECOMMENDATION_SAVED_MESSAGE),
        form,
        "recommendations",
    )


@require_POST
@capability_required(Capability.INSPECT)
def action_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation, pk=pk)
    inspection = _for_team(request, recommendation.inspection_id)
    form = ActionForm(request.POST)
    return _post(
        request,
        inspection,
        lambda: findings.action_create(
            actor=request.user, recommendation=recommendation, **form.cleaned_data
        ),
        _(ACTION_SAVED_MESSAGE),
        form,
        f"recommendation-{recommendation.pk}",
        keep=f"action-{recommendation.pk}",
    )


@require_POST
@capability_required(Capability.INSPECT)
def recommendation_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation, pk=pk)
    inspection = _for_team(request, recommendation.inspection_id)
    return _post(
        request,
        inspection,
        lambda: findings.recommendation_delete(actor=request.user, recommendation=recommendation),
        _(RECOMMENDATION_DELETED_MESSAGE),
        anchor="recommendations",
    )


@require_POST
@capability_required(Capability.INSPECT)
def action_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(pk)
    inspection = _for_team(request, action.recommendation.inspection_id)
    return _post(
        request,
        inspection,
        lambda: findings.action_delete(actor=request.user, action=action),
        _(ACTION_DELETED_MESSAGE),
        anchor="recommendations",
    )


def _action(pk: int) -> RemediationAction:
    return get_object_or_404(
        RemediationAction.objects.select_related("recommendation__inspection", "owner"), pk=pk
    )


@require_POST
@capability_required(Capability.VIEW_INSPECTIONS)
def action_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The action's owner reports: the inspected unit, or the agency the action was given to."""
    action, inspection = selectors.action_for_report(user=request.user, pk=pk)
    form = ProgressForm(request.POST, request.FILES)
    response = _post(
        request,
        inspection,
        lambda: findings.progress_report(
            actor=request.user,
            action=action,
            text=form.cleaned_data["text"],
            uploads=[form.cleaned_data["file"]] if form.cleaned_data["file"] else [],
            is_done=form.cleaned_data["is_done"],
        ),
        _(REPORT_SENT_MESSAGE),
        form,
        f"action-{action.pk}",
        keep=f"report-{action.pk}",
    )
    key = _kept_key(inspection, f"report-{action.pk}")
    kept = request.session.get(key)
    if kept is not None and form.files.get("file") and "file" not in kept["errors"]:
        # A browser sends no file back: say to choose it again, beside its field.
        kept["errors"]["file"] = [_(CHOOSE_FILE_AGAIN_MESSAGE)]
        request.session[key] = kept
    return response


@require_POST
@capability_required(Capability.INSPECT)
def action_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(pk)
    inspection = _for_team(request, action.recommendation.inspection_id)
    return _post(
        request,
        inspection,
        lambda: findings.action_verify(actor=request.user, action=action),
        _(VERIFIED_MESSAGE),
        anchor=f"action-{action.pk}",
    )


@require_POST
@capability_required(Capability.INSPECT)
def action_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(pk)
    inspection = _for_team(request, action.recommendation.inspection_id)
    form = ReopenForm(request.POST)
    return _post(
        request,
        inspection,
        lambda: findings.action_reopen(
            actor=request.user, action=action, reason=form.cleaned_data["reason"]
        ),
        _(REOPENED_MESSAGE),
        form,
        f"action-{action.pk}",
    )


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _for_manage(request, pk)
    publish = request.POST.get("publish") == "1"
    return _post(
        request,
        inspection,
        lambda: visits.inspection_publish(
            actor=request.user, inspection=inspection, publish=publish
        ),
        _(PUBLISHED_MESSAGE) if publish else _(UNPUBLISHED_MESSAGE),
    )


@capability_required(Capability.VIEW_INSPECTIONS)
def file_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a file of an inspection to those who may read the inspection."""
    stored = get_object_or_404(InspectionFile, pk=pk)
    inspection = selectors.inspection_get_for_user(user=request.user, pk=stored.inspection_id)
    if stored.purpose == InspectionFile.Purpose.PHOTO and not selectors.notes_visible(
        user=request.user, inspection=inspection
    ):
        raise Http404  # the team's photo, before the visit is concluded
    response: Any = FileResponse(
        stored.file.open("rb"),
        as_attachment=not stored.is_image,
        filename=stored.original_name,
        content_type=CONTENT_TYPES.get(Evidence.Kind(stored.kind), "application/octet-stream"),
    )
    response["Content-Security-Policy"] = "sandbox"  # photos are shown: nothing in them runs
    return response


@require_POST
@capability_required(Capability.VIEW_INSPECTIONS)
def file_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a PDF's digital signatures again and keep the verdict: whoever may read the
    inspection (as they may download the file). From the page (HTMX) the verdict beside the
    file is swapped; else back to the inspection's page."""
    stored = get_object_or_404(InspectionFile, pk=pk)
    inspection = selectors.inspection_get_for_user(user=request.user, pk=stored.inspection_id)
    if is_htmx(request):
        try:
            stored = visits.file_check_signatures(actor=request.user, stored=stored)
        except ValidationError as error:
            context = {"stored": stored, "signature_errors": error.messages}
            return render(request, "inspections/_file_signature.html", context)
        return render(request, "inspections/_file_signature.html", {"stored": stored})
    return _post(
        request,
        inspection,
        lambda: visits.file_check_signatures(actor=request.user, stored=stored),
        _(SIGNATURES_CHECKED_MESSAGE),
        anchor=f"file-{stored.pk}",
    )


# --- Root causes and checklists -------------------------------------------------------------


@capability_required(Capability.VIEW_INSPECTIONS)
def root_cause_list_view(request: HttpRequest) -> HttpResponse:
    """Root causes ranked by how many shortcomings and units they explain."""
    rows = selectors.root_cause_ranking(user=request.user)
    for row in rows:
        row["topic_labels"] = [Topic(topic).label for topic in row["topics"]]
    return render(request, "inspections/root_causes.html", {"rows": rows})


@capability_required(Capability.VIEW_INSPECTIONS)
def checklist_list_view(request: HttpRequest) -> HttpResponse:
    checklists_ = list(selectors.checklist_list_for_user(user=request.user))
    can_manage = user_has_capability(request.user, Capability.MANAGE_INSPECTIONS)
    organiser = _organiser_for(request.user)
    context = {
        "checklists": checklists_,
        "can_manage": can_manage and organiser is not None,
        "import_form": ChecklistImportForm(),
        "framework_form": ChecklistFrameworkForm(
            frameworks=Framework.objects.filter(status=Framework.Status.PUBLISHED)
        ),
    }
    return render(request, "inspections/checklist_list.html", context)


@capability_required(Capability.VIEW_INSPECTIONS)
def checklist_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.checklist_get_for_user(user=request.user, pk=pk)
    items = list(checklist.items.select_related("criterion").order_by("order"))
    return render(
        request, "inspections/checklist_detail.html", {"checklist": checklist, "items": items}
    )


@capability_required(Capability.VIEW_INSPECTIONS)
def checklist_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = selectors.checklist_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(
        "\ufeff" + checklists.checklist_export_csv(checklist), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="checklist-{checklist.topic}-v{checklist.version}.csv"'
    )
    return response


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def checklist_import_view(request: HttpRequest) -> HttpResponse:
    """Import a checklist file: every row, or nothing, with each error's row and column."""
    organiser = _organiser_for(request.user)
    if organiser is None:
        raise PermissionDenied
    form = ChecklistImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for message in form_error_messages(form):
            messages.error(request, message)
        return redirect("inspections:checklist_list")
    upload = form.cleaned_data["file"]
    ignored: list[str] = []
    try:
        checklist = checklists.checklist_import(
            actor=request.user,
            issuer=organiser,
            topic=form.cleaned_data["topic"],
            name=form.cleaned_data["name"],
            data=upload.read(),
            file_name=upload.name,
            ignored=ignored,
        )
    except ImportFailed as failure:
        for error in failure.errors[:50]:
            messages.error(request, str(error))
        return redirect("inspections:checklist_list")
    messages.success(request, _(CHECKLIST_IMPORTED_MESSAGE) % {"count": checklist.items.count()})
    if ignored:
        messages.info(request, ignored_columns_message(ignored))
    return redirect(checklist.get_absolute_url())


@require_POST
@capability_required(Capability.MANAGE_INSPECTIONS)
def checklist_from_framework_view(request: HttpRequest) -> HttpResponse:
    organiser = _organiser_for(request.user)
    if organiser is None:
        raise PermissionDenied
    form = ChecklistFrameworkForm(
        request.POST, frameworks=Framework.objects.filter(status=Framework.Status.PUBLISHED)
    )
    if not form.is_valid():
        for message in form_error_messages(form):
            messages.error(request, message)
        return redirect("inspections:checklist_list")
    checklist = checklists.checklist_from_framework(
        actor=request.user, issuer=organiser, framework=form.cleaned_data["framework"]
    )
    messages.success(request, _(CHECKLIST_IMPORTED_MESSAGE) % {"count": checklist.items.count()})
    return redirect(checklist.get_absolute_url())
