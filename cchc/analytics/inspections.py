"""The year's inspections at a glance: plan coverage, shortcomings per area, the Pareto of root
causes, remediation status and repeats. Grouped queries over the inspections the reader may
see (cchc.inspections.selectors decides which), a fixed number whatever their count."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from cchc.core.points import percent
from cchc.inspections.models import (
    CONCLUDED_STATUSES,
    Finding,
    Inspection,
    InspectionRequest,
    RemediationAction,
    RootCause,
    Topic,
)
from cchc.inspections.selectors import inspection_list_for_user, with_notes_for

REMEDIATION_STATES = (
    ("open", _("Open")),
    ("overdue", _("Overdue")),
    ("reported", _("Reported done")),
    ("verified", _("Verified")),
)
DONE_STATUSES = CONCLUDED_STATUSES


@dataclass
class AreaCount:
    topic: str
    topic_label: str
    area: str
    shortcomings: int
    units: int


@dataclass
class CauseRow:
    cause: RootCause
    shortcomings: int
    units: int
    cumulative: Decimal  # share of all shortcomings explained by this cause and those above


@dataclass
class InspectionStats:
    year: int
    visits: int = 0
    visits_done: int = 0
    requests: int = 0
    units: int = 0
    by_status: list[tuple[str, str, int]] = field(default_factory=list)
    areas: list[AreaCount] = field(default_factory=list)
    causes: list[CauseRow] = field(default_factory=list)
    remediation: list[tuple[str, str, int]] = field(default_factory=list)
    repeats: list[Finding] = field(default_factory=list)

    @property
    def coverage(self) -> Decimal | None:
        return percent(self.visits_done, self.visits)

    @property
    def remediation_total(self) -> int:
        return sum(count for _state, _label, count in self.remediation)


def inspection_years(*, user: Any) -> list[int]:
    years = (
        inspection_list_for_user(user=user)
        .order_by()
        .values_list("plan__year", flat=True)
        .distinct()
    )
    return sorted(set(years), reverse=True)


def inspection_stats(*, user: Any, year: int, today: datetime.date) -> InspectionStats:
    visible = inspection_list_for_user(user=user).filter(plan__year=year)
    ids = list(visible.order_by().values_list("pk", flat=True))
    stats = InspectionStats(year=year)
    status_counts = dict(
        Inspection.objects.filter(pk__in=ids)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
        .order_by()
    )
    stats.by_status = [
        (status, str(label), status_counts.get(status, 0))
        for status, label in Inspection.Status.choices
    ]
    stats.visits = sum(status_counts.values())
    stats.visits_done = sum(status_counts.get(status, 0) for status in DONE_STATUSES)
    stats.units = (
        Inspection.objects.filter(pk__in=ids).values("org_unit_id").distinct().order_by().count()
    )
    stats.requests = InspectionRequest.objects.filter(inspection_id__in=ids).count()
    # The team's notes (shortcomings, causes, actions): of the visits whose notes the user reads.
    ids = list(
        with_notes_for(user=user, inspections=visible).order_by().values_list("pk", flat=True)
    )
    shortcomings = Finding.objects.filter(inspection_id__in=ids, kind=Finding.Kind.SHORTCOMING)
    stats.areas = [
        AreaCount(
            topic=row["topic"],
            topic_label=str(Topic(row["topic"]).label) if row["topic"] in Topic.values else "",
            area=row["area"],
            shortcomings=row["n"],
            units=row["units"],
        )
        for row in shortcomings.values("topic", "area")
        .annotate(n=Count("id"), units=Count("inspection__org_unit", distinct=True))
        .order_by("-n", "topic", "area")
    ]
    # Every shortcoming is in one area's row: their sum is the year's shortcomings.
    stats.causes = _pareto(shortcomings, total=sum(area.shortcomings for area in stats.areas))
    stats.remediation = _remediation(ids, today)
    stats.repeats = list(
        shortcomings.filter(repeat_of__isnull=False)
        .select_related("inspection__org_unit", "repeat_of__inspection__org_unit")
        .order_by("inspection__visit_date")
    )
    return stats


def _pareto(shortcomings: Any, *, total: int) -> list[CauseRow]:
    """Root causes by how many shortcomings they explain (then units), with the cumulative
    share: the few causes behind most shortcomings come first. The share is of the `total`
    shortcomings, those without a cause included, and a shortcoming two causes explain counts
    once: it had been of the cause links, which read 100 % where 7 of 9 were explained (a
    walk)."""
    links = Finding.root_causes.through.objects.filter(finding__in=shortcomings).values_list(
        "rootcause_id", "finding_id", "finding__inspection__org_unit_id"
    )
    findings: dict[int, set[int]] = defaultdict(set)
    units: dict[int, set[int]] = defaultdict(set)
    for cause_id, finding_id, unit_id in links.order_by():
        findings[cause_id].add(finding_id)
        units[cause_id].add(unit_id)
    causes = RootCause.objects.in_bulk(list(findings))
    ordered = sorted(
        findings, key=lambda pk: (-len(findings[pk]), -len(units[pk]), causes[pk].title)
    )
    rows, explained = [], set()
    for pk in ordered:
        explained |= findings[pk]
        rows.append(
            CauseRow(
                cause=causes[pk],
                shortcomings=len(findings[pk]),
                units=len(units[pk]),
                cumulative=percent(len(explained), total) or Decimal(0),
            )
        )
    return rows


def _remediation(inspection_ids: list[int], today: datetime.date) -> list[tuple[str, str, int]]:
    actions = RemediationAction.objects.filter(recommendation__inspection_id__in=inspection_ids)
    open_ = Q(status=RemediationAction.Status.OPEN)
    counts = actions.aggregate(
        open=Count("id", filter=open_ & Q(deadline__gte=today)),
        overdue=Count("id", filter=open_ & Q(deadline__lt=today)),
        reported=Count("id", filter=Q(status=RemediationAction.Status.REPORTED)),
        verified=Count("id", filter=Q(status=RemediationAction.Status.VERIFIED)),
    )
    return [(state, str(label), counts[state]) for state, label in REMEDIATION_STATES]


def actions_in(*, user: Any, year: int, today: datetime.date, state: str) -> Any:
    """The remediation actions behind one bar of the chart (overdue first by default)."""
    visible = with_notes_for(
        user=user, inspections=inspection_list_for_user(user=user).filter(plan__year=year)
    ).values("pk")
    actions = RemediationAction.objects.filter(
        recommendation__inspection__in=visible
    ).select_related("owner", "recommendation__inspection__org_unit")
    open_ = Q(status=RemediationAction.Status.OPEN)
    filters = {
        "open": open_ & Q(deadline__gte=today),
        "overdue": open_ & Q(deadline__lt=today),
        "reported": Q(status=RemediationAction.Status.REPORTED),
        "verified": Q(status=RemediationAction.Status.VERIFIED),
    }
    if state in filters:
        return actions.filter(filters[state]).order_by("deadline")
    return actions.exclude(status=RemediationAction.Status.VERIFIED).order_by("deadline")


def shortcomings_in(*, user: Any, year: int, area: str) -> Any:
    """The shortcomings behind one bar of the per-area chart."""
    visible = with_notes_for(
        user=user, inspections=inspection_list_for_user(user=user).filter(plan__year=year)
    ).values("pk")
    return (
        Finding.objects.filter(inspection__in=visible, kind=Finding.Kind.SHORTCOMING, area=area)
        .select_related("inspection__org_unit")
        .order_by("inspection__visit_date")
    )
