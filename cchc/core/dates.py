"""Dates and numbers as Vietnamese documents write them."""

import datetime
from decimal import Decimal

from cchc.core.points import VIETNAMESE_MARKS, round_points


def document_date_line(place: str, day: datetime.date) -> str:
    """Return the place-and-date line of an official document: "Hà Tĩnh, ngày 05 tháng 01 năm 2026".

    Decree 30/2020 writes days below 10 and months below 3 with a leading zero; we pad both
    to two digits as the templates of Annex I do.
    """
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


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
