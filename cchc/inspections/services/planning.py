"""The year's plan: agencies file requests, the planner consolidates them into one visit per
unit, the coordinator adjusts dates and teams, then approves."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from cchc.accounts.models import Membership, User
from cchc.core.audit import audit_record
from cchc.core.dates import short_date
from cchc.inspections import planner
from cchc.inspections.models import (
    Inspection,
    InspectionPlan,
    InspectionRequest,
    TeamMember,
    Topic,
)
from cchc.inspections.selectors import TEAM_ROLES, agency_members
from cchc.inspections.services.visits import head_refusal
from cchc.notifications.models import Notification
from cchc.notifications.services import notify
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import UNIT_ROLES, is_under

WINDOW_ORDER_MESSAGE = gettext_noop("The window ends before it starts.")
WINDOW_YEAR_MESSAGE = gettext_noop("The window must lie within the plan's year ({year}).")
NOT_INSPECTED_UNIT_MESSAGE = gettext_noop("Only a ward or commune of {organiser} can be inspected.")
NOT_AGENCY_MESSAGE = gettext_noop("{unit} is not an agency of {organiser}.")
PLAN_APPROVED_MESSAGE = gettext_noop(
    "The plan is already approved; requests and visits can no longer change it."
)
NO_REQUESTS_MESSAGE = gettext_noop("There are no requests to consolidate yet.")
UNPLANNED_MESSAGE = gettext_noop(
    "{count} requests are not in any visit yet; propose the plan again before approving it."
)
NO_TEAM_MESSAGE = gettext_noop("The visit to {unit} on {date} has nobody on its team.")
OUTSIDE_AGENCY_MESSAGE = gettext_noop(
    "{person} is not an appraiser or inspector of any agency, so cannot join a team."
)
OWN_UNIT_MESSAGE = gettext_noop("{person} works at {unit} and cannot inspect it.")
DOUBLE_BOOKED_MESSAGE = gettext_noop("{person} already has a visit on {date} ({unit}).")
ALREADY_ON_TEAM_MESSAGE = gettext_noop("{person} is already on this team.")
SAME_DATE_MESSAGE = gettext_noop("The visit is already on {date}: choose another day to move it.")
VISIT_LOCKED_MESSAGE = gettext_noop(
    "The visit has started; its date and team can no longer change."
)
DATE_YEAR_MESSAGE = gettext_noop("The visit must take place in {year}.")
TOPICS_NEEDED_MESSAGE = gettext_noop("Choose what the member covers.")
CONFLICT_NO_MEMBER = gettext_noop("No free member of %(agency)s for “%(topic)s”")
CONFLICT_LINE = gettext_noop("{unit} ({date}): {conflict}")

EDITABLE_STATUSES = {Inspection.Status.PLANNED, Inspection.Status.PREPARING}


def plan_get_or_create(*, actor: Any, organiser: OrgUnit, year: int) -> InspectionPlan:
    plan, created = InspectionPlan.objects.get_or_create(organiser=organiser, year=year)
    if created:
        # The head comes from the first agency (the Home Affairs office in the article's
        # city); the coordinator can change the head of each visit.
        plan.head_agency = (
            OrgUnit.objects.filter(
                kind=OrgUnit.Kind.AGENCY, parent=organiser, active_to__isnull=True
            )
            .order_by("sort_order", "name")
            .first()
        )
        plan.save(update_fields=["head_agency"])
        audit_record(actor=actor, action="plan.create", target=plan, after={"year": year})
    return plan


def _ensure_draft(plan: InspectionPlan) -> None:
    if plan.status != InspectionPlan.Status.DRAFT:
        raise ValidationError(_(PLAN_APPROVED_MESSAGE))


@transaction.atomic
def request_file(
    *,
    actor: Any,
    plan: InspectionPlan,
    org_unit: OrgUnit,
    topic: str,
    agency: OrgUnit,
    window_start: datetime.date,
    window_end: datetime.date,
    note: str = "",
) -> InspectionRequest:
    """File one request; refused with the reason when the window or units are wrong."""
    _ensure_draft(plan)
    if window_end < window_start:
        raise ValidationError({"window_end": _(WINDOW_ORDER_MESSAGE)})
    if window_start.year != plan.year or window_end.year != plan.year:
        raise ValidationError({"window_start": _(WINDOW_YEAR_MESSAGE).format(year=plan.year)})
    if org_unit.kind not in {OrgUnit.Kind.WARD, OrgUnit.Kind.COMMUNE} or not (
        is_under(org_unit, plan.organiser)
    ):
        raise ValidationError(
            {"org_unit": _(NOT_INSPECTED_UNIT_MESSAGE).format(organiser=plan.organiser)}
        )
    if agency.kind != OrgUnit.Kind.AGENCY or not is_under(agency, plan.organiser):
        raise ValidationError(
            {"agency": _(NOT_AGENCY_MESSAGE).format(unit=agency, organiser=plan.organiser)}
        )
    request = InspectionRequest(
        plan=plan,
        org_unit=org_unit,
        topic=Topic(topic),
        agency=agency,
        window_start=window_start,
        window_end=window_end,
        note=note.strip()[:500],
        filed_by=actor,
    )
    request.validate_constraints()
    request.save()
    audit_record(
        actor=actor,
        action="inspection_request.create",
        target=request,
        after={
            "unit": org_unit.pk,
            "topic": topic,
            "agency": agency.pk,
            "from": window_start.isoformat(),
            "to": window_end.isoformat(),
        },
    )
    return request


@transaction.atomic
def request_withdraw(*, actor: Any, request: InspectionRequest) -> None:
    _ensure_draft(request.plan)
    audit_record(
        actor=actor,
        action="inspection_request.delete",
        target=request,
        before={"unit": request.org_unit_id, "topic": request.topic},
    )
    request.delete()


def _plan_members(plan: InspectionPlan) -> tuple[list[planner.PlanMember], dict[int, int]]:
    """Everyone who may sit on a team, with the units where they work (conflicts of interest)."""
    memberships = list(agency_members(organiser=plan.organiser))
    user_ids = {m.user_id for m in memberships}
    home: dict[int, set[int]] = {}
    for user_id, unit_id in Membership.objects.filter(
        user_id__in=user_ids, is_active=True
    ).values_list("user_id", "org_unit_id"):
        home.setdefault(user_id, set()).add(unit_id)
    members = {}
    agency_of: dict[int, int] = {}
    for membership in memberships:
        if membership.user_id in members:
            continue
        agency_of[membership.user_id] = membership.org_unit_id
        members[membership.user_id] = planner.PlanMember(
            id=membership.user_id,
            agency_id=membership.org_unit_id,
            topics=frozenset(),
            home_unit_ids=frozenset(home.get(membership.user_id, set())),
        )
    return list(members.values()), agency_of


def _closed_days(year: int, earliest: datetime.date) -> frozenset[datetime.date]:
    """Days a visit cannot be planned on: those before `earliest` (from a year before the
    plan's year, as far as the planner ever looks back)."""
    day = datetime.date(year - 1, 1, 1)
    closed = set()
    while day < earliest:
        closed.add(day)
        day += datetime.timedelta(days=1)
    return frozenset(closed)


def _conflict_json(conflict: planner.Conflict) -> dict[str, Any]:
    return {
        "kind": conflict.kind,
        "requests": list(conflict.request_ids),
        "agency": conflict.agency_id,
        "topic": conflict.topic,
        "days": conflict.days,
        "gaps": list(conflict.gaps),
    }


def _plan_request(request: InspectionRequest) -> planner.PlanRequest:
    return planner.PlanRequest(
        id=request.pk,
        unit_id=request.org_unit_id,
        topic=request.topic,
        agency_id=request.agency_id,
        window_start=request.window_start,
        window_end=request.window_end,
    )


def _conflicts_now(
    inspection: Inspection, requests: Iterable[InspectionRequest], team: Iterable[TeamMember]
) -> list[dict[str, Any]]:
    """What the visit does not satisfy as it stands: the requests whose window its date is
    outside (each with its gap, by the planner's own rule), and each requesting agency and
    topic nobody of that agency on the team covers."""
    windows = [_plan_request(request) for request in requests]
    found: list[planner.Conflict] = []
    outside = planner.outside_window_conflict(windows, inspection.visit_date)
    if outside is not None:
        found.append(outside)
    covered = {(member.agency_id, topic) for member in team for topic in member.topics}
    for agency_id, topic in sorted({(r.agency_id, r.topic) for r in windows}):
        if (agency_id, topic) not in covered:
            concerned = tuple(
                sorted(r.id for r in windows if (r.agency_id, r.topic) == (agency_id, topic))
            )
            found.append(
                planner.Conflict(planner.NO_MEMBER, concerned, agency_id=agency_id, topic=topic)
            )
    return [_conflict_json(conflict) for conflict in found]


def _open_count(conflicts: list[dict[str, Any]]) -> int:
    """How many conflicts the page lists (and approval asks to accept): one per request left
    outside its window, one per topic without a member."""
    return sum(
        len(c.get("requests", [])) if c.get("kind") == planner.OUTSIDE_WINDOW else 1
        for c in conflicts
    )


def _refresh_conflicts(inspection: Inspection) -> None:
    """Store the visit's conflicts as they are now (after its date or team changed), and the
    plan's count of them."""
    inspection.conflicts = _conflicts_now(
        inspection,
        InspectionRequest.objects.filter(inspection=inspection),
        TeamMember.objects.filter(inspection=inspection),
    )
    inspection.save(update_fields=["conflicts", "updated_at"])
    plan = InspectionPlan.objects.get(pk=inspection.plan_id)
    if plan.summary:
        plan.summary["conflicts"] = sum(
            _open_count(stored) for stored in plan.inspections.values_list("conflicts", flat=True)
        )
        plan.save(update_fields=["summary", "updated_at"])


@dataclass(frozen=True)
class OpenConflict:
    """One thing a visit does not satisfy, as the coordinator reads it; `key` names it for an
    explicit acceptance at approval (it changes when the date does)."""

    key: str
    text: str


def open_conflicts(
    inspection: Inspection,
    *,
    requests: dict[int, InspectionRequest],
    agencies: dict[int, OrgUnit],
) -> list[OpenConflict]:
    """The visit's stored conflicts in words: each request left outside its window with the
    days between the visit and that window (counted here from the date, never stale), and each
    agency and topic without a member."""
    found = []
    day = inspection.visit_date
    stamp = f"{inspection.pk}:{day.isoformat()}"
    for conflict in inspection.conflicts:
        if conflict.get("kind") == planner.OUTSIDE_WINDOW:
            for request_id in conflict.get("requests", []):
                request = requests.get(request_id)
                if request is None:
                    continue
                days = planner.window_gap(day, request.window_start, request.window_end)
                text = ngettext(
                    "Outside the window {agency} asked for ({topic}, {start}–{end}) by {days} day",
                    "Outside the window {agency} asked for ({topic}, {start}–{end}) by {days} days",
                    days,
                ).format(
                    agency=request.agency,
                    topic=request.get_topic_display(),
                    start=short_date(request.window_start),
                    end=short_date(request.window_end),
                    days=days,
                )
                found.append(OpenConflict(f"{stamp}:outside:{request_id}", text))
        elif conflict.get("kind") == planner.NO_MEMBER:
            agency_id = conflict.get("agency") or 0
            topic = conflict.get("topic")
            text = _(CONFLICT_NO_MEMBER) % {
                "agency": agencies.get(agency_id) or "—",
                "topic": Topic(topic).label if topic in Topic.values else "—",
            }
            found.append(OpenConflict(f"{stamp}:member:{agency_id}:{topic}", text))
    return found


@transaction.atomic
def plan_propose(
    *, actor: Any, plan: InspectionPlan, earliest: datetime.date | None = None
) -> planner.Plan:
    """Consolidate every request into one visit per unit and propose dates and teams, from
    `earliest` on (tomorrow by default: a plan is not made for days that have passed).

    Visits proposed before are replaced: the coordinator's adjustments come after this."""
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    _ensure_draft(plan)
    requests = list(plan.requests.all())
    if not requests:
        raise ValidationError(_(NO_REQUESTS_MESSAGE))
    members, agency_of = _plan_members(plan)
    result = planner.plan_year(
        [_plan_request(request) for request in requests],
        members,
        holidays=_closed_days(
            plan.year, earliest or timezone.localdate() + datetime.timedelta(days=1)
        ),
        head_agency_id=plan.head_agency_id,
    )
    plan.requests.update(inspection=None)
    TeamMember.objects.filter(inspection__plan=plan).delete()
    plan.inspections.all().delete()
    visits = Inspection.objects.bulk_create(
        Inspection(
            plan=plan,
            org_unit_id=visit.unit_id,
            visit_date=visit.date,
            topics=list(visit.topics),
            conflicts=[_conflict_json(conflict) for conflict in visit.conflicts],
        )
        for visit in result.visits
    )
    team = []
    by_id = {request.pk: request for request in requests}
    for inspection, visit in zip(visits, result.visits, strict=True):
        for request_id in visit.request_ids:
            by_id[request_id].inspection = inspection
        for member_id in visit.member_ids:
            team.append(
                TeamMember(
                    inspection=inspection,
                    user_id=member_id,
                    agency_id=agency_of[member_id],
                    is_head=member_id == visit.head_id,
                    topics=sorted(
                        topic for topic, ids in visit.assignments.items() if member_id in ids
                    ),
                    visit_date=visit.date,
                )
            )
    InspectionRequest.objects.bulk_update(requests, ["inspection"], batch_size=500)
    TeamMember.objects.bulk_create(team, batch_size=500)
    plan.summary = {
        "requests": result.request_count,
        "visits": result.visit_count,
        "units_consolidated": result.units_consolidated,
        "visits_saved": result.visits_saved,
        "conflicts": sum(_open_count(visit.conflicts) for visit in visits),
    }
    plan.save(update_fields=["summary", "updated_at"])
    audit_record(actor=actor, action="plan.propose", target=plan, after=plan.summary)
    return result


def _person(user: Any) -> str:
    return str(user)


def _check_member(*, user: User, inspection: Inspection, date: datetime.date) -> None:
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("org_unit")
    )
    if any(m.org_unit_id == inspection.org_unit_id for m in memberships):
        raise ValidationError(
            _(OWN_UNIT_MESSAGE).format(person=_person(user), unit=inspection.org_unit)
        )
    clash = (
        TeamMember.objects.filter(user=user, visit_date=date)
        .exclude(inspection=inspection)
        .select_related("inspection__org_unit")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _(DOUBLE_BOOKED_MESSAGE).format(
                person=_person(user), date=short_date(date), unit=clash.inspection.org_unit
            )
        )


@transaction.atomic
def team_member_add(
    *,
    actor: Any,
    inspection: Inspection,
    user: User,
    topics: list[str],
    is_head: bool = False,
) -> TeamMember:
    """Put a person on the team, for the topics they cover; their agency comes from their
    membership. Refused for someone outside any agency, at their own unit, or booked that day."""
    if inspection.status not in EDITABLE_STATUSES:
        raise ValidationError(_(VISIT_LOCKED_MESSAGE))
    agency_membership = (
        Membership.objects.filter(
            user=user,
            is_active=True,
            role__in=list(TEAM_ROLES),
            org_unit__kind=OrgUnit.Kind.AGENCY,
        )
        .select_related("org_unit")
        .order_by("org_unit__sort_order")
        .first()
    )
    if agency_membership is None:
        raise ValidationError({"user": _(OUTSIDE_AGENCY_MESSAGE).format(person=_person(user))})
    if not topics or any(topic not in inspection.topics for topic in topics):
        raise ValidationError({"topics": _(TOPICS_NEEDED_MESSAGE)})
    if inspection.team.filter(user=user).exists():
        raise ValidationError({"user": _(ALREADY_ON_TEAM_MESSAGE).format(person=_person(user))})
    _check_member(user=user, inspection=inspection, date=inspection.visit_date)
    if is_head:
        refusal = head_refusal(
            plan=inspection.plan, agency=agency_membership.org_unit, person=_person(user)
        )
        if refusal:
            raise ValidationError({"is_head": refusal})
        inspection.team.update(is_head=False)
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(
                inspection=inspection,
                user=user,
                agency=agency_membership.org_unit,
                topics=sorted(topics),
                is_head=is_head,
                visit_date=inspection.visit_date,
            )
    except IntegrityError as error:  # booked meanwhile by someone else
        raise ValidationError(
            _(DOUBLE_BOOKED_MESSAGE).format(
                person=_person(user), date=short_date(inspection.visit_date), unit="—"
            )
        ) from error
    audit_record(
        actor=actor,
        action="team_member.create",
        target=member,
        after={"inspection": inspection.pk, "topics": member.topics, "head": is_head},
    )
    _refresh_conflicts(inspection)
    return member


@transaction.atomic
def team_member_remove(*, actor: Any, member: TeamMember) -> None:
    if member.inspection.status not in EDITABLE_STATUSES:
        raise ValidationError(_(VISIT_LOCKED_MESSAGE))
    audit_record(
        actor=actor,
        action="team_member.delete",
        target=member,
        before={"inspection": member.inspection_id, "user": member.user_id},
    )
    inspection = member.inspection
    member.delete()
    _refresh_conflicts(inspection)


@transaction.atomic
def visit_reschedule(
    *, actor: Any, inspection: Inspection, visit_date: datetime.date
) -> Inspection:
    """Move a visit; every member must still be free that day."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status not in EDITABLE_STATUSES:
        raise ValidationError(_(VISIT_LOCKED_MESSAGE))
    if visit_date.year != inspection.plan.year:
        raise ValidationError(
            {"visit_date": _(DATE_YEAR_MESSAGE).format(year=inspection.plan.year)}
        )
    before = inspection.visit_date
    if visit_date == before:
        raise ValidationError({"visit_date": _(SAME_DATE_MESSAGE).format(date=short_date(before))})
    for member in inspection.team.select_related("user"):
        _check_member(user=member.user, inspection=inspection, date=visit_date)
    inspection.visit_date = visit_date
    inspection.save(update_fields=["visit_date", "updated_at"])
    inspection.team.update(visit_date=visit_date)
    # The gaps follow the new date (they were dropped here once, and showed as 0 days).
    _refresh_conflicts(inspection)
    audit_record(
        actor=actor,
        action="inspection.update",
        target=inspection,
        before={"visit_date": before.isoformat()},
        after={"visit_date": visit_date.isoformat()},
    )
    return inspection


def _unaccepted_conflicts(plan: InspectionPlan, accepted: set[str]) -> tuple[list[str], list[str]]:
    """Every conflict of the plan's visits as they stand now (stored again where it changed), in
    words: those not in `accepted`, and those accepted."""
    inspections = list(
        plan.inspections.select_related("org_unit").prefetch_related("requests__agency", "team")
    )
    agencies = {unit.pk: unit for unit in OrgUnit.objects.filter(kind=OrgUnit.Kind.AGENCY)}
    refused: list[str] = []
    taken: list[str] = []
    for inspection in inspections:
        conflicts = _conflicts_now(inspection, inspection.requests.all(), inspection.team.all())
        if conflicts != inspection.conflicts:
            inspection.conflicts = conflicts
            inspection.save(update_fields=["conflicts", "updated_at"])
        requests = {request.pk: request for request in inspection.requests.all()}
        for conflict in open_conflicts(inspection, requests=requests, agencies=agencies):
            line = _(CONFLICT_LINE).format(
                unit=inspection.org_unit,
                date=short_date(inspection.visit_date),
                conflict=conflict.text,
            )
            (taken if conflict.key in accepted else refused).append(line)
    if plan.summary:
        plan.summary["conflicts"] = sum(_open_count(i.conflicts) for i in inspections)
        plan.save(update_fields=["summary", "updated_at"])
    return refused, taken


@transaction.atomic
def plan_approve(
    *, actor: Any, plan: InspectionPlan, accepted: Iterable[str] = ()
) -> InspectionPlan:
    """Approve the plan: every request is in a visit, every visit has a team, and every conflict
    left (a date outside a request's window, a topic without a member of its agency) is resolved
    or accepted one by one (`accepted` holds their `OpenConflict.key`s, ticked on the page)."""
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    _ensure_draft(plan)
    unplanned = plan.requests.filter(inspection__isnull=True).count()
    if unplanned or not plan.requests.exists():
        raise ValidationError(
            _(UNPLANNED_MESSAGE).format(count=unplanned) if unplanned else _(NO_REQUESTS_MESSAGE)
        )
    empty = plan.inspections.filter(team__isnull=True).select_related("org_unit").first()
    if empty is not None:
        raise ValidationError(
            _(NO_TEAM_MESSAGE).format(unit=empty.org_unit, date=short_date(empty.visit_date))
        )
    refused, taken = _unaccepted_conflicts(plan, set(accepted))
    if refused:
        raise ValidationError(
            [
                ngettext(
                    "The plan cannot be approved: {count} conflict is open. Change the date or "
                    "the team, or tick it to accept it as it is:",
                    "The plan cannot be approved: {count} conflicts are open. Change the dates "
                    "or the teams, or tick each one to accept it as it is:",
                    len(refused),
                ).format(count=len(refused)),
                *refused,
            ]
        )
    plan.status = InspectionPlan.Status.APPROVED
    plan.approved_by = actor
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_record(
        actor=actor,
        action="plan.approve",
        target=plan,
        after={"status": plan.status, "conflicts_accepted": taken},
    )
    _notify_approved(plan)
    return plan


def _notify_approved(plan: InspectionPlan) -> None:
    inspections = list(plan.inspections.select_related("org_unit").prefetch_related("team__user"))
    unit_people: dict[int, list[Any]] = {}
    for membership in Membership.objects.filter(
        org_unit_id__in=[inspection.org_unit_id for inspection in inspections],
        role__in=list(UNIT_ROLES),
        is_active=True,
    ).select_related("user"):
        unit_people.setdefault(membership.org_unit_id, []).append(membership.user)
    for inspection in inspections:
        people = unit_people.get(inspection.org_unit_id, []) + [
            member.user for member in inspection.team.all()
        ]

        def compose(user: Any, inspection: Inspection = inspection) -> tuple[str, str]:
            return (
                _("Inspection of %(unit)s on %(date)s")
                % {"unit": inspection.org_unit, "date": short_date(inspection.visit_date)},
                _("One visit covers: %(topics)s.")
                % {"topics": ", ".join(inspection.topic_labels())},
            )

        notify(
            users=people,
            kind=Notification.Kind.INSPECTION_PLANNED,
            compose=compose,
            url=inspection.get_absolute_url(),
            dedupe_key=f"inspection-planned-{inspection.pk}",
        )
