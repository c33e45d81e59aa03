"""Consolidated inspections: one visit per unit and year covering every requested topic, by one
team from the advising agencies; findings linked to shared root causes; recommendations turned
into remediation actions tracked to closure."""

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from cchc.assessments.models import Evidence
from cchc.core import pdfsignatures
from cchc.core.models import BaseModel
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.sources import DataSource
from cchc.orgunits.models import OrgUnit


class Topic(models.TextChoices):
    """The four topics the article's single visit covers instead of three separate ones."""

    CCHC = "cchc", _("Administrative reform")
    TTHC = "tthc", _("Administrative-procedure control (one-stop shop)")
    ISO = "iso", _("ISO 9001:2015 quality system")
    DIRECTIVES = "directives", _("Leadership's directives")


# Short names for badges and tables; the full names stay in titles and documents.
TOPIC_SHORT = {
    Topic.CCHC: _("Reform"),
    Topic.TTHC: _("One-stop shop"),
    Topic.ISO: "ISO 9001",
    Topic.DIRECTIVES: _("Directives"),
}


def topic_badges(topics: list[str]) -> list[tuple[str, str, str]]:
    """(value, short name, full name) of each known topic, in the order of the topics."""
    return [
        (topic, str(TOPIC_SHORT[Topic(topic)]), str(Topic(topic).label))
        for topic in Topic.values
        if topic in topics
    ]


class Checklist(BaseModel):
    """What the team checks for one topic: imported items, or the criteria of a framework."""

    issuer = models.ForeignKey(
        OrgUnit, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    name = models.CharField(_("name"), max_length=255)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    framework = models.ForeignKey(
        Framework,
        verbose_name=_("framework"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checklists",
        help_text=_("When set, the items are the framework's criteria."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    source = models.CharField(_("imported from"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["topic", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "topic", "version"], name="checklist_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inspections:checklist_detail", args=[self.pk])


class ChecklistItem(BaseModel):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    section_code = models.CharField(_("section code"), max_length=16)
    section_name = models.CharField(_("section"), max_length=255)
    code = models.CharField(_("code"), max_length=32)
    text = models.TextField(_("what is checked"))
    evidence_needed = models.TextField(_("documents the unit prepares"), blank=True)
    data_source = models.CharField(
        _("figures from the data"), max_length=32, choices=DataSource.choices, blank=True
    )
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("criterion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checklist_items",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "order"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="checklist_item_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {Truncator(self.text).chars(80)}"

    @property
    def topic_short(self) -> str:
        """Its checklist's topic, short ("Một cửa (TTHC)"): every checklist has an item 1.1."""
        return str(TOPIC_SHORT[Topic(self.checklist.topic)])


class InspectionPlan(BaseModel):
    """The year's plan (kế hoạch kiểm tra) of an organiser: requests, then consolidated visits."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    organiser = models.ForeignKey(
        OrgUnit, verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    head_agency = models.ForeignKey(
        OrgUnit,
        verbose_name=_("agency of the team head"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # The planner's figures when the plan was last proposed: requests, visits, units consolidated.
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["organiser", "year"], name="plan_unique_year"),
        ]

    def __str__(self) -> str:
        return _("Inspection plan %(year)s") % {"year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("inspections:plan_detail", args=[self.pk])


class Inspection(BaseModel):
    """One consolidated visit to one unit (cuộc kiểm tra), covering several topics."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PREPARING = "preparing", _("Preparing")
        VISITING = "visiting", _("Visit under way")
        CONCLUDED = "concluded", _("Concluded")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="inspections"
    )
    visit_date = models.DateField(_("visit date"))
    topics = models.JSONField(_("topics"), default=list)
    # The checklist version of each topic the visit uses, fixed when its preparation opens
    # (the members' sections name them): a version imported later is for the visits after.
    checklists = models.ManyToManyField(
        Checklist, verbose_name=_("checklists used"), blank=True, related_name="inspections"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    # What the planner could not satisfy (dates outside a window, a missing member).
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_signer = models.CharField(_("signed by"), max_length=255, blank=True)
    support_given = models.TextField(
        _("support and guidance given"),
        blank=True,
        help_text=_("What the team explained, showed or resolved for the unit during the visit."),
    )
    is_published = models.BooleanField(_("published on the portal"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["visit_date", "org_unit__sort_order", "org_unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "org_unit"], name="inspection_one_per_unit"),
        ]

    def __str__(self) -> str:
        return _("Inspection of %(unit)s on %(date)s") % {
            "unit": self.org_unit.name,
            "date": self.visit_date.strftime("%d/%m/%Y"),
        }

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection_detail", args=[self.pk])

    def topic_labels(self) -> list[str]:
        return [str(Topic(topic).label) for topic in self.topics if topic in Topic.values]

    def topic_badges(self) -> list[tuple[str, str, str]]:
        return topic_badges(self.topics)

    def describe(self) -> dict[str, Any]:
        return {
            "unit": self.org_unit_id,
            "visit_date": self.visit_date.isoformat(),
            "topics": list(self.topics),
            "status": self.status,
        }


# A visit concluded: its findings are the unit's to read and its actions to report on, its
# notice may be issued; closed once every action is verified.
CONCLUDED_STATUSES = (Inspection.Status.CONCLUDED, Inspection.Status.CLOSED)


class InspectionRequest(BaseModel):
    """An agency's wish to inspect a unit on a topic within a date window."""

    plan = models.ForeignKey(
        InspectionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="requests"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit to inspect"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    agency = models.ForeignKey(
        OrgUnit, verbose_name=_("requesting agency"), on_delete=models.PROTECT, related_name="+"
    )
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )

    class Meta:
        verbose_name = _("inspection request")
        verbose_name_plural = _("inspection requests")
        ordering = ["org_unit__sort_order", "org_unit__name", "topic"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "org_unit", "topic", "agency"],
                name="request_unique_topic",
                violation_error_message=_(
                    "This agency has already asked to inspect this unit on this topic."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(window_end__gte=models.F("window_start")),
                name="request_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} — {self.get_topic_display()}"


class TeamMember(BaseModel):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="inspection_teams",
    )
    agency = models.ForeignKey(
        OrgUnit, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    is_head = models.BooleanField(_("head of the team"), default=False)
    topics = models.JSONField(_("topics covered"), default=list, blank=True)
    # Checklist sections the member checks, as "<checklist id>:<section code>".
    sections = models.JSONField(_("sections assigned"), default=list, blank=True)
    # Denormalised for the "no two visits on one day" constraint.
    visit_date = models.DateField(_("visit date"))

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["-is_head", "agency__sort_order", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "user"], name="team_member_once"),
            models.UniqueConstraint(
                fields=["user", "visit_date"],
                name="team_member_one_visit_a_day",
                violation_error_message=_("This member already has a visit on that day."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def topic_labels(self) -> list[str]:
        return [str(Topic(topic).label) for topic in self.topics if topic in Topic.values]

    def topic_badges(self) -> list[tuple[str, str, str]]:
        return topic_badges(self.topics)


def inspection_file_path(instance: "InspectionFile", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"inspections/{instance.inspection_id}/{uuid.uuid4().hex}{suffix}"


class InspectionFile(BaseModel):
    """A file of an inspection, checked by content like evidence: a document the unit sent,
    a photo taken during the visit, or proof of a remediation step."""

    class Purpose(models.TextChoices):
        DOCUMENT = "document", _("Requested document")
        PHOTO = "photo", _("Photo")
        REMEDIATION = "remediation", _("Remediation evidence")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="files"
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Evidence.Kind.choices)
    file = models.FileField(_("file"), upload_to=inspection_file_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    # What the PDF's digital signatures said when it was stored or checked again
    # (cchc.core.pdfsignatures.check_bytes), as on Evidence; None for a file that is not a PDF
    # or was stored before signatures were read.
    signature_check = models.JSONField(_("signature check"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inspection file")
        verbose_name_plural = _("inspection files")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.caption or self.original_name

    @property
    def is_image(self) -> bool:
        return self.kind in {Evidence.Kind.JPEG, Evidence.Kind.PNG}

    @property
    def signature_lines(self) -> list[tuple[str, str]]:
        """What the stored check of its digital signatures says, a line each (nothing for a
        file without signatures): read, never computed, on a page."""
        return pdfsignatures.signed_lines(self.signature_check)

    @property
    def signatures_checkable(self) -> bool:
        """A PDF whose signatures are worth checking again: it has some, or was never read."""
        check = self.signature_check
        return self.kind == Evidence.Kind.PDF and (not check or bool(check.get("signatures")))


class DocumentRequest(BaseModel):
    """One document the team asks the unit to prepare before the visit, from a checklist item."""

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="document_requests",
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("documents asked for"))
    files = models.ManyToManyField(
        InspectionFile, verbose_name=_("files sent"), blank=True, related_name="+"
    )
    evidence = models.ManyToManyField(
        Evidence,
        verbose_name=_("self-assessment evidence linked"),
        blank=True,
        related_name="+",
    )
    answer_note = models.TextField(_("note from the unit"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")
        ordering = ["item__checklist__topic", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="document_request_once"),
        ]

    def __str__(self) -> str:
        return Truncator(self.text).chars(80)


class ItemResult(BaseModel):
    """The team's verdict on one checklist item during the visit."""

    class Verdict(models.TextChoices):
        MEETS = "meets", _("Meets")
        PARTLY = "partly", _("Partly meets")
        NOT_MET = "not_met", _("Does not meet")
        NOT_APPLICABLE = "na", _("Not applicable")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="item_result_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_verdict_display()}"


class RootCause(BaseModel):
    """A cause shared by shortcomings across topics and units ("kinh phí còn hạn hẹp")."""

    organiser = models.ForeignKey(
        OrgUnit, verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("root cause"), max_length=255)
    # Accent-free, lower-case copy for suggestions typed without diacritics.
    folded = models.CharField(_("search text"), max_length=255, editable=False)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organiser", "folded"],
                name="root_cause_unique_title",
                violation_error_message=_("This root cause is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Finding(BaseModel):
    """A strength (ưu điểm) or a shortcoming (hạn chế) of the unit in one area."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", _("Strength")
        SHORTCOMING = "shortcoming", _("Shortcoming")

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        MODERATE = "moderate", _("Moderate")
        SERIOUS = "serious", _("Serious")

    class CauseKind(models.TextChoices):
        SUBJECTIVE = "subjective", _("Subjective (within the unit)")
        OBJECTIVE = "objective", _("Objective (outside the unit)")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    area = models.CharField(_("area"), max_length=255)
    text = models.TextField(_("finding"))
    folded = models.TextField(_("search text"), editable=False, blank=True)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    cause_kind = models.CharField(
        _("kind of cause"), max_length=16, choices=CauseKind.choices, blank=True
    )
    cause = models.TextField(_("cause"), blank=True)
    items = models.ManyToManyField(
        ChecklistItem, verbose_name=_("checklist items"), blank=True, related_name="findings"
    )
    criteria = models.ManyToManyField(
        Criterion, verbose_name=_("criteria"), blank=True, related_name="findings"
    )
    root_causes = models.ManyToManyField(
        RootCause, verbose_name=_("root causes"), blank=True, related_name="findings"
    )
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeats"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["kind", "topic", "area", "created_at"]

    def __str__(self) -> str:
        return Truncator(self.text).chars(80)


class Recommendation(BaseModel):
    """A recommendation (kiến nghị) addressing findings or root causes."""

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    text = models.TextField(_("recommendation"))
    findings = models.ManyToManyField(
        Finding, verbose_name=_("findings addressed"), blank=True, related_name="recommendations"
    )
    root_causes = models.ManyToManyField(
        RootCause,
        verbose_name=_("root causes addressed"),
        blank=True,
        related_name="recommendations",
    )

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return Truncator(self.text).chars(80)


class RemediationAction(BaseModel):
    """One thing a unit must do, by a deadline, to remedy a recommendation."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REPORTED = "reported", _("Reported done")
        VERIFIED = "verified", _("Verified and closed")

    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    owner = models.ForeignKey(
        OrgUnit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("action"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    escalated_on = models.DateField(_("overdue notice sent on"), null=True, blank=True)

    class Meta:
        verbose_name = _("remediation action")
        verbose_name_plural = _("remediation actions")
        ordering = ["deadline", "created_at"]

    def __str__(self) -> str:
        return Truncator(self.text).chars(80)

    def is_overdue(self, today: Any) -> bool:
        return self.status != self.Status.VERIFIED and self.deadline < today


class ProgressReport(BaseModel):
    """The unit's report on an action, with its evidence."""

    action = models.ForeignKey(
        RemediationAction,
        verbose_name=_("action"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    text = models.TextField(_("what was done"))
    is_done = models.BooleanField(_("reported as done"), default=False)
    files = models.ManyToManyField(
        InspectionFile, verbose_name=_("evidence"), blank=True, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return Truncator(self.text).chars(80)
