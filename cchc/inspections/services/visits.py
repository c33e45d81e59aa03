"""Before and during the visit: the team decision, the documents asked of the unit and its
answers, the verdict on each checklist item with notes and photos, the support given, and the
inspection's state (one function decides which move is allowed)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.accounts.models import Membership
from cchc.assessments.models import Evidence
from cchc.assessments.services.evidence import (
    NOT_A_PDF_MESSAGE,
    check_upload,
    clean_file_name,
    stored_name,
)
from cchc.core.audit import audit_record
from cchc.core.dates import short_date
from cchc.core.pdfsignatures import check_bytes, check_stored_again
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability
from cchc.core.versioning import check_version
from cchc.inspections.models import (
    CONCLUDED_STATUSES,
    Checklist,
    ChecklistItem,
    DocumentRequest,
    Finding,
    Inspection,
    InspectionFile,
    InspectionPlan,
    ItemResult,
    RemediationAction,
    TeamMember,
)
from cchc.inspections.selectors import can_inspect, can_lead, can_manage, checklists_for
from cchc.notifications.models import Notification
from cchc.notifications.services import notify
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import UNIT_ROLES

NOT_NEXT_MESSAGE = gettext_noop("An inspection in “{current}” cannot move to “{target}”.")
PLAN_NOT_APPROVED_MESSAGE = gettext_noop("Approve the year's plan first.")
DECISION_NEEDED_MESSAGE = gettext_noop(
    "Record the decision forming the team (number, date and signer) first."
)
DECISION_FIELDS_MESSAGE = gettext_noop("Give the decision's number, date and signer.")
DECISION_FUTURE_MESSAGE = gettext_noop("A decision cannot be dated in the future.")
DECISION_AFTER_VISIT_MESSAGE = gettext_noop(
    "The team is formed before the visit: date the decision on or before {date}."
)
DECISION_ISSUED_MESSAGE = gettext_noop(
    "The decision forming the team was issued from the register as No. {reference}: it is the "
    "visit's decision and its number cannot be typed over. To change it, issue it again from "
    "the register (it gets a new number and replaces No. {reference})."
)
NO_HEAD_MESSAGE = gettext_noop("Name the head of the team first.")
HEAD_AGENCY_MESSAGE = gettext_noop(
    "The plan says the head of the team comes from {agency}; {person} is of {other}."
)
BEFORE_VISIT_MESSAGE = gettext_noop(
    "The visit is on {date}: the inspection cannot move to “{target}” before that day."
)
UNMARKED_MESSAGE = gettext_noop("{count} checklist items have no verdict yet.")
NO_RECOMMENDATION_MESSAGE = gettext_noop(
    "Shortcomings were found: give at least one recommendation with an action before concluding."
)
NO_ACTION_MESSAGE = gettext_noop("The recommendation “{text}” has no remediation action yet.")
NOT_VISITING_MESSAGE = gettext_noop("Results are recorded during the visit only.")
NOT_PREPARING_MESSAGE = gettext_noop(
    "Documents are asked for and sent before the visit, once the team is formed."
)
NO_DOCUMENTS_MESSAGE = gettext_noop("The checklists of these topics ask for no documents.")
ANSWER_EMPTY_MESSAGE = gettext_noop("Attach a file, link evidence or write a note.")
NOT_OWN_EVIDENCE_MESSAGE = gettext_noop("This evidence belongs to another unit.")
NOT_PUBLISHABLE_MESSAGE = gettext_noop("Only a concluded inspection can be published.")
ITEM_NOT_IN_VISIT_MESSAGE = gettext_noop("This item is not on the checklists of this visit.")
NOTE_NEEDED_MESSAGE = gettext_noop("Explain in a note why it partly meets or does not meet.")
PHOTO_ONLY_MESSAGE = gettext_noop("A visit photo must be a JPG or PNG image.")

NOT_MOVER_MESSAGE = gettext_noop("You may not move this inspection to “{target}”.")


@dataclass(frozen=True)
class InspectionStep:
    """One move of a visit's workflow: from which status, to which, and who may make it —
    `KEEPERS`, the plan's keepers (`selectors.can_manage`), `TEAM`, the visit's team and
    the keepers who may correct it (`selectors.can_inspect`), or `HEAD`, the team's head and
    the keepers (`selectors.can_lead`); all need the INSPECT capability the advance view is
    behind. When it may be made is `transition_refusal`'s."""

    source: str
    target: str
    movers: str


KEEPERS, TEAM, HEAD = "keepers", "team", "head"
# The one workflow of a visit: the coordinator forms the team and opens the preparation; the
# team starts the visit, and its head concludes it (closing follows the last verified action,
# by itself).
# The visit's page offers the step `next_step` allows; the advance view takes no other.
INSPECTION_STEPS = (
    InspectionStep(Inspection.Status.PLANNED, Inspection.Status.PREPARING, KEEPERS),
    InspectionStep(Inspection.Status.PREPARING, Inspection.Status.VISITING, TEAM),
    InspectionStep(Inspection.Status.VISITING, Inspection.Status.CONCLUDED, HEAD),
)
NEXT_STATUS = {Inspection.Status(step.source): step.target for step in INSPECTION_STEPS}
MOVERS = {KEEPERS: can_manage, TEAM: can_inspect, HEAD: can_lead}
# States that say the team has been to the unit: not before the visit's day.
ON_OR_AFTER_VISIT = {Inspection.Status.VISITING, Inspection.Status.CONCLUDED}


def visit_checklists(inspection: Inspection) -> list[Checklist]:
    """The checklist of each of the visit's topics, in the topics' order: the versions fixed
    when its preparation opened; before, those in use now. A new version imported had
    rewritten every past visit's checklist, its verdicts and its conclusion notice (a walk)."""
    if inspection.status != Inspection.Status.PLANNED:
        pinned = {checklist.topic: checklist for checklist in inspection.checklists.all()}
        if pinned:
            return [pinned[topic] for topic in inspection.topics if topic in pinned]
    return checklists_for(organiser=inspection.plan.organiser, topics=list(inspection.topics))


def visit_items(inspection: Inspection) -> list[ChecklistItem]:
    checklists = visit_checklists(inspection)
    items = ChecklistItem.objects.filter(checklist__in=checklists).select_related("checklist")
    order = {checklist.pk: index for index, checklist in enumerate(checklists)}
    return sorted(items, key=lambda item: (order[item.checklist_id], item.order))


def head_refusal(*, plan: InspectionPlan, agency: OrgUnit, person: Any) -> str | None:
    """Why `person`, of `agency`, cannot head a team of the plan, or None when they can: the
    plan names the agency heads come from (`InspectionPlan.head_agency`, data the planner
    reads too)."""
    if plan.head_agency_id is None or agency.pk == plan.head_agency_id:
        return None
    return _(HEAD_AGENCY_MESSAGE).format(agency=plan.head_agency, person=person, other=agency)


def transition_refusal(inspection: Inspection, target: str) -> str | None:
    """Why the inspection cannot move to `target` now, or None when it can."""
    if NEXT_STATUS.get(Inspection.Status(inspection.status)) != target:
        label = Inspection.Status(target).label if target in Inspection.Status.values else target
        return _(NOT_NEXT_MESSAGE).format(current=inspection.get_status_display(), target=label)
    if inspection.plan.status != InspectionPlan.Status.APPROVED:
        return _(PLAN_NOT_APPROVED_MESSAGE)
    if target in ON_OR_AFTER_VISIT and timezone.localdate() < inspection.visit_date:
        return _(BEFORE_VISIT_MESSAGE).format(
            date=short_date(inspection.visit_date), target=Inspection.Status(target).label
        )
    if target == Inspection.Status.PREPARING:
        if not (
            inspection.decision_number and inspection.decision_date and inspection.decision_signer
        ):
            return _(DECISION_NEEDED_MESSAGE)
        head = inspection.team.filter(is_head=True).select_related("agency", "user").first()
        if head is None:
            return _(NO_HEAD_MESSAGE)
        refusal = head_refusal(plan=inspection.plan, agency=head.agency, person=head.user)
        if refusal:
            return refusal
    if target == Inspection.Status.CONCLUDED:
        items = visit_items(inspection)
        marked = set(inspection.results.values_list("item_id", flat=True))
        unmarked = sum(1 for item in items if item.pk not in marked)
        if unmarked:
            return _(UNMARKED_MESSAGE).format(count=unmarked)
        if inspection.findings.filter(kind=Finding.Kind.SHORTCOMING).exists():
            recommendations = list(inspection.recommendations.all())
            if not recommendations:
                return _(NO_RECOMMENDATION_MESSAGE)
            for recommendation in recommendations:
                if not recommendation.actions.exists():
                    # Cut at a word ("… với ít nhất ba …", not "… với ít nhất ba ").
                    text = Truncator(recommendation.text).words(12)
                    return _(NO_ACTION_MESSAGE).format(text=text)
    return None


def may_move(*, user: Any, inspection: Inspection, target: str) -> bool:
    """Whether `user` is among those who move a visit to `target` (the step reaching it; a
    target no step reaches is the team's to be told it is not next)."""
    step = next((step for step in INSPECTION_STEPS if step.target == target), None)
    movers = MOVERS[step.movers if step is not None else TEAM]
    return user_has_capability(user, Capability.INSPECT) and movers(
        user=user, inspection=inspection
    )


def transition_actor_refusal(*, user: Any, inspection: Inspection, target: str) -> str | None:
    """Why `user` may not move the inspection to `target`, or None when they are among those
    who may (whether it may move now is `transition_refusal`'s). The advance view refuses
    with it (403) and the page shows the button by it."""
    if may_move(user=user, inspection=inspection, target=target):
        return None
    label = Inspection.Status(target).label if target in Inspection.Status.values else target
    return _(NOT_MOVER_MESSAGE).format(target=label)


@dataclass(frozen=True)
class NextStep:
    """The move the visit's page offers: its target, and why it cannot be made yet (None when
    it can: the button is shown)."""

    target: str
    label: str
    refusal: str | None


# Who the visit waits for, said to those who cannot take its next step (the team's head saw
# nothing at all on a visit not yet prepared).
WAITING_FOR = {
    KEEPERS: gettext_noop(
        "Waiting for the Home Affairs office to issue the decision forming the team and open "
        "the preparation."
    ),
    TEAM: gettext_noop("Waiting for the team to move the visit to “{target}”."),
    HEAD: gettext_noop("Waiting for the head of the team to move the visit to “{target}”."),
}


def waiting_for(*, user: Any, inspection: Inspection) -> str:
    """What the visit waits for, when its next step is someone else's ("" when it is the
    user's, or when there is none)."""
    target = NEXT_STATUS.get(Inspection.Status(inspection.status))
    if target is None or may_move(user=user, inspection=inspection, target=target):
        return ""
    step = next(step for step in INSPECTION_STEPS if step.target == target)
    return _(WAITING_FOR[step.movers]).format(target=Inspection.Status(target).label)


def next_step(*, user: Any, inspection: Inspection) -> NextStep | None:
    """The next step of the visit when `user` may take it, None otherwise (no button)."""
    target = NEXT_STATUS.get(Inspection.Status(inspection.status))
    if target is None or transition_actor_refusal(user=user, inspection=inspection, target=target):
        return None
    label = str(Inspection.Status(target).label)
    return NextStep(target, label, transition_refusal(inspection, target))


@transaction.atomic
def inspection_advance(*, actor: Any, inspection: Inspection, target: str) -> Inspection:
    inspection = Inspection.objects.select_for_update().select_related("plan").get(pk=inspection.pk)
    refusal = transition_refusal(inspection, target)
    if refusal:
        raise ValidationError(refusal)
    before = inspection.status
    inspection.status = target
    inspection.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="inspection.update",
        target=inspection,
        before={"status": before},
        after={"status": target},
    )
    if target == Inspection.Status.PREPARING:
        inspection.checklists.set(
            checklists_for(organiser=inspection.plan.organiser, topics=list(inspection.topics))
        )
        _assign_sections(inspection)
    if target == Inspection.Status.CONCLUDED:
        _notify_unit(
            inspection,
            Notification.Kind.INSPECTION_CONCLUDED,
            lambda: (
                _("Inspection of %(unit)s concluded") % {"unit": inspection.org_unit},
                _("Remediation actions and their deadlines are on the inspection's page."),
            ),
        )
    return inspection


def _assign_sections(inspection: Inspection) -> None:
    """Give each member the sections of the topics they cover; a CCHC section (a framework
    area) goes to the members whose agency appraises that area, when there are such."""
    checklists = visit_checklists(inspection)
    team = list(inspection.team.select_related("agency"))
    areas: dict[int, set[str]] = {}
    for membership in Membership.objects.filter(
        user_id__in=[member.user_id for member in team], is_active=True
    ):
        areas.setdefault(membership.user_id, set()).update(membership.area_codes or [])
    for member in team:
        member.sections = []
    for checklist in checklists:
        sections = list(
            dict.fromkeys(checklist.items.order_by("order").values_list("section_code", flat=True))
        )
        covering = [member for member in team if checklist.topic in member.topics] or team[:1]
        for section in sections:
            by_area = [member for member in covering if section in areas.get(member.user_id, set())]
            for member in by_area or covering:
                member.sections.append(f"{checklist.pk}:{section}")
    if team:
        TeamMember.objects.bulk_update(team, ["sections"])


@transaction.atomic
def decision_record(
    *,
    actor: Any,
    inspection: Inspection,
    number: str,
    date: datetime.date | None,
    signer: str,
    document: Any = None,
) -> Inspection:
    """Record the decision forming the team (Quyết định thành lập Đoàn kiểm tra): typed on
    the visit's page for a decision issued outside CCHC, or the decision `document` just
    issued from the register. Once one is issued from the register it is the visit's
    decision: nothing typed replaces it, only a decision issued again from the register."""
    issued = (
        inspection.documents.filter(kind="team_decision", replaced_by__isnull=True)
        .order_by("-pk")
        .first()
    )
    if issued is not None and (document is None or issued.pk != document.pk):
        raise ValidationError(_(DECISION_ISSUED_MESSAGE).format(reference=issued.reference))
    if inspection.plan.status != InspectionPlan.Status.APPROVED:
        raise ValidationError(_(PLAN_NOT_APPROVED_MESSAGE))  # the plan first, then its teams
    if not number.strip() or date is None or not signer.strip():
        raise ValidationError(_(DECISION_FIELDS_MESSAGE))
    if date > timezone.localdate():
        raise ValidationError({"decision_date": _(DECISION_FUTURE_MESSAGE)})
    if date > inspection.visit_date:
        raise ValidationError(
            {
                "decision_date": _(DECISION_AFTER_VISIT_MESSAGE).format(
                    date=short_date(inspection.visit_date)
                )
            }
        )
    if inspection.status not in {Inspection.Status.PLANNED, Inspection.Status.PREPARING}:
        raise ValidationError(
            _(NOT_NEXT_MESSAGE).format(
                current=inspection.get_status_display(), target=Inspection.Status.PREPARING.label
            )
        )
    before = {
        "decision_number": inspection.decision_number,
        "decision_date": inspection.decision_date.isoformat() if inspection.decision_date else None,
    }
    inspection.decision_number = number.strip()[:64]
    inspection.decision_date = date
    inspection.decision_signer = signer.strip()[:255]
    inspection.save(
        update_fields=["decision_number", "decision_date", "decision_signer", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="inspection.update",
        target=inspection,
        before=before,
        after={"decision_number": inspection.decision_number, "decision_date": date.isoformat()},
    )
    return inspection


def _unit_people(inspection: Inspection) -> list[Any]:
    return [
        membership.user
        for membership in Membership.objects.filter(
            org_unit=inspection.org_unit, role__in=list(UNIT_ROLES), is_active=True
        ).select_related("user")
    ]


def _notify_unit(inspection: Inspection, kind: str, compose: Any, key: str = "") -> None:
    notify(
        users=_unit_people(inspection),
        kind=kind,
        compose=lambda _user: compose(),
        url=inspection.get_absolute_url(),
        dedupe_key=key,
    )


@transaction.atomic
def documents_request(*, actor: Any, inspection: Inspection) -> int:
    """Ask the unit for the documents the checklists need; return how many were asked for."""
    if inspection.status != Inspection.Status.PREPARING:
        raise ValidationError(_(NOT_PREPARING_MESSAGE))
    existing = set(inspection.document_requests.values_list("item_id", flat=True))
    new = [
        DocumentRequest(inspection=inspection, item=item, text=item.evidence_needed)
        for item in visit_items(inspection)
        if item.evidence_needed.strip() and item.pk not in existing
    ]
    if not new and not existing:
        raise ValidationError(_(NO_DOCUMENTS_MESSAGE))
    DocumentRequest.objects.bulk_create(new)
    audit_record(
        actor=actor, action="inspection.documents", target=inspection, after={"asked": len(new)}
    )
    if new:
        _notify_unit(
            inspection,
            Notification.Kind.DOCUMENTS_REQUESTED,
            lambda: (
                _("Documents to prepare for the inspection on %(date)s")
                % {"date": short_date(inspection.visit_date)},
                _("%(count)s documents are asked for; send them from the inspection's page.")
                % {"count": len(new) + len(existing)},
            ),
        )
    return len(new)


def check_file(upload: Any, purpose: str) -> tuple[str, str, int]:
    """Check an upload for its purpose, before anything is written: (kind, sha256, size)."""
    kind, sha256, size = check_upload(upload)
    if purpose == InspectionFile.Purpose.PHOTO and kind not in {
        Evidence.Kind.JPEG,
        Evidence.Kind.PNG,
    }:
        raise ValidationError({"file": _(PHOTO_ONLY_MESSAGE)})
    return kind, sha256, size


def _store_file(
    *,
    actor: Any,
    inspection: Inspection,
    upload: Any,
    purpose: str,
    caption: str = "",
    item: ChecklistItem | None = None,
    checked: tuple[str, str, int] | None = None,
) -> InspectionFile:
    kind, sha256, size = checked or check_file(upload, purpose)
    original_name = clean_file_name(upload.name)
    # The one place an inspection's file is stored (documents sent, photos, remediation
    # reports from the page or the API): a PDF's digital signatures are checked here, once.
    signature_check = None
    if kind == Evidence.Kind.PDF:
        signature_check = check_bytes(upload.read())
        upload.seek(0)
    stored = InspectionFile(
        inspection=inspection,
        purpose=purpose,
        item=item,
        kind=kind,
        original_name=original_name,
        size=size,
        sha256=sha256,
        caption=caption.strip()[:500],
        signature_check=signature_check,
        uploaded_by=actor,
    )
    stored.file.save(stored_name(kind), File(upload), save=False)
    try:
        stored.save()
    except Exception:
        # No file without its record: take the stored file back when the row cannot be written.
        stored.file.delete(save=False)
        raise
    audit_record(
        actor=actor,
        action="inspection_file.upload",
        target=stored,
        after={
            "name": original_name,
            "size": size,
            "sha256": sha256,
            "purpose": purpose,
            "signatures": (signature_check or {}).get("verdict"),
        },
    )
    return stored


def file_check_signatures(*, actor: Any, stored: InspectionFile) -> InspectionFile:
    """Check a stored PDF's digital signatures again and keep what they say, as evidence is
    checked again (core.pdfsignatures.check_stored_again)."""
    if stored.kind != Evidence.Kind.PDF or not stored.file:
        raise ValidationError(_(NOT_A_PDF_MESSAGE))
    check_stored_again(actor=actor, row=stored, action="inspection_file.check_signatures")
    return stored


@transaction.atomic
def document_answer(
    *,
    actor: Any,
    request: DocumentRequest,
    upload: Any = None,
    evidence: Evidence | None = None,
    note: str = "",
) -> DocumentRequest:
    """The unit sends a file, links evidence of its self-assessment, or writes a note."""
    inspection = request.inspection
    if inspection.status not in {Inspection.Status.PREPARING, Inspection.Status.VISITING}:
        raise ValidationError(_(NOT_PREPARING_MESSAGE))
    if upload is None and evidence is None and not note.strip():
        raise ValidationError(_(ANSWER_EMPTY_MESSAGE))
    if evidence is not None and evidence.org_unit_id != inspection.org_unit_id:
        raise ValidationError(_(NOT_OWN_EVIDENCE_MESSAGE))
    # Every refusal before the first write (the file is stored last of all).
    checked = check_file(upload, InspectionFile.Purpose.DOCUMENT) if upload is not None else None
    if evidence is not None:
        request.evidence.add(evidence)
    if upload is not None:
        stored = _store_file(
            actor=actor,
            inspection=inspection,
            upload=upload,
            purpose=InspectionFile.Purpose.DOCUMENT,
            item=request.item,
            checked=checked,
        )
        request.files.add(stored)
    if note.strip():
        request.answer_note = note.strip()
    request.answered_at = timezone.now()
    request.save(update_fields=["answer_note", "answered_at", "updated_at"])
    audit_record(
        actor=actor,
        action="document_request.update",
        target=request,
        after={"evidence": evidence.pk if evidence else None, "file": upload is not None},
    )
    return request


@transaction.atomic
def item_result_save(
    *,
    actor: Any,
    inspection: Inspection,
    item: ChecklistItem,
    verdict: str,
    note: str = "",
    version: str | None = None,
) -> ItemResult:
    """Record the verdict on one item; a stale version (someone else saved meanwhile) is refused
    rather than silently overwritten. `version` is the one the card was read at: "" when it
    read no verdict, so a colleague's verdict saved since is never overwritten by it (two
    members on one item both read "" and the second silently replaced the first's verdict and
    note; a walk); None only for a caller without a card (the demo, fixtures)."""
    if inspection.status != Inspection.Status.VISITING:
        raise ValidationError(_(NOT_VISITING_MESSAGE))
    if item.pk not in {candidate.pk for candidate in visit_items(inspection)}:
        raise ValidationError(_(ITEM_NOT_IN_VISIT_MESSAGE))
    if verdict in {ItemResult.Verdict.PARTLY, ItemResult.Verdict.NOT_MET} and not note.strip():
        raise ValidationError({"note": _(NOTE_NEEDED_MESSAGE)})
    result = ItemResult.objects.select_for_update().filter(inspection=inspection, item=item).first()
    if result is None:
        result = ItemResult(inspection=inspection, item=item)
        before: dict[str, Any] = {}
    else:
        check_version(instance=result, expected_version=version)  # "" matches no version
        before = {"verdict": result.verdict, "note": result.note}
    result.verdict = ItemResult.Verdict(verdict)
    result.note = note.strip()
    result.recorded_by = actor
    result.save()
    audit_record(
        actor=actor,
        action="item_result.update" if before else "item_result.create",
        target=result,
        before=before or None,
        after={"verdict": result.verdict, "note": result.note},
    )
    return result


@transaction.atomic
def photo_add(
    *,
    actor: Any,
    inspection: Inspection,
    upload: Any,
    caption: str = "",
    item: ChecklistItem | None = None,
) -> InspectionFile:
    if inspection.status not in {Inspection.Status.VISITING, Inspection.Status.CONCLUDED}:
        raise ValidationError(_(NOT_VISITING_MESSAGE))
    return _store_file(
        actor=actor,
        inspection=inspection,
        upload=upload,
        purpose=InspectionFile.Purpose.PHOTO,
        caption=caption,
        item=item,
    )


@transaction.atomic
def support_save(*, actor: Any, inspection: Inspection, text: str) -> Inspection:
    if inspection.status not in {Inspection.Status.VISITING, Inspection.Status.CONCLUDED}:
        raise ValidationError(_(NOT_VISITING_MESSAGE))
    before = inspection.support_given
    inspection.support_given = text.strip()
    inspection.save(update_fields=["support_given", "updated_at"])
    audit_record(
        actor=actor,
        action="inspection.update",
        target=inspection,
        before={"support_given": before},
        after={"support_given": inspection.support_given},
    )
    return inspection


@transaction.atomic
def inspection_publish(*, actor: Any, inspection: Inspection, publish: bool) -> Inspection:
    """Mark a concluded inspection for the public portal (or take it off)."""
    if inspection.status not in CONCLUDED_STATUSES:
        raise ValidationError(_(NOT_PUBLISHABLE_MESSAGE))
    inspection.is_published = publish
    inspection.published_at = timezone.now() if publish else None
    inspection.save(update_fields=["is_published", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="inspection.update",
        target=inspection,
        after={"is_published": publish},
    )
    return inspection


def close_when_remedied(inspection: Inspection) -> None:
    """A concluded inspection closes when every remediation action is verified."""
    if inspection.status != Inspection.Status.CONCLUDED:
        return
    actions = RemediationAction.objects.filter(recommendation__inspection=inspection)
    if actions.exists() and not actions.exclude(status=RemediationAction.Status.VERIFIED).exists():
        inspection.status = Inspection.Status.CLOSED
        inspection.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=None,
            action="inspection.update",
            target=inspection,
            before={"status": Inspection.Status.CONCLUDED},
            after={"status": Inspection.Status.CLOSED},
        )
