"""Appraisal (thẩm định): an agency sets the appraised score of the criteria it appraises,
with a reason when it differs from the unit's self-score."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments import selectors
from cchc.assessments.engine import load_tree, refresh_totals
from cchc.assessments.models import Assessment, Round, Score
from cchc.core.audit import audit_record
from cchc.core.dates import format_points
from cchc.core.exceptions import ConflictError
from cchc.core.metrics import count_save
from cchc.core.versioning import STALE_EDIT_MESSAGE, version_token
from cchc.frameworks.models import Criterion

APPRAISAL_STATE_MESSAGE = gettext_noop(
    "Scores can be appraised only while the round is in appraisal."
)
NOT_SUBMITTED_MESSAGE = gettext_noop("The unit has not submitted its self-assessment.")
RANGE_MESSAGE = gettext_noop("The appraised score must be between 0 and {max}.")
STEP_MESSAGE = gettext_noop("Points have at most two decimal places.")
REASON_MESSAGE = gettext_noop(
    "The appraised score differs from the self-score: say why, so the unit understands."
)


@transaction.atomic
def score_appraise(
    *,
    actor: Any,
    assessment: Assessment,
    criterion: Criterion,
    points: Decimal,
    reason: str = "",
    expected_version: str | None = None,
) -> Score:
    """Set the appraised points of one criterion of one unit.

    Only who may appraise it (`selectors.can_appraise`: the round's keeper, or an appraiser of
    the agency the criterion names) does; `actor` None is the system (the demo, tests).
    `expected_version` is the version the row was read at: "" when it read no score, so an
    appraisal saved since is never overwritten by it; None only for a caller without a form,
    which checks nothing.
    """
    assessment = _locked(assessment)
    score = _appraise(actor, assessment, criterion, points, reason, expected_version)
    refresh_totals(assessment, load_tree(assessment))
    return score


@transaction.atomic
def scores_appraise(
    *,
    actor: Any,
    assessment: Assessment,
    appraisals: Iterable[tuple[Criterion, Decimal, str]],
) -> list[Score]:
    """Set the appraised points of several criteria of one unit — (criterion, points, reason)
    each, checked as `score_appraise` checks one — all or none, with the unit's totals scored
    once at the end instead of after every criterion (a whole unit appraised at once: the
    demo's published rounds, 150 criteria a unit)."""
    assessment = _locked(assessment)
    scores = [
        _appraise(actor, assessment, criterion, points, reason, None)
        for criterion, points, reason in appraisals
    ]
    refresh_totals(assessment, load_tree(assessment))
    return scores


@transaction.atomic
def self_scores_accept(
    *, actor: Any, criterion: Criterion, assessments: Iterable[Assessment]
) -> list[Score]:
    """Take the self-score as the appraised score of one criterion for each of these units
    that declared it and has no appraised score yet (the appraisal page's units on show): an
    appraiser agreeing with most units typed each figure again, hundreds of cells a round.
    Each unit is appraised as `score_appraise` would (checked, audited, its totals scored);
    a unit the actor may not appraise is refused (PermissionDenied), all or none. Returns the
    scores appraised."""
    appraised = []
    for assessment in assessments:
        # The assessment locked first, then its score read: an appraiser saving the same cell
        # meanwhile is either seen here (and kept) or waits for this to finish.
        locked = _locked(assessment)
        score = (
            Score.objects.select_for_update().filter(assessment=locked, criterion=criterion).first()
        )
        if score is None or score.self_points is None or score.appraised_points is not None:
            continue
        appraised.append(_appraise(actor, locked, criterion, score.self_points, "", None))
        refresh_totals(locked, load_tree(locked))
    return appraised


def _locked(assessment: Assessment) -> Assessment:
    return (
        # Only the assessment's row is locked (`of`): its round and units are read, not
        # locked, so appraisals of other units of the round do not wait on each other.
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round__organiser", "org_unit")
        .get(pk=assessment.pk)
    )


def _appraise(
    actor: Any,
    assessment: Assessment,
    criterion: Criterion,
    points: Decimal,
    reason: str,
    expected_version: str | None,
) -> Score:
    """One criterion's appraisal on the locked assessment: checked, stored, audited; the
    caller scores the totals."""
    points = Decimal(points)
    if actor is not None and not selectors.can_appraise(
        user=actor, assessment=assessment, criterion=criterion
    ):
        raise PermissionDenied
    if assessment.round.status != Round.Status.APPRAISAL:
        raise ValidationError(_(APPRAISAL_STATE_MESSAGE))
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError(_(NOT_SUBMITTED_MESSAGE))
    if points < 0 or points > criterion.max_points:
        raise ValidationError(
            {"points": _(RANGE_MESSAGE).format(max=format_points(criterion.max_points))}
        )
    if points != points.quantize(Decimal("0.01")):
        raise ValidationError({"points": _(STEP_MESSAGE)})
    score, created = Score.objects.select_for_update().get_or_create(
        assessment=assessment, criterion=criterion
    )
    score.assessment = assessment  # read above: the audit names the score without a query
    if expected_version is not None and not created and version_token(score) != expected_version:
        raise ConflictError(_(STALE_EDIT_MESSAGE), current=score)
    differs = (
        criterion.is_self_scored and score.self_points is not None and points != score.self_points
    )
    if differs and not reason.strip():
        raise ValidationError({"reason": _(REASON_MESSAGE)})
    before = {"appraised_points": str(score.appraised_points), "reason": score.appraisal_reason}
    score.appraised_points = points
    score.appraisal_reason = reason.strip()
    score.appraised_by = actor
    score.appraised_at = timezone.now()
    score.save(
        update_fields=[
            "appraised_points",
            "appraisal_reason",
            "appraised_by",
            "appraised_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="score.appraise",
        target=score,
        before=before,
        after={"appraised_points": str(points), "reason": score.appraisal_reason},
    )
    count_save("appraisal")
    return score
