"""The one-stop shop's overdue rate month by month, this year against last, per unit and for
all of them; and the directives each unit finished on time. One grouped query per year.

A dossier counts in the month it was received; it is overdue when it was finished after its
due time, or is still open with its due time passed (as of today; for a past year, as of that
year's end). The same definitions as cchc.indicators.selectors, by month.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cchc.core.points import HUNDRED, round_points
from cchc.indicators.models import Dossier, DossierMonth
from cchc.indicators.selectors import Figures, figures_for_units

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
    units: list[UnitMonths] = field(default_factory=list)

    @property
    def last_month_slice(self) -> str:
        return f":{self.last_month}"

    @property
    def city(self) -> list[MonthCounts]:
        return [_sum([unit.months[i] for unit in self.units]) for i in range(12)]

    @property
    def city_last_year(self) -> list[MonthCounts]:
        return [_sum([unit.last_year[i] for unit in self.units]) for i in range(12)]


def _sum(months: list[MonthCounts]) -> MonthCounts:
    return MonthCounts(
        received=sum(m.received for m in months), overdue=sum(m.overdue for m in months)
    )


def _counts(unit_ids: list[int], year: int, last_month: int) -> dict[int, list[MonthCounts]]:
    """Received and finished late from the monthly counts the imports keep; still open past
    their due time (as of today, or the year's end) live from the few open rows."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = (
        datetime.datetime(year, last_month + 1, 1, tzinfo=tz)
        if last_month < 12
        else datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    )
    cutoff = min(timezone.now(), datetime.datetime(year + 1, 1, 1, tzinfo=tz))
    result: dict[int, list[MonthCounts]] = {
        unit: [MonthCounts() for _m in MONTHS] for unit in unit_ids
    }
    counted = DossierMonth.objects.filter(
        org_unit_id__in=unit_ids,
        month__gte=datetime.date(year, 1, 1),
        month__lte=datetime.date(year, last_month, 1),
    ).values_list("org_unit_id", "month", "received", "late")
    for unit, month, received, late in counted:
        result[unit][month.month - 1] = MonthCounts(received, late)
    still_open = (
        Dossier.objects.filter(
            status=Dossier.Status.OPEN,
            received_at__gte=start,
            received_at__lt=end,
            org_unit_id__in=unit_ids,
            finished_at__isnull=True,
            due_at__lt=cutoff,
        )
        .annotate(month=TruncMonth("received_at"))
        .values("org_unit_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in still_open:
        result[row["org_unit_id"]][row["month"].month - 1].overdue += row["n"]
    return result


def overdue_by_month(
    units: list[tuple[int, str]], *, year: int, today: datetime.date
) -> OverdueByMonth:
    """This year's months up to today (all twelve for a past year) and the same months of
    last year, per unit: two grouped queries."""
    last_month = 12 if year < today.year else today.month
    unit_ids = [pk for pk, _name in units]
    now = _counts(unit_ids, year, last_month)
    before = _counts(unit_ids, year - 1, last_month)
    board = OverdueByMonth(year=year, last_month=last_month)
    for pk, name in units:
        board.units.append(UnitMonths(pk, name, now[pk], before[pk]))
    return board


def directives_by_unit(unit_ids: list[int], *, year: int) -> dict[int, Figures]:
    """Directives due in the year per unit: on time, late (and the dossier figures with them)."""
    return figures_for_units(unit_ids, year, "annual")
