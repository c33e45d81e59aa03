import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cchc.core.models import BaseModel
from cchc.core.points import percent


class OrgUnit(BaseModel):
    """A node of the administrative tree: province → city → ward/commune, and the agencies."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        WARD = "ward", _("Ward")
        COMMUNE = "commune", _("Commune")
        AGENCY = "agency", _("Advising agency")

    # Units that self-score and are inspected.
    ASSESSED_KINDS = (Kind.WARD, Kind.COMMUNE)
    # Which kinds of unit may stand directly above each kind (None: at the top of the tree).
    # Wards and communes sit under a city or district, or, since 07/2025, under the province.
    PARENT_KINDS: dict[str, tuple[str | None, ...]] = {
        Kind.PROVINCE: (None,),
        Kind.CITY: (Kind.PROVINCE,),
        Kind.DISTRICT: (Kind.PROVINCE,),
        Kind.WARD: (Kind.CITY, Kind.DISTRICT, Kind.PROVINCE),
        Kind.COMMUNE: (Kind.CITY, Kind.DISTRICT, Kind.PROVINCE),
        Kind.AGENCY: (Kind.PROVINCE, Kind.CITY, Kind.DISTRICT),
    }

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("A stable identifier in CCHC, for example the GSO code or 436-NV."),
    )
    gso_code = models.CharField(
        _("GSO code"),
        max_length=16,
        blank=True,
        help_text=_("The official code of the General Statistics Office, where there is one."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids ("/1/4/17/"), so "everything under the city" is one indexed query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)
    boundary = models.JSONField(
        _("boundary (GeoJSON geometry)"), null=True, blank=True, default=None
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    # What the data of this unit's part of the tree leave out, shown with its dashboards
    # (e.g. "the other 62 communes of the province are not loaded yet").
    note = models.TextField(_("note on the data"), blank=True)

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_to__gte=F("active_from")),
                name="orgunit_active_range_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            # GSO codes are reused after mergers (18073 was Nam Hà, then Thành Sen), so a code
            # is unique only among units still active.
            models.UniqueConstraint(
                fields=["gso_code"],
                condition=Q(active_to__isnull=True) & ~Q(gso_code=""),
                name="orgunit_gso_code_unique_when_active",
                violation_error_message=_(
                    "Another active unit already has this GSO code. End that unit first "
                    "(set its end date) if this one replaces it."
                ),
            ),
        ]
        indexes = [
            # Lists of wards/communes of a city, filtered by kind.
            models.Index(fields=["kind", "path"], name="orgunit_kind_path"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        allowed = self.PARENT_KINDS.get(self.kind, ())
        parent_kind = self.parent.kind if self.parent else None
        if self.kind and parent_kind not in allowed:
            if parent_kind is None:
                message = _("A %(kind)s must be placed under another unit.") % {
                    "kind": self.get_kind_display().lower()
                }
            else:
                message = _("A %(kind)s cannot be placed under a %(parent)s.") % {
                    "kind": self.get_kind_display().lower(),
                    "parent": self.Kind(parent_kind).label.lower(),
                }
            raise ValidationError({"parent": message})

    def is_active_on(self, day: datetime.date | None = None) -> bool:
        """Return whether the unit existed on that day (today by default)."""
        day = day or timezone.localdate()
        starts_ok = self.active_from is None or self.active_from <= day
        ends_ok = self.active_to is None or day <= self.active_to
        return starts_ok and ends_ok

    @property
    def is_active(self) -> bool:
        return self.is_active_on()

    @property
    def is_assessed(self) -> bool:
        return self.kind in self.ASSESSED_KINDS


class Reorganisation(BaseModel):
    """One reorganisation applied at once (a resolution merging, dividing, renaming or moving
    units): the lineage rows it wrote point to it. Written by
    cchc.orgunits.reorganisation.reorganisation_apply, never edited afterwards."""

    name = models.CharField(_("name"), max_length=255)
    effective_on = models.DateField(_("effective on"))
    source = models.CharField(_("source"), max_length=255, blank=True)
    # What was done, counted: {"ended": n, "created": n, "renamed": n, "moved": n, ...}.
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("reorganisation")
        verbose_name_plural = _("reorganisations")
        ordering = ["-effective_on", "-created_at"]

    def __str__(self) -> str:
        return self.name


class UnitChange(BaseModel):
    """One link of a unit's lineage, as data with its effective date: history is never edited.

    Merged and divided link an old unit (predecessor, ended the day before) to a unit that
    continues it (successor); renamed and moved link a unit to itself, with the old and new
    name or parent. Rounds, scores, evidence, findings and documents stay with the unit they
    were made for; the lineage is how a new unit reads them (predecessors, successors in
    cchc.orgunits.selectors)."""

    class Kind(models.TextChoices):
        MERGED = "merged", _("Merged into")
        DIVIDED = "divided", _("Divided into")
        RENAMED = "renamed", _("Renamed")
        MOVED = "moved", _("Moved under another unit")

    LINK_KINDS = (Kind.MERGED, Kind.DIVIDED)

    kind = models.CharField(_("kind of change"), max_length=16, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    predecessor = models.ForeignKey(
        OrgUnit,
        verbose_name=_("former unit"),
        on_delete=models.PROTECT,
        related_name="successor_links",
    )
    successor = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit after the change"),
        on_delete=models.PROTECT,
        related_name="predecessor_links",
    )
    # The part of a divided unit given to this successor (area in km², or any measure the
    # file uses consistently); empty for a whole unit.
    share = models.DecimalField(_("share"), max_digits=12, decimal_places=4, null=True, blank=True)
    # The successor that takes a divided unit's people and open work (a merged unit's only one).
    is_default = models.BooleanField(_("default successor"), default=False)
    old_value = models.CharField(_("before"), max_length=255, blank=True)
    new_value = models.CharField(_("after"), max_length=255, blank=True)
    reorganisation = models.ForeignKey(
        Reorganisation,
        verbose_name=_("reorganisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )

    class Meta:
        verbose_name = _("unit change")
        verbose_name_plural = _("unit changes")
        ordering = ["effective_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["merged", "divided"]) & ~Q(predecessor=F("successor")))
                | (Q(kind__in=["renamed", "moved"]) & Q(predecessor=F("successor"))),
                name="unitchange_link_or_self",
                violation_error_message=_(
                    "A merger or division links two units; a renaming or move, one unit."
                ),
            ),
            models.UniqueConstraint(
                fields=["predecessor", "successor", "kind", "effective_on"],
                name="unitchange_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["successor", "kind"], name="unitchange_successor"),
            models.Index(fields=["predecessor", "kind"], name="unitchange_predecessor"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()})"

    @property
    def share_percent(self) -> Decimal | None:
        """This part's share of the divided unit, in percent, when the reader's query summed
        the parts (`share_total`, cchc.orgunits.selectors): the share column may be km² or
        any measure, a percentage reads the same whatever it was."""
        return percent(self.share, getattr(self, "share_total", None))
