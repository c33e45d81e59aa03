"""Shared shape of every import: all-or-nothing, each error names its row and column."""

import codecs
import csv
import dataclasses
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exports import restore
from cchc.core.zipcheck import DTD_MESSAGE, ZIP_BOMB_MESSAGE, zip_problem

DAMAGED_UTF8_MESSAGE = gettext_noop(
    "The file is UTF-8 text with a byte that is not, on line {line}: it was not read another "
    "way, which would have garbled its Vietnamese letters. Save it again as “CSV UTF-8”."
)
NOT_UTF8_MESSAGE = gettext_noop("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
MISSING_COLUMNS_MESSAGE = gettext_noop("The file has no column named: {columns}.")
UNKNOWN_COLUMNS_MESSAGE = gettext_noop("Its columns that CCHC does not know: {columns}.")
IGNORED_COLUMNS_MESSAGE = gettext_noop(
    "These columns were not read (CCHC does not know them): {columns}."
)
NOT_XLSX_MESSAGE = gettext_noop("The file is not an Excel workbook (.xlsx).")
OLD_XLS_MESSAGE = gettext_noop(
    "This is an Excel 97–2003 file (.xls), which CCHC does not read: open it in Excel, save it "
    "as an Excel Workbook (.xlsx) and import that."
)
# The first bytes of an Excel 97–2003 file (an OLE compound document).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# PostgreSQL cannot store it in text (SQLite does): refused wherever text comes in.
NUL_MESSAGE = gettext_noop("Text may not hold the NUL character (\\u0000).")
# A CSV file is one sheet, of this name.
CSV_SHEET = ""
# The header is the first of these rows that names every required field (title rows above it).
HEADER_SEARCH_ROWS = 5
BAD_DATE_MESSAGE = gettext_noop("“{value}” is not a date; write it as 31/12/2025 or 2025-12-31.")


@dataclass(frozen=True)
class ImportErrorItem:
    row: int
    column: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        if self.sheet:
            return _("Sheet “%(sheet)s”, row %(row)s, column “%(column)s”: %(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "column": self.column or "—",
                "message": self.message,
            }
        if self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class ImportFailed(Exception):
    """The import wrote nothing; errors says why, row by row."""

    def __init__(self, errors: list[ImportErrorItem]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:5]))
        self.errors = errors


# What an uploaded text file may be written in, tried in this order: UTF-8 (with or without
# its BOM: "CSV UTF-8"), then Windows-1258 (Excel's "CSV" on a Vietnamese Windows). A file
# starting with a UTF-16 BOM (Excel's "Unicode Text") is UTF-16 whatever follows.
TEXT_ENCODINGS = ("utf-8-sig", "cp1258")


def bom_encoding(start: bytes) -> str | None:
    """ "utf-16" for a file whose first bytes are a UTF-16 byte order mark, else None."""
    return "utf-16" if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else None


def decode_text(data: bytes) -> str:
    """Decode an uploaded text file (TEXT_ENCODINGS, or UTF-16 by its BOM) as NFC text (a
    Windows-1258 file decodes to letters and combining marks), or fail with a clear message."""
    by_bom = bom_encoding(data)
    for encoding in (by_bom,) if by_bom else TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            before = data[: error.start]
            if encoding == "utf-8-sig" and damaged_utf8(before):
                line = before.count(b"\n") + 1
                message = _(DAMAGED_UTF8_MESSAGE).format(line=line)
                raise ImportFailed([ImportErrorItem(line, "", message)]) from error
            continue
        return text if text.isascii() else unicodedata.normalize("NFC", text)
    raise ImportFailed([ImportErrorItem(1, "", _(NOT_UTF8_MESSAGE))])


def damaged_utf8(before: bytes) -> bool:
    """Is a file that stopped decoding as UTF-8 after `before` UTF-8 with a damaged byte (what
    precedes it holds letters beyond ASCII written in UTF-8)? Read as Windows-1258 instead,
    every letter would come out garbled ("TĂªn Ä‘Æ¡n vá»") and be stored so: such a file is
    refused (DAMAGED_UTF8_MESSAGE). A file with nothing beyond ASCII before its first bad byte
    is not UTF-8 and is read in the next encoding."""
    if before.isascii():
        return False
    try:
        before.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


# --- Headers: one mechanism for every import ------------------------------------------------
#
# A file's header row is matched against the headings CCHC accepts for each field: compared
# trimmed, lower-cased, spaces collapsed and NFC ("Mã hồ sơ" = " MÃ  HỒ SƠ "), then, failing
# that, without diacritics ("ma ho so"). The first column that names a field is read; a column
# that names no field (or a field already named) is ignored and reported; a field the file
# lacks reads as empty — never another column's cell. Errors name a column by its heading as
# the file writes it.


def heading_key(text: str) -> str:
    """How headings are compared: trimmed, lower-cased, spaces collapsed, NFC."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.lower().split())


def plain_key(text: str) -> str:
    """A heading or word without diacritics (đ → d), lower-cased, spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.lower().split())


HeadingLookup = tuple[dict[str, str], dict[str, str]]


def heading_lookup(accepted: Mapping[str, Sequence[str]]) -> HeadingLookup:
    """(exact heading → field, heading without diacritics → field); the first field wins."""
    exact: dict[str, str] = {}
    plain: dict[str, str] = {}
    for name, aliases in accepted.items():
        for alias in (name, *aliases):
            exact.setdefault(heading_key(alias), name)
            plain.setdefault(plain_key(alias), name)
    return exact, plain


def _heading_text(cell: Any) -> str:
    if cell is None:
        return ""
    text = cell if isinstance(cell, str) else str(cell)
    text = text.strip()
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Header:
    """A header row read against the fields an import knows."""

    columns: dict[str, int]  # field → index of the column read for it
    headings: dict[str, str]  # field → its heading as the file writes it
    ignored: tuple[str, ...]  # headings the file has that name no field (or a field again)
    labels: Mapping[str, str]  # field → CCHC's heading, for fields the file lacks
    sheet: str = ""
    row: int = 1  # the header's row as a spreadsheet numbers it

    def heading(self, name: str) -> str:
        """The column of a field as the file names it, else as CCHC names it."""
        return self.headings.get(name) or self.labels.get(name) or name

    def values(self, cells: Sequence[Any], text: Callable[[Any], str]) -> dict[str, str]:
        """The row's cells under the fields the file has (a short row reads as empty)."""
        width = len(cells)
        return {
            name: text(cells[index] if index < width else None)
            for name, index in self.columns.items()
        }

    def missing(self, required: Iterable[str]) -> list[str]:
        return [name for name in required if name not in self.columns]

    def require(self, required: Iterable[str]) -> None:
        """Refuse the file when it lacks a required column: name those it lacks (CCHC's
        heading, and the English one) and the headings it has that CCHC does not know."""
        error = self.missing_error(required)
        if error is not None:
            raise ImportFailed([error])

    def missing_error(self, required: Iterable[str]) -> "ImportErrorItem | None":
        missing = self.missing(required)
        if not missing:
            return None
        names = ", ".join(
            f"“{self.labels.get(name, name)}” ({name})"
            if heading_key(self.labels.get(name, name)) != name
            else f"“{name}”"
            for name in missing
        )
        message = _(MISSING_COLUMNS_MESSAGE).format(columns=names)
        if self.ignored:
            message += " " + _(UNKNOWN_COLUMNS_MESSAGE).format(columns=quoted(self.ignored))
        return ImportErrorItem(self.row, "", message, self.sheet)

    def name_columns(self, errors: Iterable["ImportErrorItem"]) -> list["ImportErrorItem"]:
        """Errors of this sheet written with a field's name get the column's heading."""
        return [
            dataclasses.replace(error, column=self.heading(error.column))
            # An error without a sheet is the one sheet's (directives: an XLSX's errors named
            # "issued_on" where the same rows as CSV said "Ngày ban hành").
            if error.sheet in (self.sheet, "") and error.column in self.labels
            else error
            for error in errors
        ]


def quoted(headings: Iterable[str]) -> str:
    return ", ".join(f"“{heading}”" for heading in headings)


def read_header(
    cells: Sequence[Any],
    accepted: Mapping[str, Sequence[str]] | HeadingLookup,
    *,
    labels: Mapping[str, str],
    sheet: str = "",
    row: int = 1,
) -> Header:
    """Match a header row: the fields it names, where, and the headings it has in excess.
    Empty headings (merged cells, a trailing separator) are neither read nor reported."""
    exact, plain = accepted if isinstance(accepted, tuple) else heading_lookup(accepted)
    columns: dict[str, int] = {}
    headings: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        heading = _heading_text(cell)
        if not heading:
            continue
        name = exact.get(heading_key(heading)) or plain.get(plain_key(heading))
        if name is None or name in columns:
            ignored.append(heading)
            continue
        columns[name] = index
        headings[name] = heading
    return Header(columns, headings, tuple(ignored), labels, sheet, row)


def ignored_columns_message(ignored: Sequence[str]) -> str:
    """What an import tells its user about the columns it did not read ('' if none)."""
    if not ignored:
        return ""
    return _(IGNORED_COLUMNS_MESSAGE).format(columns=quoted(ignored))


def csv_table(text: str) -> list[list[str]]:
    """The rows of a CSV text, its delimiter (comma, semicolon or tab) sniffed."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect=dialect))


class Sheet:
    """One sheet of an import file (a CSV file is one sheet, named CSV_SHEET): its rows, each
    with its number as a spreadsheet shows it."""

    def __init__(self, name: str, rows: list[tuple[int, list[Any]]]) -> None:
        self.name = name
        self.rows = rows

    def header(
        self,
        accepted: Mapping[str, Sequence[str]] | HeadingLookup,
        *,
        labels: Mapping[str, str],
        required: Iterable[str] = (),
    ) -> Header:
        """The header row: the first of the first HEADER_SEARCH_ROWS rows that names every
        required field, so that a title or a blank row above the header is skipped (files
        made for people often start with "BỘ TIÊU CHÍ …"). If none does, the row that names
        the most fields: its `missing_error` says what the file lacks."""
        required = tuple(required)
        best: Header | None = None
        for number, cells in self.rows[:HEADER_SEARCH_ROWS]:
            header = read_header(cells, accepted, labels=labels, sheet=self.name, row=number)
            if not header.missing(required):
                return header
            if best is None or len(header.columns) > len(best.columns):
                best = header
        return best or read_header([], accepted, labels=labels, sheet=self.name)

    def records(self, header: Header) -> list[tuple[int, dict[str, str]]]:
        """The non-empty rows under the header, field → the cell's text (cell_text)."""
        records = []
        for number, cells in self.rows:
            if number <= header.row:
                continue
            values = header.values(cells, cell_text)
            if any(values.values()):
                records.append((number, values))
        return records


def cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold: trimmed, a value an export neutralised ("'=…")
    as it was typed, a date as 2025-07-01, 7.0 as 7, a number with a decimal comma (2,675:
    core.points.parse_decimal reads "2.675" as thousands). A figure a formula left a hair off
    a hundredth (7.4999999999, shown 7,5 in Excel) is that hundredth: the difference is the
    float's, not the author's."""
    if value is None:
        return ""
    if isinstance(value, str):
        return restore(value.strip())
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if abs(value - round(value, 2)) < 1e-9:
            value = round(value, 2)
        # Written out (repr gives "1.5e-05", which parse_decimal refuses) with a decimal
        # comma: "2.675" would read as two thousand six hundred and seventy-five.
        text = format(Decimal(repr(value)), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(value).strip()


def read_csv_sheet(text: str) -> Sheet:
    """A CSV text as a sheet (its delimiter sniffed: csv_table)."""
    return Sheet(CSV_SHEET, [(number, row) for number, row in enumerate(csv_table(text), start=1)])


def read_xlsx_sheets(data: bytes) -> dict[str, Sheet]:
    """The non-empty sheets of an Excel workbook by name, refused before it is opened when it
    is no workbook, declares a DTD or would unpack to far more than it weighs."""
    from openpyxl import load_workbook

    if data.startswith(OLE_MAGIC):
        raise ImportFailed([ImportErrorItem(1, "", _(OLD_XLS_MESSAGE))])
    problem = zip_problem(io.BytesIO(data), required="xl/workbook.xml")
    if problem:
        message = {"not_zip": NOT_XLSX_MESSAGE, "dtd": DTD_MESSAGE}.get(problem, ZIP_BOMB_MESSAGE)
        raise ImportFailed([ImportErrorItem(1, "", _(message))])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportFailed([ImportErrorItem(1, "", _(NOT_XLSX_MESSAGE))]) from error
    sheets = {}
    try:
        for worksheet in workbook.worksheets:
            rows = [
                (number, list(cells))
                for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1)
            ]
            if rows:
                sheets[worksheet.title] = Sheet(worksheet.title, rows)
    finally:
        workbook.close()
    return sheets


def is_workbook(file_name: str, head: bytes) -> bool:
    """Is the file a workbook (read as one, refused as one if it is not), not CSV text? By its
    name (.xlsx, .xlsm and an old .xls, which is refused saying so), or by its first bytes
    (a zip) when the name says nothing: one rule for every import (the directives' took an
    .xlsm for CSV and refused it as "not UTF-8 text")."""
    suffix = Path(file_name).suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return True
    return suffix != ".csv" and (head.startswith(b"PK\x03\x04") or head.startswith(OLE_MAGIC))


def read_sheets(data: bytes, *, xlsx: bool, empty_message: str) -> dict[str, Sheet]:
    """A file's sheets by name: a workbook's (read_xlsx_sheets) or a CSV file's one, CSV_SHEET
    (decode_text). An empty CSV file is refused with `empty_message` (untranslated: the
    caller's own words for what the file should hold)."""
    if xlsx:
        return read_xlsx_sheets(data)
    sheet = read_csv_sheet(decode_text(data))
    if not sheet.rows:
        raise ImportFailed([ImportErrorItem(1, "", _(empty_message))])
    return {CSV_SHEET: sheet}


def read_csv_records(
    text: str,
    *,
    accepted: Mapping[str, Sequence[str]],
    labels: Mapping[str, str],
    required: Iterable[str],
) -> tuple[Header, list[tuple[int, dict[str, str]]]]:
    """The header of a CSV text (refused if it lacks a required column; Sheet.header) and its
    non-empty rows as (row number as a spreadsheet shows it, field → text)."""
    return _records(read_csv_sheet(text), accepted, labels, required)


def read_xlsx_records(
    data: bytes,
    *,
    accepted: Mapping[str, Sequence[str]],
    labels: Mapping[str, str],
    required: Iterable[str],
) -> tuple[Header, list[tuple[int, dict[str, str]]]]:
    """As read_csv_records, for the first sheet of an Excel workbook (read_xlsx_sheets)."""
    sheet = next(iter(read_xlsx_sheets(data).values()), Sheet("", []))
    return _records(sheet, accepted, labels, required)


def _records(
    sheet: Sheet,
    accepted: Mapping[str, Sequence[str]],
    labels: Mapping[str, str],
    required: Iterable[str],
) -> tuple[Header, list[tuple[int, dict[str, str]]]]:
    header = sheet.header(accepted, labels=labels, required=required)
    header.require(required)
    return header, sheet.records(header)


def read_csv_rows(text: str, *, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV text keyed by its own headings (each accepted as written)."""
    rows = csv_table(text)
    names = [heading_key(str(cell)) for cell in rows[0]] if rows else []
    accepted = {name: () for name in names if name}
    _header, records = read_csv_records(
        text, accepted=accepted, labels={name: name for name in accepted}, required=required
    )
    yield from records


# A day written day first, as the dossiers' dates are read: 31/12/2025, 5/1/2025, 31-12-2025,
# 31.12.2025 (directives refused the last two where the dossier import took them).
DAY_FIRST_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: str) -> datetime.date:
    """Parse 31/12/2025 (or with - or . between its parts) or 2025-12-31; raise ValueError
    with a Vietnamese message otherwise."""
    text = value.strip()
    found = DAY_FIRST_RE.match(text)
    try:
        if found:
            day, month, year = found.groups()
            return datetime.date(int(year), int(month), int(day))
        return datetime.datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007
    except ValueError:
        raise ValueError(_(BAD_DATE_MESSAGE).format(value=value)) from None
