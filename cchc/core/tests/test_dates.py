import datetime
from decimal import Decimal

from cchc.core.dates import document_date_line, format_count, format_points, short_date


def test_document_date_line_pads_day_and_month_as_documents_write_them():
    line = document_date_line("Hà Tĩnh", datetime.date(2026, 1, 5))
    assert line == "Hà Tĩnh, ngày 05 tháng 01 năm 2026"


def test_only_the_months_1_and_2_take_a_leading_zero():
    """Decree 30/2020, Annex I: "ngày nhỏ hơn 10 và tháng 1, 2 phải ghi thêm số 0". A
    publication notice read "ngày 15 tháng 08 năm 2026"."""
    assert document_date_line("Hà Tĩnh", datetime.date(2026, 8, 15)) == (
        "Hà Tĩnh, ngày 15 tháng 8 năm 2026"
    )
    assert document_date_line("Hà Tĩnh", datetime.date(2026, 2, 3)).endswith(
        "ngày 03 tháng 02 năm 2026"
    )
    assert document_date_line("Hà Tĩnh", datetime.date(2026, 12, 9)).endswith(
        "ngày 09 tháng 12 năm 2026"
    )


def test_short_date_is_day_month_year():
    assert short_date(datetime.date(2026, 1, 5)) == "05/01/2026"


def test_points_use_a_decimal_comma_and_trim_trailing_zeros():
    assert format_points(Decimal("85.25")) == "85,25"
    assert format_points(Decimal("7.50")) == "7,5"
    assert format_points(Decimal("12.00")) == "12"
    assert format_points(Decimal("0.125")) == "0,13"


def test_a_column_of_points_keeps_its_places():
    assert format_points(Decimal("78.6"), 2) == "78,60"
    assert format_points(Decimal("12"), 2) == "12,00"
    assert format_points(Decimal("1234.5"), 2) == "1.234,50"
    assert format_points(Decimal("0.125"), 2) == "0,13"


def test_counts_use_a_dot_between_thousands():
    assert format_count(1234) == "1.234"
    assert format_count(1234567) == "1.234.567"


def test_an_imported_day_is_read_day_first_with_any_of_the_dossiers_marks():
    """Directives refused 02-11-2026 and 05.12.2026, which the dossier import takes."""
    import pytest

    from cchc.core.imports import parse_date

    for text in ("02/11/2026", "2/11/2026", "02-11-2026", "02.11.2026", "2026-11-02"):
        assert parse_date(text) == datetime.date(2026, 11, 2), text
    for text in ("31/02/2026", "2026", "11/2026", "hôm qua"):
        with pytest.raises(ValueError):
            parse_date(text)
