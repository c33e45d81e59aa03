"""Writes to the organisational tree. Every change is atomic and audited."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record, changed_only, snapshot
from cchc.core.versioning import check_version
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import is_under, under_q

AUDITED_FIELDS = [
    "code",
    "gso_code",
    "name",
    "kind",
    "parent",
    "active_from",
    "active_to",
    "boundary",
    "sort_order",
    "note",
]
PARENT_CYCLE_MESSAGE = gettext_noop(
    "A unit cannot be placed under itself or under one of its own units."
)


GSO_CODE_TAKEN_MESSAGE = gettext_noop(
    "Another active unit already has this GSO code. End that unit first (set its end date) "
    "if this one replaces it."
)


def _check_gso_code(unit: OrgUnit) -> None:
    """Name the field when an active unit already has the GSO code (the database constraint
    alone would report it for the whole form)."""
    if not unit.gso_code or unit.active_to is not None:
        return
    taken = OrgUnit.objects.filter(gso_code=unit.gso_code, active_to__isnull=True)
    if taken.exclude(pk=unit.pk).exists():
        raise ValidationError({"gso_code": _(GSO_CODE_TAKEN_MESSAGE)})


def _path_for(*, unit: OrgUnit) -> tuple[str, int]:
    if unit.parent is None:
        return f"/{unit.pk}/", 0
    return f"{unit.parent.path}{unit.pk}/", unit.parent.depth + 1


def _refresh_subtree_paths(*, unit: OrgUnit, old_path: str) -> None:
    """Rewrite the paths of the unit's descendants after it moved (one row per descendant)."""
    descendants = OrgUnit.objects.filter(under_q([old_path])).exclude(pk=unit.pk)
    depth_shift = unit.depth - (old_path.count("/") - 2)
    for descendant in descendants.order_by("path"):
        descendant.path = unit.path + descendant.path[len(old_path) :]
        descendant.depth = descendant.depth + depth_shift
        descendant.save(update_fields=["path", "depth"])


@transaction.atomic
def org_unit_create(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    gso_code: str = "",
    active_from: datetime.date | None = None,
    active_to: datetime.date | None = None,
    boundary: dict[str, Any] | None = None,
    sort_order: int = 0,
    note: str = "",
) -> OrgUnit:
    """Create a unit in the tree."""
    unit = OrgUnit(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        parent=parent,
        gso_code=gso_code.strip(),
        active_from=active_from,
        active_to=active_to,
        boundary=boundary,
        sort_order=sort_order,
        note=note.strip(),
    )
    _check_gso_code(unit)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path, unit.depth = _path_for(unit=unit)
    unit.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor, action="org_unit.create", target=unit, after=snapshot(unit, AUDITED_FIELDS)
    )
    return unit


@transaction.atomic
def org_unit_update(
    *,
    actor: Any,
    org_unit: OrgUnit,
    expected_version: str | None = None,
    **changes: Any,
) -> OrgUnit:
    """Change a unit's fields; refuse a stale edit and a parent that would make a cycle."""
    unknown = set(changes) - set(AUDITED_FIELDS)
    if unknown:
        raise TypeError(f"org_unit_update got unknown fields: {sorted(unknown)}")
    check_version(instance=org_unit, expected_version=expected_version)
    before = snapshot(org_unit, AUDITED_FIELDS)
    old_path = org_unit.path
    new_parent = changes.get("parent", org_unit.parent)
    if new_parent is not None and (new_parent.pk == org_unit.pk or is_under(new_parent, org_unit)):
        raise ValidationError({"parent": _(PARENT_CYCLE_MESSAGE)})
    for name, value in changes.items():
        setattr(org_unit, name, value.strip() if isinstance(value, str) else value)
    org_unit.path, org_unit.depth = _path_for(unit=org_unit)
    _check_gso_code(org_unit)
    org_unit.full_clean(exclude=["path"])
    org_unit.save(update_fields=[*changes, "path", "depth", "updated_at"])
    if org_unit.path != old_path:
        _refresh_subtree_paths(unit=org_unit, old_path=old_path)
    before_changed, after_changed = changed_only(before, snapshot(org_unit, AUDITED_FIELDS))
    if after_changed:
        audit_record(
            actor=actor,
            action="org_unit.update",
            target=org_unit,
            before=before_changed,
            after=after_changed,
        )
    return org_unit
