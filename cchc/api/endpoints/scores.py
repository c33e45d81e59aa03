"""A unit's own scores, saved by its system for an open round: the self-assessment page's own
rule (assessments.selectors.assessment_get_for_fill: another ward's assessment is 404, one the
caller only reads is 403) and service (score_save: the rule reads the inputs, the points and
totals are stored, the audit line written), with the page's version check: a save that does
not send the version it read never overwrites a score saved since (409, with the score as
saved)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema

from cchc.api.auth import scoped
from cchc.api.endpoints.rounds import assessment_for
from cchc.api.problems import Problem
from cchc.api.schemas import DecimalText, decimal_text
from cchc.assessments.selectors import assessment_get_for_fill
from cchc.assessments.services import score_save
from cchc.core.exceptions import ConflictError
from cchc.core.versioning import version_token
from cchc.frameworks.models import Criterion

router = Router(tags=["rounds"])

NO_CRITERION_MESSAGE = gettext_noop("The round's framework has no criterion {code}.")

InputValue = str | int | bool | list[str] | None


class ScoreIn(Schema):
    inputs: dict[str, InputValue] = Field(
        description=(
            "What the unit declares, by the names its criterion's rule reads (the framework's "
            "`inputs` of each criterion): numbers as text or numbers, yes/no as true/false"
        )
    )
    explanation: str | None = Field(None, description="Why no evidence; unchanged when null")
    version: str = Field(
        "",
        description=(
            "The score's version as last read (empty when there was no score): a score saved "
            "since is never overwritten"
        ),
    )


class SavedScoreOut(Schema):
    criterion_code: str
    inputs: dict
    self_points: DecimalText | None
    explanation: str
    version: str
    assessment_self_points: DecimalText
    assessment_self_max: DecimalText


def form_data(inputs: dict[str, InputValue]) -> dict[str, Any]:
    """The inputs as the page's form sends them: text, lists of text, yes/no as words."""
    data: dict[str, Any] = {}
    for name, value in inputs.items():
        if isinstance(value, bool):
            data[name] = "yes" if value else "no"
        elif isinstance(value, list):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else str(value)
    return data


@router.put(
    "/{int:round_id}/units/{unit}/scores/{criterion_code}",
    response=SavedScoreOut,
    openapi_extra={"x-conflict": True},
    auth=scoped("scores:write"),
    url_name="score_save",
)
def score_put(
    request: HttpRequest, round_id: int, unit: str, criterion_code: str, payload: ScoreIn
) -> SavedScoreOut:
    """Save what the unit declares for one criterion, as the self-assessment page does."""
    assessment = assessment_get_for_fill(
        user=request.user, pk=assessment_for(request, round_id, unit).pk
    )
    criterion_id = (
        Criterion.objects.filter(
            framework_id=assessment.round.framework_id, code=criterion_code.strip()
        )
        .values_list("pk", flat=True)
        .first()
    )
    if criterion_id is None:
        raise Problem(404, NO_CRITERION_MESSAGE, params={"code": criterion_code[:50]})
    try:
        score, figures = score_save(
            actor=request.user,
            assessment=assessment,
            criterion=criterion_id,
            data=form_data(payload.inputs),
            explanation=payload.explanation,
            expected_version=payload.version,
        )
    except ConflictError as conflict:
        # The page's own words; the version to read again is the score's, GET …/units/{unit}.
        raise Problem(409, str(conflict.message), slug="conflict") from None
    # A refused value (ValidationError) is answered 422 by the API's handler, in the page's words.
    stored = figures.assessment
    return SavedScoreOut(
        criterion_code=criterion_code.strip(),
        inputs=score.inputs or {},
        self_points=decimal_text(score.self_points),
        explanation=score.explanation,
        version=version_token(score),
        assessment_self_points=str(stored.self_points),
        assessment_self_max=str(stored.self_max),
    )
