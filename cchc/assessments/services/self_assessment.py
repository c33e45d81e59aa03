"""The unit's side: declare figures criterion by criterion, explain what has no evidence,
submit (which locks and fingerprints), or be returned for changes."""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments.engine import (
    LoadedTree,
    SavedFigures,
    SaveRead,
    Stored,
    all_area_figures,
    load_for_save,
    load_tree,
    refresh_totals,
    saved_area_totals,
    saved_totals,
)
from cchc.assessments.models import Assessment, Round, Score
from cchc.assessments.services import notices
from cchc.core.audit import audit_record
from cchc.core.exceptions import ConflictError
from cchc.core.metrics import count_save
from cchc.core.versioning import STALE_EDIT_MESSAGE, version_token
from cchc.frameworks.models import Criterion
from cchc.frameworks.rules import InputError

LOCKED_MESSAGE = gettext_noop(
    "This self-assessment is locked (submitted, or the round is past self-assessment); "
    "nothing was saved."
)
NOT_SELF_SCORED_MESSAGE = gettext_noop("The unit does not score this criterion itself.")
DISPUTE_NEEDS_REASON_MESSAGE = gettext_noop(
    "These figures come from the province's systems. To declare others, explain why in the "
    "explanation box; the appraiser sees both."
)
NOT_A_LEAF_MESSAGE = gettext_noop("Only criteria without sub-criteria are scored.")
# An explanation is a few sentences: a million characters were stored, and every page that
# shows the criterion weighed a megabyte (a new-user walk).
EXPLANATION_LENGTH = 5000
EXPLANATION_TOO_LONG_MESSAGE = gettext_noop(
    "The explanation may be at most %(limit)s characters; attach a document for more."
)
MISSING_INPUTS_MESSAGE = gettext_noop("Criterion {code}: the figures are not declared yet.")
INVALID_INPUTS_MESSAGE = gettext_noop("Criterion {code}: {message}")
MISSING_EXPLANATION_MESSAGE = gettext_noop(
    "Criterion {code}: scored without evidence; write an explanation (giải trình)."
)
CARRIED_MESSAGE = gettext_noop(
    "Criterion {code}: carried over from the previous round; confirm or change it."
)
NOT_SUBMITTED_MESSAGE = gettext_noop("Only a submitted self-assessment can be returned.")
RETURN_REASON_MESSAGE = gettext_noop("Say what the unit must change.")
NOT_AN_AREA_MESSAGE = gettext_noop("Only an area with criteria under it is confirmed at once.")
SUBMIT_STATE_MESSAGE = gettext_noop(
    "The self-assessment can only be submitted while the round is open."
)


def _ensure_editable(assessment: Assessment) -> None:
    if (
        assessment.status == Assessment.Status.SUBMITTED
        or assessment.round.status != Round.Status.OPEN
    ):
        raise ValidationError(_(LOCKED_MESSAGE))


def _mark_in_progress(assessment: Assessment) -> None:
    if assessment.status == Assessment.Status.NOT_STARTED:
        assessment.status = Assessment.Status.IN_PROGRESS
        assessment.save(update_fields=["status", "updated_at"])


# The totals a save writes on the assessment row, in its one UPDATE.
SAVED_FIELDS = (
    "status",
    "self_points",
    "self_max",
    "declared_count",
    "carried_count",
    "appraised_count",
    "area_totals",
    "updated_at",
)


def score_save(
    *,
    actor: Any,
    assessment: Assessment,
    criterion: Criterion | int,
    data: dict[str, Any],
    explanation: str | None = None,
    expected_version: str | None = None,
) -> tuple[Score, SavedFigures]:
    """Save the figures a unit declares for one criterion and the points they earn.

    `data` is what the form sent (strings); the criterion's rule reads it. Empty figures clear
    the criterion. A stale save (someone saved since the form was read) raises ConflictError
    with the other person's score. `expected_version` is the version the form was read at: ""
    when it read no score, so a score saved since is never overwritten by it; None only for a
    caller without a form (imports, the demo), which checks nothing. `criterion` may be given
    by its id (the view's: the save reads it with the tree); one of another framework raises
    Criterion.DoesNotExist.

    Incremental: one query reads the framework's tree with the unit's stored points; the
    criterion is scored, then its ancestors from their children's stored points, and the
    totals go on the assessment in one UPDATE, made only if the assessment is still as read
    (`updated_at`, still editable). Otherwise (someone else saved in between, an appraisal
    exists, or the stored figures lack a group) the assessment is locked and the whole tree
    scored, as before. `assessment` is updated in place with what was stored.

    The reading and the checks come before the transaction, which holds only the writes (one
    at a time on SQLite, which takes its write lock when a transaction begins): the score's
    UPDATE is made only if it is still at the version read, the totals' only if the
    assessment is (so the stored points read outside are still those stored), and the audit
    line; all or none.
    """
    criterion_id = criterion if isinstance(criterion, int) else criterion.pk
    read = load_for_save(assessment, criterion_id)
    if read.criterion is None:
        raise Criterion.DoesNotExist(criterion_id)
    if not isinstance(criterion, Criterion):
        criterion = read.criterion
    _ensure_editable(assessment)
    if criterion_id in read.children:
        raise ValidationError(_(NOT_A_LEAF_MESSAGE), code="not_a_leaf")
    if not criterion.is_self_scored:
        raise ValidationError(_(NOT_SELF_SCORED_MESSAGE))
    score = read.score
    stale = score is not None and version_token(score) != expected_version
    if expected_version is not None and stale:
        raise ConflictError(_(STALE_EDIT_MESSAGE), current=score)
    if explanation is not None and len(explanation.strip()) > EXPLANATION_LENGTH:
        message = _(EXPLANATION_TOO_LONG_MESSAGE) % {"limit": EXPLANATION_LENGTH}
        raise ValidationError({"explanation": message})
    rule = criterion.rule
    data = dict(data)
    # A checklist with nothing ticked is a real answer ("none done"), not a blank one.
    said_none = str(data.pop("declared", "")) == "1"
    try:
        inputs = rule.parse_inputs(data)
        declared = said_none or any(value not in (None, [], {}) for value in inputs.values())
        result = rule.score(inputs, criterion.max_points) if declared else None
    except InputError as error:
        raise ValidationError({error.field or "__all__": error.message}) from error
    system_inputs = score.system_inputs if score else None
    if system_inputs and declared and _jsonable(inputs) != system_inputs:
        reason = (score.explanation if score else "") if explanation is None else explanation
        if not reason.strip():
            raise ValidationError({"explanation": _(DISPUTE_NEEDS_REASON_MESSAGE)})
    before_inputs = score.inputs if score else {}
    before_not_applicable = bool(score and score.is_not_applicable)
    before = {
        "inputs": before_inputs,
        "self_points": str(score.self_points if score else None),
        "explanation": score.explanation if score else "",
    }
    if score is not None and score.is_carried_over:
        before["is_carried_over"] = True  # a save confirms a value carried over
    changes: dict[str, Any] = {
        "inputs": _jsonable(inputs) if declared else {},
        "self_points": result.points if result else None,
        "is_not_applicable": bool(result and result.points is None),
        "self_explanation": result.explanation if result else "",
        "is_carried_over": False,
        "updated_at": timezone.now(),
    }
    if explanation is not None:
        changes["explanation"] = explanation.strip()
    with transaction.atomic():
        score = _write_score(
            assessment, criterion, score, changes, check=expected_version is not None
        )
        score.assessment, score.criterion = assessment, criterion  # the audit line names them
        read.stored[criterion_id] = Stored(score.self_points, score.is_not_applicable)
        figures = _saved_incrementally(
            assessment,
            read,
            criterion_id,
            declared_change=bool(score.inputs) - bool(before_inputs),
            carried_change=-1 if "is_carried_over" in before else 0,
            not_applicable_change=score.is_not_applicable - before_not_applicable,
            appraised=score.appraised_points is not None,
        )
        if figures is None:
            figures = _saved_whole(assessment)
        after = {
            "inputs": score.inputs,
            "self_points": str(score.self_points),
            "explanation": score.explanation,
        }
        if "is_carried_over" in before:
            after["is_carried_over"] = False
        if after != before:  # the trail records changes: a save that changes nothing, nothing
            audit_record(actor=actor, action="score.save", target=score, before=before, after=after)
    count_save("self_assessment")
    if "is_carried_over" in before:
        figures = dataclasses.replace(figures, confirmed=True)
    return score, figures


def _write_score(
    assessment: Assessment,
    criterion: Criterion,
    score: Score | None,
    changes: dict[str, Any],
    *,
    check: bool,
) -> Score:
    """Write the score: one UPDATE, made only if the row is still at the version read (when
    the caller checks versions), or one INSERT. Someone's save in between is a ConflictError
    with their score, as the form's version check would give."""
    if score is None:
        try:
            with transaction.atomic():
                return Score.objects.create(
                    assessment=assessment,
                    criterion=criterion,
                    **{key: value for key, value in changes.items() if key != "updated_at"},
                )
        except IntegrityError:
            current = Score.objects.get(assessment=assessment, criterion=criterion)
            if check:
                raise ConflictError(_(STALE_EDIT_MESSAGE), current=current) from None
            score = current
    rows = Score.objects.filter(pk=score.pk)
    if check:
        rows = rows.filter(updated_at=score.updated_at)
    if not rows.update(**changes):
        current = Score.objects.get(pk=score.pk)
        raise ConflictError(_(STALE_EDIT_MESSAGE), current=current)
    for key, value in changes.items():
        setattr(score, key, value)
    return score


def _saved_incrementally(
    assessment: Assessment,
    read: SaveRead,
    criterion_id: int,
    *,
    declared_change: int,
    carried_change: int,
    not_applicable_change: int,
    appraised: bool,
) -> SavedFigures | None:
    """Store the totals from the saved criterion's ancestors (one conditional UPDATE); None
    when that cannot be done exactly (an appraisal is stored: its totals read each leaf's
    applicability; a group's figures are missing; the assessment changed since it was read)."""
    if appraised or assessment.appraised_points is not None:
        return None
    # A row the whole tree has never been scored for (a new round's) has no figures to start
    # from: every group's entry and the leaf counts come from a full scoring.
    leaves = [shape for pk, shape in read.shapes.items() if pk not in read.children]
    if (
        any(str(pk) not in (assessment.area_totals or {}) for pk in read.parent_ids)
        or assessment.all_leaf_count != len(leaves)
        or assessment.leaf_count != sum(1 for shape in leaves if shape.is_self_scored)
    ):
        return None
    recomputed = saved_area_totals(read, assessment.area_totals or {}, criterion_id)
    if recomputed is None:
        return None
    area_totals, areas = recomputed
    totals = saved_totals(read, area_totals)
    if totals is None:
        return None
    seen = assessment.updated_at
    values = {
        "status": Assessment.Status.IN_PROGRESS
        if assessment.status == Assessment.Status.NOT_STARTED
        else assessment.status,
        "self_points": totals[0],
        "self_max": totals[1],
        "declared_count": assessment.declared_count + declared_change,
        "carried_count": max(assessment.carried_count + carried_change, 0),
        # Without appraisals, a leaf counts as appraised only when it is not applicable.
        "appraised_count": assessment.appraised_count + not_applicable_change,
        "area_totals": area_totals,
        "updated_at": timezone.now(),
    }
    still_open = Round.objects.filter(pk=assessment.round_id, status=Round.Status.OPEN)
    stored = (
        Assessment.objects.filter(
            pk=assessment.pk, updated_at=seen, round_id__in=still_open.values("pk")
        )
        .exclude(status=Assessment.Status.SUBMITTED)
        .update(**values)
    )
    if not stored:
        return None
    for key in SAVED_FIELDS:
        setattr(assessment, key, values[key])
    return SavedFigures(assessment, areas, incremental=True)


def _saved_whole(assessment: Assessment) -> SavedFigures:
    """Lock the assessment as it is now, check it is still editable, and score the whole tree
    (what a save did before it was incremental)."""
    current = Assessment.objects.select_for_update().select_related("round").get(pk=assessment.pk)
    _ensure_editable(current)
    _mark_in_progress(current)
    tree = load_tree(current)
    refresh_totals(current, tree)
    for field in Assessment._meta.concrete_fields:
        if not field.is_relation:
            setattr(assessment, field.attname, getattr(current, field.attname))
    return SavedFigures(assessment, all_area_figures(tree), incremental=False)


def _jsonable(inputs: dict[str, Any]) -> dict[str, Any]:
    """Keep declared figures as JSON: Decimals as exact strings."""
    return json.loads(json.dumps(inputs, default=str))


@transaction.atomic
def carry_over_round(*, round_: Round) -> int:
    """Pre-fill each unit's scores from the previous round (9 months from 6 months), marked as
    carried over until the officer confirms them. Return how many scores were carried."""
    if round_.previous is None or round_.previous.framework_id != round_.framework_id:
        return 0
    previous = {
        (score.assessment.org_unit_id, score.criterion_id): score
        for score in Score.objects.filter(assessment__round=round_.previous)
        .select_related("assessment")
        .prefetch_related("evidence")
        if score.inputs
    }
    created = 0
    for assessment in round_.assessments.all():
        carried = []
        for (unit_id, criterion_id), old in previous.items():
            if unit_id != assessment.org_unit_id:
                continue
            carried.append(
                (
                    Score(
                        assessment=assessment,
                        criterion_id=criterion_id,
                        inputs=old.inputs,
                        self_points=old.self_points,
                        self_explanation=old.self_explanation,
                        is_not_applicable=old.is_not_applicable,
                        explanation=old.explanation,
                        is_carried_over=True,
                    ),
                    list(old.evidence.all()),
                )
            )
        new_scores = Score.objects.bulk_create(score for score, _evidence in carried)
        for score, (_old, evidence) in zip(new_scores, carried, strict=True):
            if evidence:
                score.evidence.set(evidence)
        if new_scores:
            assessment.status = Assessment.Status.IN_PROGRESS
            assessment.save(update_fields=["status", "updated_at"])
            refresh_totals(assessment, load_tree(assessment))
        created += len(new_scores)
    return created


def submission_problems(tree: LoadedTree) -> list[tuple[Criterion, str]]:
    """Return what blocks submission, criterion by criterion, in the framework's order."""
    problems: list[tuple[Criterion, str]] = []
    for criterion in tree.leaves:
        if not criterion.is_self_scored:
            continue
        score = tree.scores.get(criterion.pk)
        if score is None or not score.inputs:
            problems.append((criterion, _(MISSING_INPUTS_MESSAGE).format(code=criterion.code)))
            continue
        try:
            criterion.rule.score(score.inputs, criterion.max_points)
        except InputError as error:
            problems.append(
                (
                    criterion,
                    _(INVALID_INPUTS_MESSAGE).format(code=criterion.code, message=error.message),
                )
            )
        if score.is_carried_over:
            problems.append((criterion, _(CARRIED_MESSAGE).format(code=criterion.code)))
        # Figures taken as the province's data gave them need no document (Score.has_evidence).
        if criterion.evidence_required and not score.has_evidence and not score.explanation.strip():
            problems.append((criterion, _(MISSING_EXPLANATION_MESSAGE).format(code=criterion.code)))
    return problems


def fingerprint(assessment: Assessment, tree: LoadedTree) -> str:
    """Return a SHA-256 of what was submitted: every score's figures and points, and the
    hashes of the evidence attached to it. Anyone can recompute it from the same content.
    Only the criteria the unit scores itself: a criterion it does not (the survey) gets its
    row when appraised, after the submission, which changed nothing the unit submitted."""
    content = {
        "unit": assessment.org_unit.code,
        "round": assessment.round_id,
        "scores": [
            {
                "criterion": criterion.code,
                "inputs": tree.scores[criterion.pk].inputs,
                "points": str(tree.scores[criterion.pk].self_points),
                "explanation": tree.scores[criterion.pk].explanation,
                "evidence": sorted(
                    e.sha256 or f"cited:{e.document_number}"
                    for e in tree.scores[criterion.pk].evidence.all()
                ),
            }
            for criterion in tree.leaves
            if criterion.pk in tree.scores and criterion.is_self_scored
        ],
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class SubmissionCheck:
    """A submission's fingerprint as recorded, the one its content gives now, and whether
    they agree (the self-scores, explanations and evidence are those submitted)."""

    recorded: str
    current: str

    @property
    def matches(self) -> bool:
        return bool(self.recorded) and self.recorded == self.current


def submission_check(assessment: Assessment) -> SubmissionCheck:
    """Recompute the fingerprint of what the unit submitted from what is stored now. Reads
    only (a few queries: the tree with its evidence)."""
    tree = load_tree(assessment, with_evidence=True)
    return SubmissionCheck(recorded=assessment.fingerprint, current=fingerprint(assessment, tree))


def evidence_with_digest(assessment: Assessment, digest: str) -> list[tuple[Any, list[str]]]:
    """The evidence attached to the assessment's scores whose file has this SHA-256, each with
    the codes of the criteria it supports there: how anyone holding a file checks that it is
    the one submitted. Two queries."""
    scores = (
        Score.objects.filter(assessment=assessment, evidence__sha256=digest)
        .select_related("criterion")
        .prefetch_related("evidence")
        .order_by("criterion__order")
    )
    found: dict[int, tuple[Any, list[str]]] = {}
    for score in scores:
        for evidence in score.evidence.all():
            if evidence.sha256 == digest:
                found.setdefault(evidence.pk, (evidence, []))[1].append(score.criterion.code)
    return list(found.values())


@transaction.atomic
def assessment_submit(*, actor: Any, assessment: Assessment) -> Assessment:
    """Submit the unit's self-assessment: check it is complete, lock it, record its fingerprint."""
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("round", "org_unit")
        .get(pk=assessment.pk)
    )
    if assessment.round.status != Round.Status.OPEN:
        raise ValidationError(_(SUBMIT_STATE_MESSAGE))
    _ensure_editable(assessment)
    tree = load_tree(assessment, with_evidence=True)
    problems = submission_problems(tree)
    if problems:
        raise ValidationError([message for _criterion, message in problems])
    refresh_totals(assessment, tree)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = actor
    assessment.fingerprint = fingerprint(assessment, tree)
    assessment.return_reason = ""
    assessment.save(
        update_fields=[
            "status",
            "submitted_at",
            "submitted_by",
            "fingerprint",
            "return_reason",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="assessment.submit",
        target=assessment,
        after={
            "fingerprint": assessment.fingerprint,
            "self_points": str(assessment.self_points),
            "self_max": str(assessment.self_max),
        },
    )
    return assessment


@transaction.atomic
def assessment_return(*, actor: Any, assessment: Assessment, reason: str) -> Assessment:
    """Send a submitted self-assessment back to the unit for changes, saying why."""
    assessment = (
        Assessment.objects.select_for_update().select_related("round").get(pk=assessment.pk)
    )
    if (
        assessment.status != Assessment.Status.SUBMITTED
        or assessment.round.status != Round.Status.OPEN
    ):
        raise ValidationError(_(NOT_SUBMITTED_MESSAGE))
    if not reason.strip():
        raise ValidationError({"reason": _(RETURN_REASON_MESSAGE)})
    assessment.status = Assessment.Status.RETURNED
    assessment.return_reason = reason.strip()
    assessment.save(update_fields=["status", "return_reason", "updated_at"])
    notices.notify_returned(assessment)
    audit_record(
        actor=actor,
        action="assessment.return",
        target=assessment,
        before={"status": Assessment.Status.SUBMITTED},
        after={"status": assessment.status, "reason": assessment.return_reason},
    )
    return assessment


@transaction.atomic
def score_confirm(*, actor: Any, score: Score) -> Score:
    """Confirm a value carried over from the previous round as still right."""
    _ensure_editable(score.assessment)
    now = timezone.now()
    # The row changes only if still carried over: two confirmations at once count one (the
    # second updates nothing; a review).
    confirmed = Score.objects.filter(pk=score.pk, is_carried_over=True).update(
        is_carried_over=False, updated_at=now
    )
    score.is_carried_over = False
    if confirmed:
        score.updated_at = now
        # One less to confirm; the assessment's version moves, so a save read before it
        # scores the whole tree again rather than write a count read before.
        Assessment.objects.filter(pk=score.assessment_id).update(
            carried_count=Greatest(F("carried_count") - confirmed, 0), updated_at=now
        )
    audit_record(actor=actor, action="score.confirm", target=score)
    return score


@transaction.atomic
def area_confirm(*, actor: Any, assessment: Assessment, area: Criterion) -> list[Score]:
    """Confirm at once every value carried over from the previous round that is still
    unconfirmed in one area (any criterion with sub-criteria) of the unit's assessment: what
    `score_confirm` does criterion by criterion. One audit line for the batch, on the
    assessment, naming the area and the criteria confirmed; none when nothing was left to
    confirm. The same few queries whatever the number of criteria. Return the scores confirmed."""
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("round", "org_unit")  # the audit line names the unit
        .get(pk=assessment.pk)
    )
    _ensure_editable(assessment)
    children: dict[int, list[int]] = {}
    for pk, parent_id in (
        Criterion.objects.filter(framework_id=assessment.round.framework_id)
        .order_by()
        .values_list("pk", "parent_id")
    ):
        children.setdefault(parent_id, []).append(pk)
    if area.framework_id != assessment.round.framework_id or area.pk not in children:
        raise ValidationError(_(NOT_AN_AREA_MESSAGE), code="not_an_area")
    below: list[int] = []
    pending = list(children[area.pk])
    while pending:
        pk = pending.pop()
        below.append(pk)
        pending.extend(children.get(pk, []))
    scores = list(
        Score.objects.select_for_update()
        .filter(assessment=assessment, criterion_id__in=below, is_carried_over=True)
        .select_related("criterion")
        .order_by("criterion__order")
    )
    if not scores:
        return []
    now = timezone.now()
    Score.objects.filter(pk__in=[score.pk for score in scores]).update(
        is_carried_over=False, updated_at=now
    )
    for score in scores:  # as saved: the rows' versions change, as one confirmation's does
        score.is_carried_over, score.updated_at = False, now
    Assessment.objects.filter(pk=assessment.pk).update(
        carried_count=Greatest(F("carried_count") - len(scores), 0), updated_at=now
    )
    audit_record(
        actor=actor,
        action="assessment.confirm",
        target=assessment,
        after={"area": area.code, "criteria": [score.criterion.code for score in scores]},
    )
    return scores
