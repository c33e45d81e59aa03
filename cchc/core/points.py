"""Points are Decimal, rounded one way in one place: half-up to two decimal places."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation

POINTS_QUANTUM = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def round_points(value: Decimal) -> Decimal:
    """Return value rounded half-up to two places: the only rounding rule for points."""
    return value.quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)


def input_decimal(value: Decimal | str | int | None) -> str:
    """A stored figure as a form field shows it to be typed again: a decimal comma and no
    grouping ("110,5", "2,125", "1234"), which parse_decimal reads back as the same number in
    either language. Written raw, "2.125" came back as two thousand one hundred and
    twenty-five (dots group thousands in Vietnamese). "" for nothing; text that is not a number
    as it is."""
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return format(number, "f").replace(".", ",")


def percent(points: Decimal | int | None, maximum: Decimal | int | None) -> Decimal | None:
    """Return points as a percentage of maximum, rounded like points (half-up to 0.01); None
    without points or without a maximum. The only percent formula: results, dashboards,
    the portal and every export read their percentages through it."""
    if points is None or not maximum:
        return None
    return round_points(Decimal(points) * HUNDRED / Decimal(maximum))


# A whole number grouped by thousands with dots, as Vietnamese writes it: 1.234, 1.234.567
# (never a leading zero: 0.125 is a decimal).
_DOT_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")
# The same grouped by commas, as English writes it: 1,234,567 (one comma alone is a decimal
# comma: 7,5).
_COMMA_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3}){2,}")
# What is left once the marks are read: digits 0-9 with at most one decimal point. Decimal()
# alone also takes "1e-400" (a page then writes its four hundred zeros; "1e-5000000", thirty
# bytes typed, made a 60 MB page), "Infinity" and other scripts' digits ("١").
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def parse_decimal(text: str | int | float | Decimal) -> Decimal:
    """Parse a number as people type it, Vietnamese first; raise ValueError otherwise.

    "7,5" and "7.5" are seven and a half; "1.234" and "1.234.567" are thousands grouped with
    dots, as Vietnamese writes them (one thousand two hundred and thirty-four, never 1,234);
    "1.234,5" has both; "1,234.5" and "1,234,567" are English groupings. A dot followed by
    other than groups of three digits ("12.75", "0.125") is a decimal point. Only digits 0-9
    and the marks: no exponent ("1e-400"), no "Infinity", no other script's digits."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(repr(text))
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        # The separator that comes last is the decimal one: 1.234,5 or 1,234.5.
        if cleaned.rindex(",") > cleaned.rindex("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif _DOT_GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(".", "")
    elif _COMMA_GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        raise ValueError(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not value.is_finite():
        raise ValueError(text)
    return value


# English marks to Vietnamese: "1,234.5" → "1.234,5" (format_decimal, dates.format_points).
VIETNAMESE_MARKS = str.maketrans({",": ".", ".": ","})


def format_decimal(value: Decimal | None, places: int = 2) -> str:
    """Return a number for people, trailing zeros trimmed: 85,25 and 1.234,5 (thousands
    grouped) in Vietnamese; 85.25 and 1234.5 in English, ungrouped: parse_decimal, Vietnamese
    first, reads one comma as a decimal one ("71,079" is 71.079), so English groups would not
    read back."""
    if value is None:
        return ""
    vietnamese = (translation.get_language() or "vi").startswith("vi")
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}" if vietnamese else f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.translate(VIETNAMESE_MARKS) if vietnamese else text
