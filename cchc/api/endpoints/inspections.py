"""Inspection plans, visits, findings, root causes, recommendations and their remediation
actions, read by the inspection pages' rules (inspections.selectors): plan_list_for_user for
plans, inspection_list_for_user for visits and everything recorded on them (a ward reads its
own visits once the plan is approved, never another unit's; a team member the visits it sits
on; an agency the visits whose actions it owns), root_cause_ranking for the root causes page.
Filters: `unit` (a code or id: that unit and every unit under it), `year`, `status`."""

import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cchc.api.auth import scoped
from cchc.api.lookups import unit_for_ref
from cchc.api.pagination import Page, PageParams, paginate, paginate_list
from cchc.inspections.models import (
    Finding,
    Inspection,
    InspectionPlan,
    Recommendation,
    RemediationAction,
)
from cchc.inspections.selectors import (
    inspection_get_for_user,
    inspection_list_for_user,
    notes_visible,
    plan_get_for_user,
    plan_list_for_user,
    root_cause_ranking,
    with_notes_for,
)
from cchc.orgunits.scope import under_q

router = Router(tags=["inspections"])
SCOPE = "inspections:read"
UNIT_HELP = "A unit's code or id: that unit and every unit under it."


class PlanOut(Schema):
    id: int
    year: int
    status: str = Field(description="draft or approved")
    organiser_id: int
    organiser_code: str
    approved_at: datetime.datetime | None


class PlanFilters(Schema):
    unit: str | None = Field(None, max_length=50, description="The organiser: " + UNIT_HELP)
    year: int | None = None
    status: InspectionPlan.Status | None = None


class VisitOut(Schema):
    id: int
    plan_id: int
    year: int
    organiser_code: str
    unit_id: int
    unit_code: str
    unit_name: str
    visit_date: datetime.date
    topics: list[str]
    status: str = Field(description="planned, preparing, visiting, concluded or closed")
    decision_number: str
    decision_date: datetime.date | None
    is_published: bool
    published_at: datetime.datetime | None


class VisitFilters(Schema):
    unit: str | None = Field(None, max_length=50, description="The visited unit: " + UNIT_HELP)
    year: int | None = Field(None, description="The plan's year.")
    status: Inspection.Status | None = None
    visited_from: datetime.date | None = Field(None, description="Visit date on or after.")
    visited_to: datetime.date | None = Field(None, description="Visit date on or before.")


class RootCauseRef(Schema):
    id: int
    title: str


class FindingOut(Schema):
    id: int
    inspection_id: int
    unit_code: str
    kind: str = Field(description="strength or shortcoming")
    topic: str
    area: str
    text: str
    severity: str
    cause_kind: str
    cause: str
    root_causes: list[RootCauseRef]
    repeat_of_id: int | None
    recorded_at: datetime.datetime


class FindingFilters(VisitFilters):
    kind: Finding.Kind | None = None


class ActionOut(Schema):
    id: int
    owner_id: int
    owner_code: str
    text: str
    deadline: datetime.date
    status: str = Field(description="open, reported (done, to verify) or verified")
    verified_at: datetime.datetime | None
    reopen_reason: str


class RecommendationOut(Schema):
    id: int
    inspection_id: int
    unit_code: str
    text: str
    finding_ids: list[int]
    root_causes: list[RootCauseRef]
    actions: list[ActionOut]


class RecommendationFilters(Schema):
    unit: str | None = Field(None, max_length=50, description="The visited unit: " + UNIT_HELP)
    year: int | None = Field(None, description="The plan's year.")
    status: RemediationAction.Status | None = Field(
        None, description="Recommendations with at least one action in this status."
    )


class VisitDetailOut(VisitOut):
    support_given: str
    findings: list[FindingOut]
    recommendations: list[RecommendationOut]


class RootCauseOut(Schema):
    id: int
    title: str
    description: str
    organiser_id: int
    findings: int = Field(description="Shortcomings it explains, in the visits you read")
    units: int = Field(description="Units those shortcomings are in")
    topics: list[str]


def plan_out(plan: InspectionPlan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        year=plan.year,
        status=plan.status,
        organiser_id=plan.organiser_id,
        organiser_code=plan.organiser.code,
        approved_at=plan.approved_at,
    )


def visit_fields(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.pk,
        "plan_id": inspection.plan_id,
        "year": inspection.plan.year,
        "organiser_code": inspection.plan.organiser.code,
        "unit_id": inspection.org_unit_id,
        "unit_code": inspection.org_unit.code,
        "unit_name": inspection.org_unit.name,
        "visit_date": inspection.visit_date,
        "topics": list(inspection.topics or []),
        "status": inspection.status,
        "decision_number": inspection.decision_number,
        "decision_date": inspection.decision_date,
        "is_published": inspection.is_published,
        "published_at": inspection.published_at,
    }


def finding_out(finding: Finding, unit_code: str) -> FindingOut:
    return FindingOut(
        id=finding.pk,
        inspection_id=finding.inspection_id,
        unit_code=unit_code,
        kind=finding.kind,
        topic=finding.topic,
        area=finding.area,
        text=finding.text,
        severity=finding.severity,
        cause_kind=finding.cause_kind,
        cause=finding.cause,
        root_causes=[RootCauseRef(id=c.pk, title=c.title) for c in finding.root_causes.all()],
        repeat_of_id=finding.repeat_of_id,
        recorded_at=finding.created_at,
    )


def action_out(action: RemediationAction) -> ActionOut:
    return ActionOut(
        id=action.pk,
        owner_id=action.owner_id,
        owner_code=action.owner.code,
        text=action.text,
        deadline=action.deadline,
        status=action.status,
        verified_at=action.verified_at,
        reopen_reason=action.reopen_reason,
    )


def recommendation_out(recommendation: Recommendation, unit_code: str) -> RecommendationOut:
    return RecommendationOut(
        id=recommendation.pk,
        inspection_id=recommendation.inspection_id,
        unit_code=unit_code,
        text=recommendation.text,
        finding_ids=[finding.pk for finding in recommendation.findings.all()],
        root_causes=[
            RootCauseRef(id=cause.pk, title=cause.title)
            for cause in recommendation.root_causes.all()
        ],
        actions=[action_out(action) for action in recommendation.actions.all()],
    )


ACTIONS = Prefetch(
    "actions",
    queryset=RemediationAction.objects.select_related("owner").order_by("deadline", "pk"),
)


def visits_for(request: HttpRequest, filters: VisitFilters | RecommendationFilters) -> QuerySet:
    """The visits the caller reads (the inspection pages' rule), filtered."""
    visits = inspection_list_for_user(user=request.user)
    if filters.unit:
        visits = visits.filter(under_q([unit_for_ref(request.user, filters.unit)], "org_unit"))
    if filters.year is not None:
        visits = visits.filter(plan__year=filters.year)
    if isinstance(filters, VisitFilters):
        if filters.status:
            visits = visits.filter(status=filters.status)
        if filters.visited_from:
            visits = visits.filter(visit_date__gte=filters.visited_from)
        if filters.visited_to:
            visits = visits.filter(visit_date__lte=filters.visited_to)
    return visits


def _with_notes(request: HttpRequest, filters: VisitFilters | RecommendationFilters) -> QuerySet:
    """The visits whose findings and recommendations the caller reads (the page's rule)."""
    return with_notes_for(user=request.user, inspections=visits_for(request, filters))


@router.get("/plans", response=Page[PlanOut], auth=scoped(SCOPE), url_name="inspection_plans")
def plan_list(request: HttpRequest, filters: Query[PlanFilters], page: Query[PageParams]) -> dict:
    """The inspection plans the caller reads, newest year first."""
    plans = plan_list_for_user(user=request.user)
    if filters.unit:
        plans = plans.filter(under_q([unit_for_ref(request.user, filters.unit)], "organiser"))
    if filters.year is not None:
        plans = plans.filter(year=filters.year)
    if filters.status:
        plans = plans.filter(status=filters.status)
    return paginate(plans, page, order=("-year",), item=plan_out)


@router.get(
    "/plans/{int:plan_id}", response=PlanOut, auth=scoped(SCOPE), url_name="inspection_plan"
)
def plan_detail(request: HttpRequest, plan_id: int) -> PlanOut:
    return plan_out(plan_get_for_user(user=request.user, pk=plan_id))


@router.get("/visits", response=Page[VisitOut], auth=scoped(SCOPE), url_name="inspection_visits")
def visit_list(request: HttpRequest, filters: Query[VisitFilters], page: Query[PageParams]) -> dict:
    """The visits the caller reads, with their status and dates, soonest first."""
    return paginate(
        visits_for(request, filters),
        page,
        order=("visit_date",),
        item=lambda inspection: VisitOut(**visit_fields(inspection)),
    )


@router.get(
    "/visits/{int:visit_id}",
    response=VisitDetailOut,
    auth=scoped(SCOPE),
    url_name="inspection_visit",
)
def visit_detail(request: HttpRequest, visit_id: int) -> VisitDetailOut:
    """One visit with what its page records: findings with their root causes, and the
    recommendations with their remediation actions and status."""
    inspection = inspection_get_for_user(user=request.user, pk=visit_id)
    code = inspection.org_unit.code
    if not notes_visible(user=request.user, inspection=inspection):
        # The inspected unit reads the team's notes once the visit is concluded (as its page).
        return VisitDetailOut(
            **visit_fields(inspection), support_given="", findings=[], recommendations=[]
        )
    findings = Finding.objects.filter(inspection=inspection).prefetch_related("root_causes")
    recommendations = (
        Recommendation.objects.filter(inspection=inspection)
        .prefetch_related("findings", "root_causes", ACTIONS)
        .order_by("created_at", "pk")
    )
    return VisitDetailOut(
        **visit_fields(inspection),
        support_given=inspection.support_given,
        findings=[finding_out(finding, code) for finding in findings.order_by("kind", "pk")],
        recommendations=[recommendation_out(item, code) for item in recommendations],
    )


@router.get(
    "/findings", response=Page[FindingOut], auth=scoped(SCOPE), url_name="inspection_findings"
)
def finding_list(
    request: HttpRequest, filters: Query[FindingFilters], page: Query[PageParams]
) -> dict:
    """Strengths and shortcomings recorded on the visits the caller reads, newest first."""
    findings = (
        Finding.objects.filter(inspection__in=_with_notes(request, filters).values("pk"))
        .select_related("inspection__org_unit")
        .prefetch_related("root_causes")
    )
    if filters.kind:
        findings = findings.filter(kind=filters.kind)
    return paginate(
        findings,
        page,
        order=("-created_at",),
        item=lambda finding: finding_out(finding, finding.inspection.org_unit.code),
    )


@router.get(
    "/recommendations",
    response=Page[RecommendationOut],
    auth=scoped(SCOPE),
    url_name="inspection_recommendations",
)
def recommendation_list(
    request: HttpRequest, filters: Query[RecommendationFilters], page: Query[PageParams]
) -> dict:
    """Recommendations of the visits the caller reads, with their remediation actions and
    each action's status, oldest first."""
    recommendations = (
        Recommendation.objects.filter(inspection__in=_with_notes(request, filters).values("pk"))
        .select_related("inspection__org_unit")
        .prefetch_related("findings", "root_causes", ACTIONS)
    )
    if filters.status:
        with_status = RemediationAction.objects.filter(status=filters.status)
        recommendations = recommendations.filter(Q(pk__in=with_status.values("recommendation_id")))
    return paginate(
        recommendations,
        page,
        order=("created_at",),
        item=lambda item: recommendation_out(item, item.inspection.org_unit.code),
    )


@router.get(
    "/root-causes",
    response=Page[RootCauseOut],
    auth=scoped(SCOPE),
    url_name="inspection_root_causes",
)
def root_cause_list(request: HttpRequest, page: Query[PageParams]) -> dict:
    """Root causes ranked by the shortcomings and units they explain (the root causes page)."""
    rows = root_cause_ranking(user=request.user)
    result = paginate_list(rows, page, key=lambda row: row["cause"].pk)
    result["items"] = [
        RootCauseOut(
            id=row["cause"].pk,
            title=row["cause"].title,
            description=row["cause"].description,
            organiser_id=row["cause"].organiser_id,
            findings=row["findings"],
            units=row["units"],
            topics=row["topics"],
        )
        for row in result["items"]
    ]
    return result
