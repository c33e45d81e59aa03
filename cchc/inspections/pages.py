"""What the visit's page shows, as data: `inspection_page` gives the page's figures and the
forms the reader may use — each offered by the same check its POST view makes (`selectors`'
can_manage, can_inspect, can_answer, can_report; the next step by the state machine,
`visits.next_step`, which the advance view asks too). The forms' choices are built here once,
for the page and for the views that take them back (`finding_form`, `team_people`)."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from cchc.assessments.models import Evidence
from cchc.inspections import selectors
from cchc.inspections.forms import (
    FindingForm,
    PhotoForm,
    RecommendationForm,
    RescheduleForm,
    SupportForm,
    TeamDecisionForm,
    TeamMemberForm,
)
from cchc.inspections.models import (
    CONCLUDED_STATUSES,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionFile,
    ItemResult,
    RootCause,
    Topic,
)
from cchc.inspections.services import planning, visits


def finding_areas(items: list[Any]) -> list[tuple[str, str]]:
    """The areas a finding can be in: the sections of the visit's checklists."""
    seen: dict[str, str] = {}
    for item in items:
        label = f"{Topic(item.checklist.topic).label} — {item.section_code}. {item.section_name}"
        seen.setdefault(f"{item.checklist.topic}|{item.section_code}. {item.section_name}", label)
    return list(seen.items())


def finding_form(
    inspection: Inspection, items: list[Any], data: Any = None, initial: Any = None
) -> FindingForm:
    return FindingForm(
        data,
        initial=initial,
        areas=finding_areas(items),
        items=ChecklistItem.objects.filter(pk__in=[item.pk for item in items]),
        causes=RootCause.objects.filter(organiser=inspection.plan.organiser),
    )


def assigned_sections(sections: list[str], checklists: dict[int, str]) -> list[tuple[str, str]]:
    """A member's sections ("7:1.2", checklist id and section code) as (topic's short name,
    "1, 2, 3") per checklist of the visit (`checklists`: id → topic's short name, in the
    visit's order): two checklists both have a section 1."""
    codes: dict[int, list[str]] = {}
    for section in sections:
        checklist, _sep, code = section.partition(":")
        if checklist.isdigit() and int(checklist) in checklists:
            codes.setdefault(int(checklist), []).append(code)
    return [(topic, ", ".join(codes[pk])) for pk, topic in checklists.items() if pk in codes]


def team_people(inspection: Inspection) -> list[tuple[int, str]]:
    return [
        (membership.user_id, f"{membership.user} — {membership.org_unit}")
        for membership in selectors.agency_members(organiser=inspection.plan.organiser).order_by(
            "org_unit__sort_order", "user__full_name"
        )
    ]


def kept_values(kept: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A refused form of the page (core.forms.perform's `keep`) as the template writes it
    back: each field's value as typed and its reasons, joined."""
    return {
        "values": {name: values[0] if values else "" for name, values in kept["data"].items()},
        "errors": {name: " ".join(reasons) for name, reasons in kept["errors"].items()},
    }


def inspection_page(
    *,
    user: Any,
    inspection: Inspection,
    take_draft: Callable[[], Any] | None = None,
    kept: dict[str, dict[str, Any]] | None = None,
    member_form: Any = None,
) -> dict[str, Any]:
    """Everything the visit's page shows for `user` (the inspection as
    `selectors.inspection_for_page` reads it): team, documents, checklist results, photos,
    findings, root causes, recommendations and remediation, the next step when the user may
    take it, and the forms they may use (None, or left out, for the others). `take_draft`: the
    finding refused on the user's last post, as it was typed (read for the team only);
    `kept`: the other forms refused on the user's last post, by name ("report-<action>",
    "action-<recommendation>"), and `member_form` the team form so refused."""
    kept = kept or {}
    can_manage = selectors.can_manage(user=user, inspection=inspection)
    can_inspect = selectors.can_inspect(user=user, inspection=inspection)
    can_answer = selectors.can_answer(user=user, inspection=inspection)
    # The inspected unit reads the team's notes once the visit is concluded (one rule).
    notes = selectors.notes_visible(user=user, inspection=inspection)
    items = visits.visit_items(inspection)
    results = {result.item_id: result for result in inspection.results.all()} if notes else {}
    counts = dict.fromkeys(ItemResult.Verdict.values, 0)
    for result in results.values():
        counts[result.verdict] += 1
    status = Inspection.Status(inspection.status)
    # The next step and who takes it are the state machine's (visits.INSPECTION_STEPS), as
    # the advance view asks it.
    step = visits.next_step(user=user, inspection=inspection)
    target = visits.NEXT_STATUS.get(status)
    all_findings = list(inspection.findings.all()) if notes else []
    recommendations = list(inspection.recommendations.all()) if notes else []
    causes = {cause.pk: cause for finding in all_findings for cause in finding.root_causes.all()}
    for recommendation in recommendations:
        for cause in recommendation.root_causes.all():
            causes[cause.pk] = cause
    today = timezone.localdate()
    issued = list(
        inspection.documents.filter(
            kind__in=("team_decision", "conclusion_notice"), replaced_by__isnull=True
        ).order_by("-pk")
    )
    own_evidence = Evidence.objects.filter(org_unit=inspection.org_unit).order_by("-created_at")
    # A shortcoming refused on its last post comes back as it was typed.
    draft = take_draft() if can_inspect and take_draft is not None else None
    checklists = {item.checklist_id: item.topic_short for item in items}  # the visit's order
    return {
        "inspection": inspection,
        "team": [
            (member, assigned_sections(member.sections, checklists))
            for member in inspection.team.all()
        ],
        "can_manage": can_manage,
        # A unit's officers read their visit, not the plan (its link would be a 404).
        "plan_readable": can_manage
        or selectors.plan_list_for_user(user=user).filter(pk=inspection.plan_id).exists(),
        "can_inspect": can_inspect,
        "can_answer": can_answer,
        "notes_visible": notes,
        "recommendations": recommendations,
        # The actions whose report form this user may send (selectors.can_report, as the view).
        "reportable": {
            action.pk
            for recommendation in recommendations
            for action in recommendation.actions.all()
            if selectors.can_report(user=user, action=action)
        },
        "is_overdue": selectors.visit_overdue(inspection, today=today),
        "is_editable": status in planning.EDITABLE_STATUSES,
        "is_visiting": status == Inspection.Status.VISITING,
        "is_remediating": status in CONCLUDED_STATUSES,
        "next_status": Inspection.Status(target).label if target else "",
        "next_value": target or "",
        "may_move": step is not None,
        "waiting_for": visits.waiting_for(user=user, inspection=inspection) if step is None else "",
        "refusal": step.refusal if step is not None else None,
        "item_count": len(items),
        "result_count": len(results),
        "counts": [(ItemResult.Verdict(key).label, key, value) for key, value in counts.items()],
        "strengths": [f for f in all_findings if f.kind == Finding.Kind.STRENGTH],
        "shortcomings": [f for f in all_findings if f.kind == Finding.Kind.SHORTCOMING],
        "causes": sorted(causes.values(), key=lambda cause: cause.title),
        "photos": [
            f for f in inspection.files.all() if notes and f.purpose == InspectionFile.Purpose.PHOTO
        ],
        "today": today,
        "documents_sent": sum(
            1 for document in inspection.document_requests.all() if document.answered_at
        ),
        "reschedule_form": RescheduleForm(
            prefix="move", initial={"visit_date": inspection.visit_date}
        ),
        "member_form": (
            member_form
            or TeamMemberForm(
                prefix="member", people=team_people(inspection), topics=inspection.topics
            )
        )
        if can_manage
        else None,
        # Refused forms as typed: a progress report by action, a new action by recommendation.
        "kept_reports": {
            int(name.removeprefix("report-")): kept_values(form)
            for name, form in kept.items()
            if name.startswith("report-")
        },
        "kept_actions": {
            int(name.removeprefix("action-")): kept_values(form)
            for name, form in kept.items()
            if name.startswith("action-")
        },
        # The decision forming the team issued from the register, when there is one: it is
        # the visit's decision, shown instead of the form that types one. The conclusion
        # notice issued: what its button opens (before, the draft is the team's).
        "issued_decision": next((d for d in issued if d.kind == "team_decision"), None),
        "issued_notice": next((d for d in issued if d.kind == "conclusion_notice"), None)
        if status in CONCLUDED_STATUSES
        else None,
        "decision_form": TeamDecisionForm(
            prefix="decision",
            initial={
                "number": inspection.decision_number,
                "date": inspection.decision_date or today,
                "signer": inspection.decision_signer,
            },
        ),
        "own_evidence": list(own_evidence[:200]) if can_answer else [],
        "photo_form": PhotoForm(prefix="photo"),
        "support_form": SupportForm(prefix="support", initial={"text": inspection.support_given}),
        # A refused finding comes back bound to what was typed: each reason beside its field.
        "finding_form": finding_form(inspection, items, data=draft) if can_inspect else None,
        "recommendation_form": RecommendationForm(
            prefix="rec",
            findings=inspection.findings.all(),
            causes=RootCause.objects.filter(pk__in=list(causes)),
        )
        if can_inspect
        else None,
        "organiser_causes": RootCause.objects.filter(organiser=inspection.plan.organiser),
    }
