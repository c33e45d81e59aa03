"""Shared shape of every import: all-or-nothing, each error names its row and column."""

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exports import restore

NOT_UTF8_MESSAGE = gettext_noop("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
MISSING_COLUMNS_MESSAGE = gettext_noop("The file has no column named: {columns}.")
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


def decode_text(data: bytes) -> str:
    """Decode an uploaded text file (UTF-8, with or without BOM) or fail with a clear message."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed([ImportErrorItem(1, "", _(NOT_UTF8_MESSAGE))]) from error


def read_csv_rows(text: str, *, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as a spreadsheet shows it, row) with stripped values; header is row 1."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFailed(
            [ImportErrorItem(1, "", _(MISSING_COLUMNS_MESSAGE).format(columns=", ".join(missing)))]
        )
    for index, row in enumerate(reader, start=2):
        # A value an export neutralised ("'=…") reads back as it was typed.
        cleaned = {key: restore((value or "").strip()) for key, value in row.items() if key}
        if any(cleaned.values()):
            yield index, cleaned


def parse_date(value: str) -> datetime.date:
    """Parse 31/12/2025 or 2025-12-31; raise ValueError with a Vietnamese message otherwise."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError(_(BAD_DATE_MESSAGE).format(value=value))
