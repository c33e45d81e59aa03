"""Findings, the root causes they share, recommendations, and remediation to closure."""

import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.accounts.models import Membership
from cchc.core.audit import audit_record
from cchc.core.dates import short_date
from cchc.core.textsearch import fold
from cchc.inspections.models import (
    CONCLUDED_STATUSES,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionFile,
    ProgressReport,
    Recommendation,
    RemediationAction,
    RootCause,
    Topic,
)
from cchc.inspections.selectors import can_report, reporter_roles
from cchc.inspections.services.visits import (
    _store_file,
    check_file,
    close_when_remedied,
    visit_items,
)
from cchc.notifications.models import Notification
from cchc.notifications.services import notify
from cchc.orgunits.lineage import lineage_for
from cchc.orgunits.scope import is_under

AREA_NEEDED_MESSAGE = gettext_noop("Choose the area of the finding.")
TEXT_NEEDED_MESSAGE = gettext_noop("Describe the finding.")
SEVERITY_NEEDED_MESSAGE = gettext_noop("Give the shortcoming a severity.")
TOPIC_NOT_IN_VISIT_MESSAGE = gettext_noop("This visit does not cover that topic.")
FINDINGS_LOCKED_MESSAGE = gettext_noop(
    "Findings are recorded during the visit, and can be corrected until it is concluded."
)
ROOT_CAUSE_TITLE_MESSAGE = gettext_noop("Name the root cause.")
ADDRESSES_NOTHING_MESSAGE = gettext_noop(
    "A recommendation must address at least one finding or root cause."
)
RECOMMENDATION_TEXT_MESSAGE = gettext_noop("Write the recommendation.")
ACTION_FIELDS_MESSAGE = gettext_noop("Describe the action and give its deadline.")
DEADLINE_PAST_MESSAGE = gettext_noop("The deadline cannot be in the past.")
DEADLINE_FAR_MESSAGE = gettext_noop(
    "A remediation deadline is at most a year away: {date} at the latest."
)
# A remediation deadline falls within this many days of the day it is set (the next year's
# inspection checks what was remedied).
DEADLINE_DAYS = 365
OWNER_MESSAGE = gettext_noop(
    "The responsible unit must be the inspected unit or one of {organiser}."
)
REPORT_TEXT_MESSAGE = gettext_noop("Say what was done.")
ACTION_CLOSED_MESSAGE = gettext_noop("This action is already verified and closed.")
# "Done" sent twice (a double click, a second tab) stored two reports and told the team twice.
ALREADY_REPORTED_MESSAGE = gettext_noop(
    "This report was already sent, in the same words; nothing was sent again. To add evidence "
    "or say more, write what the new report adds."
)
OWN_ACTION_MESSAGE = gettext_noop(
    "You report on this action for its owner: another member of the team or the coordinator "
    "verifies and closes it."
)
NO_EVIDENCE_MESSAGE = gettext_noop(
    "The unit has sent no evidence for this action; an action is closed only on evidence."
)
NOT_REPORTED_MESSAGE = gettext_noop("The unit has not reported this action as done yet.")
REOPEN_REASON_MESSAGE = gettext_noop("Say why the action is reopened.")
# A root cause explains a shortcoming: one given to a strength was counted as a shortcoming
# on the root causes' page (a walk).
NOT_LINKED_MESSAGE = gettext_noop("This root cause is not linked to this finding.")
STRENGTH_CAUSE_MESSAGE = gettext_noop("Only a shortcoming has root causes; a strength has none.")
NOT_CONCLUDED_MESSAGE = gettext_noop("Remediation starts once the inspection is concluded.")

WRITABLE = {Inspection.Status.VISITING}


def _ensure_writable(inspection: Inspection) -> None:
    if inspection.status not in WRITABLE:
        raise ValidationError(_(FINDINGS_LOCKED_MESSAGE))


def earlier_repeat(finding: Finding) -> Finding | None:
    """The latest shortcoming of an earlier visit to the same unit on the same criterion or
    root cause: the shortcoming recurs. A unit made by a reorganisation repeats the
    shortcomings of the units it was made from (`orgunits.lineage`, the one rule of history)."""
    if finding.kind != Finding.Kind.SHORTCOMING:
        return None
    criteria = list(finding.criteria.values_list("pk", flat=True))
    causes = list(finding.root_causes.values_list("pk", flat=True))
    codes = list(finding.criteria.values_list("code", flat=True))
    if not criteria and not causes:
        return None
    unit_id = finding.inspection.org_unit_id
    shared = Q(root_causes__in=causes) | Q(criteria__in=criteria) | Q(criteria__code__in=codes)
    return (
        Finding.objects.filter(
            shared,
            kind=Finding.Kind.SHORTCOMING,
            inspection__org_unit_id__in=lineage_for([unit_id]).history_ids(unit_id),
            inspection__visit_date__lt=finding.inspection.visit_date,
        )
        .order_by("-inspection__visit_date", "-created_at")
        .first()
    )


def _refresh_repeat(finding: Finding) -> None:
    repeat = earlier_repeat(finding)
    if (repeat.pk if repeat else None) != finding.repeat_of_id:
        finding.repeat_of = repeat
        finding.save(update_fields=["repeat_of", "updated_at"])


@transaction.atomic
def finding_create(
    *,
    actor: Any,
    inspection: Inspection,
    kind: str,
    topic: str,
    area: str,
    text: str,
    severity: str = "",
    cause_kind: str = "",
    cause: str = "",
    items: list[ChecklistItem] | None = None,
    root_causes: list[RootCause] | None = None,
    new_root_cause: str = "",
) -> Finding:
    """Record a strength or a shortcoming in an area; items link it to criteria as well.
    `new_root_cause` names a root cause to find or record, once the finding may be written."""
    _ensure_writable(inspection)
    if not area.strip():
        raise ValidationError({"area": _(AREA_NEEDED_MESSAGE)})
    if not text.strip():
        raise ValidationError({"text": _(TEXT_NEEDED_MESSAGE)})
    if topic not in inspection.topics:
        raise ValidationError({"topic": _(TOPIC_NOT_IN_VISIT_MESSAGE)})
    if kind == Finding.Kind.SHORTCOMING and not severity:
        raise ValidationError({"severity": _(SEVERITY_NEEDED_MESSAGE)})
    if kind != Finding.Kind.SHORTCOMING and (root_causes or new_root_cause.strip()):
        raise ValidationError({"root_causes": _(STRENGTH_CAUSE_MESSAGE)})
    root_causes = list(root_causes or [])
    if new_root_cause.strip():
        root_causes.append(
            root_cause_get_or_create(
                actor=actor, organiser=inspection.plan.organiser, title=new_root_cause
            )
        )
    finding = Finding.objects.create(
        inspection=inspection,
        kind=Finding.Kind(kind),
        topic=Topic(topic),
        area=area.strip()[:255],
        text=text.strip(),
        folded=fold(text),
        severity=severity if kind == Finding.Kind.SHORTCOMING else "",
        cause_kind=cause_kind,
        cause=cause.strip(),
        recorded_by=actor,
    )
    allowed = {item.pk for item in visit_items(inspection)}
    chosen = [item for item in items or [] if item.pk in allowed]
    finding.items.set(chosen)
    finding.criteria.set([item.criterion_id for item in chosen if item.criterion_id])
    finding.root_causes.set(root_causes or [])
    _refresh_repeat(finding)
    audit_record(
        actor=actor,
        action="finding.create",
        target=finding,
        after={
            "kind": kind,
            "topic": topic,
            "area": finding.area,
            "severity": finding.severity,
            "root_causes": [cause.pk for cause in root_causes or []],
        },
    )
    return finding


@transaction.atomic
def finding_delete(*, actor: Any, finding: Finding) -> None:
    _ensure_writable(finding.inspection)
    audit_record(
        actor=actor,
        action="finding.delete",
        target=finding,
        before={"kind": finding.kind, "text": finding.text},
    )
    finding.delete()


@transaction.atomic
def root_cause_get_or_create(
    *, actor: Any, organiser: Any, title: str, description: str = ""
) -> RootCause:
    """Return the organiser's root cause of that name (typed with or without accents), or
    record a new one."""
    if not title.strip():
        raise ValidationError({"title": _(ROOT_CAUSE_TITLE_MESSAGE)})
    folded = fold(title)[:255]
    existing = RootCause.objects.filter(organiser=organiser, folded=folded).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            cause = RootCause.objects.create(
                organiser=organiser,
                title=title.strip()[:255],
                folded=folded,
                description=description.strip(),
                created_by=actor,
            )
    except IntegrityError:
        return RootCause.objects.get(organiser=organiser, folded=folded)
    audit_record(
        actor=actor, action="root_cause.create", target=cause, after={"title": cause.title}
    )
    return cause


@transaction.atomic
def finding_link_root_cause(
    *,
    actor: Any,
    finding: Finding,
    root_cause: RootCause | None = None,
    title: str = "",
    linked: bool = True,
) -> Finding:
    """Confirm (link) or reject (unlink) a root cause for a shortcoming. Without `root_cause`,
    `title` names it: the organiser's cause of that name, or a new one — recorded only once
    the finding may still change (a refusal writes nothing)."""
    _ensure_writable(finding.inspection)
    if linked and finding.kind != Finding.Kind.SHORTCOMING:
        raise ValidationError(_(STRENGTH_CAUSE_MESSAGE))
    if root_cause is None:
        root_cause = root_cause_get_or_create(
            actor=actor, organiser=finding.inspection.plan.organiser, title=title
        )
    if linked:
        finding.root_causes.add(root_cause)
    elif not finding.root_causes.filter(pk=root_cause.pk).exists():
        # "Unlinked" was said, and audited, of a cause never linked (a walk).
        raise ValidationError(_(NOT_LINKED_MESSAGE))
    else:
        finding.root_causes.remove(root_cause)
    _refresh_repeat(finding)
    audit_record(
        actor=actor,
        action="finding.update",
        target=finding,
        after={"root_cause": root_cause.pk, "linked": linked},
    )
    return finding


@transaction.atomic
def recommendation_create(
    *,
    actor: Any,
    inspection: Inspection,
    text: str,
    findings: list[Finding],
    root_causes: list[RootCause],
) -> Recommendation:
    _ensure_writable(inspection)
    if not text.strip():
        raise ValidationError({"text": _(RECOMMENDATION_TEXT_MESSAGE)})
    findings = [finding for finding in findings if finding.inspection_id == inspection.pk]
    if not findings and not root_causes:
        raise ValidationError(_(ADDRESSES_NOTHING_MESSAGE))
    recommendation = Recommendation.objects.create(inspection=inspection, text=text.strip())
    recommendation.findings.set(findings)
    recommendation.root_causes.set(root_causes)
    audit_record(
        actor=actor,
        action="recommendation.create",
        target=recommendation,
        after={
            "findings": [finding.pk for finding in findings],
            "root_causes": [cause.pk for cause in root_causes],
        },
    )
    return recommendation


@transaction.atomic
def action_create(
    *,
    actor: Any,
    recommendation: Recommendation,
    text: str,
    deadline: datetime.date | None,
    owner: Any = None,
) -> RemediationAction:
    inspection = recommendation.inspection
    _ensure_writable(inspection)
    if not text.strip() or deadline is None:
        raise ValidationError(_(ACTION_FIELDS_MESSAGE))
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _(DEADLINE_PAST_MESSAGE)})
    latest = timezone.localdate() + datetime.timedelta(days=DEADLINE_DAYS)
    if deadline > latest:
        raise ValidationError({"deadline": _(DEADLINE_FAR_MESSAGE).format(date=short_date(latest))})
    owner = owner or inspection.org_unit
    if owner.pk != inspection.org_unit_id and not is_under(owner, inspection.plan.organiser):
        raise ValidationError(
            {"owner": _(OWNER_MESSAGE).format(organiser=inspection.plan.organiser)}
        )
    action = RemediationAction.objects.create(
        recommendation=recommendation, owner=owner, text=text.strip(), deadline=deadline
    )
    audit_record(
        actor=actor,
        action="remediation_action.create",
        target=action,
        after={"owner": owner.pk, "deadline": deadline.isoformat()},
    )
    return action


def recommendation_delete(*, actor: Any, recommendation: Recommendation) -> None:
    """Take back a recommendation (and its actions) while the visit is under way: before the
    conclusion it is the team's draft; after, it is in the notice and is followed up."""
    _ensure_writable(recommendation.inspection)
    audit_record(
        actor=actor,
        action="recommendation.delete",
        target=recommendation,
        before={
            "text": recommendation.text,
            "actions": [action.text for action in recommendation.actions.all()],
        },
    )
    recommendation.delete()


def action_delete(*, actor: Any, action: RemediationAction) -> None:
    """Take back a remediation action while the visit is under way (recommendation_delete)."""
    _ensure_writable(action.recommendation.inspection)
    audit_record(
        actor=actor,
        action="remediation_action.delete",
        target=action,
        before={"text": action.text, "owner": action.owner_id, "deadline": str(action.deadline)},
    )
    action.delete()


def _owner_people(action: RemediationAction) -> list[Any]:
    """Who reports on the action: the people `selectors.can_report` lets report on it."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            org_unit=action.owner_id, role__in=list(reporter_roles(action.owner)), is_active=True
        ).select_related("user")
    ]


def _team_people(inspection: Inspection) -> list[Any]:
    return [member.user for member in inspection.team.select_related("user")]


def _keepers(inspection: Inspection) -> list[Any]:
    """The Home Affairs office organising the visit: it confirms and closes the actions."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            org_unit=inspection.plan.organiser_id, role="home_affairs", is_active=True
        ).select_related("user")
    ]


@transaction.atomic
def progress_report(
    *,
    actor: Any,
    action: RemediationAction,
    text: str,
    uploads: list[Any],
    is_done: bool,
) -> ProgressReport:
    """The action's owner (the unit, or an agency) reports what it did, with evidence; "done"
    asks the team to verify. The same "done" report twice (a double click) is one: the
    action is read locked, and a second in the same words is refused."""
    inspection = action.recommendation.inspection
    action.status = (
        RemediationAction.objects.select_for_update()
        .filter(pk=action.pk)
        .values_list("status", flat=True)
        .get()
    )
    if inspection.status not in CONCLUDED_STATUSES:
        raise ValidationError(_(NOT_CONCLUDED_MESSAGE))
    if action.status == RemediationAction.Status.VERIFIED:
        raise ValidationError(_(ACTION_CLOSED_MESSAGE))
    if (
        is_done
        and action.status == RemediationAction.Status.REPORTED
        and ProgressReport.objects.filter(action=action, is_done=True)
        .order_by("-pk")
        .values_list("text", flat=True)
        .first()
        == text.strip()
    ):
        raise ValidationError({"text": _(ALREADY_REPORTED_MESSAGE)})
    if not text.strip():
        raise ValidationError({"text": _(REPORT_TEXT_MESSAGE)})
    # Every file checked before anything is written: a refused second file leaves no first one.
    try:
        checked = [check_file(upload, InspectionFile.Purpose.REMEDIATION) for upload in uploads]
    except ValidationError as refused:
        raise ValidationError({"file": refused.messages}) from refused  # beside the file
    report = ProgressReport.objects.create(
        action=action, text=text.strip(), is_done=is_done, reported_by=actor
    )
    stored = [
        _store_file(
            actor=actor,
            inspection=inspection,
            upload=upload,
            purpose=InspectionFile.Purpose.REMEDIATION,
            checked=checks,
        )
        for upload, checks in zip(uploads, checked, strict=True)
    ]
    report.files.set(stored)
    if is_done:
        action.status = RemediationAction.Status.REPORTED
        action.save(update_fields=["status", "updated_at"])
        notify(  # the team, and the office that confirms and closes it
            users=_team_people(inspection) + _keepers(inspection),
            kind=Notification.Kind.REMEDIATION_REPORTED,
            compose=lambda _user: (
                _("%(unit)s reports an action done") % {"unit": action.owner},
                action.text[:200],
            ),
            url=inspection.get_absolute_url(),
        )
    audit_record(
        actor=actor,
        action="progress_report.create",
        target=report,
        after={"action": action.pk, "done": is_done, "files": len(stored)},
    )
    return report


@transaction.atomic
def action_verify(*, actor: Any, action: RemediationAction) -> RemediationAction:
    """Close an action the unit reported done, on the evidence it sent."""
    action = RemediationAction.objects.select_for_update().get(pk=action.pk)
    if action.status == RemediationAction.Status.VERIFIED:
        raise ValidationError(_(ACTION_CLOSED_MESSAGE))
    if action.status != RemediationAction.Status.REPORTED:
        raise ValidationError(_(NOT_REPORTED_MESSAGE))
    if not ProgressReport.objects.filter(action=action, files__isnull=False).exists():
        raise ValidationError(_(NO_EVIDENCE_MESSAGE))
    # Who did the work does not close it: the owner's people report, someone else verifies
    # (an agency's appraiser on the team reported and closed its own agency's action).
    if actor is not None and can_report(user=actor, action=action):
        raise ValidationError(_(OWN_ACTION_MESSAGE))
    action.status = RemediationAction.Status.VERIFIED
    action.verified_by = actor
    action.verified_at = timezone.now()
    action.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    audit_record(
        actor=actor,
        action="remediation_action.update",
        target=action,
        before={"status": RemediationAction.Status.REPORTED},
        after={"status": action.status},
    )
    close_when_remedied(action.recommendation.inspection)
    return action


@transaction.atomic
def action_reopen(*, actor: Any, action: RemediationAction, reason: str) -> RemediationAction:
    """Send an action back to the unit with the reason (not done, or not proven)."""
    action = RemediationAction.objects.select_for_update().get(pk=action.pk)
    if action.status == RemediationAction.Status.OPEN:
        # Nothing reported to send back: the unit was notified "reopened" of an action still
        # open (a walk).
        raise ValidationError(_(NOT_REPORTED_MESSAGE))
    if not reason.strip():
        raise ValidationError({"reason": _(REOPEN_REASON_MESSAGE)})
    inspection = action.recommendation.inspection
    before = action.status
    action.status = RemediationAction.Status.OPEN
    action.reopen_reason = reason.strip()
    action.verified_by = None
    action.verified_at = None
    action.save(
        update_fields=["status", "reopen_reason", "verified_by", "verified_at", "updated_at"]
    )
    if inspection.status == Inspection.Status.CLOSED:
        inspection.status = Inspection.Status.CONCLUDED
        inspection.save(update_fields=["status", "updated_at"])
    notify(
        users=_owner_people(action),
        kind=Notification.Kind.REMEDIATION_REOPENED,
        compose=lambda _user: (
            _("An action was reopened: %(text)s") % {"text": action.text[:80]},
            reason.strip(),
        ),
        url=inspection.get_absolute_url(),
    )
    audit_record(
        actor=actor,
        action="remediation_action.update",
        target=action,
        before={"status": before},
        after={"status": action.status, "reopen_reason": action.reopen_reason},
    )
    return action


def _overdue_message(action: RemediationAction, _user: Any) -> tuple[str, str]:
    return (
        _("Remediation overdue at %(unit)s") % {"unit": action.owner},
        _("“%(text)s” was due on %(date)s.")
        % {"text": action.text[:120], "date": short_date(action.deadline)},
    )


def escalate_overdue(*, today: datetime.date | None = None) -> int:
    """Tell the unit, the team and the coordinator about each action past its deadline, once
    per action and deadline; return how many actions were escalated."""
    today = today or timezone.localdate()
    overdue = list(
        RemediationAction.objects.filter(
            deadline__lt=today,
            escalated_on__isnull=True,
            # An action is the unit's once the visit is concluded (before, a draft of the team).
            recommendation__inspection__status__in=CONCLUDED_STATUSES,
        )
        .exclude(status=RemediationAction.Status.VERIFIED)
        .select_related("recommendation__inspection__plan__organiser", "owner")
    )
    for action in overdue:
        inspection = action.recommendation.inspection
        with transaction.atomic():
            notify(
                users=_owner_people(action) + _team_people(inspection) + _keepers(inspection),
                kind=Notification.Kind.REMEDIATION_OVERDUE,
                compose=partial(_overdue_message, action),
                url=inspection.get_absolute_url(),
                dedupe_key=f"remediation-overdue-{action.pk}-{action.deadline.isoformat()}",
            )
            action.escalated_on = today
            action.save(update_fields=["escalated_on", "updated_at"])
    return len(overdue)
