"""Official documents: the Word template of each kind (versions), the register of issued
documents (numbered per issuer, year and symbol; immutable once issued, with their SHA-256),
and the bulk jobs that issue many at once."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cchc.core.models import BaseModel
from cchc.orgunits.models import OrgUnit


class Kind(models.TextChoices):
    TEAM_DECISION = "team_decision", _("Decision forming the inspection team")
    INSPECTION_PLAN = "inspection_plan", _("Inspection plan")
    CONCLUSION_NOTICE = "conclusion_notice", _("Inspection conclusion notice")
    RESULT_REPORT = "result_report", _("Inspection result report")
    SELF_ASSESSMENT_REPORT = "self_assessment_report", _("Self-assessment report")
    RANKING_ANNOUNCEMENT = "ranking_announcement", _("Ranking announcement")


def template_path(instance: "DocumentTemplate", filename: str) -> str:
    return f"document-templates/{instance.kind}/{uuid.uuid4().hex}.docx"


class DocumentTemplate(BaseModel):
    """A Word template uploaded by a unit for a kind: it applies to the documents that unit
    and every unit under it issue, unless a unit nearer the issuer has its own (a city's
    coordinator changes the city's templates, not the province's). The newest active version
    of the nearest unit is used; the templates shipped in cchc/documents/kinds/<kind>/
    template.docx apply when no unit above the issuer has one."""

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=template_path)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "org_unit", "version"], name="document_template_unit_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class Counter(models.Model):
    """The last number given in a series (issuer, year, symbol): numbers never repeat."""

    issuer = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    symbol = models.CharField(max_length=32)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "symbol"], name="counter_series"),
        ]

    def __str__(self) -> str:
        return f"{self.last}/{self.symbol} ({self.year})"


def issued_path(instance: "IssuedDocument", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"documents/{instance.year}/{uuid.uuid4().hex}{suffix}"


class IssuedDocument(BaseModel):
    """An issued document: its number, date and signer, the DOCX and PDF as issued (with their
    SHA-256), what it was built from, and the signed and stamped scan when uploaded back.

    Issued again for the same record, a document gets a new number and the earlier one is
    kept, marked as replaced by it (`replaced_by`, the one field set after issue): never
    deleted, never renumbered. The current document of a record is the one not replaced."""

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    issuer = models.ForeignKey(
        OrgUnit, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    symbol = models.CharField(_("symbol"), max_length=32)
    reference = models.CharField(_("number and symbol"), max_length=64)
    issued_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=500)
    signer_name = models.CharField(_("signed by"), max_length=255)
    # The Document as issued (content.Document as a dict): the record of what was said.
    content = models.JSONField(_("content"))
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    docx = models.FileField(_("Word file"), upload_to=issued_path)
    docx_sha256 = models.CharField(_("SHA-256 of the Word file"), max_length=64)
    pdf = models.FileField(_("PDF file"), upload_to=issued_path)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    scan = models.FileField(_("signed scan"), upload_to=issued_path, blank=True)
    scan_sha256 = models.CharField(_("SHA-256 of the scan"), max_length=64, blank=True)
    scan_uploaded_at = models.DateTimeField(_("scan uploaded at"), null=True, blank=True)
    # What the PDF signatures of the scan said when it was uploaded or checked again
    # (signing.as_json: verdict, each signature's signer, time and checks).
    scan_check = models.JSONField(_("signature check of the scan"), null=True, blank=True)
    # The issued PDF with its digital signatures (the signer's, then the body's): the same
    # numbered document, its bytes the unsigned PDF's plus the signatures (incremental update).
    signed_pdf = models.FileField(_("digitally signed PDF"), upload_to=issued_path, blank=True)
    signed_pdf_sha256 = models.CharField(_("SHA-256 of the signed PDF"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("digitally signed at"), null=True, blank=True)
    signed_check = models.JSONField(_("signature check of the signed PDF"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by (user)"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_public = models.BooleanField(_("public"), default=False)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    # What the document is about (one of them).
    inspection = models.ForeignKey(
        "inspections.Inspection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    plan = models.ForeignKey(
        "inspections.InspectionPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    round = models.ForeignKey(
        "assessments.Round",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "symbol", "number"], name="issued_number_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("documents:issued_detail", args=[self.pk])

    @property
    def is_current(self) -> bool:
        return self.replaced_by_id is None


def bulk_path(instance: "BulkJob", filename: str) -> str:
    return f"documents/bulk/{uuid.uuid4().hex}.zip"


class BulkJob(BaseModel):
    """Issuing many documents at once in the background, with progress, into one ZIP."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    plan = models.ForeignKey(
        "inspections.InspectionPlan", on_delete=models.PROTECT, related_name="bulk_jobs"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    archive = models.FileField(_("ZIP"), upload_to=bulk_path, blank=True)
    error = models.TextField(_("error"), blank=True)
    signer_name = models.CharField(_("signed by"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.done}/{self.total})"


def certificate_path(instance: "SigningCertificate", filename: str) -> str:
    return f"signing/{uuid.uuid4().hex}.bin"


class SigningCertificate(BaseModel):
    """A digital signing certificate (PKCS#12) of an issuing body: the body's own, or its
    signer's (the head of the team, the chair). Uploaded by a system administrator; the file
    and its password are stored encrypted with a key derived from the server's secret
    (signing.seal; docs/security.md), never in clear. The newest active one of a role is used."""

    class Role(models.TextChoices):
        SIGNER = "signer", _("The signer's certificate")
        BODY = "body", _("The issuing body's certificate")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("issuing body"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    holder = models.CharField(_("holder"), max_length=255)
    issuer_name = models.CharField(_("certified by"), max_length=255)
    serial = models.CharField(_("serial number"), max_length=80)
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    sealed_pkcs12 = models.BinaryField(_("encrypted PKCS#12"))
    sealed_password = models.BinaryField(_("encrypted password"))
    is_active = models.BooleanField(_("in use"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        ordering = ["org_unit", "role", "-created_at"]

    def __str__(self) -> str:
        return f"{self.holder} ({self.get_role_display()})"
