"""Reads of the unit tree. Names and codes are public; changing them is scoped (who reaches
which unit is cchc.orgunits.scope's)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability
from cchc.orgunits.models import OrgUnit, Reorganisation, UnitChange
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


def _share_total() -> Subquery:
    """The sum of the shares a divided unit gave on the same day, all its parts (those the
    reader does not read included): a part's share reads as a fraction of the whole. None
    when a part has no share (the whole is unknown), as on the preview (orgunits.views)."""
    parts = (
        UnitChange.objects.filter(
            predecessor=OuterRef("predecessor"),
            effective_on=OuterRef("effective_on"),
            kind=UnitChange.Kind.DIVIDED,
        )
        .values("predecessor")
        .annotate(total=Sum("share"), parts=Count("pk"), known=Count("share"))
        .filter(parts=F("known"))
        .values("total")
    )
    return Subquery(parts, output_field=DecimalField(max_digits=14, decimal_places=4))


def _lineage_for_user(user: Any) -> QuerySet[UnitChange]:
    """The lineage links the user reads: those whose former unit or continuing unit they read
    (Scope.units_q, purpose READ): a new ward's people read where it came from, a former
    ward's readers where it went."""
    if not user_has_capability(user, Capability.VIEW_ORG_UNITS):
        raise PermissionDenied
    links = UnitChange.objects.select_related(
        "predecessor", "successor", "reorganisation"
    ).annotate(share_total=_share_total())
    scope = Scope.of(user)
    if scope.is_admin:
        return links
    return links.filter(
        scope.units_q("successor", purpose=READ) | scope.units_q("predecessor", purpose=READ)
    )


def predecessors(unit: OrgUnit, *, user: Any) -> list[UnitChange]:
    """The links to the units this one was made from (merged, divided), oldest change first."""
    return list(
        _lineage_for_user(user)
        .filter(successor=unit, kind__in=UnitChange.LINK_KINDS)
        .order_by("effective_on", "predecessor__sort_order", "predecessor__name")
    )


def successors(unit: OrgUnit, *, user: Any) -> list[UnitChange]:
    """The links to the units that continue this one (a divided unit's default one first)."""
    return list(
        _lineage_for_user(user)
        .filter(predecessor=unit, kind__in=UnitChange.LINK_KINDS)
        .order_by("effective_on", "-is_default", "successor__name")
    )


def unit_renames_and_moves(unit: OrgUnit, *, user: Any) -> list[UnitChange]:
    """The unit's own changes of name, kind or parent, oldest first."""
    return list(
        _lineage_for_user(user)
        .filter(successor=unit, kind__in=[UnitChange.Kind.RENAMED, UnitChange.Kind.MOVED])
        .order_by("effective_on", "pk")
    )


def predecessor_ids(unit_ids: list[int]) -> dict[int, list[int]]:
    """Unit id → the ids of every unit it continues, through every reorganisation (a unit
    made in 2025 from units made in 2020 reaches those of 2019 too). For figures, not for
    pages: who may read them is the caller's question."""
    result: dict[int, list[int]] = {unit_id: [] for unit_id in unit_ids}
    frontier = {unit_id: {unit_id} for unit_id in unit_ids}
    seen = {unit_id: {unit_id} for unit_id in unit_ids}
    while any(frontier.values()):
        wanted = set().union(*frontier.values())
        links: dict[int, list[int]] = {}
        for old_id, new_id in UnitChange.objects.filter(
            successor_id__in=wanted, kind__in=UnitChange.LINK_KINDS
        ).values_list("predecessor_id", "successor_id"):
            links.setdefault(new_id, []).append(old_id)
        for unit_id, ids in frontier.items():
            found = {old for new in ids for old in links.get(new, []) if old not in seen[unit_id]}
            seen[unit_id] |= found
            result[unit_id].extend(sorted(found))
            frontier[unit_id] = found
    return result


def reorganisations_for_user(*, user: Any) -> QuerySet[Reorganisation]:
    """The reorganisations that changed a unit the user reads, newest first."""
    visible = _lineage_for_user(user).values("reorganisation_id")
    return Reorganisation.objects.filter(pk__in=visible).order_by("-effective_on", "-created_at")


def reorganisation_get_for_user(*, user: Any, pk: int) -> tuple[Reorganisation, list[UnitChange]]:
    """One reorganisation and the changes of it the user reads (404 when they read none)."""
    reorganisation = get_object_or_404(Reorganisation, pk=pk)
    changes = list(
        _lineage_for_user(user)
        .filter(reorganisation=reorganisation)
        .order_by("successor__name", "-is_default", "predecessor__name")
    )
    if not changes:
        raise Http404
    return reorganisation, changes
