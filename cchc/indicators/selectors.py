"""Indicators per unit and period, counted by the database in one grouped query per source,
whatever the number of dossiers; each figure can list the rows behind it.

What each figure counts is said once, in cchc.indicators.figures (docs/formats/dossiers.md
says the same); here they are counted per unit and period, as of the period's end (or now,
if earlier). The rates: overdue rate = overdue / received; apology share = overdue dossiers
with an apology letter / overdue dossiers; online share = online / received; on-time share =
on time / finished; satisfaction = average of the ratings given; directives on time / due.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from cchc.core.dates import format_points
from cchc.core.points import round_points
from cchc.frameworks.sources import DataSource
from cchc.indicators import figures
from cchc.indicators.models import Directive, Dossier, DossierImport, DossierMonth
from cchc.indicators.periods import LAST_MONTH, period_range
from cchc.orgunits.scope import KEEP, Scope


@dataclass
class Figures:
    received: int = 0
    finished: int = 0
    on_time: int = 0
    late: int = 0
    open_past_due: int = 0
    online: int = 0
    late_with_apology: int = 0
    rated: int = 0
    satisfaction: Decimal | None = None
    directives_due: int = 0
    directives_on_time: int = 0
    directives_late: int = 0
    feedback_due: int = 0
    feedback_on_time: int = 0
    previous_overdue_rate: Decimal | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def overdue(self) -> int:
        return self.late + self.open_past_due

    @staticmethod
    def rate(part: int, whole: int) -> Decimal | None:
        return round_points(Decimal(part) * 100 / whole) if whole else None

    @property
    def overdue_rate(self) -> Decimal | None:
        return self.rate(self.overdue, self.received)

    @property
    def overdue_change(self) -> Decimal | None:
        """Percentage points against the same period last year (negative: better)."""
        if self.overdue_rate is None or self.previous_overdue_rate is None:
            return None
        return self.overdue_rate - self.previous_overdue_rate

    @property
    def online_rate(self) -> Decimal | None:
        return self.rate(self.online, self.received)

    @property
    def apology_rate(self) -> Decimal | None:
        return self.rate(self.late_with_apology, self.overdue)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self.rate(self.on_time, self.finished)

    @property
    def directives_rate(self) -> Decimal | None:
        return self.rate(self.directives_on_time, self.directives_due)


def _window(year: int, period: str) -> tuple[Q, datetime.datetime]:
    """The period's dossiers (those received in its local months) and their as_of."""
    last_month = LAST_MONTH[period]
    return figures.received_in(year, 1, last_month), figures.cutoff(year, last_month)


def _dossier_counts(unit_ids: list[int], year: int, period: str) -> dict[int, dict[str, Any]]:
    """What does not change with time from the monthly counts (kept by every import); the
    open dossiers past their due time, which do, live from the few open rows."""
    first, last = period_range(year, period)
    received, as_of = _window(year, period)
    counted = (
        DossierMonth.objects.filter(org_unit_id__in=unit_ids, month__range=(first, last))
        .values("org_unit_id")
        .annotate(
            received=Sum("received"),
            finished=Sum("finished"),
            late=Sum("late"),
            online=Sum("online"),
            late_with_apology=Sum("late_with_apology"),
            rated=Sum("rated"),
            satisfaction_sum=Sum("satisfaction_sum"),
        )
        .order_by()
    )
    still_open = (
        Dossier.objects.filter(received, figures.OPEN_PAST_DUE.q(as_of), org_unit_id__in=unit_ids)
        .values("org_unit_id")
        .annotate(past_due=Count("id"), with_apology=Count("id", filter=figures.APOLOGY.q(as_of)))
        .values_list("org_unit_id", "past_due", "with_apology")
        .order_by()
    )
    result: dict[int, dict[str, Any]] = {}
    for row in counted:
        rated = row["rated"] or 0
        result[row["org_unit_id"]] = {
            **row,
            "open_past_due": 0,
            "satisfaction": Decimal(row["satisfaction_sum"]) / rated if rated else None,
        }
    for unit, past_due, with_apology in still_open:
        entry = result.setdefault(
            unit, {"received": 0, "finished": 0, "late": 0, "online": 0, "late_with_apology": 0}
        )
        entry["open_past_due"] = past_due
        entry["late_with_apology"] = entry.get("late_with_apology", 0) + with_apology
    return result


def directive_counts(unit_ids: list[int], year: int, period: str) -> dict[int, dict[str, Any]]:
    """Per unit with directives due in the period: due, on time, late (one grouped query)."""
    first, last = period_range(year, period)
    as_of = figures.directive_cutoff(last)
    rows = (
        Directive.objects.filter(org_unit_id__in=unit_ids, deadline__range=(first, last))
        .values("org_unit_id")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=figures.DIRECTIVE_DONE_ON_TIME.q()),
            late=Count("id", filter=figures.DIRECTIVE_LATE.q(as_of)),
        )
        .order_by()
    )
    return {row["org_unit_id"]: dict(row) for row in rows}


# Citizens' feedback is the portal's, which sits above indicators: the portal registers the
# function counting it (`portal.selectors.feedback_counts`, in its AppConfig.ready()); each
# returns {unit id: (due in the period, answered by their date)} for the units and period.
FeedbackCounter = Callable[[list[int], int, str], dict[int, tuple[int, int]]]
FEEDBACK_COUNTERS: list[FeedbackCounter] = []


def register_feedback_counter(counter: FeedbackCounter) -> None:
    if counter not in FEEDBACK_COUNTERS:
        FEEDBACK_COUNTERS.append(counter)


def _feedback_counts(unit_ids: list[int], year: int, period: str) -> dict[int, tuple[int, int]]:
    """Citizens' feedback due in the period, and how many were answered by their date."""
    counts: dict[int, tuple[int, int]] = {}
    for counter in FEEDBACK_COUNTERS:
        for unit, (due, on_time) in counter(unit_ids, year, period).items():
            before = counts.get(unit, (0, 0))
            counts[unit] = (before[0] + due, before[1] + on_time)
    return counts


def overdue_rates(unit_ids: list[int], year: int, period: str) -> dict[int, Decimal | None]:
    """Each unit's overdue rate for the period (as `Figures.overdue_rate`), from the dossiers'
    counts alone: one of `figures_for_units`' four queries, for the map's colours."""
    counts = _dossier_counts(unit_ids, year, period)
    return {
        unit: Figures.rate((row["late"] or 0) + row["open_past_due"], row["received"] or 0)
        for unit, row in counts.items()
    }


def figures_for_units(unit_ids: list[int], year: int, period: str) -> dict[int, Figures]:
    """Every unit's figures for the period, with last year's overdue rate: three queries for
    the dossiers and one for the directives, whatever the number of units and rows."""
    current = _dossier_counts(unit_ids, year, period)
    previous = _dossier_counts(unit_ids, year - 1, period)
    directives = directive_counts(unit_ids, year, period)
    feedback = _feedback_counts(unit_ids, year, period)
    result = {}
    for unit_id in unit_ids:
        row = current.get(unit_id, {})
        figures = Figures(
            received=row.get("received", 0),
            finished=row.get("finished", 0),
            late=row.get("late", 0),
            open_past_due=row.get("open_past_due", 0),
            online=row.get("online", 0),
            late_with_apology=row.get("late_with_apology", 0),
            rated=row.get("rated", 0),
            satisfaction=round_points(Decimal(str(row["satisfaction"])))
            if row.get("satisfaction") is not None
            else None,
        )
        figures.on_time = figures.finished - figures.late
        before = previous.get(unit_id)
        if before and before["received"]:
            figures.previous_overdue_rate = Figures.rate(
                before["late"] + before["open_past_due"], before["received"]
            )
        directive_row = directives.get(unit_id, {})
        figures.directives_due = directive_row.get("due", 0)
        figures.directives_on_time = directive_row.get("on_time", 0)
        figures.directives_late = directive_row.get("late", 0)
        figures.feedback_due, figures.feedback_on_time = feedback.get(unit_id, (0, 0))
        result[unit_id] = figures
    return result


# --- The rows behind a figure -----------------------------------------------------------------


def dossier_rows(
    *, unit_ids: list[int], year: int, period: str, which: str, month: int | None = None
) -> QuerySet[Dossier]:
    """The dossiers of the period behind one figure (figures.DOSSIER_FIGURES' names); with
    `month`, those received in that month of the period, as the period counts them (a point
    of the month-by-month chart)."""
    received, as_of = _window(year, period)
    if month is not None:
        received = figures.received_in(year, month, month)
    figure = figures.DOSSIER_FIGURES.get(which, figures.RECEIVED)
    rows = Dossier.objects.filter(received, figure.q(as_of), org_unit_id__in=unit_ids)
    return rows.select_related("org_unit").order_by("-received_at", "code")


# --- Feeding criteria -------------------------------------------------------------------------

RATES = {
    DataSource.DOSSIERS_ON_TIME: ("on_time", "finished", "on_time"),
    DataSource.DOSSIERS_ONLINE: ("online", "received", "online"),
    DataSource.DOSSIERS_APOLOGY: ("late_with_apology", "overdue", "apology"),
    DataSource.DIRECTIVES_ON_TIME: ("directives_on_time", "directives_due", ""),
    DataSource.FEEDBACK_ON_TIME: ("feedback_on_time", "feedback_due", ""),
}
COUNTS = {
    DataSource.DOSSIERS_OVERDUE: ("overdue", "overdue"),
    DataSource.DIRECTIVES_LATE: ("directives_late", ""),
}


def source_inputs(source: str, figures: Figures) -> tuple[dict[str, Any] | None, str]:
    """The rule inputs a data source gives, and which dossier rows show them ("" for none).

    Rates give numerator/denominator, counts give count, the satisfaction gives a value; None
    when the data holds nothing for the period (the unit declares as usual)."""
    if source in RATES:
        part, whole, rows = RATES[DataSource(source)]
        denominator = getattr(figures, whole)
        if not denominator:
            return None, rows
        return {"numerator": str(getattr(figures, part)), "denominator": str(denominator)}, rows
    if source in COUNTS:
        name, rows = COUNTS[DataSource(source)]
        if not figures.received and source == DataSource.DOSSIERS_OVERDUE:
            return None, rows
        return {"count": str(getattr(figures, name))}, rows
    if source == DataSource.SATISFACTION:
        if figures.satisfaction is None:
            return None, "rated"
        return {"value": str(figures.satisfaction)}, "rated"
    return None, ""


# Which rows show a source's figure: a dossier filter, or the directives list.
SOURCE_ROWS = {
    DataSource.DOSSIERS_ON_TIME: "on_time",
    DataSource.DOSSIERS_OVERDUE: "overdue",
    DataSource.DOSSIERS_ONLINE: "online",
    DataSource.DOSSIERS_APOLOGY: "overdue",
    DataSource.SATISFACTION: "rated",
    DataSource.DIRECTIVES_ON_TIME: "",
    DataSource.DIRECTIVES_LATE: "",
    DataSource.FEEDBACK_ON_TIME: "",
}


def source_link(source: str, *, unit_id: int, year: int, period: str) -> str:
    """The page listing the rows behind a source's figure for one unit and period."""
    from django.urls import reverse

    which = SOURCE_ROWS.get(DataSource(source), "") if source in DataSource.values else ""
    if source == DataSource.FEEDBACK_ON_TIME:
        return reverse("feedback:list") + f"?unit={unit_id}"
    if not which:
        return reverse("indicators:directive_list") + f"?unit={unit_id}"
    return (
        reverse("indicators:dossier_list")
        + f"?unit={unit_id}&year={year}&period={period}&which={which}"
    )


def describe_source(source: str, figures: Figures) -> str:
    """One line for people: "92/100 on time (92%)", "3 overdue (3%; same period last year
    4,5%)"… in the reader's language."""

    def pct(value: Decimal | None) -> str:
        return f"{format_points(value)}%" if value is not None else "—"

    if source == DataSource.DOSSIERS_OVERDUE:
        text = _("%(count)s of %(received)s dossiers overdue (%(rate)s)") % {
            "count": figures.overdue,
            "received": figures.received,
            "rate": pct(figures.overdue_rate),
        }
        if figures.previous_overdue_rate is not None:
            text += "; " + _("same period last year %(rate)s") % {
                "rate": pct(figures.previous_overdue_rate)
            }
        return text
    if source == DataSource.SATISFACTION:
        return _("average %(value)s from %(count)s ratings") % {
            "value": format_points(figures.satisfaction) if figures.satisfaction else "—",
            "count": figures.rated,
        }
    if source == DataSource.DIRECTIVES_LATE:
        return _("%(count)s directives late") % {"count": figures.directives_late}
    if source in RATES:
        part, whole, _rows = RATES[DataSource(source)]
        numerator, denominator = getattr(figures, part), getattr(figures, whole)
        rate = Figures.rate(numerator, denominator)
        return f"{numerator}/{denominator} ({pct(rate)})"
    return ""


def imports_for(user: Any) -> QuerySet[DossierImport]:
    """The dossier imports the user may see, with their errors and refused rows: their own,
    and those made for a unit they keep (a city's by the city's coordinators and the
    province's); every one for an administrator. Each coordinator saw every import, other
    provinces' dossiers in the refused rows included (a new-user walk)."""
    records = DossierImport.objects.select_related("imported_by")
    scope = Scope.of(user)
    if scope.is_admin:
        return records
    return records.filter(scope.units_q("org_unit", purpose=KEEP) | Q(imported_by=user))
