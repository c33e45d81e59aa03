"""Who sees which plan and inspection.

- Keepers (Home Affairs, administrators) see the plans they organise and all their visits.
- Leaders see every visit of their city.
- An inspector or an appraiser sees the visits whose team they sit on, and, once published,
  the others of their city.
- A ward or commune sees its own visits once the plan is approved, never another unit's; the
  team's working notes (verdicts, photos, findings, root causes, support, recommendations and
  their actions) only once the visit is concluded (`notes_visible`, `with_notes_for`).
- An agency given a remediation action sees the concluded visit it comes from, and reports on it.

Each form of the inspection and plan pages is shown by the same function its POST view asks
(`can_manage`, `can_inspect`, `can_lead`, `can_answer`, `can_report`, `can_request`,
`can_withdraw`).
"""

import datetime
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Prefetch, Q, QuerySet, When
from django.shortcuts import get_object_or_404

from cchc.accounts.models import Membership
from cchc.core.permissions import require_capability, user_has_capability
from cchc.core.roles import Capability, Role
from cchc.core.textsearch import rank_similar
from cchc.inspections.models import (
    CONCLUDED_STATUSES,
    Checklist,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionFile,
    InspectionPlan,
    InspectionRequest,
    RemediationAction,
    RootCause,
    TeamMember,
)
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import KEEP, UNIT_ROLES, Scope, ancestor_ids, under_q

TEAM_ROLES = {Role.APPRAISER, Role.INSPECTOR}
# A visit whose date has passed in one of these states has not started: it is overdue.
NOT_STARTED = {Inspection.Status.PLANNED, Inspection.Status.PREPARING}


def plan_list_for_user(*, user: Any) -> QuerySet[InspectionPlan]:
    """Plans the user may read: keepers' own, and their city's for agencies and leaders."""
    require_capability(user, Capability.VIEW_INSPECTIONS)
    plans = InspectionPlan.objects.select_related("organiser")
    scope = Scope.of(user)
    if scope.is_admin:
        return plans
    visible = under_q(scope.keeper_paths + scope.reader_roots, "organiser")
    return plans.filter(visible).distinct()


def plan_get_for_user(*, user: Any, pk: int) -> InspectionPlan:
    return get_object_or_404(plan_list_for_user(user=user), pk=pk)


def plan_can_manage(*, user: Any, plan: InspectionPlan) -> bool:
    if not user_has_capability(user, Capability.MANAGE_INSPECTIONS):
        return False
    return Scope.of(user).keeps(plan.organiser)


def plan_get_for_manage(*, user: Any, pk: int) -> InspectionPlan:
    plan = plan_get_for_user(user=user, pk=pk)
    if not plan_can_manage(user=user, plan=plan):
        raise PermissionDenied
    return plan


def requesting_agencies(*, user: Any, plan: InspectionPlan) -> QuerySet[OrgUnit]:
    """Agencies on whose behalf the user may file requests: their own, or any for keepers."""
    agencies = OrgUnit.objects.filter(
        under_q([plan.organiser]), kind=OrgUnit.Kind.AGENCY, active_to__isnull=True
    )
    if plan_can_manage(user=user, plan=plan):
        return agencies
    if not user_has_capability(user, Capability.REQUEST_INSPECTIONS):
        return agencies.none()
    ids = [m.org_unit_id for m in user.active_memberships if m.role in TEAM_ROLES]
    return agencies.filter(pk__in=ids)


def can_request(*, user: Any, plan: InspectionPlan) -> bool:
    """Who may file a request into the plan: someone with an agency to file it for."""
    return (
        user_has_capability(user, Capability.REQUEST_INSPECTIONS)
        and requesting_agencies(user=user, plan=plan).exists()
    )


def can_withdraw(*, user: Any, request: InspectionRequest, plan: InspectionPlan) -> bool:
    """Who may withdraw a request: whoever filed it, or the plan's keepers."""
    if not user_has_capability(user, Capability.REQUEST_INSPECTIONS):
        return False
    return request.filed_by_id == user.pk or plan_can_manage(user=user, plan=plan)


def inspection_list_for_user(*, user: Any) -> QuerySet[Inspection]:
    """Visits the user may read, soonest first."""
    require_capability(user, Capability.VIEW_INSPECTIONS)
    inspections = Inspection.objects.select_related("org_unit", "plan__organiser")
    scope = Scope.of(user)
    if scope.is_admin:
        return inspections
    visible = under_q(scope.keeper_paths + scope.leader_paths, "plan__organiser")
    if scope.roles & TEAM_ROLES:
        visible |= Q(team__user=user)
        visible |= Q(is_published=True) & under_q(scope.reader_roots, "plan__organiser")
    units = scope.own_unit_ids
    if units:
        visible |= Q(org_unit_id__in=units, plan__status=InspectionPlan.Status.APPROVED)
    owning = _owning_agencies(user)
    if owning:
        visible |= Q(recommendations__actions__owner_id__in=owning, status__in=CONCLUDED_STATUSES)
    return inspections.filter(visible).distinct()


# A visit's working notes reach the inspected unit when the team concludes it
# (models.CONCLUDED_STATUSES): before, the findings and recommendations are drafts the team may
# still change, and nothing is to report.


def _notes_withheld(user: Any) -> Q:
    """The visits whose notes `user` waits for: their own unit's, not concluded yet."""
    return Q(org_unit_id__in=Scope.of(user).own_unit_ids) & ~Q(status__in=CONCLUDED_STATUSES)


def notes_visible(*, user: Any, inspection: Inspection) -> bool:
    """Whether `user` reads the team's notes of a visit they read (the page, its checklist,
    its photos, the draft conclusion notice, the API)."""
    return (
        inspection.status in CONCLUDED_STATUSES
        or inspection.org_unit_id not in Scope.of(user).own_unit_ids
    )


def with_notes_for(*, user: Any, inspections: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """Of `inspections` (visits `user` reads), those whose notes they read (notes_visible)."""
    return inspections.exclude(_notes_withheld(user))


def _owning_agencies(user: Any) -> set[int]:
    """Agencies whose remediation actions the user reports on."""
    return {
        m.org_unit_id
        for m in user.active_memberships
        if m.role in TEAM_ROLES and m.org_unit.kind == OrgUnit.Kind.AGENCY
    }


def inspection_get_for_user(*, user: Any, pk: int) -> Inspection:
    return get_object_or_404(inspection_list_for_user(user=user), pk=pk)


def can_manage(*, user: Any, inspection: Inspection) -> bool:
    return plan_can_manage(user=user, plan=inspection.plan)


def is_on_team(*, user: Any, inspection: Inspection) -> bool:
    return any(member.user_id == user.pk for member in inspection.team.all())


def can_inspect(*, user: Any, inspection: Inspection) -> bool:
    """Team members record the visit; the coordinator may correct it."""
    if not user_has_capability(user, Capability.INSPECT):
        return False
    return can_manage(user=user, inspection=inspection) or is_on_team(
        user=user, inspection=inspection
    )


def can_lead(*, user: Any, inspection: Inspection) -> bool:
    """The team's head concludes the visit and signs its conclusion notice ("TM. ĐOÀN KIỂM
    TRA / TRƯỞNG ĐOÀN"); the coordinator may stand in. A member records the visit only: one
    assigned two ISO sections had concluded a visit and issued its notice (a walk)."""
    if not user_has_capability(user, Capability.INSPECT):
        return False
    return can_manage(user=user, inspection=inspection) or any(
        member.user_id == user.pk and member.is_head for member in inspection.team.all()
    )


def can_answer(*, user: Any, inspection: Inspection) -> bool:
    """Officers and chairs of the inspected unit send the documents asked of it."""
    return user_has_capability(user, Capability.REMEDIATE) and (
        inspection.org_unit_id in Scope.of(user).own_unit_ids
    )


def reporter_roles(owner: OrgUnit) -> set[str]:
    """The roles that report on an action owned by `owner`: an agency's appraisers and
    inspectors, a ward's or commune's officers and chairs."""
    return set(TEAM_ROLES) if owner.kind == OrgUnit.Kind.AGENCY else set(UNIT_ROLES)


def reporting_unit_ids(*, user: Any) -> set[int]:
    """The units whose remediation actions the user reports on (the same rule as can_report):
    a ward's officers and chairs for the ward, an agency's appraisers and inspectors for it."""
    return {m.org_unit_id for m in user.active_memberships if m.role in reporter_roles(m.org_unit)}


def can_report(*, user: Any, action: RemediationAction) -> bool:
    """Whoever owns a remediation action reports its progress: the inspected unit for its own
    actions, the agency for those given to it. The one rule for the report view and the page."""
    if action.recommendation.inspection.status not in CONCLUDED_STATUSES:
        return False  # nothing to report before the visit is concluded
    roles = reporter_roles(action.owner)
    return any(
        m.org_unit_id == action.owner_id and m.role in roles for m in user.active_memberships
    )


def action_for_report(*, user: Any, pk: int) -> tuple[RemediationAction, Inspection]:
    """A remediation action the user reports on, with its inspection: one of a visit the user
    may not read is 404, one they read but do not own is 403 (can_report). The one rule of
    the report page and the API."""
    require_capability(user, Capability.VIEW_INSPECTIONS)
    action = get_object_or_404(
        RemediationAction.objects.select_related("recommendation__inspection", "owner"), pk=pk
    )
    inspection = inspection_get_for_user(user=user, pk=action.recommendation.inspection_id)
    if not can_report(user=user, action=action):
        raise PermissionDenied
    return action, inspection


def visit_overdue(inspection: Inspection, *, today: datetime.date) -> bool:
    """The visit's day has passed and it has not started."""
    return inspection.visit_date < today and inspection.status in NOT_STARTED


def inspection_for_page(*, user: Any, pk: int) -> Inspection:
    """One inspection with everything its page shows, in a fixed number of queries."""
    inspections = inspection_list_for_user(user=user).prefetch_related(
        Prefetch("team", queryset=TeamMember.objects.select_related("user", "agency")),
        "requests__agency",
        Prefetch(
            "files",
            queryset=InspectionFile.objects.select_related("item").order_by("created_at"),
        ),
        "document_requests__item__checklist",
        "document_requests__files",
        "document_requests__evidence",
        Prefetch(
            "findings",
            queryset=Finding.objects.prefetch_related(
                "root_causes",
                Prefetch("items", queryset=ChecklistItem.objects.select_related("checklist")),
                "criteria",
            )
            .select_related("repeat_of__inspection__org_unit")
            .order_by("kind", "topic", "area", "created_at"),
        ),
        "recommendations__findings",
        "recommendations__root_causes",
        Prefetch(
            "recommendations__actions",
            queryset=RemediationAction.objects.select_related("owner").prefetch_related(
                "reports__files", "reports__reported_by"
            ),
        ),
    )
    return get_object_or_404(inspections, pk=pk)


def checklists_for(*, organiser: OrgUnit, topics: list[str]) -> list[Checklist]:
    """The checklist in use for each topic: the newest active version issued at or above."""
    chosen: dict[str, Checklist] = {}
    for checklist in (
        Checklist.objects.filter(
            issuer_id__in=ancestor_ids(organiser), is_active=True, topic__in=topics
        )
        .select_related("issuer")
        .order_by("topic", "-issuer__path", "-version")
    ):
        chosen.setdefault(checklist.topic, checklist)
    return [chosen[topic] for topic in topics if topic in chosen]


def checklist_list_for_user(*, user: Any) -> QuerySet[Checklist]:
    require_capability(user, Capability.VIEW_INSPECTIONS)
    return Checklist.objects.select_related("issuer", "framework").annotate(
        item_count=Count("items")
    )


def checklist_get_for_user(*, user: Any, pk: int) -> Checklist:
    return get_object_or_404(checklist_list_for_user(user=user), pk=pk)


def finding_suggestions(
    *, inspection: Inspection, text: str, limit: int = 5
) -> tuple[list[tuple[RootCause, float]], list[tuple[Finding, float]]]:
    """Root causes already recorded by the organiser, and similar shortcomings of other units,
    ranked by how alike their words are (accent-insensitive)."""
    if len(text.strip()) < 4:
        return [], []
    causes = list(RootCause.objects.filter(organiser=inspection.plan.organiser))
    ranked_causes = rank_similar(text, [(cause, cause.title) for cause in causes], limit=limit)
    others = (
        Finding.objects.filter(
            kind=Finding.Kind.SHORTCOMING, inspection__plan__organiser=inspection.plan.organiser
        )
        .exclude(inspection=inspection)
        .select_related("inspection__org_unit")
        .prefetch_related("root_causes")
        .order_by("-created_at")[:2000]
    )
    ranked_findings = rank_similar(
        text, [(finding, finding.text) for finding in others], limit=limit
    )
    return ranked_causes, ranked_findings


def root_cause_ranking(*, user: Any) -> list[dict[str, Any]]:
    """Root causes ranked by how many shortcomings and units they explain, across topics."""
    require_capability(user, Capability.VIEW_INSPECTIONS)
    visible = with_notes_for(user=user, inspections=inspection_list_for_user(user=user))
    links = (
        Finding.root_causes.through.objects.filter(
            finding__inspection__in=visible.values("pk"), finding__kind=Finding.Kind.SHORTCOMING
        )
        .values_list(
            "rootcause_id",
            "finding_id",
            "finding__inspection__org_unit_id",
            "finding__topic",
        )
        .order_by()
    )
    findings: dict[int, set[int]] = defaultdict(set)
    units: dict[int, set[int]] = defaultdict(set)
    topics: dict[int, set[str]] = defaultdict(set)
    for cause_id, finding_id, unit_id, topic in links:
        findings[cause_id].add(finding_id)
        units[cause_id].add(unit_id)
        topics[cause_id].add(topic)
    causes = RootCause.objects.in_bulk(list(findings))
    rows: list[dict[str, Any]] = [
        {
            "cause": causes[cause_id],
            "findings": len(findings[cause_id]),
            "units": len(units[cause_id]),
            "topics": sorted(topics[cause_id]),
        }
        for cause_id in findings
    ]
    rows.sort(key=lambda row: (-row["findings"], -row["units"], row["cause"].title))
    return rows


def agency_members(*, organiser: OrgUnit) -> QuerySet[Membership]:
    """Memberships that can put a person on a team: appraisers and inspectors of agencies."""
    return Membership.objects.filter(
        under_q([organiser], "org_unit"),
        is_active=True,
        role__in=list(TEAM_ROLES),
        org_unit__kind=OrgUnit.Kind.AGENCY,
        user__is_active=True,
    ).select_related("user", "org_unit")


def actions_to_report(*, user: Any) -> QuerySet[RemediationAction]:
    """The open actions the user reports on: their unit's, or their agency's."""
    owners = Scope.of(user).own_unit_ids | _owning_agencies(user)
    return actions_for_units(unit_ids=owners)


def actions_for_units(*, unit_ids: Collection[int]) -> QuerySet[RemediationAction]:
    return (
        RemediationAction.objects.filter(
            owner_id__in=unit_ids, recommendation__inspection__status__in=CONCLUDED_STATUSES
        )
        .exclude(status=RemediationAction.Status.VERIFIED)
        .select_related("recommendation__inspection", "owner")
    )


def open_actions_to_follow(*, user: Any) -> QuerySet[RemediationAction]:
    """The remediation actions not yet verified of the visits the user manages (the
    coordinator's "open remediation") or whose team they were on (the team verifies: an
    inspector heading several visits had to open each to follow them; a walk): those
    reported done first (they wait for verification), then by deadline, so the overdue come
    before the rest."""
    concluded = RemediationAction.objects.filter(
        recommendation__inspection__status__in=CONCLUDED_STATUSES
    )
    if user_has_capability(user, Capability.MANAGE_INSPECTIONS):
        kept = Scope.of(user).filter(
            concluded, "recommendation__inspection__plan__organiser", purpose=KEEP
        )
    elif user_has_capability(user, Capability.INSPECT):
        kept = concluded.filter(
            recommendation__inspection_id__in=TeamMember.objects.filter(user=user).values(
                "inspection_id"
            )
        )
    else:
        return RemediationAction.objects.none()
    return (
        kept.exclude(status=RemediationAction.Status.VERIFIED)
        .select_related("recommendation__inspection__org_unit", "owner")
        .annotate(waits=Case(When(status=RemediationAction.Status.REPORTED, then=0), default=1))
        .order_by("waits", "deadline", "pk")
    )
