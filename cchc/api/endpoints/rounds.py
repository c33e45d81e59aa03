"""Rounds, a unit's assessment in a round with its scores, and a score's evidence (metadata
only; the file through the pages' permission-checked download). The reading rules are the
round pages' (assessments.selectors): round_list_for_user, assessment_get_for_user (another
ward's assessment is 404), shows_appraisal (a unit sees its appraised points only once the
round reaches appeals)."""

import datetime

from django.db.models import Count
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_noop
from ninja import Field, Query, Router, Schema

from cchc.api.auth import scoped
from cchc.api.lookups import unit_for_ref
from cchc.api.pagination import Page, PageParams, paginate
from cchc.api.problems import Problem
from cchc.api.schemas import DecimalText, decimal_text
from cchc.assessments.models import Assessment, Evidence, Round, Score
from cchc.assessments.selectors import (
    assessment_get_for_user,
    round_get_for_user,
    round_list_for_user,
    shows_appraisal,
)
from cchc.core.versioning import version_token
from cchc.orgunits.scope import Scope

router = Router(tags=["rounds"])

NO_ASSESSMENT_MESSAGE = gettext_noop("The round holds no assessment of this unit.")


class RoundOut(Schema):
    id: int
    framework_id: int
    organiser_id: int
    organiser_code: str
    period: str = Field(description="6m, 9m or year")
    year: int
    status: str
    self_assessment_due_on: datetime.date
    appraisal_due_on: datetime.date
    appeals_due_on: datetime.date
    decision_number: str
    decision_date: datetime.date | None
    published_at: datetime.datetime | None


class RoundFilters(Schema):
    year: int | None = None
    period: Round.Period | None = None
    status: Round.Status | None = None


class ScoreOut(Schema):
    criterion_id: int
    criterion_code: str
    inputs: dict
    self_points: DecimalText | None
    self_explanation: str
    explanation: str
    is_not_applicable: bool
    is_carried_over: bool
    appraised_points: DecimalText | None = Field(
        description="null until appraised, and for the unit itself before appeals"
    )
    appraisal_reason: str
    evidence_count: int
    version: str = Field(description="Send it back when saving this score (PUT …/scores/{code})")


class AssessmentOut(Schema):
    id: int
    round_id: int
    unit_id: int
    unit_code: str
    status: str
    due_on: datetime.date
    submitted_at: datetime.datetime | None
    self_points: DecimalText
    self_max: DecimalText
    appraised_points: DecimalText | None
    appraised_max: DecimalText | None
    shows_appraisal: bool
    scores: list[ScoreOut]


class EvidenceOut(Schema):
    id: int
    kind: str
    title: str
    file_name: str
    size: int
    document_number: str
    document_date: datetime.date | None
    uploaded_at: datetime.datetime
    download_url: str | None = Field(
        description="The pages' download, which checks the caller's permission again"
    )


def round_out(round_: Round) -> RoundOut:
    return RoundOut(
        id=round_.pk,
        framework_id=round_.framework_id,
        organiser_id=round_.organiser_id,
        organiser_code=round_.organiser.code,
        period=round_.period,
        year=round_.year,
        status=round_.status,
        self_assessment_due_on=round_.self_assessment_due_on,
        appraisal_due_on=round_.appraisal_due_on,
        appeals_due_on=round_.appeals_due_on,
        decision_number=round_.decision_number,
        decision_date=round_.decision_date,
        published_at=round_.published_at,
    )


@router.get("", response=Page[RoundOut], auth=scoped("rounds:read"), url_name="round_list")
def round_list(request: HttpRequest, filters: Query[RoundFilters], page: Query[PageParams]) -> dict:
    """The rounds the caller may read, newest year first."""
    # Not what each round froze at publication: a nation's table is a megabyte a round.
    rounds = round_list_for_user(user=request.user).defer("published_results", "published_summary")
    for name in ("year", "period", "status"):
        value = getattr(filters, name)
        if value is not None:
            rounds = rounds.filter(**{name: value})
    return paginate(rounds, page, order=("-year",), item=round_out)


@router.get(
    "/{int:round_id}", response=RoundOut, auth=scoped("rounds:read"), url_name="round_detail"
)
def round_detail(request: HttpRequest, round_id: int) -> RoundOut:
    return round_out(round_get_for_user(user=request.user, pk=round_id))


def assessment_for(request: HttpRequest, round_id: int, unit: str) -> Assessment:
    """The unit's assessment in the round, read by the pages' rule."""
    round_ = round_get_for_user(user=request.user, pk=round_id)
    org_unit = unit_for_ref(request.user, unit)
    found = (
        Assessment.objects.filter(round=round_, org_unit=org_unit).values_list("pk", flat=True)
    ).first()
    if found is None:
        # Said only of a unit the caller reads: to another, "none in this round" told which
        # units a round assesses (an attacker's walk); it gets the answer an assessment it may
        # not read gets.
        if Scope.of(request.user).covers(org_unit):
            raise Problem(404, NO_ASSESSMENT_MESSAGE)
        raise Http404
    return assessment_get_for_user(user=request.user, pk=found)


@router.get(
    "/{int:round_id}/units/{unit}",
    response=AssessmentOut,
    auth=scoped("rounds:read"),
    url_name="assessment_detail",
)
def assessment_detail(request: HttpRequest, round_id: int, unit: str) -> AssessmentOut:
    """A unit's assessment in a round with every score (appraised points as the page shows
    them to the caller)."""
    assessment = assessment_for(request, round_id, unit)
    appraisal = shows_appraisal(user=request.user, assessment=assessment)
    from_db = list(
        Score.objects.filter(assessment=assessment)
        .select_related("criterion")
        .annotate(evidence_count=Count("evidence"))
        .order_by("criterion__order")
    )
    return AssessmentOut(
        id=assessment.pk,
        round_id=assessment.round_id,
        unit_id=assessment.org_unit_id,
        unit_code=assessment.org_unit.code,
        status=assessment.status,
        due_on=assessment.due_on,
        submitted_at=assessment.submitted_at,
        self_points=str(assessment.self_points),
        self_max=str(assessment.self_max),
        appraised_points=decimal_text(assessment.appraised_points) if appraisal else None,
        appraised_max=decimal_text(assessment.appraised_max) if appraisal else None,
        shows_appraisal=appraisal,
        scores=[
            ScoreOut(
                criterion_id=score.criterion_id,
                criterion_code=score.criterion.code,
                inputs=score.inputs or {},
                self_points=decimal_text(score.self_points),
                self_explanation=score.self_explanation,
                explanation=score.explanation,
                is_not_applicable=score.is_not_applicable,
                is_carried_over=score.is_carried_over,
                appraised_points=decimal_text(score.appraised_points) if appraisal else None,
                appraisal_reason=score.appraisal_reason if appraisal else "",
                evidence_count=score.evidence_count,
                version=version_token(score),
            )
            for score in from_db
        ],
    )


@router.get(
    "/{int:round_id}/units/{unit}/scores/{criterion_code}/evidence",
    response=list[EvidenceOut],
    auth=scoped("rounds:read"),
    url_name="score_evidence",
)
def score_evidence(
    request: HttpRequest, round_id: int, unit: str, criterion_code: str
) -> list[EvidenceOut]:
    """The evidence cited for one criterion: what it is, never the file's content."""
    assessment = assessment_for(request, round_id, unit)
    evidence = Evidence.objects.filter(
        scores__assessment=assessment, scores__criterion__code=criterion_code
    ).order_by("created_at", "pk")
    return [
        EvidenceOut(
            id=item.pk,
            kind=item.kind,
            title=item.title,
            file_name=item.original_name,
            size=item.size,
            document_number=item.document_number,
            document_date=item.document_date,
            uploaded_at=item.created_at,
            download_url=(
                request.build_absolute_uri(reverse("assessments:evidence_download", args=[item.pk]))
                if item.file
                else None
            ),
        )
        for item in evidence
    ]
