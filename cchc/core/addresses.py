"""The client's address, decided in one place for everything that counts by address: the
login lockout (django-axes, through AXES_CLIENT_IP_CALLABLE) and the portal's limits."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or, behind TRUSTED_PROXY_HOPS proxies that each
    append to X-Forwarded-For, the one the outermost proxy saw (never a value the client could
    have written itself)."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
