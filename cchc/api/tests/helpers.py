"""Clients for the API's tests: made through the service, as the administrator makes them."""

from typing import Any

from cchc.api.models import READ_SCOPES
from cchc.api.services import client_create
from cchc.core.roles import Role


def make_client(
    cast: Any,
    *,
    name: str = "Một cửa",
    unit: str = "city",
    role: str = Role.HOME_AFFAIRS,
    scopes: list[str] | None = None,
    **kwargs: Any,
) -> tuple[Any, str]:
    created = client_create(
        actor=cast.admin,
        name=name,
        org_unit=getattr(cast, unit),
        role=role,
        scopes=READ_SCOPES if scopes is None else scopes,
        **kwargs,
    )
    return created.client, created.token


def bearer(token: str, language: str = "") -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if language:
        headers["Accept-Language"] = language
    return headers
