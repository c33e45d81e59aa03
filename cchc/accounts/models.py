import re
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cchc.core.models import BaseModel
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import Scope

# A username: letters without accents, digits and . @ + - _, as Django stores it (NFKC):
# "ＮＯＩＶＵ" (full-width) had made a second NOIVU beside noivu, and a Cyrillic "о" or
# "nội.vu" others to the eye (a walk). The form and the service check it.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9.@+_-]+")
USERNAME_CHARACTERS_MESSAGE = _(
    "Use only letters without accents (a–z), digits and the signs . @ + - _ in a username, "
    "without spaces (for example canbo.tranphu)."
)


class User(AbstractUser):
    """A person who logs in. What they may do comes from their memberships."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # An integration client's user (cchc.api): no password, never logs in to the pages, holds
    # one membership; the audit trail names it by its full name, "API: <client name>".
    is_service = models.BooleanField(_("service account"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def audit_name(self) -> str:
        """Who the audit trail says acted: the username, or a client's "API: <name>"."""
        return str(self) if self.is_service else self.get_username()

    @cached_property
    def active_memberships(self) -> list["Membership"]:
        """Return the user's active memberships with their units (one query per request)."""
        return list(
            self.memberships.filter(is_active=True)
            .select_related("org_unit")
            .order_by("org_unit__path", "role")
        )

    @property
    def scope(self) -> Scope:
        """What the user reaches in the unit tree (cchc.orgunits.scope), kept for the request."""
        return Scope.of(self)

    def role_set(self) -> frozenset[Role]:
        """Return the roles the user holds anywhere; superusers are system administrators."""
        roles = {Role(membership.role) for membership in self.active_memberships}
        if self.is_superuser:
            roles.add(Role.SYSTEM_ADMIN)
        return frozenset(roles)


class Membership(BaseModel):
    """A role held by a user in one organisational unit."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    # Framework area codes an appraiser appraises ("1", "3"); bound to frameworks by code.
    area_codes = models.JSONField(_("areas appraised"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org_unit"],
                condition=Q(is_active=True),
                name="membership_unique_active_role_per_unit",
                violation_error_message=_("This user already holds that role in that unit."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="membership_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [
            # The login path loads a user's active memberships on every request.
            models.Index(fields=["user", "is_active"], name="membership_user_active"),
            # "Who holds which role in this unit" (officers of a ward, appraisers of an agency).
            models.Index(fields=["org_unit", "role"], name="membership_unit_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.org_unit}"
