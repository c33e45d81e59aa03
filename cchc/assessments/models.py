import datetime
import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from cchc.core import pdfsignatures
from cchc.core.models import BaseModel
from cchc.frameworks.models import Criterion, Framework
from cchc.orgunits.models import OrgUnit


class Round(BaseModel):
    """One scoring round (6 months, 9 months or the year) of a published framework."""

    class Period(models.TextChoices):
        H1 = "h1", _("6 months")
        M9 = "m9", _("9 months")
        ANNUAL = "annual", _("Year")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Self-assessment")
        APPRAISAL = "appraisal", _("Appraisal")
        APPEALS = "appeals", _("Appeals")
        FINALISED = "finalised", _("Finalised")
        PUBLISHED = "published", _("Results published")

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="rounds"
    )
    organiser = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="organised_rounds",
    )
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    self_assessment_due_on = models.DateField(_("self-assessment deadline"))
    appraisal_due_on = models.DateField(_("appraisal deadline"))
    appeals_due_on = models.DateField(_("appeals deadline"))
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous round"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_rounds",
        help_text=_("Inputs and evidence are carried over from it; ranks are compared with it."),
    )
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The ranking as published: later changes cannot alter it.
    published_results = models.JSONField(_("published results"), null=True, blank=True)
    # What the dashboards read of a published round, frozen with it so that no page has to
    # decode every unit's figures again: each area's average and over-claim, and each unit's
    # percent and over-claim for the trends (cchc/analytics/summary.py).
    published_summary = models.JSONField(_("published summary"), null=True, blank=True)

    class Meta:
        verbose_name = _("scoring round")
        verbose_name_plural = _("scoring rounds")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "period", "year"],
                name="round_unique_period",
                violation_error_message=_("This framework already has a round for that period."),
            ),
        ]

    def __str__(self) -> str:
        if self.period == self.Period.ANNUAL:
            # Not "%(period)s round": the period's label "Year" made "Đợt Năm năm 2026".
            return _("Annual round %(year)s") % {"year": self.year}
        return _("%(period)s round %(year)s") % {
            "period": self.get_period_display(),
            "year": self.year,
        }

    @property
    def home_affairs_office(self) -> str:
        """The office that runs the round, as a unit's page names it: a province's Home
        Affairs department (Sở Nội vụ), else the Home Affairs office (Phòng Nội vụ)."""
        if self.organiser.kind == OrgUnit.Kind.PROVINCE:
            return str(_("the Home Affairs department"))
        return str(_("the Home Affairs office"))

    def get_absolute_url(self) -> str:
        return reverse("assessments:round_detail", args=[self.pk])


# The stages a unit goes through in a round, in order: its status, and "appraised" once a
# submitted self-assessment is appraised in full (Assessment.stage). The round's board and the
# progress page say the same.
STAGES = (
    ("not_started", _("Not started")),
    ("in_progress", _("In progress")),
    ("returned", _("Returned for changes")),
    ("submitted", _("Submitted")),
    ("appraised", _("Appraisal done")),
)
STAGE_LABELS = dict(STAGES)


class Assessment(BaseModel):
    """One unit's self-assessment in one round, then its appraisal and result."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="assessments"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    due_on = models.DateField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    # Totals kept with the row so rankings and boards never score every unit again.
    self_points = models.DecimalField(_("self-score"), default=0, max_digits=8, decimal_places=2)
    self_max = models.DecimalField(
        _("applicable maximum"), default=0, max_digits=8, decimal_places=2
    )
    appraised_points = models.DecimalField(
        _("appraised score"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    appraised_max = models.DecimalField(
        _("appraised maximum"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    # The appraised points of the criteria the unit scored itself: what its self-score claimed.
    appraised_self_part = models.DecimalField(
        _("appraised score of self-scored criteria"),
        null=True,
        blank=True,
        max_digits=8,
        decimal_places=2,
    )
    # Per group of criteria: {"<criterion id>": {"s", "sm", "a", "am"}} (self and appraised
    # points and applicable maxima), written with the totals; read by the city overview.
    area_totals = models.JSONField(_("totals per area"), default=dict, blank=True)
    declared_count = models.PositiveIntegerField(_("criteria declared"), default=0)
    leaf_count = models.PositiveIntegerField(_("criteria to declare"), default=0)
    # Of the declared: values carried over from the previous round, not confirmed yet (they
    # block the submission). "26/26 declared" read as done while 23 were still to confirm.
    carried_count = models.PositiveIntegerField(_("values carried over to confirm"), default=0)
    # Leaves (all of them, the agencies' too) appraised or declared not applicable; with
    # all_leaf_count, tells an appraised assessment on the round's progress board.
    appraised_count = models.PositiveIntegerField(_("criteria appraised"), default=0)
    all_leaf_count = models.PositiveIntegerField(_("criteria"), default=0)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["round", "org_unit__sort_order", "org_unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "org_unit"],
                name="assessment_unique_unit",
                violation_error_message=_("This unit is already in the round."),
            ),
        ]
        indexes = [
            # A ward's own assessments, newest round first.
            models.Index(fields=["org_unit", "round"], name="assessment_unit_round"),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} — {self.round}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:assessment_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SUBMITTED or self.round.status != Round.Status.OPEN

    @property
    def is_appraised(self) -> bool:
        return (
            self.status == self.Status.SUBMITTED
            and self.all_leaf_count > 0
            and self.appraised_count >= self.all_leaf_count
        )

    @property
    def stage(self) -> str:
        """Where the unit stands, as every page names it: its status, or "appraised" once
        every criterion of a submitted self-assessment is appraised (STAGES)."""
        return "appraised" if self.is_appraised else str(self.status)

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage])

    def days_left(self, today: datetime.date | None = None) -> int:
        """Days to the deadline (negative when late)."""
        return (self.due_on - (today or timezone.localdate())).days

    @property
    def days_submitted_late(self) -> int:
        """Days the submission came after the unit's deadline (0: on time, or not submitted)."""
        if self.submitted_at is None:
            return 0
        return max((timezone.localdate(self.submitted_at) - self.due_on).days, 0)


class Score(BaseModel):
    """What a unit declared for one criterion, the points it earns, and the appraisal."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    inputs = models.JSONField(_("declared figures"), default=dict, blank=True)
    self_points = models.DecimalField(
        _("self-score"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    self_explanation = models.CharField(_("how it was scored"), max_length=500, blank=True)
    is_not_applicable = models.BooleanField(_("not applicable"), default=False)
    # What the province's systems say, for criteria fed by data; differing inputs need a reason.
    system_inputs = models.JSONField(_("figures from the data"), null=True, blank=True)
    explanation = models.TextField(
        _("explanation (giải trình)"),
        blank=True,
        help_text=_("Required when the criterion is scored without evidence."),
    )
    is_carried_over = models.BooleanField(
        _("carried over"),
        default=False,
        help_text=_("Taken from the previous round; shown as such until the officer confirms it."),
    )
    appraised_points = models.DecimalField(
        _("appraised score"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    appraisal_reason = models.TextField(_("reason for the appraised score"), blank=True)
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("appraised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    appraised_at = models.DateTimeField(_("appraised at"), null=True, blank=True)
    evidence: "models.ManyToManyField[Evidence, Any]" = models.ManyToManyField(
        "Evidence", verbose_name=_("evidence"), blank=True, related_name="scores"
    )

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="score_unique_criterion"
            ),
            models.CheckConstraint(
                condition=Q(self_points__isnull=True) | Q(self_points__gte=0),
                name="score_self_points_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(appraised_points__isnull=True) | Q(appraised_points__gte=0),
                name="score_appraised_points_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} — {self.criterion.code}"

    @property
    def is_declared(self) -> bool:
        return bool(self.inputs)

    @property
    def is_from_data(self) -> bool:
        """The figures are those the province's systems gave (the data is their evidence, its
        rows one click away)."""
        return bool(self.system_inputs) and self.inputs == self.system_inputs

    @property
    def has_evidence(self) -> bool:
        """Evidenced: a document attached or cited, or figures taken from the data. The one
        definition the submission check, the page and the self-assessment report read (reads
        `evidence`, which `load_tree(..., with_evidence=True)` prefetches)."""
        return self.is_from_data or bool(self.evidence.all())


def evidence_path(instance: "Evidence", filename: str) -> str:
    """Store under a random name per unit: the uploaded name is kept for display only."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"evidence/{instance.org_unit_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(BaseModel):
    """A document that proves a score: an uploaded file, or an issued document cited by number."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"
        XLSX = "xlsx", "XLSX"
        JPEG = "jpg", "JPG"
        PNG = "png", "PNG"
        CITED = "cited", _("Cited document")

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evidence"
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("first used in"),
        on_delete=models.PROTECT,
        related_name="evidence_files",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=500)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    # What the PDF's digital signatures said when it was uploaded or checked again
    # (cchc.core.pdfsignatures.check_bytes: verdict, each signer, time and checks); None for
    # a file that is not a PDF or was stored before signatures were read.
    signature_check = models.JSONField(_("signature check"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_file(self) -> bool:
        return self.kind != self.Kind.CITED

    def describe(self) -> dict[str, Any]:
        return {"title": self.title, "kind": self.kind, "sha256": self.sha256}

    @property
    def signature_lines(self) -> list[tuple[str, str]]:
        """What the stored check of its digital signatures says, a line each (nothing for a
        file without signatures): read, never computed, on a page."""
        return pdfsignatures.signed_lines(self.signature_check)

    @property
    def signatures_checkable(self) -> bool:
        """A PDF whose signatures are worth checking again: it has some, or was never read."""
        check = self.signature_check
        return self.kind == self.Kind.PDF and (not check or bool(check.get("signatures")))


class Appeal(BaseModel):
    """A unit contests one appraised score; the coordinator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    score = models.ForeignKey(
        Score, verbose_name=_("criterion score"), on_delete=models.CASCADE, related_name="appeals"
    )
    reason = models.TextField(_("why the unit contests it"))
    requested_points = models.DecimalField(_("points asked for"), max_digits=8, decimal_places=2)
    # The appraised score the unit contested, as it stood when the appeal was filed: a decision
    # changes the score's own figure, and the appeal still says what it started from. None for
    # an appeal filed before this was kept whose starting point the audit trail does not give.
    contested_points = models.DecimalField(
        _("appraised score contested"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_points = models.DecimalField(
        _("points decided"), null=True, blank=True, max_digits=8, decimal_places=2
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["score"],
                condition=Q(status="pending"),
                name="appeal_one_pending_per_score",
                violation_error_message=_("This criterion already has an appeal waiting."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} — {self.get_status_display()}"


class Question(BaseModel):
    """An appraiser asks the unit about one criterion; the unit answers (and may add evidence)."""

    score = models.ForeignKey(
        Score, verbose_name=_("criterion score"), on_delete=models.CASCADE, related_name="questions"
    )
    text = models.TextField(_("question"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return Truncator(self.text).chars(80)

    @property
    def is_answered(self) -> bool:
        return bool(self.answer)
