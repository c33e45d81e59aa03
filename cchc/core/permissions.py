"""The one place where roles become permissions. Views never test is_staff or role names."""

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from cchc.core.roles import CAPABILITY_ROLES, Capability, Role


class HasRoles(Protocol):
    is_authenticated: bool

    def role_set(self) -> frozenset[Role]: ...


def user_has_capability(user: Any, capability: Capability) -> bool:
    """Return whether any active membership of the user gives this capability."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.role_set() & CAPABILITY_ROLES[capability])


def user_has_role(user: Any, *roles: Role) -> bool:
    """Return whether the user holds at least one of the roles in an active membership."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.role_set() & set(roles))


def require_capability(user: Any, capability: Capability) -> None:
    """Raise PermissionDenied unless the user has the capability."""
    if not user_has_capability(user, capability):
        raise PermissionDenied


def capability_required(
    capability: Capability,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: log in first, then demand the capability (403 otherwise)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_capability(request.user, capability)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator
