"""Writes to users and memberships. Every change is atomic and audited; passwords never are."""

import datetime
import re
from typing import Any

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.accounts.models import (
    USERNAME_CHARACTERS_MESSAGE,
    USERNAME_PATTERN,
    Membership,
    User,
)
from cchc.accounts.selectors import keeps_whole
from cchc.core.audit import audit_record, snapshot
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit

USER_AUDITED_FIELDS = ["username", "full_name", "email", "job_title", "language", "is_active"]
MEMBERSHIP_AUDITED_FIELDS = [
    "user",
    "role",
    "org_unit",
    "area_codes",
    "is_active",
    "started_on",
    "ended_on",
]
DUPLICATE_MEMBERSHIP_MESSAGE = gettext_noop("This user already holds that role in that unit.")
ROLE_UNIT_MESSAGE = gettext_noop("This role is held in a {kinds}, not in a {kind}.")
AREA_CODES_MESSAGE = gettext_noop(
    "Area codes are framework codes such as 1, 3.2 or DT, separated by commas."
)
ALREADY_ENDED_MESSAGE = gettext_noop("This role has already ended.")
SERVICE_PASSWORD_MESSAGE = gettext_noop(
    "An integration client signs in with its token, not a password."
)
OWN_ROLE_MESSAGE = gettext_noop("You cannot end your own role; ask another keeper to do it.")
# A coordinator gave themselves Leader, Inspector and a ward's chair (a walk): nobody gives
# themselves a role; another keeper, or the administrator, does.
GIVE_OWN_ROLE_MESSAGE = gettext_noop(
    "You cannot give yourself a role; ask another keeper or the system administrator."
)
# The kinds of unit in which each role is held; None: any unit.
ROLE_UNIT_KINDS: dict[Role, tuple[str, ...] | None] = {
    Role.SYSTEM_ADMIN: None,
    Role.HOME_AFFAIRS: ("province", "city", "district", "agency"),
    Role.APPRAISER: ("agency",),
    Role.UNIT_OFFICER: ("ward", "commune"),
    Role.UNIT_CHAIR: ("ward", "commune"),
    Role.INSPECTOR: ("province", "city", "district", "agency"),
    Role.LEADER: ("province", "city", "district"),
    Role.PORTAL_EDITOR: ("province", "city", "district", "agency"),
}
AREA_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.]*$")
UNKNOWN_LANGUAGE_MESSAGE = gettext_noop("That language is not available.")
EMAIL_INVALID_MESSAGE = gettext_noop("Enter an e-mail address such as ten@hatinh.gov.vn.")
SERVICE_ONE_ROLE_MESSAGE = gettext_noop(
    "An integration client's account holds one role only; create another client instead."
)


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
    job_title: str = "",
    language: str = settings.LANGUAGE_CODE,
    password_hash: str | None = None,
    is_service: bool = False,
) -> User:
    """Create a user who can log in with the password.

    `password_hash` (from make_password) stands in for a password already hashed and checked,
    e.g. one demo password for many accounts: hashing is deliberately slow. An integration
    client's service user (`is_service`) is given make_password(None): unusable."""
    if not is_service and not USERNAME_PATTERN.fullmatch(User.normalize_username(username.strip())):
        raise ValidationError({"username": USERNAME_CHARACTERS_MESSAGE})
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        email=email.strip(),
        job_title=job_title.strip(),
        language=language,
        is_service=is_service,
    )
    if password_hash is None:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.password = password_hash
    user.full_clean()
    user.save()
    audit_record(
        actor=actor, action="user.create", target=user, after=snapshot(user, USER_AUDITED_FIELDS)
    )
    return user


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    user: User,
    role: str,
    org_unit: OrgUnit,
    area_codes: list[str] | None = None,
    started_on: datetime.date | None = None,
) -> Membership:
    """Give a user a role in a unit that fits it (officers in wards, appraisers in agencies);
    never to oneself (`actor` None: the demo, a command)."""
    if actor is not None and user.pk == getattr(actor, "pk", None):
        raise ValidationError({"role": _(GIVE_OWN_ROLE_MESSAGE)})
    kinds = ROLE_UNIT_KINDS[Role(role)]
    if kinds is not None and org_unit.kind not in kinds:
        labels = ", ".join(str(OrgUnit.Kind(kind).label).lower() for kind in kinds)
        raise ValidationError(
            {
                "org_unit": _(ROLE_UNIT_MESSAGE).format(
                    kinds=labels, kind=org_unit.get_kind_display().lower()
                )
            }
        )
    if any(not AREA_CODE_PATTERN.match(code) for code in area_codes or []):
        raise ValidationError({"area_codes": _(AREA_CODES_MESSAGE)})
    if Membership.objects.filter(user=user, role=role, org_unit=org_unit, is_active=True).exists():
        raise ValidationError({"role": _(DUPLICATE_MEMBERSHIP_MESSAGE)})
    # An integration client reaches what its one role reaches (cchc.api): a second role would
    # widen it behind the administrator's back.
    if user.is_service and user.memberships.filter(is_active=True).exists():
        raise ValidationError({"role": _(SERVICE_ONE_ROLE_MESSAGE)})
    membership = Membership(
        user=user,
        role=Role(role),
        org_unit=org_unit,
        area_codes=area_codes or [],
        started_on=started_on or timezone.localdate(),
    )
    membership.full_clean()
    membership.save()
    audit_record(
        actor=actor,
        action="membership.add",
        target=membership,
        after=snapshot(membership, MEMBERSHIP_AUDITED_FIELDS),
    )
    return membership


@transaction.atomic
def membership_end(
    *, actor: Any, membership: Membership, ended_on: datetime.date | None = None
) -> Membership:
    """End a membership; the row stays for the record."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError(_(ALREADY_ENDED_MESSAGE))
    if actor is not None and membership.user_id == getattr(actor, "pk", None):
        raise ValidationError(_(OWN_ROLE_MESSAGE))
    before = snapshot(membership, MEMBERSHIP_AUDITED_FIELDS)
    membership.is_active = False
    membership.ended_on = ended_on or timezone.localdate()
    membership.full_clean()
    membership.save(update_fields=["is_active", "ended_on", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.end",
        target=membership,
        before=before,
        after=snapshot(membership, MEMBERSHIP_AUDITED_FIELDS),
    )
    return membership


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Remember the user's interface language."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _(UNKNOWN_LANGUAGE_MESSAGE)})
    if user.language == language:
        return user
    before = {"language": user.language}
    user.language = language
    user.save(update_fields=["language"])
    audit_record(
        actor=user,
        action="user.set_language",
        target=user,
        before=before,
        after={"language": language},
    )
    return user


@transaction.atomic
def user_set_email(*, actor: Any, user: User, email: str) -> User:
    """Set the address the user's notifications are e-mailed to ("" : none), by the user or
    by whoever answers for their account (`selectors.keeps_whole`)."""
    if actor is not None and actor.pk != user.pk and not keeps_whole(user=actor, target=user):
        raise PermissionDenied
    email = User.objects.normalize_email(email.strip())
    validate_email_address(email)
    if user.email == email:
        return user
    before = {"email": user.email}
    user.email = email
    user.save(update_fields=["email"])
    audit_record(
        actor=actor, action="user.set_email", target=user, before=before, after={"email": email}
    )
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> User:
    """A keeper gives a person a new password (checked by the form): their sessions end, their
    sign-in lockout is lifted, and the trail records that it was done (never the password).
    Only by whoever answers for the person's account (`selectors.keeps_whole`)."""
    if user.is_service:
        raise ValidationError(_(SERVICE_PASSWORD_MESSAGE))
    if actor is not None and not keeps_whole(user=actor, target=user):
        raise PermissionDenied
    user.set_password(password)
    user.save(update_fields=["password"])
    reset_lockout(username=user.get_username())
    audit_record(actor=actor, action="user.set_password", target=user)
    return user


def validate_email_address(email: str) -> None:
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as error:
            raise ValidationError({"email": _(EMAIL_INVALID_MESSAGE)}) from error


def user_password_changed(*, user: User) -> None:
    """Record that the user changed their password (the password itself is never logged)."""
    audit_record(actor=user, action="user.change_password", target=user)
