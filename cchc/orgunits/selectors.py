"""Reads of the unit tree. Names and codes are public; changing them is scoped (who reaches
which unit is cchc.orgunits.scope's)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import KEEP, READ, Scope


def org_unit_list_for_user(
    *, user: Any, kind: str = "", query: str = "", include_inactive: bool = True
) -> QuerySet[OrgUnit]:
    """Return the units a logged-in user may see (all of them), with their parent."""
    if not user_has_capability(user, Capability.VIEW_ORG_UNITS):
        raise PermissionDenied
    units = OrgUnit.objects.select_related("parent")
    if kind:
        units = units.filter(kind=kind)
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__icontains=query))
    if not include_inactive:
        units = units.filter(active_to__isnull=True)
    return units.order_by("path")


def org_unit_get_for_user(*, user: Any, pk: int) -> OrgUnit:
    """Return one unit for reading."""
    if not user_has_capability(user, Capability.VIEW_ORG_UNITS):
        raise PermissionDenied
    return get_object_or_404(OrgUnit.objects.select_related("parent"), pk=pk)


def org_unit_manageable_for_user(*, user: Any) -> QuerySet[OrgUnit]:
    """Return the units the user may change: all for admins, their subtree for Home Affairs."""
    if not user_has_capability(user, Capability.MANAGE_ORG_UNITS):
        raise PermissionDenied
    return Scope.of(user).filter(OrgUnit.objects.select_related("parent"), purpose=KEEP)


def org_unit_get_for_edit(*, user: Any, pk: int) -> OrgUnit:
    """Return a unit the user may change, 403 when it is outside their scope."""
    unit = get_object_or_404(OrgUnit.objects.select_related("parent"), pk=pk)
    if not org_unit_manageable_for_user(user=user).filter(pk=unit.pk).exists():
        raise PermissionDenied
    return unit


def org_unit_can_manage(*, user: Any, org_unit: OrgUnit) -> bool:
    """Return whether the user may change this unit (used to show or hide the edit button)."""
    if not user_has_capability(user, Capability.MANAGE_ORG_UNITS):
        return False
    return Scope.of(user).keeps(org_unit)


def assessed_units_for_user(user: Any) -> QuerySet[OrgUnit]:
    """The wards and communes in use whose figures the user reads (`Scope.covers`): every one
    for a keeper or a reader of their tree, a unit's people their own."""
    units = OrgUnit.objects.filter(kind__in=OrgUnit.ASSESSED_KINDS, active_to__isnull=True)
    return Scope.of(user).filter(units, purpose=READ).order_by("sort_order", "name")


def org_units_in_tree_order(units: list[OrgUnit]) -> list[OrgUnit]:
    """Return units depth-first, siblings by their order then name (a unit whose parent is
    not in the list counts as a root). Done in memory: the list is already loaded."""
    ids = {unit.pk for unit in units}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        parent_id = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent_id, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda unit: (unit.sort_order, unit.name))
    ordered: list[OrgUnit] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(children.get(unit.pk, [])))
    return ordered
