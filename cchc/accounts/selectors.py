"""Reads of users and memberships, scoped to what the reader keeps."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from cchc.accounts.models import Membership, User
from cchc.core.permissions import require_capability
from cchc.core.roles import CAPABILITY_ROLES, Capability, Role
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import KEEP, Scope


def _units_kept_by(user: Any) -> QuerySet[OrgUnit]:
    return Scope.of(user).filter(OrgUnit.objects.all(), purpose=KEEP)


def user_list_for_user(*, user: Any, query: str = "") -> QuerySet[User]:
    """Return users holding a membership in the units the reader keeps, memberships prefetched."""
    require_capability(user, Capability.VIEW_USERS)
    users = User.objects.all()
    if Role.SYSTEM_ADMIN not in user.role_set():
        kept_unit_ids = _units_kept_by(user).values("pk")
        users = users.filter(
            memberships__org_unit__in=kept_unit_ids, memberships__is_active=True
        ).distinct()
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(full_name__icontains=query) | Q(email__icontains=query)
        )
    active_memberships = Membership.objects.filter(is_active=True).select_related("org_unit")
    return users.prefetch_related(
        Prefetch("memberships", queryset=active_memberships, to_attr="listed_memberships")
    ).order_by("username")


def user_get_for_user(*, user: Any, pk: int) -> User:
    """Return one user the reader keeps; 404 for anyone else."""
    return get_object_or_404(user_list_for_user(user=user), pk=pk)


def keeps_whole(*, user: Any, target: User) -> bool:
    """Whether the reader answers for `target`'s account (their e-mail, a new password): the
    administrator for anyone; a keeper for a person all of whose active roles are in units
    they keep, and who keeps no one at or above them — never an administrator, nor a fellow
    keeper of their own unit, nor themselves. Another city's coordinator had redirected a
    shared person's notices, and the province's coordinator could give the administrator a
    new password (a walk and a review)."""
    if Role.SYSTEM_ADMIN in user.role_set():
        return True
    if target.pk == user.pk or target.is_superuser or target.is_staff:
        return False
    scope = user.scope
    keepers = CAPABILITY_ROLES[Capability.MANAGE_USERS]
    # Every role in a unit the reader keeps; a keeper's, in a unit below the reader's own.
    return all(
        scope.keeps(m.org_unit) and (m.role not in keepers or scope.keeps_from_above(m.org_unit))
        for m in target.memberships.filter(is_active=True).select_related("org_unit")
    )


def membership_list_for_user_detail(*, user: Any, target: User) -> list[Membership]:
    """Return all memberships (active and ended) of a user the reader keeps, each marked
    `kept` when it is in a unit the reader keeps (only those it may end)."""
    require_capability(user, Capability.VIEW_USERS)
    memberships = list(
        target.memberships.select_related("org_unit").order_by("-is_active", "org_unit__path")
    )
    for membership in memberships:
        membership.kept = user.scope.keeps(membership.org_unit)  # type: ignore[attr-defined]
    return memberships


def membership_get_for_edit(*, user: Any, pk: int) -> Membership:
    """Return a membership in a unit the reader keeps; 404 elsewhere."""
    require_capability(user, Capability.MANAGE_USERS)
    membership = get_object_or_404(Membership.objects.select_related("org_unit", "user"), pk=pk)
    if not _units_kept_by(user).filter(pk=membership.org_unit_id).exists():
        raise PermissionDenied
    return membership


def org_units_for_membership(*, user: Any) -> QuerySet[OrgUnit]:
    """Return the units in which the reader may give roles."""
    require_capability(user, Capability.MANAGE_USERS)
    # Each unit's children together, in their own order (wards 1–15, then the agencies), under
    # the units above them: by the tree's path alone they came in the order they were created
    # (wards, agencies, then more wards).
    return (
        _units_kept_by(user)
        .filter(active_to__isnull=True)
        .order_by(F("parent__path").asc(nulls_first=True), "sort_order", "name")
    )


def roles_grantable_by(*, user: Any) -> list[tuple[str, Any]]:
    """Return the role choices the reader may give: only admins make admins."""
    if Role.SYSTEM_ADMIN in user.role_set():
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value != Role.SYSTEM_ADMIN]
