"""Who is calling: an integration client's token, or a person's session.

Every endpoint that is not open data declares `auth=scoped("<api scope>")`. The callable
- reads `Authorization: Bearer cchc_<key id>_<secret>`, finds the client by its key id (one
  query, with its service user), compares the secret's SHA-256 with hmac.compare_digest, and
  refuses a revoked or expired client (401 problem); the client must hold the scope (403);
- or, without that header, takes the session's user (unsafe methods need the CSRF token, as
  the pages do), with no API scope restriction;
- sets `request.user` to the acting user (the client's service user), so the selectors and
  services take it exactly as they take a person in the pages (the one scope policy), and
  counts the call against the rate limit (cchc.api.ratelimit).
`request.auth` is the client (or the person) for the endpoint to read.
"""

import hmac
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from cchc.api.models import ApiScope, IntegrationClient
from cchc.api.problems import Problem
from cchc.api.ratelimit import rate_limit
from cchc.api.selectors import client_for_key
from cchc.api.services import TOKEN_PREFIX, client_touch, secret_digest

BAD_TOKEN_MESSAGE = gettext_noop("The client token is not valid.")
REVOKED_MESSAGE = gettext_noop("This client was revoked; ask the administrator for a new one.")
EXPIRED_MESSAGE = gettext_noop("This client expired; ask the administrator for a new one.")
MISSING_SCOPE_MESSAGE = gettext_noop("This client does not hold the scope {scope}.")
CSRF_MESSAGE = gettext_noop("Send the CSRF token (X-CSRFToken) with a session's changes.")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def unauthorized(message: str) -> Problem:
    return Problem(
        401, message, slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="cchc"'}
    )


def client_for_token(token: str) -> IntegrationClient:
    """The usable client a token names, or a 401 Problem saying why not."""
    if not token.startswith(TOKEN_PREFIX):
        raise unauthorized(BAD_TOKEN_MESSAGE)
    key_id, _sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    client = client_for_key(key_id) if key_id and secret else None
    # The digest is compared even for an unknown key, so the answer takes the same time.
    expected = client.secret_sha256 if client else "0" * 64
    if not hmac.compare_digest(secret_digest(secret), expected) or client is None:
        raise unauthorized(BAD_TOKEN_MESSAGE)
    if client.is_revoked or not client.user.is_active:
        raise unauthorized(REVOKED_MESSAGE)
    if client.is_expired:
        raise unauthorized(EXPIRED_MESSAGE)
    return client


class ScopedAuth(HttpBearer):
    """A client's bearer token holding `scope`, or a person's session (OpenAPI: bearer)."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = ApiScope(scope).value

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _sep, token = header.partition(" ")
            if scheme.lower() != "bearer":
                raise unauthorized(BAD_TOKEN_MESSAGE)
            return self.authenticate(request, token.strip())
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # ninja answers 401 (problems.install_handlers)
        if request.method in UNSAFE_METHODS and check_csrf(request) is not None:
            raise Problem(403, CSRF_MESSAGE, slug="csrf")
        rate_limit(f"user:{user.pk}")
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        client = client_for_token(token)
        rate_limit(f"client:{client.pk}")
        if self.scope not in client.scopes:
            raise Problem(403, MISSING_SCOPE_MESSAGE, slug="scope", params={"scope": self.scope})
        client_touch(client=client)
        request.user = client.user
        return client


def scoped(scope: str) -> ScopedAuth:
    """The auth of an endpoint needing this API scope (e.g. `auth=scoped("results:read")`)."""
    return ScopedAuth(scope)
