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


def format_points(points: Decimal | None) -> str:
    """Return points the Vietnamese way, trailing zeros trimmed, thousands grouped with dots
    (as counts are): 85,25 · 7,5 · 12 · 1.242 · 1.234,5."""
    if points is None:
        return ""
    text = f"{round_points(points):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.translate(VIETNAMESE_MARKS)


def format_count(count: int) -> str:
    """Return 1.234 for one thousand two hundred and thirty-four."""
    return f"{count:,}".replace(",", ".")
