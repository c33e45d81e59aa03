"""Import of dossier exports (CSV or XLSX) from the provincial public-service software.

Format, headings and modes: docs/formats/dossiers.md. One row per dossier, keyed by its code:
importing a file again updates the dossiers it already brought in.

The import streams: rows are read, checked and written in batches of BATCH_SIZE, so memory
stays flat whatever the size of the file (a million rows is the design size). Nothing is held
for the whole file, not even the codes seen: a code repeated in a later batch is found in the
database, where this same import already wrote it (Dossier.imported_in, see `_write_batch`).

Rows are checked here, not by `full_clean` (the model's rules are all repeated: lengths,
choices, the unit), and written with SQL built from the model's names, on Django's
connection and inside its transactions: executemany of a plain INSERT for new codes and an
UPDATE by id for known ones (SQLite), or COPY into a temporary table and one INSERT … ON
CONFLICT (PostgreSQL). Measured on 200,000 rows with SQLite: `bulk_create` 19 s,
`bulk_create(update_conflicts=True)` 32 s, `bulk_update` of 20,000 rows alone 60 s, against
1.8 s for executemany — the model layer, not the database, was the cost.
"""

import codecs
import contextlib
import csv
import dataclasses
import datetime
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from django.core.files import File
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record
from cchc.core.exports import restore, safe_row
from cchc.core.imports import (
    BAD_DATE_MESSAGE,
    NOT_UTF8_MESSAGE,
    Header,
    HeadingLookup,
    ImportErrorItem,
    ImportFailed,
    heading_key,
    heading_lookup,
    ignored_columns_message,
    plain_key,
    read_header,
)
from cchc.core.zipcheck import DTD_MESSAGE, UNREADABLE, declares_dtd
from cchc.indicators.models import ColumnAlias, Dossier, DossierImport
from cchc.indicators.summary import rebuild_dossier_months
from cchc.orgunits.models import OrgUnit

BATCH_SIZE = 2000
# Errors kept in the exception and on the import record; the total is always counted.
MAX_KEPT_ERRORS = 200
# The header is the first of these rows that names every required field (title rows above it).
HEADER_SEARCH_ROWS = 5
# XLSX is a zip: refuse a workbook that unpacks to more than this, or a large part of it that
# is compressed more than MAX_XLSX_RATIO times (real sheets compress 5–20 times).
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
RATIO_CHECKED_FROM = 10 * 1024 * 1024
CSV_ENCODINGS = ("utf-8-sig", "cp1258", "cp1252")
READ_CHUNK = 1024 * 1024

# Canonical field → accepted column headings, compared after trimming, lower-casing,
# collapsing spaces and NFC. A heading written without diacritics also matches ("ngay tiep
# nhan" = "ngày tiếp nhận"): cchc.core.imports.read_header, as for every import. More
# headings: ColumnAlias rows (see headings()).
DEFAULT_HEADINGS: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "dossier code",
        "dossier_code",
        "mã hồ sơ",
        "ma ho so",
        "số hồ sơ",
        "so ho so",
        "mã số hồ sơ",
    ),
    "procedure_code": (
        "procedure code",
        "procedure_code",
        "mã thủ tục",
        "ma thu tuc",
        "mã tthc",
        "mã thủ tục hành chính",
    ),
    "procedure_name": (
        "procedure",
        "procedure name",
        "procedure_name",
        "tên thủ tục",
        "ten thu tuc",
        "thủ tục",
        "thủ tục hành chính",
        "tên thủ tục hành chính",
        "tên tthc",
    ),
    "unit": (
        "unit",
        "org unit",
        "org_unit",
        "unit code",
        "đơn vị",
        "don vi",
        "mã đơn vị",
        "đơn vị xử lý",
        "đơn vị tiếp nhận",
        "đơn vị giải quyết",
        "cơ quan giải quyết",
    ),
    "channel": (
        "channel",
        "kênh",
        "kenh",
        "kênh tiếp nhận",
        "kênh nộp",
        "hình thức nộp",
        "hinh thuc nop",
        "hình thức tiếp nhận",
    ),
    "received_at": (
        "received at",
        "received_at",
        "received",
        "ngày tiếp nhận",
        "ngay tiep nhan",
        "ngày nhận",
        "ngày nhận hồ sơ",
        "thời gian tiếp nhận",
    ),
    "due_at": (
        "due at",
        "due_at",
        "due",
        "hạn giải quyết",
        "han giai quyet",
        "ngày hẹn trả",
        "ngay hen tra",
        "ngày hẹn trả kết quả",
        "hạn xử lý",
    ),
    "finished_at": (
        "finished at",
        "finished_at",
        "finished",
        "ngày trả kết quả",
        "ngay tra ket qua",
        "ngày hoàn thành",
        "ngay hoan thanh",
        "ngày giải quyết",
        "ngày có kết quả",
    ),
    "status": (
        "status",
        "trạng thái",
        "trang thai",
        "trạng thái hồ sơ",
        "tình trạng",
        "tinh trang",
    ),
    "apology": (
        "apology",
        "apology letter",
        "xin lỗi",
        "xin loi",
        "văn bản xin lỗi",
        "thư xin lỗi",
        "có văn bản xin lỗi",
    ),
    "apology_on": (
        "apology on",
        "apology_on",
        "apology date",
        "ngày xin lỗi",
        "ngay xin loi",
        "ngày văn bản xin lỗi",
    ),
    "satisfaction": (
        "satisfaction",
        "mức độ hài lòng",
        "muc do hai long",
        "mức hài lòng",
        "điểm hài lòng",
    ),
}
FIELDS = tuple(DEFAULT_HEADINGS)
REQUIRED_FIELDS = ("code", "unit", "received_at")
# The heading CCHC shows for a field (in "missing column" messages and in the documentation).
FIELD_LABELS = {
    "code": "Mã hồ sơ",
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "unit": "Đơn vị",
    "channel": "Kênh",
    "received_at": "Ngày tiếp nhận",
    "due_at": "Hạn giải quyết",
    "finished_at": "Ngày trả kết quả",
    "status": "Trạng thái",
    "apology": "Xin lỗi",
    "apology_on": "Ngày xin lỗi",
    "satisfaction": "Mức độ hài lòng",
}

# Words, compared without diacritics and case ("Trực tuyến" = "truc tuyen" = "TRUC TUYEN").
CHANNEL_WORDS = {
    "online": Dossier.Channel.ONLINE,
    "truc tuyen": Dossier.Channel.ONLINE,
    "nop truc tuyen": Dossier.Channel.ONLINE,
    "dvc truc tuyen": Dossier.Channel.ONLINE,
    "in person": Dossier.Channel.IN_PERSON,
    "in_person": Dossier.Channel.IN_PERSON,
    "in-person": Dossier.Channel.IN_PERSON,
    "truc tiep": Dossier.Channel.IN_PERSON,
    "nop truc tiep": Dossier.Channel.IN_PERSON,
    "post": Dossier.Channel.POST,
    "buu chinh": Dossier.Channel.POST,
    "dich vu buu chinh": Dossier.Channel.POST,
    "qua buu chinh": Dossier.Channel.POST,
    "buu chinh cong ich": Dossier.Channel.POST,
}
STATUS_WORDS = {
    "open": Dossier.Status.OPEN,
    "dang xu ly": Dossier.Status.OPEN,
    "dang giai quyet": Dossier.Status.OPEN,
    "cho xu ly": Dossier.Status.OPEN,
    "moi tiep nhan": Dossier.Status.OPEN,
    "finished": Dossier.Status.FINISHED,
    "da giai quyet": Dossier.Status.FINISHED,
    "hoan thanh": Dossier.Status.FINISHED,
    "da hoan thanh": Dossier.Status.FINISHED,
    "da tra ket qua": Dossier.Status.FINISHED,
    "returned": Dossier.Status.RETURNED,
    "tra lai": Dossier.Status.RETURNED,
    "da tra lai": Dossier.Status.RETURNED,
    "tra lai ho so": Dossier.Status.RETURNED,
    "cancelled": Dossier.Status.CANCELLED,
    "canceled": Dossier.Status.CANCELLED,
    "huy": Dossier.Status.CANCELLED,
    "da huy": Dossier.Status.CANCELLED,
    "rut ho so": Dossier.Status.CANCELLED,
    "da rut": Dossier.Status.CANCELLED,
    "da rut ho so": Dossier.Status.CANCELLED,
}
# Satisfaction as provincial exports often write it, on the five-level scale of the
# satisfaction survey (compared without diacritics and case, as above).
SATISFACTION_WORDS = {
    "rat hai long": 5,
    "hai long": 4,
    "binh thuong": 3,
    "khong hai long": 2,
    "rat khong hai long": 1,
}
YES_WORDS = frozenset({"co", "x", "yes", "y", "1", "true"})
NO_WORDS = frozenset({"", "khong", "no", "n", "0", "false"})

REQUIRED_MESSAGE = gettext_noop("This value is required.")
NOT_XLSX_MESSAGE = gettext_noop("The file is not an Excel workbook (.xlsx).")
BAD_BOOLEAN_MESSAGE = gettext_noop("“{value}” is neither yes (có) nor no (không).")
UNKNOWN_UNIT_MESSAGE = gettext_noop("No unit has the code or name “{value}”.")
AMBIGUOUS_UNIT_MESSAGE = gettext_noop("Several units are named “{value}”; write the unit's code.")
BAD_CHANNEL_MESSAGE = gettext_noop(
    "“{value}” is not a channel; write trực tuyến, trực tiếp or bưu chính."
)
BAD_STATUS_MESSAGE = gettext_noop(
    "“{value}” is not a status; write đang xử lý, đã giải quyết, trả lại or hủy."
)
BAD_SATISFACTION_MESSAGE = gettext_noop(
    "“{value}” is not a satisfaction score; write a whole number from 1 to 5, or rất hài "
    "lòng, hài lòng, bình thường, không hài lòng, rất không hài lòng."
)
FINISHED_BEFORE_RECEIVED_MESSAGE = gettext_noop("Finished before it was received.")
DUE_BEFORE_RECEIVED_MESSAGE = gettext_noop("Due before it was received.")
DUPLICATE_IN_ROW_MESSAGE = gettext_noop("The code {code} is already in row {row}.")
DUPLICATE_EARLIER_MESSAGE = gettext_noop("The code {code} is already in an earlier row.")
TOO_LONG_MESSAGE = gettext_noop("At most {limit} characters.")
EMPTY_FILE_MESSAGE = gettext_noop("The file has no dossiers in it.")
NOT_CSV_MESSAGE = gettext_noop("The file cannot be read as CSV text.")
XLSX_TOO_LARGE_MESSAGE = gettext_noop(
    "The workbook unpacks to more than {limit} MB and was refused; save it as CSV instead."
)
XLSX_BOMB_MESSAGE = gettext_noop(
    "A part of the workbook is compressed {ratio} times, far more than a real sheet; "
    "the file was refused."
)
REASON_HEADING = gettext_noop("Reason")

AMBIGUOUS = -1  # in the unit index: a name shared by several units
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001 (local wall time, made aware later)
# Excel serial numbers accepted as dates: 1970-01-01 to 2099-12-31 (so "2025" is not a date).
SERIAL_RANGE = (25569.0, 73051.0)
DMY_RE = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:hH](\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
TIME_FIRST_RE = re.compile(
    r"(\d{1,2})[:hH](\d{2})(?::(\d{2}))?[ ,]+(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"
)
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?$")
from_iso = datetime.datetime.fromisoformat


class DossierImportFailed(ImportFailed):
    """The import was refused. `errors` holds the first MAX_KEPT_ERRORS; `total` counts all."""

    def __init__(self, errors: list[ImportErrorItem], total: int | None = None) -> None:
        super().__init__(errors)
        self.total = len(errors) if total is None else total


@dataclass
class DossierImportResult:
    rows_read: int
    created: int
    updated: int
    rejected: int
    errors: list[ImportErrorItem]
    record: DossierImport
    ignored: tuple[str, ...] = ()  # the file's headings that name no field: not read


# --- Text ----------------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _text(value: Any) -> str:
    """A cell as trimmed NFC text (numbers from spreadsheets without a spurious ".0")."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = value.strip()
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S" if value.time() else "%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


# --- Headings ------------------------------------------------------------------------------


def headings() -> dict[str, tuple[str, ...]]:
    """DEFAULT_HEADINGS plus the extra headings the coordinator added (ColumnAlias rows)."""
    merged = {name: list(aliases) for name, aliases in DEFAULT_HEADINGS.items()}
    for name, heading in ColumnAlias.objects.values_list("field", "heading"):
        if name in merged and heading_key(heading) not in merged[name]:
            merged[name].append(heading_key(heading))
    return {name: tuple(aliases) for name, aliases in merged.items()}


def _header(cells: list[Any], lookup: HeadingLookup) -> Header:
    return read_header(cells, lookup, labels=FIELD_LABELS)


# --- Reading CSV and XLSX: (row number as a spreadsheet shows it, cells) --------------------

# Cells are text (from XLSX: trimmed, NFC) or, from XLSX only, date and time values.
Rows = Generator[tuple[int, list[Any]], None, None]


def _seekable(stream: BinaryIO) -> IO[bytes]:
    """The stream itself when it can be read twice, else a spooled copy of it."""
    try:
        if stream.seekable():
            stream.seek(0)
            return stream
    except (AttributeError, OSError):
        pass
    copy = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    while chunk := stream.read(READ_CHUNK):
        copy.write(chunk)
    copy.seek(0)
    return copy


def _detect_encoding(stream: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes strictly, else Windows-1258,
    else Windows-1252. One pass over the bytes per candidate; the stream is rewound."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        stream.seek(0)
        try:
            while chunk := stream.read(READ_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return encoding
    raise DossierImportFailed([ImportErrorItem(1, "", _(NOT_UTF8_MESSAGE))])


def _csv_delimiter(sample: str, lookup: HeadingLookup) -> str:
    """The delimiter (comma, semicolon or tab) under which the first rows name the most
    required fields; ties go to the delimiter seen most often."""
    best = (-1, -1, ",")
    for delimiter in (",", ";", "\t"):
        # newline="": a carriage return inside a quoted cell is the cell's, not a line's end.
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        rows = list(reader)[:HEADER_SEARCH_ROWS]
        named = max(
            (sum(name in _header(row, lookup).columns for name in REQUIRED_FIELDS) for row in rows),
            default=0,
        )
        score = (named, sample.count(delimiter), delimiter)
        if score[:2] > best[:2]:
            best = score
    return best[2]


def _csv_rows(stream: IO[bytes], lookup: HeadingLookup) -> Rows:
    encoding = _detect_encoding(stream)
    sample = stream.read(64 * 1024).decode(encoding, errors="ignore")
    sample = sample[: sample.rfind("\n") + 1] or sample
    stream.seek(0)
    delimiter = _csv_delimiter(sample, lookup)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        # Cells are trimmed and NFC-normalised where they are used (Windows-1258 decodes to
        # letters + combining marks; macOS writes NFD), not here: most need neither.
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        row = reader.line_num
        raise DossierImportFailed([ImportErrorItem(row, "", _(NOT_CSV_MESSAGE))]) from error
    finally:
        text.detach()  # the caller owns the stream


def check_xlsx_zip(stream: IO[bytes]) -> None:
    """Refuse what is not a zip, or a zip that would unpack to too much (a "zip bomb"),
    before openpyxl opens it. The sizes read here bound what zipfile will ever inflate."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DossierImportFailed([ImportErrorItem(1, "", _(NOT_XLSX_MESSAGE))]) from error
    with archive:
        members = archive.infolist()
        if not any(member.filename == "xl/workbook.xml" for member in members):
            raise DossierImportFailed([ImportErrorItem(1, "", _(NOT_XLSX_MESSAGE))])
        total = sum(member.file_size for member in members)
        if total > MAX_XLSX_UNPACKED:
            limit = MAX_XLSX_UNPACKED // (1024 * 1024)
            raise DossierImportFailed(
                [ImportErrorItem(1, "", _(XLSX_TOO_LARGE_MESSAGE).format(limit=limit))]
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_XLSX_RATIO:
                raise DossierImportFailed(
                    [ImportErrorItem(1, "", _(XLSX_BOMB_MESSAGE).format(ratio=int(ratio)))]
                )
        try:
            dtd = declares_dtd(archive)
        except UNREADABLE as error:
            raise DossierImportFailed([ImportErrorItem(1, "", _(NOT_XLSX_MESSAGE))]) from error
        if dtd:
            raise DossierImportFailed([ImportErrorItem(1, "", _(DTD_MESSAGE))])
    stream.seek(0)


def _xlsx_cell(value: Any) -> Any:
    """Cells as the CSV reader gives them (trimmed NFC text), dates and times kept as such."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value
    return _text(value)


def _xlsx_rows(stream: IO[bytes]) -> Rows:
    """Rows of the first sheet; formulas give their cached values (None if never computed)."""
    from openpyxl import load_workbook

    check_xlsx_zip(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise DossierImportFailed([ImportErrorItem(1, "", _(NOT_XLSX_MESSAGE))]) from error
    number = 0
    try:
        if not workbook.worksheets:
            raise DossierImportFailed([ImportErrorItem(1, "", _(EMPTY_FILE_MESSAGE))])
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        while True:
            try:
                cells = next(rows, None)
            except Exception as error:  # a damaged sheet: unreadable XML, a missing part
                message = _(NOT_XLSX_MESSAGE)
                raise DossierImportFailed([ImportErrorItem(number + 1, "", message)]) from error
            if cells is None:
                break
            number += 1
            yield number, [_xlsx_cell(cell) for cell in cells]
    finally:
        workbook.close()


def _is_xlsx(file_name: str, stream: IO[bytes]) -> bool:
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return True  # an old .xls (not a zip) is refused with the "not a workbook" message
    head = stream.read(4)
    stream.seek(0)
    return head == b"PK\x03\x04" and suffix != ".csv"


def _locate_header(rows: Rows, lookup: HeadingLookup) -> tuple[list[Any], Header, Rows]:
    """Find the header: the first of the first HEADER_SEARCH_ROWS rows that names every
    required field. Return (its cells, what it names, the rows after it); refuse the file,
    naming the columns it lacks and those it has that CCHC does not know, if none does."""
    best: Header | None = None
    for seen, (_number, cells) in enumerate(rows, start=1):
        header = _header(cells, lookup)
        if not header.missing(REQUIRED_FIELDS):
            return cells, header, rows
        if best is None or len(header.columns) > len(best.columns):
            best = header
        if seen >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise DossierImportFailed([ImportErrorItem(1, "", _(EMPTY_FILE_MESSAGE))])
    error = best.missing_error(REQUIRED_FIELDS)
    raise DossierImportFailed([error] if error else [])


# --- Values --------------------------------------------------------------------------------


def _unit_index() -> dict[str, int]:
    """Normalised code, GSO code and name → unit id. Codes beat GSO codes beat names; a GSO
    code or name shared by several active units is AMBIGUOUS; ended units count only where
    no active unit has the GSO code or name."""
    units = list(OrgUnit.objects.values_list("pk", "code", "gso_code", "name", "active_to"))
    index: dict[str, int] = {}
    for active in (False, True):
        for kind in ("name", "gso_code"):
            layer: dict[str, int] = {}
            for pk, _code, gso_code, name, active_to in units:
                if (active_to is None) != active:
                    continue
                value = gso_code if kind == "gso_code" else name
                if not value:
                    continue
                key = heading_key(value)
                layer[key] = AMBIGUOUS if key in layer and layer[key] != pk else pk
            index.update(layer)
    for pk, code, *_rest in units:
        index[heading_key(code)] = pk
    return index


def _blank(cells: list[Any]) -> bool:
    return all(cell.strip() == "" if cell.__class__ is str else cell is None for cell in cells)


def _score(text: str) -> int | None:
    """A satisfaction score 1–5 written as "4", "4.0", "4,0" or in words ("Hài lòng");
    None otherwise."""
    try:
        score = float(text.replace(",", "."))
    except ValueError:
        return SATISFACTION_WORDS.get(plain_key(text))
    return int(score) if score.is_integer() and 1 <= score <= 5 else None


def _serial(number: float) -> tuple[datetime.datetime, bool]:
    if not SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        raise ValueError(number)
    seconds = round(number * 86400)
    return EXCEL_EPOCH + datetime.timedelta(seconds=seconds), seconds % 86400 != 0


class _Clock:
    """Parses the dates of the file into naive wall-clock times of the current timezone
    (exactly what `timezone.make_aware` would then localise) and adapts them for the
    database the way Django's DateTimeField does."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.is_sqlite = connection.vendor == "sqlite"
        self.ops = connection.ops  # `connection` is a proxy: one look-up, not three million
        self.days: dict[str, tuple[datetime.datetime, bool]] = {}

    def parse(self, value: Any) -> tuple[datetime.datetime, bool]:
        """(naive local datetime, whether a time of day was given); ValueError otherwise."""
        if value.__class__ is str:
            size = len(value)
            if (
                (size == 19 or size == 16)
                and value[2] == "/"
                and value[5] == "/"
                and value[10] == " "
                and value[13] == ":"
                and (size == 16 or value[16] == ":")
            ):
                # The software's own layout, 31/12/2025 08:30[:15], rewritten as ISO for the
                # C parser: three times faster than int() on each part.
                return from_iso(f"{value[6:10]}-{value[3:5]}-{value[0:2]}{value[10:]}"), True
            if size > 10:
                return self._parse_text(value)
            found = self.days.get(value)  # a date alone: few distinct ones, remembered
            if found is None:
                found = self._parse_text(value)
                if len(self.days) < 100_000:
                    self.days[value] = found
            return found
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.zone).replace(tzinfo=None)
            return value, value.time() != datetime.time(0)
        if isinstance(value, datetime.date):
            return datetime.datetime.combine(value, datetime.time(0)), False
        raise ValueError(value)

    def _parse_text(self, text: str) -> tuple[datetime.datetime, bool]:
        size = len(text)
        if size == 10 and text[2] == "/" and text[5] == "/" and text[:2].isdigit():
            return from_iso(f"{text[6:10]}-{text[3:5]}-{text[0:2]}"), False
        match = DMY_RE.match(text)
        if match:
            day, month, year, hour, minute, second_text = match.groups()
            when = datetime.datetime(  # noqa: DTZ001 (local wall time)
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second_text or 0),
            )
            return when, hour is not None
        if size >= 10 and text[4] == "-":
            when = datetime.datetime.fromisoformat(text)
            if when.tzinfo is not None:
                when = when.astimezone(self.zone).replace(tzinfo=None)
            return when, size > 10
        match = TIME_FIRST_RE.match(text)
        if match:
            hour, minute, second_text, day, month, year = match.groups()
            when = datetime.datetime(  # noqa: DTZ001 (local wall time)
                int(year), int(month), int(day), int(hour), int(minute), int(second_text or 0)
            )
            return when, True
        if NUMBER_RE.match(text):
            return _serial(float(text))
        raise ValueError(text)

    def adapt(self, when: datetime.datetime | None) -> Any:
        """The value Django would send for make_aware(when) in a DateTimeField."""
        if when is None:
            return None
        if self.is_sqlite:
            # Django stores naive UTC text on SQLite: str(make_naive(aware, UTC)).
            return str(when - self.zone.utcoffset(when))  # type: ignore[operator]
        return self.ops.adapt_datetimefield_value(when.replace(tzinfo=self.zone))

    def adapt_row(self, values: list[Any]) -> None:
        """adapt() the three datetimes of a row (positions 5–7) in place, on SQLite inline:
        this runs three million times for a million rows."""
        if not self.is_sqlite:
            values[5] = self.adapt(values[5])
            values[6] = self.adapt(values[6])
            values[7] = self.adapt(values[7])
            return
        offset = self.zone.utcoffset
        when = values[5]
        values[5] = str(when - offset(when))
        when = values[6]
        if when is not None:
            values[6] = str(when - offset(when))
        when = values[7]
        if when is not None:
            values[7] = str(when - offset(when))


# --- The import ----------------------------------------------------------------------------

COLUMNS = (
    "code",
    "procedure_code",
    "procedure_name",
    "org_unit",
    "channel",
    "received_at",
    "due_at",
    "finished_at",
    "status",
    "apology_issued",
    "apology_on",
    "satisfaction",
    "imported_in",
)
IN_PERSON = Dossier.Channel.IN_PERSON.value
OPEN = Dossier.Status.OPEN.value
FINISHED = Dossier.Status.FINISHED.value
SCORES = {str(score): score for score in range(1, 6)}


def _model_field(name: str) -> "models.Field[Any, Any]":
    return cast("models.Field[Any, Any]", Dossier._meta.get_field(name))


CODE_LENGTH = _model_field("code").max_length or 0
PROCEDURE_CODE_LENGTH = _model_field("procedure_code").max_length or 0
PROCEDURE_NAME_LENGTH = _model_field("procedure_name").max_length or 0


STAGE_TABLE = "cchc_dossier_stage"
PLANNER_SETTINGS = "SELECT set_config('enable_seqscan', %s, true), set_config('jit', %s, true)"


@dataclass(frozen=True)
class _Statements:
    """SQL with the names of the model."""

    look_up: str  # code → id, last import; "IN ({})" to format with the placeholders
    insert: str
    upsert: str  # INSERT … ON CONFLICT (code) DO UPDATE
    update: str  # every column but the code, WHERE id and one of them differs
    update_import: str  # imported_in alone, WHERE id and it differs
    # PostgreSQL: new rows are COPied into the table; known ones into a temporary table,
    # then updated from it.
    look_up_array: str = ""  # "= ANY(%s)": one array instead of thousands of placeholders
    copy: str = ""
    stage_create: str = ""
    stage_copy: str = ""
    stage_upsert: str = ""  # new rows, when another import wrote one of their codes meanwhile
    stage_update: str = ""
    stage_clear: str = ""
    stage_drop: str = ""


def _statements() -> _Statements:
    quote = connection.ops.quote_name
    table = quote(Dossier._meta.db_table)
    fields = [_model_field(name) for name in COLUMNS]
    columns = [quote(str(field.column)) for field in fields]
    listed = ", ".join(columns)
    pk = quote(str(_model_field("id").column))
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[1:])
    differs = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"  # NULL-safe
    insert = f"INSERT INTO {table} ({listed}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    statements = _Statements(
        look_up=(
            f"SELECT {columns[0]}, {pk}, {columns[-1]} FROM {table} "  # noqa: S608
            f"WHERE {columns[0]} IN ({{}})"
        ),
        insert=insert,
        upsert=f"{insert} ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}",
        update=(
            f"UPDATE {table} SET {', '.join(f'{column} = %s' for column in columns[1:])} "  # noqa: S608
            f"WHERE {pk} = %s AND ({' OR '.join(f'{c} {differs} %s' for c in columns[1:-1])})"
        ),
        update_import=(
            f"UPDATE {table} SET {columns[-1]} = %s WHERE {pk} = %s AND {columns[-1]} {differs} %s"  # noqa: S608
        ),
    )
    if connection.vendor != "postgresql":
        return statements
    stage = quote(STAGE_TABLE)
    types = ", ".join(
        f"{column} {field.db_type(connection)}"
        for column, field in zip(columns, fields, strict=True)
    )
    from_stage = f"SELECT {listed} FROM {stage} WHERE {pk} IS NULL"  # noqa: S608
    return dataclasses.replace(
        statements,
        look_up_array=statements.look_up.replace(" IN ({})", " = ANY(%s)"),
        copy=f"COPY {table} ({listed}) FROM STDIN",
        stage_create=f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ({pk} bigint, {types})",
        stage_copy=f"COPY {stage} ({pk}, {listed}) FROM STDIN",
        stage_upsert=(
            f"INSERT INTO {table} ({listed}) {from_stage} "  # noqa: S608
            f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
        ),
        stage_update=(
            f"UPDATE {table} AS d SET "  # noqa: S608
            f"{', '.join(f'{column} = s.{column}' for column in columns[1:])} "
            f"FROM {stage} AS s WHERE s.{pk} IS NOT NULL AND d.{pk} = s.{pk}"
        ),
        stage_clear=f"TRUNCATE {stage}",
        stage_drop=f"DROP TABLE IF EXISTS {stage}",
    )


ProgressCallback = Callable[[int, float | None], None]  # rows read, share of the file's bytes


class _Run:
    """One import: reads rows, checks them, writes batches, keeps the counts."""

    def __init__(
        self,
        record: DossierImport,
        mode: str,
        progress: ProgressCallback | None,
    ) -> None:
        self.record = record
        self.record_pk = record.pk
        self.keep_valid = mode == DossierImport.Mode.VALID_ONLY
        self.progress = progress
        self.clock = _Clock()
        self.units = _unit_index()
        # Caches of cell text → value (or message): a few hundred distinct values repeat.
        self.unit_cache: dict[str, int | str] = {}
        self.channel_cache: dict[str, str | None] = {}
        self.status_cache: dict[str, str | None] = {}
        self.yes_no_cache: dict[str, bool | None] = {}
        self.due_cache: dict[str, datetime.datetime] = {}  # dates alone, made end of day
        self.sql = _statements()
        self.copies = bool(self.sql.copy)
        self.staged = False
        self.seqscan = "on"
        self.jit = "off"
        if self.copies:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('jit')")
                self.seqscan, self.jit = cursor.fetchone()
        self.rows_read = 0
        self.created = 0
        self.updated = 0
        self.rejected = 0
        self.error_count = 0
        self.errors: list[ImportErrorItem] = []
        self.header: list[str] = []
        self.headings: dict[str, str] = {}
        self.ignored: tuple[str, ...] = ()
        self.indexes: tuple[int, ...] = ()
        self.rejected_bytes: IO[bytes] | None = None
        self.rejected_text: io.TextIOWrapper | None = None
        self.rejected_writer: Any = None
        self.source: IO[bytes] | None = None
        self.size = 0

    # Reading -------------------------------------------------------------------------------

    def run(self, stream: BinaryIO, file_name: str) -> None:
        lookup = heading_lookup(headings())
        source = _seekable(stream)
        self.source = source
        self.size = source.seek(0, io.SEEK_END)
        source.seek(0)
        rows = _xlsx_rows(source) if _is_xlsx(file_name, source) else _csv_rows(source, lookup)
        try:
            self._read(rows, lookup)
        finally:
            rows.close()  # now, while the caller's stream is still open
        if self.rows_read == 0:
            raise DossierImportFailed([ImportErrorItem(1, "", _(EMPTY_FILE_MESSAGE))])

    def _read(self, rows: Rows, lookup: HeadingLookup) -> None:
        cells, header, body = _locate_header(rows, lookup)
        self.header = [_text(cell) for cell in cells]
        self.headings = header.headings
        self.ignored = header.ignored
        # Every row is cut or padded to the header's width, then given one empty cell more:
        # the one a field the file lacks reads. Never a cell of the file (a column CCHC
        # does not know, or one beyond the header), whatever the order of the columns.
        width = len(cells)
        self.indexes = tuple(header.columns.get(name, width) for name in FIELDS)
        batch: list[tuple[int, list[Any]]] = []
        for number, cells in body:
            if not any(cells):
                continue  # empty rows (also the trailing ones spreadsheets leave) are skipped
            count = len(cells)
            if count < width:
                cells.extend([""] * (width - count))
            elif count > width:
                del cells[width:]
            cells.append("")
            batch.append((number, cells))
            if len(batch) >= BATCH_SIZE:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)

    # Checking ------------------------------------------------------------------------------

    @staticmethod
    def _remember(cache: dict[str, Any], key: str, value: Any) -> Any:
        if len(cache) < 100_000:  # bounded, whatever the file holds
            cache[key] = value
        return value

    def _unit(self, value: str) -> int | str:
        """The unit id, or the message saying why there is none."""
        found = self.unit_cache.get(value)
        if found is None:
            pk = self.units.get(heading_key(value))
            if pk is None:
                found = _(UNKNOWN_UNIT_MESSAGE).format(value=_nfc(value))
            elif pk == AMBIGUOUS:
                found = _(AMBIGUOUS_UNIT_MESSAGE).format(value=_nfc(value))
            else:
                found = pk
            self._remember(self.unit_cache, value, found)
        return found

    def _channel(self, value: str) -> str | None:
        if value in self.channel_cache:
            return self.channel_cache[value]
        found = CHANNEL_WORDS.get(plain_key(value))
        return self._remember(self.channel_cache, value, found.value if found else None)

    def _status(self, value: str) -> str | None:
        if value in self.status_cache:
            return self.status_cache[value]
        found = STATUS_WORDS.get(plain_key(value))
        return self._remember(self.status_cache, value, found.value if found else None)

    def _yes_no(self, value: str) -> bool | None:
        if value in self.yes_no_cache:
            return self.yes_no_cache[value]
        word = plain_key(value)
        found = True if word in YES_WORDS else False if word in NO_WORDS else None
        return self._remember(self.yes_no_cache, value, found)

    def _parse(
        self, number: int, cells: list[Any]
    ) -> tuple[list[Any] | None, list[ImportErrorItem]]:
        """The row as database parameters (dates still naive), or its errors. `cells` is
        padded so that every index of self.indexes exists (absent fields read "")."""
        errors: list[ImportErrorItem] = []
        (
            i_code,
            i_procedure_code,
            i_procedure_name,
            i_unit,
            i_channel,
            i_received,
            i_due,
            i_finished,
            i_status,
            i_apology,
            i_apology_on,
            i_satisfaction,
        ) = self.indexes
        # Text fields, trimmed (CSV gives text; a spreadsheet may give a number or a date).
        code = cells[i_code]
        if code.__class__ is str:
            code = code.strip()
            if not code.isascii():
                code = unicodedata.normalize("NFC", code)
        else:
            code = _text(code)
        procedure_code = cells[i_procedure_code]
        procedure_code = (
            _nfc(procedure_code.strip())
            if procedure_code.__class__ is str
            else _text(procedure_code)
        )
        procedure_name = cells[i_procedure_name]
        procedure_name = (
            _nfc(procedure_name.strip())
            if procedure_name.__class__ is str
            else _text(procedure_name)
        )
        unit_text = cells[i_unit]
        unit_text = unit_text.strip() if unit_text.__class__ is str else _text(unit_text)
        if "'" in (code[:1], procedure_code[:1], procedure_name[:1], unit_text[:1]):
            # A rejected-rows file neutralised "=…", "+…": it reads back as it was typed.
            code, procedure_code, procedure_name, unit_text = (
                restore(code),
                restore(procedure_code),
                restore(procedure_name),
                restore(unit_text),
            )
        channel_text = cells[i_channel]
        channel_text = (
            channel_text.strip() if channel_text.__class__ is str else _text(channel_text)
        )
        status_text = cells[i_status]
        status_text = status_text.strip() if status_text.__class__ is str else _text(status_text)
        apology_text = cells[i_apology]
        apology_text = (
            apology_text.strip() if apology_text.__class__ is str else _text(apology_text)
        )
        score_text = cells[i_satisfaction]
        score_text = score_text.strip() if score_text.__class__ is str else _text(score_text)

        if not code:
            errors.append(self._error(number, "code", _(REQUIRED_MESSAGE)))
        elif len(code) > CODE_LENGTH:
            errors.append(self._too_long(number, "code", CODE_LENGTH))
        if len(procedure_code) > PROCEDURE_CODE_LENGTH:
            errors.append(self._too_long(number, "procedure_code", PROCEDURE_CODE_LENGTH))
        if len(procedure_name) > PROCEDURE_NAME_LENGTH:
            errors.append(self._too_long(number, "procedure_name", PROCEDURE_NAME_LENGTH))

        unit = self.unit_cache.get(unit_text) if unit_text else _(REQUIRED_MESSAGE)
        if unit is None:
            unit = self._unit(unit_text)
        if unit.__class__ is str:
            errors.append(self._error(number, "unit", str(unit)))

        channel: str | None = IN_PERSON
        if channel_text:
            channel = self.channel_cache.get(channel_text) or self._channel(channel_text)
            if channel is None:
                message = _(BAD_CHANNEL_MESSAGE).format(value=_nfc(channel_text))
                errors.append(self._error(number, "channel", message))

        parse = self.clock.parse
        received = due = finished = None
        raw = cells[i_received]
        if raw.__class__ is str:
            raw = raw.strip()
        if raw == "":
            errors.append(self._error(number, "received_at", _(REQUIRED_MESSAGE)))
        else:
            try:
                received = parse(raw)[0]
            except (ValueError, OverflowError):
                errors.append(self._bad_date(number, "received_at", raw))
        raw = cells[i_due]
        if raw.__class__ is str:
            raw = raw.strip()
            due = self.due_cache.get(raw)
        if due is None and raw != "":
            try:
                due, has_time = parse(raw)
                if not has_time:
                    due = due.replace(hour=23, minute=59, second=59)  # due: the whole day
                    if raw.__class__ is str:
                        self._remember(self.due_cache, raw, due)
            except (ValueError, OverflowError):
                errors.append(self._bad_date(number, "due_at", raw))
        raw = cells[i_finished]
        if raw.__class__ is str:
            raw = raw.strip()
        if raw != "":
            try:
                finished = parse(raw)[0]
            except (ValueError, OverflowError):
                errors.append(self._bad_date(number, "finished_at", raw))
        if received is not None:
            if finished is not None and finished < received:
                errors.append(
                    self._error(number, "finished_at", _(FINISHED_BEFORE_RECEIVED_MESSAGE))
                )
            if due is not None and due < received:
                errors.append(self._error(number, "due_at", _(DUE_BEFORE_RECEIVED_MESSAGE)))

        if status_text:
            status = self.status_cache.get(status_text) or self._status(status_text)
            if status is None:
                message = _(BAD_STATUS_MESSAGE).format(value=_nfc(status_text))
                errors.append(self._error(number, "status", message))
        else:
            status = OPEN if finished is None else FINISHED

        apology: bool | None = False
        if apology_text:
            apology = self._yes_no(apology_text)
            if apology is None:
                message = _(BAD_BOOLEAN_MESSAGE).format(value=_nfc(apology_text))
                errors.append(self._error(number, "apology", message))
        apology_on: datetime.date | None = None
        raw = cells[i_apology_on]
        if raw.__class__ is str:
            raw = raw.strip()
        if raw != "":
            try:
                apology_on = parse(raw)[0].date()
                apology = True  # a dated letter was issued, whatever the yes/no column says
            except (ValueError, OverflowError):
                errors.append(self._bad_date(number, "apology_on", raw))

        satisfaction = SCORES.get(score_text) if score_text else None
        if satisfaction is None and score_text:
            satisfaction = _score(score_text)
            if satisfaction is None:
                message = _(BAD_SATISFACTION_MESSAGE).format(value=_nfc(score_text))
                errors.append(self._error(number, "satisfaction", message))

        if errors:
            return None, errors
        return [
            code,
            procedure_code,
            procedure_name,
            unit,
            channel,
            received,
            due,
            finished,
            status,
            apology,
            apology_on,
            satisfaction,
            self.record_pk,
        ], errors

    def _error(self, number: int, name: str, message: str) -> ImportErrorItem:
        return ImportErrorItem(number, self.headings.get(name, FIELD_LABELS[name]), message)

    def _too_long(self, number: int, name: str, limit: int) -> ImportErrorItem:
        return self._error(number, name, _(TOO_LONG_MESSAGE).format(limit=limit))

    def _bad_date(self, number: int, name: str, raw: Any) -> ImportErrorItem:
        return self._error(number, name, _(BAD_DATE_MESSAGE).format(value=_text(raw)))

    # Writing -------------------------------------------------------------------------------

    def _batch(self, batch: list[tuple[int, list[Any]]]) -> None:
        valid: dict[str, tuple[int, list[Any], list[Any]]] = {}
        parse = self._parse
        for number, cells in batch:
            values, errors = parse(number, cells)
            if values is None and _blank(cells):
                continue  # a row of spaces: empty too
            self.rows_read += 1
            if values is not None:
                code = values[0]
                first = valid.get(code)
                if first is None:
                    valid[code] = (number, cells, values)
                    continue
                message = _(DUPLICATE_IN_ROW_MESSAGE).format(code=code, row=first[0])
                errors = [ImportErrorItem(number, self.headings["code"], message)]
            self._reject(number, cells, errors)
        if self.keep_valid:
            with transaction.atomic():
                self._write_batch(valid)
        else:
            self._write_batch(valid)
        DossierImport.objects.filter(pk=self.record.pk).update(rows_read=self.rows_read)
        if self.progress is not None:
            self.progress(self.rows_read, self._fraction())

    def _fraction(self) -> float | None:
        """How much of the file's bytes have been read (the reader runs a buffer ahead)."""
        if self.source is None or not self.size:
            return None
        try:
            return min(1.0, self.source.tell() / self.size)
        except (OSError, ValueError):
            return None

    def _write_batch(self, valid: dict[str, tuple[int, list[Any], list[Any]]]) -> None:
        """Write the valid rows of a batch: new codes inserted, known ones updated.
        A code this import already wrote came from an earlier batch of the same file: that
        row is a duplicate, rejected here — the database remembers the codes, not memory."""
        if not valid:
            return
        adapt_row = self.clock.adapt_row
        adapt_date = self.clock.ops.adapt_datefield_value
        for _number, _cells, values in valid.values():
            adapt_row(values)
            if values[10] is not None:
                values[10] = adapt_date(values[10])
        with connection.cursor() as cursor:
            if self.copies:
                self._write_by_copy(cursor, valid)
            else:
                self._write_by_rows(cursor, valid)

    def _reject_duplicate(self, number: int, cells: list[Any], code: str) -> None:
        message = _(DUPLICATE_EARLIER_MESSAGE).format(code=code)
        self._reject(number, cells, [ImportErrorItem(number, self.headings["code"], message)])

    def _write_by_rows(
        self, cursor: Any, valid: dict[str, tuple[int, list[Any], list[Any]]]
    ) -> None:
        """Look the codes up, then executemany a plain INSERT for the new ones and an UPDATE
        by id for the known ones: on SQLite each is about twice as fast as INSERT … ON
        CONFLICT, and twenty times as fast as bulk_create or bulk_update."""
        codes = list(valid)
        cursor.execute(self.sql.look_up.format(", ".join(["%s"] * len(codes))), codes)
        existing = {code: (pk, imported_in) for code, pk, imported_in in cursor.fetchall()}
        new: list[list[Any]] = []
        known: list[list[Any]] = []
        imports: list[tuple[Any, ...]] = []
        for code, (number, cells, values) in valid.items():
            found = existing.get(code)
            if found is None:
                new.append(values)
            elif found[1] == self.record_pk:
                self._reject_duplicate(number, cells, code)
            else:
                known.append([*values[1:], found[0], *values[1:-1]])
                imports.append((self.record_pk, found[0], self.record_pk))
        if new:
            try:
                with transaction.atomic():
                    cursor.executemany(self.sql.insert, new)
            except IntegrityError:
                # Another import wrote one of these codes since the look-up: update it.
                cursor.executemany(self.sql.upsert, new)
        if known:
            # A row whose values did not change is not rewritten (nor are its four index
            # entries): only its import is set. Re-importing an overlapping export is the
            # common case, and SQLite rewrites every index an UPDATE names.
            cursor.executemany(self.sql.update, known)
            cursor.executemany(self.sql.update_import, imports)
        self.created += len(new)
        self.updated += len(known)

    def _write_by_copy(
        self, cursor: Any, valid: dict[str, tuple[int, list[Any], list[Any]]]
    ) -> None:
        """PostgreSQL: look the codes up, COPY the new rows into the table and the known ones
        into a temporary table to update them from (executemany was five times slower).

        Planned inside the import's transaction, the table's statistics are those from
        before the import — an empty table, at the first import — and PostgreSQL chose
        sequential scans that grew with every batch: index scans are required while the
        batch is written, and JIT compilation (which the penalised plans' costs set off, at
        60 ms a statement) is off. Both with set_config(…, true): for this transaction only,
        and restored after the batch."""
        sql = self.sql
        cursor.execute(PLANNER_SETTINGS, ["off", "off"])
        cursor.execute(sql.look_up_array, [list(valid)])
        existing = {code: (pk, imported_in) for code, pk, imported_in in cursor.fetchall()}
        new: list[list[Any]] = []
        known: list[tuple[int, list[Any]]] = []
        for code, (number, cells, values) in valid.items():
            found = existing.get(code)
            if found is None:
                new.append(values)
            elif found[1] == self.record_pk:
                self._reject_duplicate(number, cells, code)
            else:
                known.append((found[0], values))
        if new:
            try:
                with transaction.atomic(), cursor.copy(sql.copy) as copy:
                    for values in new:
                        copy.write_row(values)
            except IntegrityError:
                # Another import wrote one of these codes since the look-up: update it.
                self._stage(cursor, [(None, values) for values in new])
                cursor.execute(sql.stage_upsert)
        if known:
            self._stage(cursor, known)
            cursor.execute(sql.stage_update)
        cursor.execute(PLANNER_SETTINGS, [self.seqscan, self.jit])
        self.created += len(new)
        self.updated += len(known)

    def _stage(self, cursor: Any, rows: Sequence[tuple[int | None, list[Any]]]) -> None:
        """COPY (id or None, values) rows into the temporary table, emptied first."""
        if not self.staged:
            cursor.execute(self.sql.stage_create)
            self.staged = True
        cursor.execute(self.sql.stage_clear)
        with cursor.copy(self.sql.stage_copy) as copy:
            for pk, values in rows:
                copy.write_row([pk, *values])

    def drop_stage(self) -> None:
        if self.copies:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute(self.sql.stage_drop)

    # Rejected rows -------------------------------------------------------------------------

    def _reject(self, number: int, cells: list[Any], errors: list[ImportErrorItem]) -> None:
        self.rejected += 1
        for item in errors:
            self.error_count += 1
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(item)
        if not self.keep_valid:
            return
        if self.rejected_writer is None:
            self.rejected_bytes = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
            self.rejected_text = io.TextIOWrapper(
                self.rejected_bytes, encoding="utf-8-sig", newline=""
            )
            self.rejected_writer = csv.writer(self.rejected_text)
            self.rejected_writer.writerow(safe_row([*self.header, _(REASON_HEADING)]))
        # The cells under the file's headings (padding cut off), then the reason.
        width = len(self.header)
        row = [_text(cell) for cell in cells[:width]]
        row += [""] * (width - len(row))
        # Through core.exports: a cell typed "=HYPERLINK(…)" opens as text, not as a formula.
        self.rejected_writer.writerow(safe_row([*row, " ".join(str(item) for item in errors)]))

    def save_rejected(self, file_name: str) -> None:
        """Store the rejected rows (original cells + reason, UTF-8 with BOM) on the record."""
        if self.rejected_bytes is None or self.rejected_text is None:
            return
        self.rejected_text.flush()
        self.rejected_text.detach()
        self.rejected_text = None
        self.rejected_bytes.seek(0)
        name = f"{Path(file_name).stem or 'dossiers'}-rejected-{self.record.pk}.csv"
        self.record.rejected_file.save(name, File(self.rejected_bytes), save=False)
        self.close()

    def close(self) -> None:
        if self.rejected_text is not None:
            self.rejected_text.detach()
            self.rejected_text = None
        if self.rejected_bytes is not None:
            self.rejected_bytes.close()
            self.rejected_bytes = None


def _finish(
    run: _Run,
    record: DossierImport,
    *,
    actor: Any,
    status: str,
    errors: Iterable[ImportErrorItem],
    written: bool = True,
) -> None:
    """Record how the import ended (`written`: whether its batches stayed) and audit it."""
    record.status = status
    record.rows_read = run.rows_read
    record.created = run.created if written else 0
    record.updated = run.updated if written else 0
    record.rejected = run.rejected
    # What was not read comes first: it may explain the errors that follow.
    notes = [ignored_columns_message(run.ignored)] if run.ignored else []
    record.errors = [*notes, *(str(item) for item in errors)][:MAX_KEPT_ERRORS]
    record.save()
    audit_record(
        actor=actor,
        action="dossier_import.create",
        target=record,
        after={
            "status": record.status,
            "mode": record.mode,
            "rows_read": record.rows_read,
            "created": record.created,
            "updated": record.updated,
            "rejected": record.rejected,
            "errors": run.error_count,
        },
    )


def import_dossiers(
    *,
    actor: Any,
    stream: BinaryIO,
    file_name: str,
    mode: str = DossierImport.Mode.ALL_OR_NOTHING,
    progress: ProgressCallback | None = None,
    record: DossierImport | None = None,
) -> DossierImportResult:
    """Import a dossier export. ALL_OR_NOTHING writes nothing if any row is wrong and raises
    DossierImportFailed (an ImportFailed); VALID_ONLY writes the valid rows and keeps the
    rejected ones, with their reasons, in `record.rejected_file`. A failed import is still
    recorded (status FAILED, its first errors) and audited. `record`: the queued import the
    page created (imports from the command line create their own). `progress(rows, fraction)`
    is called after each batch."""
    if mode not in DossierImport.Mode.values:
        raise ValueError(f"Unknown import mode: {mode!r}")
    if record is None:
        is_user = actor is not None and getattr(actor, "is_authenticated", False)
        record = DossierImport.objects.create(
            file_name=Path(file_name).name[:255],
            mode=mode,
            imported_by=actor if is_user else None,
        )
    else:
        record.status = DossierImport.Status.RUNNING
        record.save(update_fields=["status", "updated_at"])
    run = _Run(record, mode, progress)
    try:
        if mode == DossierImport.Mode.VALID_ONLY:
            try:
                run.run(stream, file_name)
            finally:
                if run.created or run.updated:
                    rebuild_dossier_months()  # the batches committed so far stay: count them
            with transaction.atomic():
                run.save_rejected(file_name)
                _finish(
                    run, record, actor=actor, status=DossierImport.Status.DONE, errors=run.errors
                )
        else:
            with transaction.atomic():
                run.run(stream, file_name)
                if run.error_count:
                    # Raising inside the atomic block rolls back every batch already written.
                    raise DossierImportFailed(run.errors, run.error_count)
                # The monthly counts change with the rows, in the same transaction.
                rebuild_dossier_months()
                _finish(run, record, actor=actor, status=DossierImport.Status.DONE, errors=[])
    except ImportFailed as failure:
        run.close()
        total = getattr(failure, "total", len(failure.errors))
        _finish(
            run,
            record,
            actor=actor,
            status=DossierImport.Status.FAILED,
            errors=failure.errors,
            # Valid-only batches are committed one by one: those before the failure stay.
            written=mode == DossierImport.Mode.VALID_ONLY,
        )
        raise DossierImportFailed(failure.errors[:MAX_KEPT_ERRORS], total) from None
    except Exception:
        # Not the file's fault (e.g. the database went away): the record must not stay
        # "running" for ever. Its rows were rolled back (all-or-nothing), or the batches
        # written so far stay (valid-only), as rows_read says.
        run.close()
        with contextlib.suppress(Exception):
            DossierImport.objects.filter(pk=record.pk).update(
                status=DossierImport.Status.FAILED, rows_read=run.rows_read
            )
        raise
    finally:
        run.drop_stage()
    return DossierImportResult(
        rows_read=run.rows_read,
        created=run.created,
        updated=run.updated,
        rejected=run.rejected,
        errors=run.errors,
        record=record,
        ignored=run.ignored,
    )
