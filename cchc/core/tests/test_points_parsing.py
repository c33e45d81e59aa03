"""Numbers as people type them, Vietnamese first: the walk found "1.234" typed as a count
saved as 1,234 (one point two three four), and "1.100" refused as smaller than 950."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cchc.core.dates import format_count, format_points
from cchc.core.points import format_decimal, input_decimal, parse_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7,5", "7.5"),
        ("7.5", "7.5"),
        ("12.75", "12.75"),
        ("0.125", "0.125"),
        ("0,125", "0.125"),
        ("1.234", "1234"),
        ("1.100", "1100"),
        ("950", "950"),
        ("1.234.567", "1234567"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("1,234,567", "1234567"),
        ("1,234", "1.234"),  # one decimal comma: Vietnamese
        (" 1 234 ", "1234"),
        ("-1.500", "-1500"),
        ("1.23", "1.23"),
        ("1.2345", "1.2345"),
    ],
)
def test_a_number_reads_as_vietnamese_writes_it(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "NaN", "Infinity", "1..5", ",", "."])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_a_count_as_the_pages_write_it_reads_back(count):
    assert parse_decimal(format_count(count)) == count


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_points_as_the_pages_write_them_read_back(value):
    assert parse_decimal(format_decimal(value)) == value


def test_a_figure_of_thousands_is_grouped_as_the_reader_writes_it():
    # Found walking the demo: "1234/1300 = 94,9%" beside counts written 15.000 elsewhere.
    assert format_decimal(Decimal("1234.5")) == "1.234,5"
    assert format_decimal(Decimal("-1234567")) == "-1.234.567"
    assert format_decimal(Decimal("85.25")) == "85,25"
    with translation.override("en"):  # ungrouped: "71,079" would read back as 71.079
        assert format_decimal(Decimal("1234.5")) == "1234.5"


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_figures_written_in_english_read_back(value):
    with translation.override("en"):
        assert parse_decimal(format_decimal(value)) == value


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
    st.sampled_from(["vi", "en"]),
)
def test_a_figure_shown_in_a_form_is_read_back_as_the_same_number(value, language):
    """A declared figure went back into its field raw: "2.125" (two and an eighth) was read
    as 2125 on the criterion's next save, dots grouping thousands in Vietnamese."""
    with translation.override(language):
        assert parse_decimal(input_decimal(value)) == value
    assert input_decimal(Decimal("2.125")) == "2,125"
    assert input_decimal("110.5") == "110,5"
    assert input_decimal(Decimal("1234")) == "1234"
    assert input_decimal(None) == "" and input_decimal("") == ""


@given(st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False))
def test_points_as_documents_and_pages_write_them_read_back(value):
    """`|points` wrote "1242" and "1234,5" beside counts written "1.242": thousands are grouped
    as everywhere else, and what is written reads back as the same number."""
    assert parse_decimal(format_points(value)) == value
    assert format_points(Decimal("1242")) == "1.242"
    assert format_points(Decimal("1234.50")) == "1.234,5"
    assert format_points(Decimal("85.25")) == "85,25"
