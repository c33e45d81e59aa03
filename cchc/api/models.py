"""An integration client: a system of the province that calls the API for one unit.

A client is backed by a service user (`User.is_service`) holding ONE membership, the role and
unit the administrator chose: every call is then scoped by the one scope policy
(cchc.orgunits.scope), checked by the same capabilities and services as the pages, and the
audit trail names the client ("API: <name>"). On top, the client holds API scopes: an endpoint
needs its scope AND what the role may do."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.core.models import BaseModel
from cchc.core.roles import Role
from cchc.orgunits.models import OrgUnit


class ApiScope(models.TextChoices):
    """What a client may call (the role's capabilities and unit scope still apply)."""

    UNITS_READ = "units:read", _("Read org units")
    FRAMEWORKS_READ = "frameworks:read", _("Read frameworks and criteria")
    ROUNDS_READ = "rounds:read", _("Read rounds, assessments and scores")
    RESULTS_READ = "results:read", _("Read results and rankings")
    INSPECTIONS_READ = "inspections:read", _("Read inspections")
    DOCUMENTS_READ = "documents:read", _("Read issued documents")
    INDICATORS_READ = "indicators:read", _("Read indicator figures")
    DOSSIERS_WRITE = "dossiers:write", _("Push dossiers and directives")
    SCORES_WRITE = "scores:write", _("Save scores and explanations")
    REMEDIATION_WRITE = "remediation:write", _("Report remediation")


READ_SCOPES = [scope.value for scope in ApiScope if scope.value.endswith(":read")]


class IntegrationClient(BaseModel):
    """A calling system. The secret is shown once; only its SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service user"),
        on_delete=models.PROTECT,
        related_name="integration_client",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scopes = models.JSONField(_("API scopes"), default=list, blank=True)
    # The public half of the token (cchc_<key_id>_<secret>): the row is found by it.
    key_id = models.CharField(_("key id"), max_length=32, unique=True)
    secret_sha256 = models.CharField(_("secret digest (SHA-256)"), max_length=64)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Written at most once a minute (cchc.api.services.client_touch), not on every call.
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The one-time key of the page's form that created it: that form sent again (a reload,
    # a double click) makes no second client (empty: the command line's).
    creation_key = models.CharField(_("creation key"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("integration client")
        verbose_name_plural = _("integration clients")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["creation_key"],
                condition=~models.Q(creation_key=""),
                name="api_client_creation_key_once",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def expires_on(self) -> datetime.date | None:
        """The last day the client works (it expires at the start of the next)."""
        if self.expires_at is None:
            return None
        return (timezone.localtime(self.expires_at) - datetime.timedelta(microseconds=1)).date()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def scope_labels(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]
