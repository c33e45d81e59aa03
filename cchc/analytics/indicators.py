"""The one-stop shop's overdue rate month by month, this year against last, per unit and for
all of them; and the directives each unit finished on time. Grouped queries per year: all the
units together month by month, and the units a page shows (an export: all) one by one.

A dossier counts in the month it was received; overdue is figures.OVERDUE (finished after its
due time, or still open with its due time passed), as of today, or for a past year as of that
year's end. The figures are cchc.indicators.figures', as the indicator page's.

Last year across a reorganisation (orgunits.lineage, the one rule): a unit made from others
takes, for the months it has no dossiers of its own, its predecessors' counts (a divided
unit's by its part), and says so (`UnitMonths.inherited`); all the units' totals count every
predecessor once, whichever of its successors are shown, so nothing is counted twice.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from cchc.core.points import HUNDRED, round_points
from cchc.indicators import figures
from cchc.indicators.models import Dossier, DossierMonth
from cchc.indicators.selectors import Figures, directive_counts
from cchc.orgunits.lineage import Lineage, lineage_for

MONTHS = tuple(range(1, 13))


def rate(part: int, whole: int) -> Decimal | None:
    return round_points(Decimal(part) * HUNDRED / whole) if whole else None


@dataclass
class MonthCounts:
    received: int = 0
    overdue: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.overdue, self.received)


@dataclass
class UnitMonths:
    unit_id: int
    name: str
    months: list[MonthCounts]
    last_year: list[MonthCounts]
    # "Phường Thành Sen, 2025: computed from …" when last year's months are its predecessors'.
    inherited: str = ""

    @property
    def total(self) -> MonthCounts:
        return _sum(self.months)

    @property
    def total_last_year(self) -> MonthCounts:
        return _sum(self.last_year)

    @property
    def change(self) -> Decimal | None:
        """Percentage points against last year's months up to the same month."""
        now, before = self.total.rate, self.total_last_year.rate
        return now - before if now is not None and before is not None else None


@dataclass
class OverdueByMonth:
    year: int
    last_month: int  # months after it have not happened yet
    units: list[UnitMonths] = field(default_factory=list)  # those read in detail
    lineage: Lineage | None = None  # set when a unit read in detail inherits last year
    city: list[MonthCounts] = field(default_factory=list)  # every unit, month by month
    city_last_year: list[MonthCounts] = field(default_factory=list)

    @property
    def last_month_slice(self) -> str:
        return f":{self.last_month}"


def _sum(months: list[MonthCounts]) -> MonthCounts:
    return MonthCounts(
        received=sum(m.received for m in months), overdue=sum(m.overdue for m in months)
    )


def _window(year: int, last_month: int) -> tuple[dict[str, Any], Q]:
    """The monthly counts of the year's months up to `last_month`, and the dossiers received
    in them still open past their due time as of today (or the year's end): the filters of
    the two queries below, through cchc.indicators.figures."""
    months = {
        "month__gte": datetime.date(year, 1, 1),
        "month__lte": datetime.date(year, last_month, 1),
    }
    still_open = figures.received_in(year, 1, last_month) & figures.OPEN_PAST_DUE.q(
        figures.cutoff(year, 12)
    )
    return months, still_open


def _counts(unit_ids: list[int], year: int, last_month: int) -> dict[int, list[MonthCounts]]:
    """Per unit: received and finished late from the monthly counts the imports keep; still
    open past their due time live from the few open rows."""
    months, still_open_rows = _window(year, last_month)
    result: dict[int, list[MonthCounts]] = {
        unit: [MonthCounts() for _m in MONTHS] for unit in unit_ids
    }
    counted = DossierMonth.objects.filter(org_unit_id__in=unit_ids, **months).values_list(
        "org_unit_id", "month", "received", "late"
    )
    for unit, month, received, late in counted:
        result[unit][month.month - 1] = MonthCounts(received, late)
    still_open = (
        Dossier.objects.filter(still_open_rows, org_unit_id__in=unit_ids)
        .annotate(month=TruncMonth("received_at"))
        .values("org_unit_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in still_open:
        result[row["org_unit_id"]][row["month"].month - 1].overdue += row["n"]
    return result


def _city_counts(unit_ids: list[int], year: int, last_month: int) -> list[MonthCounts]:
    """The same counts summed over the units, month by month, in the database."""
    months, still_open_rows = _window(year, last_month)
    result = [MonthCounts() for _m in MONTHS]
    counted = (
        DossierMonth.objects.filter(org_unit_id__in=unit_ids, **months)
        .values("month")
        .annotate(received=Sum("received"), late=Sum("late"))
        .values_list("month", "received", "late")
        .order_by()
    )
    for month, received, late in counted:
        result[month.month - 1] = MonthCounts(received or 0, late or 0)
    still_open = (
        Dossier.objects.filter(still_open_rows, org_unit_id__in=unit_ids)
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
        .order_by()
    )
    for month, n in still_open:
        result[month.month - 1].overdue += n
    return result


def overdue_by_month(
    units: list[tuple[int, str]],
    *,
    year: int,
    today: datetime.date,
    detail: list[int] | None = None,
) -> OverdueByMonth:
    """This year's months up to today (all twelve for a past year) and the same months of
    last year: for all the units together, and per unit for those in `detail` (default all;
    a page asks for the units it shows). Grouped queries, whatever the number of units."""
    last_month = 12 if year < today.year else today.month
    unit_ids = [pk for pk, _name in units]
    wanted = set(unit_ids if detail is None else detail)
    shown = [(pk, name) for pk, name in units if pk in wanted]
    shown_ids = [pk for pk, _name in shown]
    lineage = lineage_for(unit_ids)
    # Each former unit once in the totals (a divided one is in two successors' histories).
    history = sorted({old for pk in unit_ids for old in lineage.history_ids(pk)})
    shown_history = sorted({old for pk in shown_ids for old in lineage.history_ids(pk)})
    now = _counts(shown_ids, year, last_month) if shown_ids else {}
    before = _counts(shown_history, year - 1, last_month) if shown_ids else {}
    board = OverdueByMonth(
        year=year,
        last_month=last_month,
        city=_city_counts(unit_ids, year, last_month),
        city_last_year=_city_counts(history, year - 1, last_month),
    )
    for pk, name in shown:
        last_year, inherited = _inherit(lineage, pk, before)
        board.units.append(UnitMonths(pk, name, now[pk], last_year))
        if inherited:
            board.units[-1].inherited = lineage.explain(name, pk, str(year - 1))
            board.lineage = lineage
    return board


def _inherit(
    lineage: Lineage, unit_id: int, counts: dict[int, list[MonthCounts]]
) -> tuple[list[MonthCounts], bool]:
    """The unit's months, a month without dossiers of its own taken from its predecessors
    (their weighted sum: a divided unit's part); and whether any was."""
    own = counts[unit_id]
    if not lineage.has_history(unit_id):
        return own, False
    months, inherited = [], False
    for index, month in enumerate(own):
        if month.received or month.overdue:
            months.append(month)
            continue
        others = {pk: m[index] for pk, m in counts.items() if pk != unit_id}
        received = lineage.total(unit_id, {pk: m.received or None for pk, m in others.items()})
        overdue = lineage.total(unit_id, {pk: m.overdue or None for pk, m in others.items()})
        if received is None and overdue is None:
            months.append(month)
            continue
        inherited = True
        months.append(MonthCounts(round(received or 0), round(overdue or 0)))
    return months, inherited


def directives_by_unit(unit_ids: list[int], *, year: int) -> dict[int, Figures]:
    """Directives due in the year per unit (those with any): on time, late. One grouped
    query; the dossiers' own figures are the board's."""
    return {
        unit: Figures(
            directives_due=row["due"],
            directives_on_time=row["on_time"],
            directives_late=row["late"],
        )
        for unit, row in directive_counts(unit_ids, year, "annual").items()
    }
