"""Reads of the audit trail."""

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from cchc.core.models import AuditEvent
from cchc.core.permissions import require_capability
from cchc.core.roles import Capability, Role


def audit_event_list_for_user(
    *,
    user: Any,
    query: str = "",
    actor: str = "",
    object_type: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """Return the audit events the user may search, newest first.

    Administrators see everything. A Home Affairs coordinator sees what the people of their
    part of the tree did (and their own actions): not the province's administrators, not the
    system's own loading of data."""
    require_capability(user, Capability.VIEW_AUDIT)
    events = AuditEvent.objects.all()
    if Role.SYSTEM_ADMIN not in user.role_set():
        # The units the coordinator keeps, from the one scope policy (cchc.orgunits.scope),
        # reached through the user as core reaches it (duck typing: core imports no app).
        # An event of a unit: read by that unit's keepers, whoever did it and whatever roles
        # they hold now. One of no unit (an account's): by the keepers of its actor's roles.
        # (Not the system's own loading of data: events with no actor.)
        in_kept_unit = user.scope.units_q("unit", purpose="keep") & Q(actor__isnull=False)
        kept = user.scope.units_q("actor__memberships__org_unit", purpose="keep")
        of_no_unit = Q(unit__isnull=True) & kept & Q(actor__memberships__is_active=True)
        events = events.filter(
            pk__in=AuditEvent.objects.filter(Q(actor=user) | in_kept_unit | of_no_unit).values("pk")
        )
    if query:
        events = events.filter(
            Q(action__icontains=query) | Q(object_repr__icontains=query) | Q(object_id=query)
        )
    if actor:
        events = events.filter(actor_username__iexact=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events.order_by("-at", "-id")


def audit_object_types() -> list[str]:
    """Return the object types that appear in the trail, for the filter."""
    return list(
        AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
