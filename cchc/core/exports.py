"""Tables out as CSV or XLSX, safe to open in a spreadsheet: a text cell that a spreadsheet
would take for a formula (=, +, -, @, tab, carriage return first) is written with a leading
apostrophe, so "=HYPERLINK(…)" typed into a field stays text.

Every file the product writes for a spreadsheet goes through here: a `Table` through
`csv_response`/`xlsx_bytes`, or, for a file with its own layout, each row through `safe_row`
(`tests/security/test_exports.py` fails on a writer that does not import this module)."""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

from cchc.core.textsearch import fold

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """Numbers stay numbers; text that could run as a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value  # a date cell in a workbook (dd/mm/yyyy), ISO in a CSV
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row for a sheet or a CSV writer, every cell through `safe_cell`."""
    return [safe_cell(value) for value in values]


def neutralise(text: str) -> str:
    """Text for a file people open in a spreadsheet and may import back: a leading apostrophe
    before what would run as a formula (openpyxl, too, writes "=…" as a formula)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The text `neutralise` was given: what an import reads back from an exported file."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


@dataclass
class Table:
    """A table as the page shows it: its title, headings and rows of plain values. The rows
    may be a generator, made only if the table is exported (and read once)."""

    name: str
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)
    # Lines above the headings (what the table is of), and column widths by letter (XLSX).
    preamble: Sequence[Sequence[Any]] = ()
    widths: dict[str, float] = field(default_factory=dict)


def file_name(*parts: object) -> str:
    """A downloaded file's name from what it is, in the reader's language, without marks:
    ("Thông báo xếp hạng", "2026-12-07") -> "thong-bao-xep-hang-2026-12-07"."""
    return "-".join(word for part in parts for word in fold(str(part)).split())[:120]


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")  # Excel reads UTF-8 with the mark
    writer = csv.writer(response)
    for line in table.preamble:
        writer.writerow(safe_row(line))
    writer.writerow(safe_row(table.headers))
    for row in table.rows:
        writer.writerow(safe_row(row))
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_bytes(tables: Iterable[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=_sheet_title(table.title))
        for letter, width in table.widths.items():
            sheet.column_dimensions[letter].width = width
        for line in table.preamble:
            sheet.append(_cells(sheet, line))
        bold = []
        for heading in table.headers:
            cell = WriteOnlyCell(sheet, value=safe_cell(heading))
            cell.font = Font(bold=True)
            bold.append(cell)
        sheet.append(bold)
        for row in table.rows:
            sheet.append(_cells(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(xlsx_bytes([table]), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# Points and percentages (Decimals of at most two places) show their two places, as a
# column of them is read down: 78,60 under 85,36 (the spreadsheet writes its own marks).
POINTS_FORMAT = "#,##0.00"


def _cells(sheet: Any, values: Iterable[Any]) -> list[Any]:
    return [_typed_cell(sheet, value) for value in safe_row(values)]


def _typed_cell(sheet: Any, value: Any) -> Any:
    """A date as a workbook's date, shown as Vietnamese documents write it (15/08/2026); points
    with their two places."""
    if isinstance(value, datetime.date):
        number_format = "dd/mm/yyyy"
    elif (
        isinstance(value, Decimal)
        and value.is_finite()
        and -2 <= int(value.as_tuple().exponent) <= 0
    ):
        number_format = POINTS_FORMAT
    else:
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _sheet_title(title: str) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return (cleaned or "Sheet")[:31]
