"""Checking: the rows of a file, after its header, as checked batches ready to write.

Everything here is pure work on the rows: no query, no write, no state but the parser's
caches. That is what lets a large file be checked in a process of its own
(`importing.child`) while the importer's process writes the batches before it: on two cores
the parsing, which is Python, and the database's work on the rows, which is not, overlap
(docs/performance.md). A small file, or a batch pushed through the API, is checked in the
importer's own process by the same generator.

`checked(rows, lookup, parser)` yields one `Heading` (what the header names), then one
`Checked` per BATCH_SIZE rows of the file. A file refused as a whole (no header, not CSV,
not a workbook) raises DossierImportFailed from the generator.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.imports import HeadingLookup, ImportErrorItem
from cchc.indicators.importing.parsing import RowParser, _blank, _Clock
from cchc.indicators.importing.reading import FIELDS, Rows, _locate_header, _text
from cchc.indicators.summary import MonthKey

BATCH_SIZE = 2000
DUPLICATE_IN_ROW_MESSAGE = gettext_noop("The code {code} is already in row {row}.")


@dataclass
class Heading:
    """The file's header: its cells as text, the heading of each field it names (for the
    errors) and the headings it has that name no field (not read)."""

    cells: list[str]
    headings: dict[str, str]
    ignored: tuple[str, ...]


@dataclass
class Checked:
    """One batch of the file, checked. `rows_read`: its rows that are not empty. Its valid
    rows — the first of each code — in lists of the same order: `codes`, `numbers` (as the
    file numbers them), `cells` (as read; sent empty where no rejected-rows file is kept)
    and `values`: on SQLite the values in the order of parsing.COLUMNS, adapted for the
    database; on PostgreSQL the row as a line of COPY's text format (`prepare`). `rejected`: the
    others with their errors; `months`: the (unit, year, month) the valid rows fall in;
    `mapped`: its rows written to the unit continuing an ended one; `fraction`: how much of
    the file's bytes were read after it (None: not known). Plain lists: what the child
    process sends is read back without a step per row."""

    rows_read: int = 0
    codes: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    cells: list[list[Any]] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    rejected: list[tuple[int, list[Any], list[ImportErrorItem]]] = field(default_factory=list)
    months: set[MonthKey] = field(default_factory=set)
    mapped: int = 0
    fraction: float | None = None


# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_NULL = "\\N"


def _copy_text(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(COPY_ESCAPES)
    return text


def copy_line(values: list[Any]) -> str:
    """One row's values (adapted, in the order of parsing.COLUMNS) as a line of COPY's text
    format: what PostgreSQL reads at the speed of its bulk load, made here (in the checking
    process, when there is one) instead of by the driver in the writing one."""
    (code, procedure_code, procedure_name, unit, channel, received, due, finished, status) = values[
        :9
    ]
    apology, apology_on, satisfaction, record = values[9:]
    return (
        f"{_copy_text(code)}\t{_copy_text(procedure_code)}\t{_copy_text(procedure_name)}\t"
        f"{unit}\t{channel}\t{received}\t{COPY_NULL if due is None else due}\t"
        f"{COPY_NULL if finished is None else finished}\t{status}\t{'t' if apology else 'f'}\t"
        f"{COPY_NULL if apology_on is None else apology_on}\t"
        f"{COPY_NULL if satisfaction is None else satisfaction}\t{record}\n"
    )


def prepare(rows: list[Any], clock: _Clock) -> set[MonthKey]:
    """Adapt the valid rows' values for the database, in place, as text (plain data, which
    the child process sends as it is) — on PostgreSQL each row becomes its COPY line — and
    return the months they fall in (read before the adapting, while the received time is
    local wall time)."""
    months = {(v[3], v[5].year, v[5].month) for v in rows}
    adapt_row = clock.adapt_row
    for values in rows:
        adapt_row(values)
        if values[10] is not None:
            values[10] = values[10].isoformat()  # a date: YYYY-MM-DD, as both databases read
    if not clock.is_sqlite:
        rows[:] = [copy_line(values) for values in rows]
    return months


def fraction_read(source: IO[bytes] | None, size: int) -> float | None:
    """How much of the file's bytes have been read (the reader runs a buffer ahead)."""
    if source is None or not size:
        return None
    try:
        return min(1.0, source.tell() / size)
    except (OSError, ValueError):
        return None


def check_batch(
    parser: RowParser, code_heading: str, batch: list[tuple[int, list[Any]]]
) -> Checked:
    """Check one batch of padded rows: each row by the parser, then a code already in an
    earlier row of the batch (earlier batches: the writer asks the database)."""
    checked = Checked()
    first_row: dict[str, int] = {}
    parse = parser.parse
    mapped_before = parser.mapped
    for number, cells in batch:
        values, errors = parse(number, cells)
        if values is None and _blank(cells):
            continue  # a row of spaces: empty too
        checked.rows_read += 1
        if values is not None:
            code = values[0]
            first = first_row.get(code)
            if first is None:
                first_row[code] = number
                checked.codes.append(code)
                checked.numbers.append(number)
                checked.cells.append(cells)
                checked.values.append(values)
                continue
            message = _(DUPLICATE_IN_ROW_MESSAGE).format(code=code, row=first)
            errors = [ImportErrorItem(number, code_heading, message)]
        checked.rejected.append((number, cells, errors))
    checked.mapped = parser.mapped - mapped_before
    checked.months = prepare(checked.values, parser.clock)
    return checked


def checked(
    rows: Rows,
    lookup: HeadingLookup,
    parser: RowParser,
    source: IO[bytes] | None = None,
    size: int = 0,
) -> Iterator[Heading | Checked]:
    """The file's Heading, then its rows in checked batches (see the module)."""
    cells, header, body = _locate_header(rows, lookup)
    parser.headings = header.headings
    # Every row is cut or padded to the header's width, then given one empty cell more:
    # the one a field the file lacks reads. Never a cell of the file (a column CCHC
    # does not know, or one beyond the header), whatever the order of the columns.
    width = len(cells)
    parser.indexes = tuple(header.columns.get(name, width) for name in FIELDS)
    yield Heading([_text(cell) for cell in cells], dict(header.headings), tuple(header.ignored))
    code_heading = header.headings["code"]
    batch: list[tuple[int, list[Any]]] = []
    for number, row in body:
        if not any(row):
            continue  # empty rows (also the trailing ones spreadsheets leave) are skipped
        count = len(row)
        if count < width:
            row.extend([""] * (width - count))
        elif count > width:
            del row[width:]
        row.append("")
        batch.append((number, row))
        if len(batch) >= BATCH_SIZE:
            done = check_batch(parser, code_heading, batch)
            done.fraction = fraction_read(source, size)
            yield done
            batch = []
    if batch:
        done = check_batch(parser, code_heading, batch)
        done.fraction = fraction_read(source, size)
        yield done
