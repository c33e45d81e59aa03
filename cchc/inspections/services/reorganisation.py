"""What a reorganisation moves of the inspections: a remediation action not yet verified is
owed by the unit that continues its former owner (its only successor, or a divided unit's
default one). The visit, its findings and its recommendations stay with the former unit.
Registered with cchc.orgunits.reorganisation in InspectionsConfig.ready()."""

from typing import Any

from django.utils.translation import gettext_lazy

from cchc.core.audit import audit_record
from cchc.inspections.models import RemediationAction
from cchc.orgunits.models import OrgUnit, Reorganisation
from cchc.orgunits.reorganisation import Follower, FollowItem, Plan


def _actions(plan: Plan) -> list[RemediationAction]:
    return list(
        RemediationAction.objects.filter(owner_id__in=list(plan.heirs))
        .exclude(status=RemediationAction.Status.VERIFIED)
        .select_related("owner")
        .order_by("deadline", "pk")
    )


def preview(plan: Plan) -> list[FollowItem]:
    heirs = plan.heirs
    return [
        FollowItem(
            kind="remediation",
            label=f"{action} ({action.get_status_display()})",
            old_unit=action.owner,
            new_code=heirs[action.owner_id],
        )
        for action in _actions(plan)
    ]


def apply(
    plan: Plan, *, actor: Any, units: dict[str, OrgUnit], reorganisation: Reorganisation
) -> int:
    """Give each open action of a former unit to its heir; return how many moved."""
    heirs = plan.heirs
    actions = _actions(plan)
    for action in actions:
        former = action.owner
        action.owner = units[heirs[former.pk]]
        action.save(update_fields=["owner", "updated_at"])
        audit_record(
            actor=actor,
            action="remediation.follow_unit",
            target=action,
            before={"owner": former.pk},
            after={"owner": action.owner.pk, "reorganisation": reorganisation.pk},
        )
    return len(actions)


FOLLOWER = Follower(
    kind="remediation",
    title=gettext_lazy("Open remediation actions that follow the new unit"),
    preview=preview,
    apply=apply,
)
