"""What a reorganisation moves of the scoring rounds: in a round still in draft or
self-assessment, the new unit takes over its lead predecessor's assessment (the former unit
whose GSO code it keeps, else its first whole predecessor), with what was declared and the
evidence first uploaded for it. Rounds past self-assessment, and the other predecessors'
assessments, stay with the former units: they finish and are published as they were.
Registered with cchc.orgunits.reorganisation in AssessmentsConfig.ready()."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from cchc.assessments.models import Assessment, Evidence, Round
from cchc.core.audit import audit_record
from cchc.orgunits.models import OrgUnit, Reorganisation
from cchc.orgunits.reorganisation import Follower, FollowItem, Plan

FOLLOWING_STATUSES = (Round.Status.DRAFT, Round.Status.OPEN)
ALREADY_IN_ROUND_MESSAGE = gettext_noop("stays: the new unit is already in this round")


def _assessments(plan: Plan) -> tuple[list[Assessment], dict[int, str]]:
    lead_code = {old_id: code for code, old_id in plan.leads.items()}
    assessments = list(
        Assessment.objects.filter(
            org_unit_id__in=list(lead_code), round__status__in=FOLLOWING_STATUSES
        )
        .select_related("round", "org_unit")
        .order_by("round__year", "round_id", "org_unit__sort_order")
    )
    return assessments, lead_code


def _taken(
    plan: Plan, assessments: list[Assessment], lead_code: dict[int, str]
) -> set[tuple[int, str]]:
    """(round id, new unit code) of existing successors already in the round."""
    existing = {
        unit.existing.pk: code for code, unit in plan.new_units.items() if unit.existing is not None
    }
    rounds = {assessment.round_id for assessment in assessments}
    return {
        (round_id, existing[unit_id])
        for round_id, unit_id in Assessment.objects.filter(
            round_id__in=rounds, org_unit_id__in=list(existing)
        ).values_list("round_id", "org_unit_id")
    }


def preview(plan: Plan) -> list[FollowItem]:
    assessments, lead_code = _assessments(plan)
    taken = _taken(plan, assessments, lead_code)
    return [
        FollowItem(
            kind="assessment",
            label=f"{assessment.round} — {assessment.get_status_display()}",
            old_unit=assessment.org_unit,
            new_code=lead_code[assessment.org_unit_id],
            note=_(ALREADY_IN_ROUND_MESSAGE)
            if (assessment.round_id, lead_code[assessment.org_unit_id]) in taken
            else "",
        )
        for assessment in assessments
    ]


def apply(
    plan: Plan, *, actor: Any, units: dict[str, OrgUnit], reorganisation: Reorganisation
) -> int:
    """Move each lead predecessor's open assessment (and the evidence first uploaded for it)
    to the new unit; return how many moved."""
    assessments, lead_code = _assessments(plan)
    taken = _taken(plan, assessments, lead_code)
    moved = 0
    for assessment in assessments:
        code = lead_code[assessment.org_unit_id]
        if (assessment.round_id, code) in taken:
            continue
        former, unit = assessment.org_unit, units[code]
        assessment.org_unit = unit
        assessment.save(update_fields=["org_unit", "updated_at"])
        evidence = Evidence.objects.filter(assessment=assessment, org_unit=former).update(
            org_unit=unit
        )
        audit_record(
            actor=actor,
            action="assessment.follow_unit",
            target=assessment,
            before={"org_unit": former.pk},
            after={"org_unit": unit.pk, "evidence": evidence, "reorganisation": reorganisation.pk},
        )
        moved += 1
    return moved


FOLLOWER = Follower(
    kind="assessment",
    title=gettext_lazy("Open rounds' assessments that follow the new unit"),
    preview=preview,
    apply=apply,
)
