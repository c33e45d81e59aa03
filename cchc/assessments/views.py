import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from cchc.assessments import selectors, services
from cchc.assessments.engine import (
    LoadedTree,
    all_area_figures,
    appraised_result,
    load_tree,
    self_result,
)
from cchc.assessments.exports import results_xlsx
from cchc.assessments.forms import (
    AppealDecisionForm,
    AppealForm,
    AppraiseForm,
    DecisionForm,
    EvidenceCiteForm,
    EvidenceUploadForm,
    ExtendForm,
    ReturnForm,
    RoundDeadlinesForm,
    RoundForm,
    VerifyFileForm,
)
from cchc.assessments.models import Appeal, Assessment, Evidence, Question, Round, Score
from cchc.assessments.services.data import assessment_fill_from_data
from cchc.assessments.services.evidence import (
    clean_file_name,
    evidence_content_type,
    evidence_download_name,
)
from cchc.assessments.services.results import published_or_live_results
from cchc.assessments.services.rounds import NEXT_STATUS
from cchc.assessments.services.self_assessment import (
    evidence_with_digest,
    fingerprint,
    submission_check,
)
from cchc.core.dates import short_date
from cchc.core.exceptions import BadInput, ConflictError, Refused
from cchc.core.forms import add_service_errors, form_error_messages, perform
from cchc.core.htmx import is_htmx
from cchc.core.permissions import capability_required, user_has_capability
from cchc.core.points import format_decimal, input_decimal, percent
from cchc.core.roles import Capability
from cchc.core.textsearch import fold
from cchc.core.versioning import version_token
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.scoring import Section
from cchc.frameworks.selectors import framework_issuers_for_user
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import KEEP, Scope

ROUND_CREATED_MESSAGE = gettext_noop("The round was created as a draft. Check it, then open it.")
ROUND_MOVED_MESSAGE = gettext_noop("The round is now in “%(status)s”.")
NOTHING_TO_APPRAISE_MESSAGE = gettext_noop(
    "No criterion of this round is appraised by your agency. The Home Affairs office names "
    "each agency's criteria (areas) on its appraisers' roles; ask them if yours is missing."
)
EXTENDED_MESSAGE = gettext_noop("The deadline of %(unit)s is now %(date)s.")
DEADLINES_CHANGED_MESSAGE = gettext_noop(
    "The round's deadlines were changed and the units were told."
)
SUBMITTED_MESSAGE = gettext_noop("The self-assessment was submitted and locked.")
RETURNED_MESSAGE = gettext_noop("The self-assessment was returned to the unit.")
SIGNATURES_CHECKED_MESSAGE = gettext_noop("The signatures were checked again.")
EVIDENCE_ADDED_MESSAGE = gettext_noop("The evidence was added.")
NOTHING_TO_ACCEPT_MESSAGE = gettext_noop(
    "No unit shown has a self-score still to appraise for this criterion."
)
SAME_CONTENT_MESSAGE = gettext_noop(
    "“{name}” has the same content as “{stored}”, which the unit uploaded on {date}: that "
    "document is attached, under its name."
)
APPEAL_FILED_MESSAGE = gettext_noop("The appeal was sent to %(office)s.")
APPEAL_DECIDED_MESSAGE = gettext_noop("The decision on the appeal was recorded.")
REFRESHED_FIELDS = [
    "status",
    "self_points",
    "self_max",
    "declared_count",
    "leaf_count",
    "updated_at",
]
QUESTION_SENT_MESSAGE = gettext_noop("The question was sent to %(unit)s.")
ANSWER_SENT_MESSAGE = gettext_noop("Your answer was sent to the appraiser.")
NOT_EDITABLE_MESSAGE = gettext_noop("You cannot change this self-assessment.")
# The states in which a round's units may have appeals to list.
APPEAL_STATUSES = (Round.Status.APPEALS, Round.Status.FINALISED, Round.Status.PUBLISHED)
FILLED_FROM_DATA_MESSAGE = gettext_noop(
    "The figures from the province's systems were fetched again."
)


# --- Rounds -------------------------------------------------------------------------------------


@capability_required(Capability.VIEW_ROUNDS)
def round_list_view(request: HttpRequest) -> HttpResponse:
    """List the rounds I may see; a ward officer goes straight to their own assessment."""
    rounds = list(selectors.round_list_for_user(user=request.user))
    own = Scope.of(request.user).own_unit_ids
    own_assessments = {
        assessment.round_id: assessment
        for assessment in Assessment.objects.filter(
            round__in=[r.pk for r in rounds], org_unit_id__in=own
        )
    }
    context = {
        "rows": [(round_, own_assessments.get(round_.pk)) for round_ in rounds],
        "can_create": user_has_capability(request.user, Capability.MANAGE_ROUNDS),
    }
    return render(request, "assessments/round_list.html", context)


@capability_required(Capability.MANAGE_ROUNDS)
def round_create_view(request: HttpRequest) -> HttpResponse:
    """Set up a round: framework, period, units and deadlines."""
    issuers = framework_issuers_for_user(user=request.user)
    frameworks = Framework.objects.filter(status=Framework.Status.PUBLISHED, issuer__in=issuers)
    assessed = OrgUnit.objects.filter(kind__in=OrgUnit.ASSESSED_KINDS, active_to__isnull=True)
    units = Scope.of(request.user).filter(assessed, purpose=KEEP).order_by("sort_order", "name")
    rounds = selectors.round_list_for_user(user=request.user)
    today = timezone.localdate()
    form = RoundForm(
        request.POST if request.method == "POST" else None,
        frameworks=frameworks,
        units=units,
        rounds=rounds,
        initial={"year": today.year, "units": list(units)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        setup: dict[str, Any] = {
            "framework": data["framework"],
            "organiser": data["framework"].issuer,
            "period": data["period"],
            "year": data["year"],
            "units": list(data["units"]),
            "self_assessment_due_on": data["self_assessment_due_on"],
        }
        # What set-up today may not be (round_create also builds past rounds, and asks none).
        refusals = services.round_setup_refusals(**setup, appeals_due_on=data["appeals_due_on"])
        for field, refusal in refusals.items():
            form.add_error(field, refusal)
        if not refusals:
            try:
                round_ = services.round_create(
                    actor=request.user,
                    **setup,
                    appraisal_due_on=data["appraisal_due_on"],
                    appeals_due_on=data["appeals_due_on"],
                    previous=data["previous"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _(ROUND_CREATED_MESSAGE))
                return redirect(round_.get_absolute_url())
    status = 400 if form.errors else 200
    return render(request, "assessments/round_form.html", {"form": form}, status=status)


@capability_required(Capability.VIEW_ROUNDS)
def round_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The round board: units × status with days left or late, and the next step."""
    round_ = selectors.round_get_for_user(user=request.user, pk=pk)
    return _round_board(request, round_)


def _round_board(
    request: HttpRequest,
    round_: Round,
    *,
    refused: dict[str, Any] | None = None,
    deadlines_form: RoundDeadlinesForm | None = None,
) -> HttpResponse:
    """The round board; `refused`: a unit's action the service refused (`assessment` id,
    `form` "extend" or "return", `posted`, `error`), shown open in its row as it was typed
    (400); `deadlines_form`: the round's deadlines as typed, with what was refused (400)."""
    can_manage = selectors.round_can_manage(user=request.user, round_=round_)
    assessments = list(selectors.assessments_for_board(user=request.user, round_=round_))
    target = NEXT_STATUS.get(Round.Status(round_.status))
    refusal = services.round_transition_refusal(round_, target) if can_manage and target else None
    today = timezone.localdate()
    context = {
        "round": round_,
        "rows": [(assessment, assessment.days_left(today)) for assessment in assessments],
        "can_manage": can_manage,
        "next_status": Round.Status(target).label if target else "",
        "next_is_publish": target == Round.Status.PUBLISHED,
        "next_target": target or "",
        "refusal": refusal,
        "decision_form": DecisionForm(initial={"decision_date": today}),
        "extend_form": ExtendForm(),
        "return_form": ReturnForm(),
        "shows_totals": can_manage or bool(Scope.of(request.user).reader_roots),
        "appeals": list(selectors.appeals_for_round(round_=round_)) if can_manage else [],
        "appeal_form": AppealDecisionForm(),
        "results_visible": _results_visible(request, round_),
        # "Appraise" only for whom the round holds criteria to appraise (an agency no criterion
        # names would find a refusal behind it).
        "can_appraise": user_has_capability(request.user, Capability.APPRAISE)
        and round_.status == Round.Status.APPRAISAL
        and bool(selectors.appraisable_criteria(user=request.user, round_=round_)),
        "refused": refused,
        "deadlines_form": deadlines_form
        or RoundDeadlinesForm(
            initial={
                "self_assessment_due_on": round_.self_assessment_due_on,
                "appraisal_due_on": round_.appraisal_due_on,
                "appeals_due_on": round_.appeals_due_on,
                "version": version_token(round_),
            }
        ),
        "deadlines_open": can_manage
        and round_.status not in (Round.Status.FINALISED, Round.Status.PUBLISHED),
    }
    failed = bool(refused) or deadlines_form is not None
    return render(request, "assessments/round_detail.html", context, status=400 if failed else 200)


@require_POST
@capability_required(Capability.MANAGE_ROUNDS)
def round_advance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the round to its next state (publishing needs the decision), or say why not."""
    round_ = selectors.round_get_for_manage(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        refusal = services.round_open_refusal(round_)
        if refusal:
            raise ValidationError(refusal)
        round_ = services.round_advance(
            actor=request.user,
            round_=round_,
            decision_number=form.cleaned_data.get("decision_number") or "",
            decision_date=form.cleaned_data.get("decision_date"),
            # The step the page's button offered ("" from a request no page sends: refused).
            expected_target=request.POST.get("target", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _(ROUND_MOVED_MESSAGE) % {"status": round_.get_status_display()})
    return redirect(round_.get_absolute_url())


@require_POST
@capability_required(Capability.MANAGE_ROUNDS)
def round_deadlines_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the round's deadlines, with the reason the units are told; refused, the board
    again with the form as typed and each refusal beside its field."""
    round_ = selectors.round_get_for_manage(user=request.user, pk=pk)
    form = RoundDeadlinesForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.round_deadlines_change(
                actor=request.user, round_=round_, expected_version=data.pop("version"), **data
            )
        except ConflictError as conflict:
            # The board again, with the round's deadlines as they are now.
            messages.error(request, str(conflict.message))
            return redirect(round_.get_absolute_url())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _(DEADLINES_CHANGED_MESSAGE))
            return redirect(round_.get_absolute_url())
    return _round_board(request, round_, deadlines_form=form)


@require_POST
@capability_required(Capability.MANAGE_ROUNDS)
def assessment_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give one unit more time, with the reason."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if not selectors.round_can_manage(user=request.user, round_=assessment.round):
        raise PermissionDenied
    form = ExtendForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_error_messages(form))
        services.assessment_extend(actor=request.user, assessment=assessment, **form.cleaned_data)
    except ValidationError as error:
        return _refused_on_board(request, assessment, "extend", error)
    messages.success(
        request,
        _(EXTENDED_MESSAGE)
        % {"unit": assessment.org_unit, "date": form.cleaned_data["due_on"].strftime("%d/%m/%Y")},
    )
    return redirect(assessment.round.get_absolute_url())


def _refused_on_board(
    request: HttpRequest, assessment: Assessment, form: str, error: ValidationError
) -> HttpResponse:
    """The board again with the unit's refused action open, as typed, its reason beside it."""
    return _round_board(
        request,
        assessment.round,
        refused={
            "assessment": assessment.pk,
            "form": form,
            "posted": request.POST,
            "error": " ".join(str(message) for message in error.messages),
        },
    )


# --- Self-assessment ---------------------------------------------------------------------------


def _field_rows(criterion: Criterion, score: Score | None) -> list[dict[str, Any]]:
    """Describe the inputs a criterion's rule reads, with their current values, for the row."""
    inputs = score.inputs if score else {}
    rows = []
    for field in criterion.rule.input_fields():
        if field.name.startswith("count_"):
            value = (inputs.get("counts") or {}).get(field.name[len("count_") :], "")
        else:
            value = inputs.get(field.name, "")
        if field.kind == "multi":
            value = [str(item) for item in (value or [])]
        rows.append(
            {
                "name": f"c{criterion.pk}-{field.name}",
                "label": field.label,
                "kind": field.kind,
                "choices": field.choices,
                # A figure is shown as it is typed back (input_decimal): raw, "2.125" was
                # read as 2125 on the next save.
                "value": input_decimal(value)
                if field.kind in ("decimal", "integer")
                else ("" if value is None else value),
                "display": _display_value(field.kind, field.choices, value),
            }
        )
    return rows


def _display_value(kind: str, choices: Any, value: Any) -> str:
    """Show a declared figure as people read it: the label of a choice, 7,5 for a number."""
    labels = dict(choices)
    if kind == "multi":
        return ", ".join(str(labels.get(item, item)) for item in value) or "—"
    if value in (None, ""):
        return "—"
    if kind == "choice":
        return str(labels.get(value, value))
    try:
        return format_decimal(Decimal(str(value)))
    except ArithmeticError:
        return str(value)


def _row_context(
    criterion: Criterion,
    score: Score | None,
    *,
    editable: bool,
    show_appraisal: bool,
    answering: bool = False,
) -> dict[str, Any]:
    questions = list(score.questions.all()) if score else []
    return {
        "questions": questions,
        # During appraisal the unit answers questions and may add evidence to those criteria.
        "can_answer": answering and bool(questions),
        "can_add_evidence": (editable and criterion.is_self_scored)
        or (answering and bool(questions)),
        "criterion": criterion,
        "score": score,
        "fields": _field_rows(criterion, score) if criterion.is_self_scored else [],
        "evidence": list(score.evidence.all()) if score else [],
        "editable": editable and criterion.is_self_scored,
        "show_appraisal": show_appraisal,
        "version": version_token(score) if score else "",
        "system_inputs": score.system_inputs if score else None,
        "is_disputed": bool(
            score and score.system_inputs and score.inputs and score.inputs != score.system_inputs
        ),
    }


@dataclass(frozen=True)
class StoredTotal:
    """A total as stored on the assessment row, read as the templates read a TreeResult."""

    total: Decimal | None
    applicable_max: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.total, self.applicable_max)


# A criterion id no framework reaches: reversed once, then replaced by each criterion's.
_ANY_CRITERION = 2147483647


def _criterion_url_maker(name: str, assessment_pk: int) -> Callable[[int], str]:
    """The URL `name` of the assessment's criteria, reversed once: criterion id → URL."""
    head, tail = reverse(name, args=[assessment_pk, _ANY_CRITERION]).split(str(_ANY_CRITERION))
    return lambda criterion_pk: f"{head}{criterion_pk}{tail}"


def _carried_per_area(tree: LoadedTree) -> dict[int, int]:
    """How many values carried over from the previous round wait for confirmation under each
    area (in memory, from the loaded tree)."""
    parents = {criterion.pk: criterion.parent_id for criterion in tree.criteria}
    counts: dict[int, int] = {}
    for criterion_id, score in tree.scores.items():
        if not score.is_carried_over:
            continue
        parent = parents.get(criterion_id)
        while parent is not None:
            counts[parent] = counts.get(parent, 0) + 1
            parent = parents.get(parent)
    return counts


def _page_context(
    request: HttpRequest, assessment: Assessment, tree: LoadedTree, *, only: int | None = None
) -> dict[str, Any]:
    """The self-assessment page's context; with `only` (a criterion), that criterion's row and
    the areas' rows alone — what the answer to a save needs, without 150 rows it never shows."""
    can_fill = selectors.can_fill(user=request.user, assessment=assessment)
    editable = can_fill and not assessment.is_locked
    answering = can_fill and assessment.round.status == Round.Status.APPRAISAL
    show_appraisal = selectors.shows_appraisal(user=request.user, assessment=assessment)
    own = self_result(tree)
    appraised = appraised_result(tree) if show_appraisal else None
    # Each criterion's latest appeal, for its row (one query, once the round can have any).
    has_appeals = show_appraisal and assessment.round.status in APPEAL_STATUSES
    appeals = list(selectors.appeals_for_assessment(assessment=assessment)) if has_appeals else []
    latest_appeal: dict[int, Appeal] = {}
    for appeal in appeals:  # the latest first
        latest_appeal.setdefault(appeal.score.criterion_id, appeal)
    areas = [
        {
            "criterion": criterion,
            "result": own.results.get(criterion.pk),
            "appraised": appraised.results.get(criterion.pk) if appraised else None,
        }
        for criterion in tree.criteria
        if criterion.pk in tree.parent_ids and criterion.depth <= 1
    ]
    rows = []
    carried = _carried_per_area(tree) if editable else {}
    # Each row's links, reversed once for the page (a {% url %} per row and link was a fifth of
    # the rendering of 150 rows).
    save_url = _criterion_url_maker("assessments:score_save", assessment.pk)
    evidence_url = _criterion_url_maker("assessments:evidence_forms", assessment.pk)
    for criterion in tree.criteria:
        if criterion.pk in tree.parent_ids:
            rows.append(
                {
                    "criterion": criterion,
                    "is_parent": True,
                    "result": own.results.get(criterion.pk),
                    "appraised": appraised.results.get(criterion.pk) if appraised else None,
                    # Values carried over and not yet confirmed under it: "confirm all".
                    "carried": carried.get(criterion.pk, 0),
                }
            )
        elif only is None or criterion.pk == only:
            rows.append(
                {
                    "is_parent": False,
                    **_row_context(
                        criterion,
                        tree.scores.get(criterion.pk),
                        editable=editable,
                        show_appraisal=show_appraisal,
                        answering=answering,
                    ),
                    "appeal": latest_appeal.get(criterion.pk),
                    "save_url": save_url(criterion.pk),
                    "evidence_forms_url": evidence_url(criterion.pk),
                }
            )
    return {
        "assessment": assessment,
        "round": assessment.round,
        "rows": rows,
        "areas": areas,
        "own": own,
        "appraised": appraised,
        "editable": editable,
        "show_appraisal": show_appraisal,
        "can_submit": selectors.can_submit(user=request.user, assessment=assessment)
        and not assessment.is_locked,
        "can_manage": selectors.round_can_manage(user=request.user, round_=assessment.round),
        "can_appeal": can_fill and assessment.round.status == Round.Status.APPEALS,
        "has_appeals": has_appeals,
        "appeal_count": len(appeals),
        "days_left": assessment.days_left(),
        "has_data_sources": any(
            criterion.data_source for criterion in tree.leaves if criterion.is_self_scored
        ),
        "question_count": sum(1 for row in rows if not row["is_parent"] and row["questions"]),
        "upload_form": EvidenceUploadForm(),
        "cite_form": EvidenceCiteForm(),
        "appeal_form": AppealForm(),
    }


@capability_required(Capability.VIEW_ROUNDS)
def assessment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-assessment page: the criteria with their figures, points, evidence and totals."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    tree = load_tree(assessment, with_evidence=True)
    context = _page_context(request, assessment, tree)
    if request.GET.get("questions"):
        # "Only the returned items": the criteria an appraiser asked about.
        context["rows"] = [r for r in context["rows"] if not r["is_parent"] and r["questions"]]
        context["only_questions"] = True
    return render(request, "assessments/assessment_detail.html", context)


@require_POST
@capability_required(Capability.SELF_ASSESS)
def assessment_fill_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Fetch the figures of the data-fed criteria again (new dossiers may have come in)."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if not selectors.can_fill(user=request.user, assessment=assessment):
        raise PermissionDenied
    perform(
        request,
        lambda: assessment_fill_from_data(actor=request.user, assessment=assessment),
        _(FILLED_FROM_DATA_MESSAGE),
    )
    return redirect(assessment.get_absolute_url())


def _fillable(request: HttpRequest, pk: int, criterion_pk: int) -> tuple[Assessment, Criterion]:
    """Return an assessment the user fills in (404 for another unit's, 403 for a reader) and
    one of its framework's criteria."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if not selectors.can_fill(user=request.user, assessment=assessment):
        raise PermissionDenied
    return assessment, _criterion_of(assessment, criterion_pk)


def _criterion_of(assessment: Assessment, criterion_pk: int) -> Criterion:
    return get_object_or_404(
        Criterion.objects.select_related("agency"),
        pk=criterion_pk,
        framework_id=assessment.round.framework_id,
    )


def _render_row(
    request: HttpRequest,
    assessment: Assessment,
    criterion: Criterion,
    *,
    error: str = "",
    conflict: Score | None = None,
    status: int = 200,
    parts_only: bool = False,
    tree: LoadedTree | None = None,
    evidence_failure: dict[str, Any] | None = None,
    with_areas: bool = False,
    notice: str = "",
    confirmed: bool = False,
) -> HttpResponse:
    """The criterion's row (htmx), or back to the page. `evidence_failure`: the evidence forms'
    context when adding evidence was refused: the row answers with them open, as typed."""
    # The save changed the totals and the status kept on the row: read them again.
    assessment.refresh_from_db(fields=REFRESHED_FIELDS)
    # A save hands over the criteria and scores it loaded after writing (the row's evidence and
    # questions are read for its one score); otherwise they are read here.
    tree = tree or load_tree(assessment, with_evidence=True)
    page = _page_context(request, assessment, tree, only=criterion.pk)
    row = next(
        row for row in page["rows"] if not row["is_parent"] and row["criterion"].pk == criterion.pk
    )
    context = {
        **page,
        "row": row,
        "error": error,
        "notice": notice,
        "conflict": conflict,
        "oob": True,
    }
    if evidence_failure is not None:
        context["evidence_failure"] = evidence_failure
    if parts_only:  # the saved parts' template: every group's figures, from the tree read
        context["changed_areas"] = all_area_figures(tree)
    if with_areas or confirmed:  # a value confirmed: the areas' "confirm all N" counts change
        context["area_rows"] = [row for row in page["rows"] if row["is_parent"]]
    context["confirmed"] = confirmed  # by a save: its badge goes too
    if is_htmx(request):
        # htmx swaps only 2xx answers: a refused save comes back as 200 with its message.
        template = "assessments/_score_saved.html" if parts_only else "assessments/_score_row.html"
        if with_areas:
            template = "assessments/_score_confirmed.html"
        return render(request, template, context)
    if error or conflict:
        messages.error(request, error or _("Someone else saved this criterion; see their value."))
    return redirect(f"{assessment.get_absolute_url()}#score-{criterion.pk}")


@require_POST
@capability_required(Capability.SELF_ASSESS)
def score_save_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Save one criterion's figures (htmx, as the officer types) and answer with the parts
    that changed: the row's version, message, explanation and points, the totals, and the
    subtotals of the criterion's ancestors. The assessment is read once; the criterion with
    the tree, by the service."""
    assessment = selectors.assessment_get_for_fill(user=request.user, pk=pk)
    prefix = f"c{criterion_pk}-"
    data = {
        key[len(prefix) :]: request.POST.getlist(key)
        if key.endswith("ticked")
        else request.POST.get(key)
        for key in request.POST
        if key.startswith(prefix)
    }
    explanation = request.POST.get(f"{prefix}explanation")
    # No version (a form that read no score, or a request no page sends) never overwrites one.
    version = request.POST.get(f"{prefix}version", "")
    data.pop("explanation", None)
    data.pop("version", None)
    if data.get("declared"):
        data["declared"] = str(data["declared"])
    try:
        score, figures = services.score_save(
            actor=request.user,
            assessment=assessment,
            criterion=criterion_pk,
            data=data,
            explanation=explanation,
            expected_version=version,
        )
    except Criterion.DoesNotExist as missing:
        raise Http404 from missing
    except ConflictError as conflict:
        return _render_row(
            request,
            assessment,
            _criterion_of(assessment, criterion_pk),
            error=str(conflict.message),
            conflict=conflict.current,
            parts_only=True,
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "not_a_leaf":  # a parent has no row to answer with
            raise BadInput(error.messages[0]) from error
        return _render_row(
            request,
            assessment,
            _criterion_of(assessment, criterion_pk),
            error=" ".join(str(m) for m in error.messages),
            status=400,
            parts_only=True,
        )
    if not is_htmx(request):
        return redirect(f"{assessment.get_absolute_url()}#score-{criterion_pk}")
    if figures.confirmed:
        # A value carried over, saved: confirmed. Its badge and the area's count were left
        # asking for a confirmation already made (a new-user walk); the saved parts, and these.
        return _render_row(request, assessment, score.criterion, parts_only=True, confirmed=True)
    show_appraisal = selectors.shows_appraisal(user=request.user, assessment=assessment)
    stored = figures.assessment
    context = {
        "assessment": stored,
        "row": {"criterion": score.criterion, "score": score, "version": version_token(score)},
        "own": StoredTotal(stored.self_points, stored.self_max),
        "appraised": StoredTotal(stored.appraised_points, stored.appraised_max)
        if stored.appraised_points is not None
        else None,
        "show_appraisal": show_appraisal,
        "changed_areas": figures.areas,
        "oob": True,
    }
    # The parts need no request (no form, no navigation): no context processors.
    return HttpResponse(render_to_string("assessments/_score_saved.html", context))


@require_POST
@capability_required(Capability.SELF_ASSESS)
def score_confirm_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Confirm a value carried over from the previous round."""
    assessment, criterion = _fillable(request, pk, criterion_pk)
    score = get_object_or_404(Score, assessment=assessment, criterion=criterion)
    try:
        services.score_confirm(actor=request.user, score=score)
    except ValidationError as error:
        return _render_row(
            request, assessment, criterion, error=" ".join(str(m) for m in error.messages)
        )
    return _render_row(request, assessment, criterion, with_areas=True)


AREA_CONFIRMED_MESSAGE = gettext_noop("Confirmed as still right: %(codes)s.")
AREA_NOTHING_MESSAGE = gettext_noop("Nothing carried over is left to confirm in this area.")


@require_POST
@capability_required(Capability.SELF_ASSESS)
def area_confirm_view(request: HttpRequest, pk: int, area_pk: int) -> HttpResponse:
    """Confirm every value of one area carried over from the previous round, in one click
    (htmx: the area's confirmed rows and the area rows come back; the same few queries for
    two criteria or forty)."""
    assessment, area = _fillable(request, pk, area_pk)
    error, message = "", ""
    try:
        confirmed = services.area_confirm(actor=request.user, assessment=assessment, area=area)
    except ValidationError as failure:
        if getattr(failure, "code", None) == "not_an_area":  # no page sends it
            raise BadInput(failure.messages[0]) from failure
        confirmed, error = [], " ".join(str(m) for m in failure.messages)
    else:
        codes = ", ".join(score.criterion.code for score in confirmed)
        message = _(AREA_CONFIRMED_MESSAGE) % {"codes": codes} if confirmed else ""
        message = message or _(AREA_NOTHING_MESSAGE)
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, message)
        return redirect(f"{assessment.get_absolute_url()}#area-{area.pk}")
    page = _page_context(request, assessment, load_tree(assessment, with_evidence=True))
    ids = {score.criterion_id for score in confirmed}
    context = {
        **page,
        "confirmed_rows": [
            row for row in page["rows"] if not row["is_parent"] and row["criterion"].pk in ids
        ],
        "area_rows": [row for row in page["rows"] if row["is_parent"]],
        "answered_area": area.pk,
        "area_message": message,
        "area_error": error,
    }
    return render(request, "assessments/_area_confirmed.html", context)


@require_POST
@capability_required(Capability.SELF_ASSESS)
def evidence_add_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Add evidence to a criterion: upload a file, cite a document, or reuse one of the unit's."""
    assessment, criterion = _fillable(request, pk, criterion_pk)
    how = request.POST.get("how", "upload")
    notice = ""
    try:
        if how == "reuse":
            evidence = get_object_or_404(
                Evidence, pk=request.POST.get("evidence") or 0, org_unit_id=assessment.org_unit_id
            )
            services.evidence_reuse(
                actor=request.user, assessment=assessment, criterion=criterion, evidence=evidence
            )
        elif how == "cite":
            form = EvidenceCiteForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form_error_messages(form))
            services.evidence_cite(
                actor=request.user, assessment=assessment, criterion=criterion, **form.cleaned_data
            )
        else:
            upload_form = EvidenceUploadForm(request.POST, request.FILES)
            if not upload_form.is_valid():
                raise ValidationError(form_error_messages(upload_form))
            upload = upload_form.cleaned_data["file"]
            named = clean_file_name(upload.name)
            evidence = services.evidence_upload(
                actor=request.user,
                assessment=assessment,
                criterion=criterion,
                upload=upload,
                title=upload_form.cleaned_data["title"],
                effective_on=upload_form.cleaned_data["effective_on"],
            )
            if evidence.original_name != named:
                # The unit's file of the same content is attached, under the name it came with.
                notice = _(SAME_CONTENT_MESSAGE).format(
                    name=named,
                    stored=evidence.original_name,
                    date=short_date(timezone.localdate(evidence.created_at)),
                )
    except ValidationError as error:
        # The forms again, open, as they were typed, with the reason beside them: the row's
        # evidence panel, or the page of forms without JavaScript.
        context = {
            "assessment": assessment,
            "criterion": criterion,
            "unit_evidence": list(selectors.unit_evidence(assessment=assessment)),
            "posted": request.POST,
            "evidence_error": " ".join(str(m) for m in error.messages),
        }
        if not is_htmx(request):
            return render(request, "assessments/evidence_forms.html", context, status=400)
        return _render_row(request, assessment, criterion, status=400, evidence_failure=context)
    if not is_htmx(request):
        messages.success(request, _(EVIDENCE_ADDED_MESSAGE))
        if notice:
            messages.info(request, notice)
    return _render_row(request, assessment, criterion, notice=notice)


@capability_required(Capability.SELF_ASSESS)
def evidence_forms_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """The forms that add evidence to one criterion — upload, cite, or reuse one of the unit's
    documents — fetched into its row when an officer opens "Add evidence" (htmx), or a page of
    their own without JavaScript. Not in the page itself: 150 copies of three forms and of the
    unit's list of documents (hundreds after a few years) made the page slow and megabytes."""
    assessment, criterion = _fillable(request, pk, criterion_pk)
    context = {
        "assessment": assessment,
        "criterion": criterion,
        "unit_evidence": list(selectors.unit_evidence(assessment=assessment)),
    }
    if is_htmx(request):
        return render(request, "assessments/_evidence_forms.html", context)
    return render(request, "assessments/evidence_forms.html", context)


@require_POST
@capability_required(Capability.SELF_ASSESS)
def evidence_detach_view(
    request: HttpRequest, pk: int, criterion_pk: int, evidence_pk: int
) -> HttpResponse:
    """Take evidence off a criterion."""
    assessment, criterion = _fillable(request, pk, criterion_pk)
    score = get_object_or_404(Score, assessment=assessment, criterion=criterion)
    evidence = get_object_or_404(score.evidence, pk=evidence_pk)
    try:
        services.evidence_detach(actor=request.user, score=score, evidence=evidence)
    except ValidationError as error:
        return _render_row(
            request, assessment, criterion, error=" ".join(str(m) for m in error.messages)
        )
    return _render_row(request, assessment, criterion)


@capability_required(Capability.VIEW_ROUNDS)
def assessment_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a submission against its fingerprint (recomputed from what is stored), and a file
    against the evidence submitted (by its SHA-256). Reads only; whoever reads the assessment."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if not assessment.fingerprint:
        raise Http404
    context: dict[str, Any] = {
        "assessment": assessment,
        "check": submission_check(assessment),
        "form": VerifyFileForm(),
    }
    if request.method == "POST":
        form = VerifyFileForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            context["file_name"] = upload.name
            context["file_digest"] = digest.hexdigest()
            context["file_matches"] = evidence_with_digest(assessment, digest.hexdigest())
    return render(request, "assessments/assessment_verify.html", context)


@capability_required(Capability.VIEW_ROUNDS)
def evidence_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve an evidence file as an attachment, to those who may read its assessment."""
    evidence = selectors.evidence_get_for_user(user=request.user, pk=pk)
    if not evidence.is_file or not evidence.file:
        raise Http404
    response: Any = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence_download_name(evidence),
        content_type=evidence_content_type(evidence),
    )
    response["Content-Security-Policy"] = "sandbox"  # should a browser open it: no script
    return response


@require_POST
@capability_required(Capability.VIEW_ROUNDS)
def evidence_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a PDF's digital signatures again and store the verdict: whoever may read the
    assessment it belongs to (as they may download it). From the page (HTMX) the verdict
    beside the file is swapped; else back to the page it came from."""
    evidence = selectors.evidence_get_for_user(user=request.user, pk=pk)
    if is_htmx(request):
        try:
            evidence = services.evidence_check_signatures(actor=request.user, evidence=evidence)
        except ValidationError as error:
            context = {"evidence": evidence, "signature_errors": error.messages}
            return render(request, "assessments/_evidence_signature.html", context)
        return render(request, "assessments/_evidence_signature.html", {"evidence": evidence})
    perform(
        request,
        lambda: services.evidence_check_signatures(actor=request.user, evidence=evidence),
        _(SIGNATURES_CHECKED_MESSAGE),
    )
    back = request.headers.get("referer", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(evidence.assessment.get_absolute_url())


@capability_required(Capability.VIEW_ROUNDS)
def assessment_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's summary: totals per area, what blocks submission, and one button."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    can_submit = selectors.can_submit(user=request.user, assessment=assessment)
    if request.method == "POST":
        if not can_submit:
            raise PermissionDenied
        try:
            services.assessment_submit(actor=request.user, assessment=assessment)
        except ValidationError as error:
            for message in error.messages[:20]:
                messages.error(request, message)
            return redirect("assessments:assessment_submit", pk=pk)
        messages.success(request, _(SUBMITTED_MESSAGE))
        return redirect(assessment.get_absolute_url())
    tree = load_tree(assessment, with_evidence=True)
    problems = services.submission_problems(tree) if not assessment.is_locked else []
    page = _page_context(request, assessment, tree)
    context = {
        **page,
        "problems": problems,
        "can_submit": can_submit and not assessment.is_locked,
        # What submitting would record, shown before (screens.md): the same function records it.
        "pending_fingerprint": fingerprint(assessment, tree)
        if not assessment.is_locked and not problems
        else "",
        # Bonus and penalty sections add to or take from the total outside its maximum.
        "outside_max": any(area["criterion"].section != Section.NORMAL for area in page["areas"]),
    }
    return render(request, "assessments/assessment_submit.html", context)


@require_POST
@capability_required(Capability.MANAGE_ROUNDS)
def assessment_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Return a submitted self-assessment to its unit, saying what to change."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    if not selectors.round_can_manage(user=request.user, round_=assessment.round):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    try:
        services.assessment_return(
            actor=request.user,
            assessment=assessment,
            reason=form.data.get("reason", ""),
        )
    except ValidationError as error:
        return _refused_on_board(request, assessment, "return", error)
    messages.success(request, _(RETURNED_MESSAGE))
    return redirect(assessment.round.get_absolute_url())


# --- Appraisal ------------------------------------------------------------------------------------


APPRAISAL_PAGE_SIZE = 50


def _appraisal_setup(request: HttpRequest, pk: int) -> tuple[Round, list[Criterion], Criterion]:
    round_ = selectors.round_get_for_user(user=request.user, pk=pk)
    criteria = selectors.appraisable_criteria(user=request.user, round_=round_)
    if not criteria:
        # Reached from a notice or a link kept: the round's page offers no "Appraise" then.
        raise Refused(_(NOTHING_TO_APPRAISE_MESSAGE))
    chosen_pk = request.GET.get("criterion", "")
    criterion = next((c for c in criteria if str(c.pk) == chosen_pk), criteria[0])
    return round_, criteria, criterion


def _appraisal_filters(request: HttpRequest) -> tuple[dict[str, str], str]:
    filters = {
        "q": request.GET.get("q", "").strip()[:100],
        "group": request.GET.get("group", ""),
        "todo": "1" if request.GET.get("todo") == "1" else "",
    }
    return filters, urlencode({key: value for key, value in filters.items() if value})


@capability_required(Capability.APPRAISE)
def appraisal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One criterion at a time across every unit: self-score, figures and evidence beside the
    appraised score. Tab moves from unit to unit; each change saves itself."""
    round_, criteria, criterion = _appraisal_setup(request, pk)
    # A nation's coordinator has thousands of units: filter by the unit above them, by name or
    # code (without accents), or to those still to appraise; then one page at a time. The list
    # is read as plain values; whole rows only for the page shown.
    units = list(
        selectors.assessments_to_appraise(user=request.user, round_=round_)
        .order_by("org_unit__sort_order", "org_unit__name")
        .values_list("pk", "org_unit__code", "org_unit__name", "org_unit__parent_id")
    )
    parent_ids = {parent_id for _pk, _code, _name, parent_id in units if parent_id}
    groups = (
        list(OrgUnit.objects.filter(pk__in=parent_ids).order_by("sort_order", "name"))
        if len(parent_ids) > 1
        else []
    )
    filters, filter_query = _appraisal_filters(request)
    shown = units
    if filters["group"]:
        shown = [unit for unit in shown if str(unit[3]) == filters["group"]]
    if filters["q"]:
        needle = fold(filters["q"])
        shown = [unit for unit in shown if needle in fold(f"{unit[1]} {unit[2]}")]
    if filters["todo"]:
        appraised = set(
            Score.objects.filter(
                assessment__round=round_, criterion=criterion, appraised_points__isnull=False
            ).values_list("assessment_id", flat=True)
        )
        shown = [unit for unit in shown if unit[0] not in appraised]
    page = Paginator(shown, APPRAISAL_PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = [unit[0] for unit in page.object_list]
    assessments = Assessment.objects.select_related("org_unit").in_bulk(on_page)
    scores = {
        score.assessment_id: score
        for score in Score.objects.filter(
            assessment_id__in=on_page, criterion=criterion
        ).prefetch_related("evidence", "questions")
    }
    context = {
        "round": round_,
        # How far each criterion is comes in a second request (half a million scores to count
        # at a nation's scale): the page shows at once.
        "criteria": [(c, None) for c in criteria],
        "criterion": criterion,
        "rows": [_appraisal_row(assessments[pk], scores.get(pk), criterion) for pk in on_page],
        "page": page,
        "unit_count": len(units),
        "groups": groups,
        "filters": filters,
        "filter_query": filter_query,
        "query_string": "&".join(
            part for part in (filter_query, f"criterion={criterion.pk}") if part
        ),
        "is_open": round_.status == Round.Status.APPRAISAL,
        # Nothing listed while units have submitted: they lie outside the user's area (a
        # province's round seen by a city's agency), not "no unit has submitted yet".
        "submitted_elsewhere": not units
        and round_.assessments.filter(status=Assessment.Status.SUBMITTED).exists(),
    }
    return render(request, "assessments/appraisal.html", context)


@require_POST
@capability_required(Capability.APPRAISE)
def appraisal_accept_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Take the self-scores of the units on show as their appraised scores for one criterion
    (those declared and not yet appraised), then back to the same page of the grid."""
    round_ = selectors.round_get_for_user(user=request.user, pk=pk)
    criteria = selectors.appraisable_criteria(user=request.user, round_=round_)
    criterion = next((c for c in criteria if c.pk == criterion_pk), None)
    if criterion is None:
        raise PermissionDenied
    unit_ids = [int(v) for v in request.POST.getlist("assessment") if v.isascii() and v.isdigit()][
        :500
    ]
    assessments = list(
        selectors.assessments_to_appraise(user=request.user, round_=round_)
        .filter(pk__in=unit_ids)
        .select_related("round", "org_unit")
    )
    try:
        accepted = services.self_scores_accept(
            actor=request.user, criterion=criterion, assessments=assessments
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if accepted:
            messages.success(
                request,
                ngettext(
                    "%(code)s: the self-score was taken as the appraised score for %(count)s unit.",
                    "%(code)s: the self-score was taken as the appraised score for %(count)s "
                    "units.",
                    len(accepted),
                )
                % {"count": len(accepted), "code": criterion.code},
            )
        else:
            messages.info(request, _(NOTHING_TO_ACCEPT_MESSAGE))
    # Back to the same page of the grid, its filters kept (only the grid's own parameters).
    shown = QueryDict(request.POST.get("shown", ""))
    back = {key: shown[key] for key in ("q", "group", "todo", "page") if shown.get(key)}
    back["criterion"] = str(criterion.pk)
    return redirect(f"{reverse('assessments:appraisal', args=[round_.pk])}?{urlencode(back)}")


@capability_required(Capability.APPRAISE)
def appraisal_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The appraisal page's list of criteria with how many units each is appraised for
    (htmx, once the page has shown)."""
    round_, criteria, criterion = _appraisal_setup(request, pk)
    unit_count, done_counts = selectors.appraisal_progress(user=request.user, round_=round_)
    _filters, filter_query = _appraisal_filters(request)
    context = {
        "round": round_,
        "criteria": [(c, done_counts.get(c.pk, 0)) for c in criteria],
        "criterion": criterion,
        "unit_count": unit_count,
        "filter_query": filter_query,
        "loaded": True,
    }
    return render(request, "assessments/_appraisal_criteria.html", context)


def _appraisal_row(
    assessment: Assessment, score: Score | None, criterion: Criterion
) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "score": score,
        "criterion": criterion,
        "evidence": list(score.evidence.all()) if score else [],
        "version": version_token(score) if score else "",
        "differs": bool(
            score
            and score.appraised_points is not None
            and score.self_points is not None
            and score.appraised_points != score.self_points
        ),
    }


def _appraisable(request: HttpRequest, pk: int, criterion_pk: int) -> tuple[Assessment, Criterion]:
    """Return an assessment the user reads (404 otherwise) and one of its framework's criteria
    (404 otherwise) that the user appraises (403 otherwise: `selectors.can_appraise`)."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    criterion = _criterion_of(assessment, criterion_pk)
    if not selectors.can_appraise(user=request.user, assessment=assessment, criterion=criterion):
        raise PermissionDenied
    return assessment, criterion


@require_POST
@capability_required(Capability.APPRAISE)
def score_appraise_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Save one appraised score (htmx) and answer with the unit's row."""
    assessment, criterion = _appraisable(request, pk, criterion_pk)
    form = AppraiseForm(request.POST)
    error = ""
    conflict = False
    posted: dict[str, str] | None = None
    if not request.POST.get("points", "").strip():
        # A reason typed before the score: nothing to save yet, keep what was typed.
        posted = {"points": "", "reason": request.POST.get("reason", "")}
    elif form.is_valid():
        try:
            services.score_appraise(
                actor=request.user,
                assessment=assessment,
                criterion=criterion,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                # No version ("" from a row that read no score, or a request no page sends)
                # never overwrites an appraisal saved since.
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, ConflictError) as failure:
            if isinstance(failure, ConflictError):
                error = str(failure.message)
                conflict = True
            else:
                error = " ".join(str(m) for m in failure.messages)
    else:
        error = " ".join(form_error_messages(form))
    if error and not conflict:
        # Keep what the appraiser typed, so they correct it instead of typing it again.
        posted = {
            "points": request.POST.get("points", ""),
            "reason": request.POST.get("reason", ""),
        }
    score = (
        Score.objects.filter(assessment=assessment, criterion=criterion)
        .prefetch_related("evidence", "questions")
        .first()
    )
    if not is_htmx(request):
        if error:
            messages.error(request, f"{assessment.org_unit}: {error}")
        url = reverse("assessments:appraisal", args=[assessment.round_id])
        return redirect(f"{url}?criterion={criterion.pk}")
    context: dict[str, Any] = {
        "row": _appraisal_row(assessment, score, criterion),
        "posted": posted,
        "error": error,
        # Someone else saved: their value goes into the boxes, as the message says. The boxes
        # kept the appraiser's, with the new version: the next keystroke overwrote it unseen.
        "conflict": conflict,
        "oob": True,
    }
    if not error and posted is None:
        # The criteria list's count for this criterion, which only a reload used to move.
        unit_count, done = selectors.appraisal_progress(
            user=request.user, round_=assessment.round, criterion=criterion
        )
        context |= {"item": criterion, "done": done[criterion.pk], "unit_count": unit_count}
    return render(request, "assessments/_appraisal_saved.html", context)


@require_POST
@capability_required(Capability.APPRAISE)
def question_ask_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Ask the unit about one criterion during appraisal."""
    assessment, criterion = _appraisable(request, pk, criterion_pk)
    perform(
        request,
        lambda: services.question_ask(
            actor=request.user,
            assessment=assessment,
            criterion=criterion,
            text=request.POST.get("text", ""),
        ),
        _(QUESTION_SENT_MESSAGE) % {"unit": assessment.org_unit},
    )
    url = reverse("assessments:appraisal", args=[assessment.round_id])
    return redirect(f"{url}?criterion={criterion.pk}")


@require_POST
@capability_required(Capability.SELF_ASSESS)
def question_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer an appraiser's question about one of my unit's criteria."""
    question = get_object_or_404(Question.objects.select_related("score"), pk=pk)
    assessment = selectors.assessment_get_for_user(
        user=request.user, pk=question.score.assessment_id
    )
    if not selectors.can_fill(user=request.user, assessment=assessment):
        raise PermissionDenied
    perform(
        request,
        lambda: services.question_answer(
            actor=request.user, question=question, answer=request.POST.get("answer", "")
        ),
        _(ANSWER_SENT_MESSAGE),
    )
    return redirect(
        f"{assessment.get_absolute_url()}?questions=1#score-{question.score.criterion_id}"
    )


# --- Appeals and results ---------------------------------------------------------------------


@require_POST
@capability_required(Capability.SELF_ASSESS)
def appeal_file_view(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Contest one appraised score during the appeal window."""
    assessment, criterion = _fillable(request, pk, criterion_pk)
    score = get_object_or_404(Score, assessment=assessment, criterion=criterion)
    form = AppealForm(request.POST)
    perform(
        request,
        lambda: services.appeal_file(actor=request.user, score=score, **form.cleaned_data),
        _(APPEAL_FILED_MESSAGE) % {"office": assessment.round.home_affairs_office},
        form,
    )
    return redirect(f"{assessment.get_absolute_url()}#score-{criterion.pk}")


@capability_required(Capability.VIEW_ROUNDS)
def appeal_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The appeals of one unit's assessment: what it contested, why, and what was decided."""
    assessment = selectors.assessment_get_for_user(user=request.user, pk=pk)
    shown = selectors.shows_appraisal(user=request.user, assessment=assessment)
    appeals = list(selectors.appeals_for_assessment(assessment=assessment)) if shown else []
    context = {
        "assessment": assessment,
        "round": assessment.round,
        "appeals": appeals,
        "pending_count": sum(1 for appeal in appeals if appeal.status == Appeal.Status.PENDING),
        "can_manage": selectors.round_can_manage(user=request.user, round_=assessment.round),
        "can_appeal": selectors.can_fill(user=request.user, assessment=assessment)
        and assessment.round.status == Round.Status.APPEALS,
    }
    return render(request, "assessments/appeal_list.html", context)


@require_POST
@capability_required(Capability.MANAGE_ROUNDS)
def appeal_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept or reject an appeal, with the reason."""
    appeal = get_object_or_404(Appeal.objects.select_related("score__assessment__round"), pk=pk)
    round_ = selectors.round_get_for_manage(user=request.user, pk=appeal.score.assessment.round_id)
    form = AppealDecisionForm(request.POST)
    perform(
        request,
        lambda: services.appeal_decide(actor=request.user, appeal=appeal, **form.cleaned_data),
        _(APPEAL_DECIDED_MESSAGE),
        form,
    )
    return redirect(round_.get_absolute_url())


def _results_visible(request: HttpRequest, round_: Round) -> bool:
    return selectors.round_results_visible(user=request.user, round_=round_)


@capability_required(Capability.VIEW_ROUNDS)
def results_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking: total, percentage, rank (ties share it), band, change, and the self vs
    appraised gap. Published rounds show what was published, frozen."""
    round_ = selectors.round_get_for_user(user=request.user, pk=pk)
    if not _results_visible(request, round_):
        raise PermissionDenied
    rows = published_or_live_results(round_)
    is_frozen = round_.status == Round.Status.PUBLISHED
    context = {
        "round": round_,
        "rows": rows,
        "is_frozen": is_frozen,
        # Live, the table holds the submitted units: name the others, or a leader reading it
        # before the appraisal cannot tell who is missing.
        "not_submitted": []
        if is_frozen
        else list(
            round_.assessments.exclude(status=Assessment.Status.SUBMITTED)
            .order_by("org_unit__sort_order", "org_unit__name")
            .values_list("org_unit__name", flat=True)
        ),
        # The previous round ranked other units: say among how many the change is counted.
        "rank_compared_among": next(
            (row.rank_compared_among for row in rows if row.rank_compared_among), None
        ),
    }
    return render(request, "assessments/results.html", context)


@capability_required(Capability.VIEW_ROUNDS)
def results_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the ranking as XLSX."""
    round_ = selectors.round_get_for_user(user=request.user, pk=pk)
    if not _results_visible(request, round_):
        raise PermissionDenied
    response = HttpResponse(
        results_xlsx(round_, published_or_live_results(round_)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="ket-qua-{round_.pk}.xlsx"'
    return response
