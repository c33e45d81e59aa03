"""Writes to integration clients: create (with its service user and one membership), revoke,
and the last-use mark. Each change is atomic and audited; the secret never is."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.accounts.services import membership_add, user_create
from cchc.api.models import ApiScope, IntegrationClient
from cchc.core.audit import audit_record, snapshot
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit

TOKEN_PREFIX = "cchc_"  # noqa: S105 (the tokens' prefix, not a secret)
# The last-use mark is written at most this often (a busy client calls many times a second).
TOUCH_EVERY = datetime.timedelta(minutes=1)
CLIENT_AUDITED_FIELDS = ["name", "org_unit", "role", "scopes", "key_id", "expires_at", "revoked_at"]
UNKNOWN_SCOPE_MESSAGE = gettext_noop("Unknown API scope: {scope}.")
NO_SCOPE_MESSAGE = gettext_noop("Choose at least one API scope.")
ALREADY_REVOKED_MESSAGE = gettext_noop("This client was already revoked.")
EXPIRY_PAST_MESSAGE = gettext_noop("The expiry must be in the future.")
ADMIN_ROLE_MESSAGE = gettext_noop(
    "A client acts for one unit's role: it is never given the system administrator's role."
)


def secret_digest(secret: str) -> str:
    """SHA-256 of the secret, hex. The secret is 32 random bytes: a slow password hash adds
    nothing against guessing it, and a fast digest keeps every call cheap (docs/api.md)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewClient:
    client: IntegrationClient
    token: str  # shown once, never stored


class ClientAlreadyCreated(Exception):
    """The form that creates a client was sent again: its client exists, its token was shown."""


@transaction.atomic
def client_create(
    *,
    actor: Any,
    name: str,
    org_unit: OrgUnit,
    role: str,
    scopes: list[str],
    expires_at: datetime.datetime | None = None,
    creation_key: str = "",
) -> NewClient:
    """A new client: its service user ("API: <name>", no usable password) with the one role
    in the unit, and a token `cchc_<key id>_<secret>` returned once. `creation_key`, the
    page's one-time key: a form sent twice raises ClientAlreadyCreated (nothing written)."""
    name = name.strip()
    if creation_key:
        # Held until this transaction ends: a double click's second request waits here.
        taken = IntegrationClient.objects.select_for_update().filter(creation_key=creation_key)
        if taken.exists():
            raise ClientAlreadyCreated
    unknown = [scope for scope in scopes if scope not in ApiScope.values]
    if unknown:
        raise ValidationError({"scopes": _(UNKNOWN_SCOPE_MESSAGE).format(scope=unknown[0])})
    if not scopes:
        raise ValidationError({"scopes": _(NO_SCOPE_MESSAGE)})
    # The page's form leaves the role out; the command line comes here too. An administrator
    # reaches every unit, which no calling system needs.
    if role == Role.SYSTEM_ADMIN:
        raise ValidationError({"role": _(ADMIN_ROLE_MESSAGE)})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _(EXPIRY_PAST_MESSAGE)})
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    user = user_create(
        actor=actor,
        username=f"api.{key_id}",
        password="",
        full_name=f"API: {name}"[:150],
        password_hash=make_password(None),
        is_service=True,
    )
    membership_add(actor=actor, user=user, role=role, org_unit=org_unit)
    client = IntegrationClient(
        name=name,
        user=user,
        org_unit=org_unit,
        role=role,
        scopes=[scope for scope in ApiScope.values if scope in scopes],
        key_id=key_id,
        secret_sha256=secret_digest(secret),
        expires_at=expires_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        creation_key=creation_key,
    )
    client.full_clean(exclude=["user", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        raise ClientAlreadyCreated from None  # the same form's other request came first
    audit_record(
        actor=actor,
        action="integration_client.create",
        target=client,
        after=snapshot(client, CLIENT_AUDITED_FIELDS),
    )
    return NewClient(client=client, token=f"{TOKEN_PREFIX}{key_id}_{secret}")


@transaction.atomic
def client_revoke(*, actor: Any, client: IntegrationClient) -> IntegrationClient:
    """Refuse every later call of the client; its service user can do nothing more either."""
    client = IntegrationClient.objects.select_for_update().select_related("user").get(pk=client.pk)
    if client.revoked_at is not None:
        raise ValidationError(_(ALREADY_REVOKED_MESSAGE))
    before = snapshot(client, CLIENT_AUDITED_FIELDS)
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at", "updated_at"])
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="integration_client.revoke",
        target=client,
        before=before,
        after=snapshot(client, CLIENT_AUDITED_FIELDS),
    )
    return client


def client_touch(*, client: IntegrationClient) -> None:
    """Mark the client used now, at most once a minute (one UPDATE, not audited: it is a
    reading, not a change anyone made)."""
    now = timezone.now()
    if client.last_used_at is not None and now - client.last_used_at < TOUCH_EVERY:
        return
    IntegrationClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
