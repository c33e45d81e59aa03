"""Reads of integration clients: the system administrator's pages only."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cchc.api.models import IntegrationClient
from cchc.core.permissions import require_capability
from cchc.core.roles import Capability


def client_list_for_user(*, user: Any) -> QuerySet[IntegrationClient]:
    """Every client, with its unit and creator (the list reads one query)."""
    require_capability(user, Capability.MANAGE_API_CLIENTS)
    return IntegrationClient.objects.select_related("org_unit", "created_by").order_by(
        "revoked_at", "name", "pk"
    )


def client_get_for_manage(*, user: Any, pk: int) -> IntegrationClient:
    return get_object_or_404(client_list_for_user(user=user), pk=pk)


def client_for_key(key_id: str) -> IntegrationClient | None:
    """The client a token names, with its service user (the one query of an API call's
    authentication; the user's memberships are the second)."""
    return IntegrationClient.objects.select_related("user").filter(key_id=key_id).first()
