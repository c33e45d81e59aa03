"""Facts from the province's systems: administrative-procedure dossiers of the one-stop shop
(imported from its software, keyed by their code) and the leadership's directives."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cchc.core.models import BaseModel
from cchc.orgunits.models import OrgUnit


class DossierImport(BaseModel):
    """One import of a dossier export: what it did, or why it did nothing."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All rows or nothing")
        VALID_ONLY = "valid", _("Import the valid rows, give me the rejected ones")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Refused")

    file_name = models.CharField(_("file name"), max_length=255)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("dossiers added"), default=0)
    updated = models.PositiveIntegerField(_("dossiers updated"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    # Rows keyed to a unit a reorganisation had ended when they were received: written to the
    # unit that continues it (cchc.indicators.importing.parsing.UnitIndex).
    mapped = models.PositiveIntegerField(_("rows moved to the unit continuing theirs"), default=0)
    # The first errors, as sentences; the whole list of rejected rows is in rejected_file.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    rejected_file = models.FileField(_("rejected rows"), upload_to="dossier-imports/", blank=True)
    # The uploaded file while a worker imports it from the page; deleted once it has run.
    upload = models.FileField(_("uploaded file"), upload_to="dossier-imports/uploads/", blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The unit whose keeper imported it (the highest they keep): who else sees the import, its
    # errors and its refused rows (the keepers of that unit and above; an administrator's, the
    # administrators). Every row was refused outside the importer's tree already.
    org_unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("for the unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dossier import")
        verbose_name_plural = _("dossier imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("indicators:import_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Dossier(models.Model):
    """One administrative-procedure dossier (hồ sơ TTHC) as the public-service software knows
    it. Not a BaseModel: a million rows, written in bulk, keep only what they need."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        POST = "post", _("By post")

    class Status(models.TextChoices):
        OPEN = "open", _("Being handled")
        FINISHED = "finished", _("Finished")
        RETURNED = "returned", _("Returned to the applicant")
        CANCELLED = "cancelled", _("Withdrawn or cancelled")

    code = models.CharField(_("dossier code"), max_length=64, unique=True)
    procedure_code = models.CharField(_("procedure code"), max_length=64, blank=True)
    procedure_name = models.CharField(_("procedure"), max_length=500, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dossiers"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    apology_issued = models.BooleanField(_("apology letter issued"), default=False)
    apology_on = models.DateField(_("apology letter date"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    imported_in = models.ForeignKey(
        DossierImport,
        verbose_name=_("last imported in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-received_at"]
        indexes = [
            # Indicators read one unit's (or every unit's) dossiers received in a period.
            models.Index(fields=["org_unit", "received_at"], name="dossier_unit_received"),
            models.Index(fields=["received_at"], name="dossier_received"),
            # Open dossiers are counted live (they fall overdue as time passes): few of them.
            models.Index(fields=["status", "received_at"], name="dossier_status_received"),
        ]

    def __str__(self) -> str:
        return self.code


class DossierMonth(models.Model):
    """Each unit's dossiers received in a month, counted: what the figures and dashboards
    read instead of a million rows. Only what does not change with time is kept (an open
    dossier becomes overdue as the days pass: those few are counted live). Rebuilt from the
    dossiers by cchc.indicators.summary in the transaction of every import, so never stale."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day, in the local time zone
    received = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)  # finished after their due time
    online = models.PositiveIntegerField(default=0)
    late_with_apology = models.PositiveIntegerField(default=0)  # of the late ones
    rated = models.PositiveIntegerField(default=0)
    satisfaction_sum = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dossiers of a month")
        verbose_name_plural = _("dossiers by month")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "month"], name="dossier_month_once"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.month:%m/%Y}"


class Directive(BaseModel):
    """A directive of the leadership (ý kiến chỉ đạo) assigned to a unit, with its deadline."""

    number = models.CharField(_("number"), max_length=64)
    issued_on = models.DateField(_("date"))
    content = models.TextField(_("content"))
    deadline = models.DateField(_("deadline"))
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="directives",
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["deadline", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "org_unit"],
                name="directive_once_per_unit",
                violation_error_message=_("This directive is already recorded for this unit."),
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("issued_on")),
                name="directive_deadline_after_issue",
                violation_error_message=_("The deadline cannot come before the directive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.org_unit}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:directive_list") + f"?unit={self.org_unit_id}"

    def state(self, today: object) -> str:
        """ "done_on_time", "done_late", "overdue" or "open" (as of `today`): the directive
        figure that holds for it (cchc.indicators.figures)."""
        from cchc.indicators.figures import directive_state

        return directive_state(self, today)  # type: ignore[arg-type]


class ColumnAlias(BaseModel):
    """An extra column heading accepted for a dossier field, added by the coordinator when the
    province's software names a column differently (the built-in names are in importers.py
    and docs/formats/dossiers.md)."""

    field = models.CharField(_("field"), max_length=32)
    heading = models.CharField(_("column heading"), max_length=120)

    class Meta:
        verbose_name = _("column heading")
        verbose_name_plural = _("column headings")
        ordering = ["field", "heading"]
        constraints = [
            models.UniqueConstraint(fields=["heading"], name="column_alias_once"),
        ]

    def __str__(self) -> str:
        return f"{self.heading} → {self.field}"
