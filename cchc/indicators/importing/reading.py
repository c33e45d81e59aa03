"""Reading a dossier export: the file's bytes as rows of cells, and its header.

CSV (UTF-8 with or without BOM, Windows-1258 or -1252; comma, semicolon or tab) and XLSX
(checked as a zip before openpyxl opens it), streamed: rows are yielded as
(row number as a spreadsheet shows it, cells). The header is the first of the first rows
that names every required field, through cchc.core.imports.read_header (the headings below,
the coordinator's ColumnAlias rows, words written without diacritics).
"""

import codecs
import csv
import datetime
import io
import tempfile
import unicodedata
import zipfile
from collections.abc import Generator
from typing import IO, Any, BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.imports import (
    DAMAGED_UTF8_MESSAGE,
    HEADER_SEARCH_ROWS,
    NOT_UTF8_MESSAGE,
    OLD_XLS_MESSAGE,
    OLE_MAGIC,
    TEXT_ENCODINGS,
    Header,
    HeadingLookup,
    ImportErrorItem,
    ImportFailed,
    bom_encoding,
    damaged_utf8,
    heading_key,
    is_workbook,
    read_header,
)
from cchc.core.zipcheck import DTD_MESSAGE, UNREADABLE, declares_dtd
from cchc.indicators.models import ColumnAlias

# XLSX is a zip: refuse a workbook that unpacks to more than this, or a large part of it that
# is compressed more than MAX_XLSX_RATIO times (real sheets compress 5–20 times).
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
RATIO_CHECKED_FROM = 10 * 1024 * 1024
# cchc.core.imports.TEXT_ENCODINGS, and Windows-1252 for a file neither reads.
CSV_ENCODINGS = (*TEXT_ENCODINGS, "cp1252")
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

NOT_XLSX_MESSAGE = gettext_noop("The file is not an Excel workbook (.xlsx).")
EMPTY_FILE_MESSAGE = gettext_noop("The file has no dossiers in it.")
NOT_CSV_MESSAGE = gettext_noop("The file cannot be read as CSV text.")
XLSX_TOO_LARGE_MESSAGE = gettext_noop(
    "The workbook unpacks to more than {limit} MB and was refused; save it as CSV instead."
)
XLSX_BOMB_MESSAGE = gettext_noop(
    "A part of the workbook is compressed {ratio} times, far more than a real sheet; "
    "the file was refused."
)


class DossierImportFailed(ImportFailed):
    """The import was refused. `errors` holds the first MAX_KEPT_ERRORS; `total` counts all."""

    def __init__(self, errors: list[ImportErrorItem], total: int | None = None) -> None:
        super().__init__(errors)
        self.total = len(errors) if total is None else total


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
    """UTF-16 by its BOM; else UTF-8 (with or without BOM) if the whole file decodes strictly,
    else Windows-1258, else Windows-1252. One pass over the bytes per candidate; the stream is
    rewound."""
    stream.seek(0)
    by_bom = bom_encoding(stream.read(2))
    candidates = (by_bom,) if by_bom else CSV_ENCODINGS
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        stream.seek(0)
        lines, letters, chunk = 0, False, b""
        try:
            while chunk := stream.read(READ_CHUNK):
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
                letters = letters or not chunk.isascii()
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            # UTF-8 up to a damaged byte is refused, as every import refuses it
            # (core.imports.damaged_utf8), not read as Windows-1258 into garbled letters.
            before = chunk[: max(error.start, 0)]
            if encoding == "utf-8-sig" and (letters or damaged_utf8(before)):
                line = lines + before.count(b"\n") + 1
                message = _(DAMAGED_UTF8_MESSAGE).format(line=line)
                raise DossierImportFailed([ImportErrorItem(line, "", message)]) from error
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
    if stream.read(8) == OLE_MAGIC:
        raise DossierImportFailed([ImportErrorItem(1, "", _(OLD_XLS_MESSAGE))])
    stream.seek(0)
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
    head = stream.read(8)
    stream.seek(0)
    return is_workbook(file_name, head)


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
