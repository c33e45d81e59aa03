"""Who sees and issues which document: the rules of what the document is about.

- Decisions forming teams, plans and ranking announcements are the organiser's: its Home
  Affairs keepers issue them.
- Conclusion notices are the team's: its members (and the keepers) issue them.
- A self-assessment report is the unit's: its officer or chair issues it.
- Anyone who may read the inspection, plan, round or assessment may read its documents.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cchc.assessments import selectors as assessment_selectors
from cchc.assessments.models import Assessment
from cchc.core.permissions import user_has_capability
from cchc.core.roles import CAPABILITY_ROLES, Capability
from cchc.documents.kinds import kind_info
from cchc.documents.models import BulkJob, IssuedDocument, Kind
from cchc.inspections import selectors as inspection_selectors
from cchc.inspections.models import Inspection, InspectionPlan
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import Scope

Target = Any


def target_for_user(*, user: Any, kind: str, pk: int) -> Target:
    """The record a document of `kind` is built from, if the user may read what the document
    says on the page it comes from (else 404 or 403): a draft says no more than that page.
    A ranking announcement tables the round's results, so it follows the results page."""
    target = kind_info(kind).target
    if target == "inspection":
        inspection = inspection_selectors.inspection_get_for_user(user=user, pk=pk)
        # The notice tells the team's findings: the unit reads them once the visit is concluded.
        if kind == Kind.CONCLUSION_NOTICE and not inspection_selectors.notes_visible(
            user=user, inspection=inspection
        ):
            raise PermissionDenied
        return inspection
    if target == "plan":
        return inspection_selectors.plan_get_for_user(user=user, pk=pk)
    if target == "round":
        round_ = assessment_selectors.round_get_for_user(user=user, pk=pk)
        if not assessment_selectors.round_results_visible(user=user, round_=round_):
            raise PermissionDenied
        return round_
    return assessment_selectors.assessment_get_for_user(user=user, pk=pk)


def can_issue(*, user: Any, kind: str, target: Target) -> bool:
    if kind in {Kind.TEAM_DECISION, Kind.CONCLUSION_NOTICE}:
        if kind == Kind.TEAM_DECISION:
            return inspection_selectors.can_manage(user=user, inspection=target)
        return inspection_selectors.can_lead(user=user, inspection=target)
    if kind in {Kind.INSPECTION_PLAN, Kind.RESULT_REPORT}:
        return inspection_selectors.plan_can_manage(user=user, plan=target)
    if kind == Kind.RANKING_ANNOUNCEMENT:
        return assessment_selectors.round_can_manage(user=user, round_=target)
    return user_has_capability(user, Capability.SELF_ASSESS) and assessment_selectors.can_fill(
        user=user, assessment=target
    )


def target_for_issue(*, user: Any, kind: str, pk: int) -> Target:
    target = target_for_user(user=user, kind=kind, pk=pk)
    if not can_issue(user=user, kind=kind, target=target):
        raise PermissionDenied
    return target


def issued_list_for_user(*, user: Any) -> QuerySet[IssuedDocument]:
    """The register as the user may read it, newest first."""
    rounds = assessment_selectors.round_list_for_user(user=user).values("pk")
    visible = Q(round__in=rounds)
    if user_has_capability(user, Capability.VIEW_INSPECTIONS):
        inspections = inspection_selectors.inspection_list_for_user(user=user).values("pk")
        plans = inspection_selectors.plan_list_for_user(user=user).values("pk")
        visible |= Q(inspection__in=inspections) | Q(plan__in=plans)
    # A unit's documents (its self-assessment report): of the rounds read, the units reached
    # (a round organised above the reader's tree holds units that are not theirs).
    assessments = Scope.of(user).filter(Assessment.objects.filter(round__in=rounds), "org_unit")
    visible |= Q(assessment__in=assessments.values("pk"))
    return (
        IssuedDocument.objects.filter(visible)
        .select_related("issuer", "replaced_by", "replaces")
        .order_by("-issued_on", "-number", "-pk")
    )


def issued_get_for_user(*, user: Any, pk: int) -> IssuedDocument:
    return get_object_or_404(issued_list_for_user(user=user), pk=pk)


def can_add_scan(*, user: Any, document: IssuedDocument) -> bool:
    """Whoever may issue the document archives its signed scan."""
    target = document.inspection or document.plan or document.round or document.assessment
    return can_issue(user=user, kind=document.kind, target=target)


def bulk_get_for_user(*, user: Any, pk: int) -> BulkJob:
    job = get_object_or_404(BulkJob.objects.select_related("plan__organiser"), pk=pk)
    if not inspection_selectors.plan_can_manage(user=user, plan=job.plan):
        raise PermissionDenied
    return job


def documents_of(*, target: Inspection | InspectionPlan | Any) -> list[IssuedDocument]:
    field = {
        Inspection: "inspection",
        InspectionPlan: "plan",
    }.get(type(target), "round" if hasattr(target, "framework_id") else "assessment")
    return list(
        IssuedDocument.objects.filter(**{field: target})
        .select_related("replaced_by", "replaces")
        .order_by("-issued_on", "-pk")
    )


def current_document(*, kind: str, target: Target) -> IssuedDocument | None:
    """The document of the kind issued for the record and not replaced since, if any."""
    return (
        IssuedDocument.objects.filter(
            kind=kind, replaced_by__isnull=True, **{kind_info(kind).target: target}
        )
        .order_by("-pk")
        .first()
    )


@dataclass(frozen=True)
class Replaced:
    """What issuing a document of a kind for a record would replace: the current document,
    or, for a decision forming a team, the decision typed on the visit's page (issued outside
    CCHC, `document` None). The user confirms it by its number and symbol."""

    reference: str
    issued_on: datetime.date | None
    document: IssuedDocument | None


def replaced_on_issue(*, kind: str, target: Target) -> Replaced | None:
    current = current_document(kind=kind, target=target)
    if current is not None:
        return Replaced(current.reference, current.issued_on, current)
    if kind == Kind.TEAM_DECISION and isinstance(target, Inspection) and target.decision_number:
        return Replaced(target.decision_number, target.decision_date, None)
    return None


def template_units_for_user(*, user: Any) -> list[OrgUnit]:
    """The units whose Word templates the user keeps: where they hold a role that manages
    documents (a city's coordinator keeps the city's, an administrator the province's)."""
    roles = CAPABILITY_ROLES[Capability.MANAGE_INSPECTIONS]
    units = {m.org_unit.pk: m.org_unit for m in user.active_memberships if m.role in roles}
    return sorted(units.values(), key=lambda unit: unit.path)


def template_unit_for_user(*, user: Any, unit_id: str | None) -> OrgUnit:
    """The unit named by the request (its id) among those the user keeps; the first one when
    none is named; 403 for any other."""
    units = template_units_for_user(user=user)
    if not units:
        raise PermissionDenied
    if not unit_id:
        return units[0]
    for unit in units:
        if str(unit.pk) == unit_id:
            return unit
    raise PermissionDenied
