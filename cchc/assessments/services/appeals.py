"""Appeals: within the appeal window a unit contests an appraised score; the coordinator decides.
Filing tells the round's keepers and the agency that appraises the criterion; a decision tells
the unit's officers and chair."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments import selectors
from cchc.assessments.engine import load_tree, refresh_totals
from cchc.assessments.models import Appeal, Round, Score
from cchc.assessments.services.notices import people_of
from cchc.core.audit import audit_record
from cchc.core.dates import format_points
from cchc.core.points import format_decimal
from cchc.notifications.models import Notification
from cchc.notifications.services import notify

APPEALS_CLOSED_MESSAGE = gettext_noop("Appeals are accepted only while the round is in appeals.")
NOT_APPRAISED_MESSAGE = gettext_noop("This criterion has no appraised score to contest.")
REASON_MESSAGE = gettext_noop("Say why the appraised score is wrong.")
RANGE_MESSAGE = gettext_noop("The points must be between 0 and {max}.")
PENDING_MESSAGE = gettext_noop("This criterion already has an appeal waiting.")
DECIDED_MESSAGE = gettext_noop("This appeal has already been decided.")
DECISION_REASON_MESSAGE = gettext_noop("Say why the appeal is accepted or rejected.")
# The inbox has no kind of its own for appeals yet (a new kind is a migration of
# notifications): a filed appeal is the unit answering the appraisal, a decision an appraisal
# result.
FILED_KIND = Notification.Kind.ANSWER
DECIDED_KIND = Notification.Kind.APPRAISED


def appeal_url(appeal: Appeal) -> str:
    """The appeal on its unit's list of appeals."""
    url = reverse("assessments:appeal_list", args=[appeal.score.assessment_id])
    return f"{url}#appeal-{appeal.pk}"


def _notify_filed(appeal: Appeal) -> None:
    score = appeal.score
    assessment, criterion = score.assessment, score.criterion
    round_ = assessment.round

    def compose(user: Any) -> tuple[str, str]:
        return (
            _("%(unit)s appeals the appraisal of criterion %(code)s")
            % {"unit": assessment.org_unit, "code": criterion.code},
            _("Appraised %(appraised)s, asked for %(requested)s of %(max)s: %(reason)s")
            % {
                "appraised": format_decimal(score.appraised_points),
                "requested": format_decimal(appeal.requested_points),
                "max": format_decimal(criterion.max_points),
                "reason": appeal.reason,
            },
        )

    # The keepers decide on the round's page; the agency reads the appeal on the unit's list.
    notify(
        users=selectors.keepers_of(round_=round_),
        kind=FILED_KIND,
        compose=compose,
        url=f"{round_.get_absolute_url()}#appeals",
        dedupe_key=f"appeal-filed:{appeal.pk}",
    )
    notify(
        users=selectors.appraisers_of(round_=round_, criterion=criterion),
        kind=FILED_KIND,
        compose=compose,
        url=appeal_url(appeal),
        dedupe_key=f"appeal-filed:{appeal.pk}",
    )


def _notify_decided(appeal: Appeal) -> None:
    score = appeal.score

    def compose(user: Any) -> tuple[str, str]:
        title = _("Appeal on criterion %(code)s: %(outcome)s") % {
            "code": score.criterion.code,
            "outcome": appeal.get_status_display(),
        }
        if appeal.status == Appeal.Status.ACCEPTED:
            body = _("The appraised score is now %(points)s. %(reason)s") % {
                "points": format_decimal(appeal.decided_points),
                "reason": appeal.decision_reason,
            }
        else:
            body = _("The appraised score stays %(points)s. %(reason)s") % {
                "points": format_decimal(score.appraised_points),
                "reason": appeal.decision_reason,
            }
        return title, body

    notify(
        users=people_of([score.assessment.org_unit_id]),
        kind=DECIDED_KIND,
        compose=compose,
        url=appeal_url(appeal),
        dedupe_key=f"appeal-decided:{appeal.pk}",
    )


def _check_points(points: Decimal, maximum: Decimal) -> None:
    if points < 0 or points > maximum or points != points.quantize(Decimal("0.01")):
        raise ValidationError({"points": _(RANGE_MESSAGE).format(max=format_points(maximum))})


@transaction.atomic
def appeal_file(*, actor: Any, score: Score, reason: str, requested_points: Decimal) -> Appeal:
    """Contest an appraised score with reasons (evidence can be added to the criterion)."""
    score = (
        Score.objects.select_for_update()
        .select_related("assessment__round__organiser", "assessment__org_unit", "criterion")
        .get(pk=score.pk)
    )
    if score.assessment.round.status != Round.Status.APPEALS:
        raise ValidationError(_(APPEALS_CLOSED_MESSAGE))
    if score.appraised_points is None:
        raise ValidationError(_(NOT_APPRAISED_MESSAGE))
    if not reason.strip():
        raise ValidationError({"reason": _(REASON_MESSAGE)})
    _check_points(requested_points, score.criterion.max_points)
    if score.appeals.filter(status=Appeal.Status.PENDING).exists():
        raise ValidationError(_(PENDING_MESSAGE))
    appeal = Appeal.objects.create(
        score=score,
        reason=reason.strip(),
        requested_points=requested_points,
        contested_points=score.appraised_points,
        filed_by=actor,
    )
    audit_record(
        actor=actor,
        action="appeal.file",
        target=appeal,
        after={"requested_points": str(requested_points), "reason": appeal.reason},
    )
    _notify_filed(appeal)
    return appeal


@transaction.atomic
def appeal_decide(
    *, actor: Any, appeal: Appeal, accept: bool, reason: str, points: Decimal | None = None
) -> Appeal:
    """Accept (setting the appraised score) or reject an appeal, with the reason; logged."""
    appeal = (
        Appeal.objects.select_for_update()
        .select_related("score__assessment__round", "score__criterion")
        .get(pk=appeal.pk)
    )
    if actor is not None and selectors.can_fill(user=actor, assessment=appeal.score.assessment):
        raise PermissionDenied  # their own unit's appeal (selectors.can_fill, can_appraise)
    if appeal.status != Appeal.Status.PENDING:
        raise ValidationError(_(DECIDED_MESSAGE))
    if appeal.score.assessment.round.status != Round.Status.APPEALS:
        raise ValidationError(_(APPEALS_CLOSED_MESSAGE))
    if not reason.strip():
        raise ValidationError({"reason": _(DECISION_REASON_MESSAGE)})
    score = appeal.score
    before = {"appraised_points": str(score.appraised_points)}
    if accept:
        new_points = appeal.requested_points if points is None else points
        _check_points(new_points, score.criterion.max_points)
        score.appraised_points = new_points
        score.appraisal_reason = reason.strip()
        score.save(update_fields=["appraised_points", "appraisal_reason", "updated_at"])
        refresh_totals(score.assessment, load_tree(score.assessment))
        appeal.decided_points = new_points
    appeal.status = Appeal.Status.ACCEPTED if accept else Appeal.Status.REJECTED
    appeal.decision_reason = reason.strip()
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.save(
        update_fields=[
            "status",
            "decision_reason",
            "decided_by",
            "decided_at",
            "decided_points",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="appeal.decide",
        target=appeal,
        before=before,
        after={
            "status": appeal.status,
            "appraised_points": str(score.appraised_points),
            "reason": appeal.decision_reason,
        },
    )
    _notify_decided(appeal)
    return appeal
