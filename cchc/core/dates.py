"""Dates and numbers as Vietnamese documents write them."""

import datetime
from decimal import Decimal

from cchc.core.points import VIETNAMESE_MARKS, round_points


def document_date_line(place: str, day: datetime.date) -> str:
    """Return the place-and-date line of an official document: "Hà Tĩnh, ngày 05 tháng 01 năm 2026".

    Decree 30/2020 (Annex I) writes days below 10 and the months 1 and 2 with a leading zero,
    and no other month: "ngày 05 tháng 01", "ngày 15 tháng 8" (not "tháng 08").
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def short_date(day: datetime.date | None) -> str:
    """Return 05/01/2026."""
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


# The places of a column of totals or percentages, one per unit, which are read down the
# column and compared: "78,60" under "85,36", not "78,6".
COLUMN_PLACES = 2


def format_points(points: Decimal | None, places: int | None = None) -> str:
    """Return points the Vietnamese way, thousands grouped with dots (as counts are): trailing
    zeros trimmed (85,25 · 7,5 · 12 · 1.242 · 1.234,5), or with `places` always shown (a
    column's: 78,60 · 12,00)."""
    if points is None:
        return ""
    if places is None:
        text = f"{round_points(points):,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{round_points(points):,.{places}f}"
    return text.translate(VIETNAMESE_MARKS)


def format_count(count: int) -> str:
    """Return 1.234 for one thousand two hundred and thirty-four."""
    return f"{count:,}".replace(",", ".")
