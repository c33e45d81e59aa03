from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cchc.core.models import BaseModel
from cchc.frameworks.rules import Rule, RuleError, RuleType, parse_rule
from cchc.frameworks.scoring import Node, Section
from cchc.frameworks.sources import DataSource
from cchc.orgunits.models import OrgUnit

POINTS_MAX_DIGITS = 8
POINTS_DECIMAL_PLACES = 2


class Framework(BaseModel):
    """A province's or city's criteria framework for one year, in one version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    issuer = models.ForeignKey(
        OrgUnit,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="frameworks",
        help_text=_("The province or city whose framework this is."),
    )
    name = models.CharField(_("name"), max_length=255)
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    unit_kinds = models.JSONField(
        _("applies to"), default=list, help_text=_("The kinds of unit scored with it.")
    )
    decision_number = models.CharField(_("decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Shown with a note: partly reconstructed, not an official framework."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("criteria framework")
        verbose_name_plural = _("criteria frameworks")
        ordering = ["-year", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "name", "year", "version"],
                name="framework_unique_version",
                violation_error_message=_("This version of the framework exists already."),
            ),
        ]
        indexes = [
            # The list page: a unit's frameworks, newest year first.
            models.Index(fields=["issuer", "-year"], name="framework_issuer_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year}, v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("frameworks:framework_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Criterion(BaseModel):
    """A node of a framework's tree: an area, a criterion or a sub-criterion."""

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="criteria"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=32)
    # Its own context: a criterion's title is "tên tiêu chí", an article's or a link's is not.
    title = models.CharField(pgettext_lazy("criterion", "title"), max_length=500)
    guidance = models.TextField(_("guidance"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    max_points = models.DecimalField(
        _("max points"),
        max_digits=POINTS_MAX_DIGITS,
        decimal_places=POINTS_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal(0))],
    )
    rule_type = models.CharField(
        _("scoring rule"), max_length=16, choices=RuleType.choices, default=RuleType.SUM
    )
    # The rule in its canonical text form ("tiers: 100=max; 95=3"); parsed by rules.parse_rule.
    rule_text = models.CharField(_("rule"), max_length=1000, default="sum")
    section = models.CharField(
        _("section"), max_length=16, choices=Section.choices, default=Section.NORMAL
    )
    is_self_scored = models.BooleanField(_("self-scored by the unit"), default=True)
    evidence_required = models.BooleanField(_("evidence required"), default=True)
    evidence_kind = models.CharField(_("evidence"), max_length=500, blank=True)
    agency = models.ForeignKey(
        OrgUnit,
        verbose_name=_("appraising agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraised_criteria",
        limit_choices_to={"kind": OrgUnit.Kind.AGENCY},
    )
    data_source = models.CharField(
        _("figures from the data"),
        max_length=32,
        choices=DataSource.choices,
        blank=True,
        help_text=_(
            "The figures come pre-filled from the province's systems; the unit may dispute them "
            "only with an explanation."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                name="criterion_unique_code",
                violation_error_message=_(
                    "Another criterion of this framework already has this code."
                ),
            ),
            models.CheckConstraint(
                condition=Q(max_points__gte=0),
                name="criterion_max_points_not_negative",
                violation_error_message=_("The maximum cannot be negative."),
            ),
        ]
        indexes = [
            # A framework's whole tree is always read at once, in order.
            models.Index(fields=["framework", "order"], name="criterion_framework_order"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    @property
    def rule(self) -> Rule:
        return parse_rule(self.rule_text)

    @property
    def rule_description(self) -> str:
        """The rule in one sentence for people; empty while the rule text is being corrected."""
        try:
            return self.rule.describe()
        except RuleError:
            return ""

    def as_node(self) -> Node:
        """Return what the scoring engine needs, without further queries."""
        return Node(
            id=self.pk,
            code=self.code,
            parent_id=self.parent_id,
            max_points=self.max_points,
            rule=self.rule,
            section=self.section,
            is_self_scored=self.is_self_scored,
        )


class ClassificationBand(models.Model):
    """A band of the ranking: from min_percent of the applicable maximum upwards."""

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="bands"
    )
    name = models.CharField(_("name"), max_length=64)
    min_percent = models.DecimalField(_("from (%)"), max_digits=5, decimal_places=2)
    colour = models.CharField(_("colour"), max_length=16, default="excellent")

    class Meta:
        verbose_name = _("classification band")
        verbose_name_plural = _("classification bands")
        ordering = ["framework", "-min_percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"],
                name="band_unique_name",
                violation_error_message=_("Two bands have the same name or the same per cent."),
            ),
            models.UniqueConstraint(
                fields=["framework", "min_percent"],
                name="band_unique_floor",
                violation_error_message=_("Two bands have the same name or the same per cent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ≥ {self.min_percent}%"
