"""Questions during appraisal: the appraiser asks about one criterion; the unit answers."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.assessments.models import Assessment, Question, Round, Score
from cchc.assessments.services.notices import people_of
from cchc.core.audit import audit_record
from cchc.frameworks.models import Criterion
from cchc.notifications.models import Notification
from cchc.notifications.services import notify

NOT_APPRAISAL_MESSAGE = gettext_noop("Questions are asked and answered during appraisal.")
NOT_SUBMITTED_MESSAGE = gettext_noop("The unit has not submitted its self-assessment.")
EMPTY_QUESTION_MESSAGE = gettext_noop("Write the question.")
EMPTY_ANSWER_MESSAGE = gettext_noop("Write the answer.")
ANSWERED_MESSAGE = gettext_noop("This question has already been answered.")


@transaction.atomic
def question_ask(
    *, actor: Any, assessment: Assessment, criterion: Criterion, text: str
) -> Question:
    """Ask the unit about one criterion; its officers are told."""
    if assessment.round.status != Round.Status.APPRAISAL:
        raise ValidationError(_(NOT_APPRAISAL_MESSAGE))
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError(_(NOT_SUBMITTED_MESSAGE))
    if not text.strip():
        raise ValidationError({"text": _(EMPTY_QUESTION_MESSAGE)})
    score, _created = Score.objects.get_or_create(assessment=assessment, criterion=criterion)
    question = Question.objects.create(score=score, text=text.strip(), asked_by=actor)
    audit_record(actor=actor, action="question.ask", target=question, after={"text": question.text})
    notify(
        users=people_of([assessment.org_unit_id]),
        kind=Notification.Kind.QUESTION,
        compose=lambda user: (
            _("Question on criterion %(code)s") % {"code": criterion.code},
            question.text,
        ),
        url=f"{assessment.get_absolute_url()}?questions=1#score-{criterion.pk}",
    )
    return question


@transaction.atomic
def question_answer(*, actor: Any, question: Question, answer: str) -> Question:
    """Answer a question (evidence can be added to the criterion too); the asker is told."""
    question = (
        Question.objects.select_for_update()
        .select_related("score__assessment__round", "score__criterion", "asked_by")
        .get(pk=question.pk)
    )
    if question.score.assessment.round.status != Round.Status.APPRAISAL:
        raise ValidationError(_(NOT_APPRAISAL_MESSAGE))
    if question.is_answered:
        raise ValidationError(_(ANSWERED_MESSAGE))
    if not answer.strip():
        raise ValidationError({"answer": _(EMPTY_ANSWER_MESSAGE)})
    question.answer = answer.strip()
    question.answered_by = actor
    question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at", "updated_at"])
    audit_record(
        actor=actor, action="question.answer", target=question, after={"answer": question.answer}
    )
    assessment = question.score.assessment
    notify(
        users=[question.asked_by],
        kind=Notification.Kind.ANSWER,
        compose=lambda user: (
            _("%(unit)s answered on criterion %(code)s")
            % {"unit": assessment.org_unit, "code": question.score.criterion.code},
            question.answer,
        ),
        url=f"/rounds/{assessment.round_id}/appraisal/?criterion={question.score.criterion_id}",
    )
    return question
