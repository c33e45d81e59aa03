"""What a reorganisation moves of the accounts: the people of a former unit hold their roles in
the unit that continues it (its only successor, or a divided unit's default one). The former
membership is ended, not changed: who was a ward's officer stays on the record.
Registered with cchc.orgunits.reorganisation in AccountsConfig.ready()."""

import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from cchc.accounts.models import Membership
from cchc.accounts.services import ROLE_UNIT_KINDS, membership_add, membership_end
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit, Reorganisation
from cchc.orgunits.reorganisation import Follower, FollowItem, Plan

ROLE_STAYS_MESSAGE = gettext_noop(
    "stays with the former unit: the role does not fit a {kind}; end or move it by hand"
)


def _fits(role: str, kind: str) -> bool:
    kinds = ROLE_UNIT_KINDS[Role(role)]
    return kinds is None or kind in kinds


def _memberships(plan: Plan) -> list[Membership]:
    return list(
        Membership.objects.filter(org_unit_id__in=list(plan.heirs), is_active=True)
        .select_related("user", "org_unit")
        .order_by("org_unit__sort_order", "org_unit__name", "user__username", "role")
    )


def preview(plan: Plan) -> list[FollowItem]:
    heirs = plan.heirs
    items = []
    for membership in _memberships(plan):
        code = heirs[membership.org_unit_id]
        kind = plan.new_units[code].kind
        note = ""
        if not _fits(membership.role, kind):
            note = _(ROLE_STAYS_MESSAGE).format(kind=OrgUnit.Kind(kind).label.lower())
        items.append(
            FollowItem(
                kind="membership",
                label=f"{membership.user} — {membership.get_role_display()}",
                old_unit=membership.org_unit,
                new_code=code,
                note=note,
            )
        )
    return items


def apply(
    plan: Plan, *, actor: Any, units: dict[str, OrgUnit], reorganisation: Reorganisation
) -> int:
    """End each membership of a former unit and give the same role in its heir; return how
    many people moved."""
    heirs = plan.heirs
    day_of = {link.old.pk: link.effective_on for link in plan.links if link.is_default}
    moved = 0
    for membership in _memberships(plan):
        unit = units[heirs[membership.org_unit_id]]
        if not _fits(membership.role, unit.kind):
            continue
        ended_on = day_of[membership.org_unit_id] - datetime.timedelta(days=1)
        if membership.started_on and membership.started_on > ended_on:
            ended_on = membership.started_on
        membership_end(actor=actor, membership=membership, ended_on=ended_on)
        holds = Membership.objects.filter(
            user_id=membership.user_id, role=membership.role, org_unit=unit, is_active=True
        ).exists()
        if not holds:
            membership_add(
                actor=actor,
                user=membership.user,
                role=membership.role,
                org_unit=unit,
                area_codes=list(membership.area_codes) or None,
                started_on=ended_on + datetime.timedelta(days=1),
            )
        moved += 1
    return moved


FOLLOWER = Follower(
    kind="membership",
    title=gettext_lazy("People whose role moves to the new unit"),
    preview=preview,
    apply=apply,
)
