import csv
import datetime
import io
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook

from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.indicators import importers
from cchc.indicators.importers import (
    DEFAULT_HEADINGS,
    DossierImportFailed,
    headings,
    import_dossiers,
    plain_key,
)
from cchc.indicators.importing import checking
from cchc.indicators.importing.child import CheckingStopped
from cchc.indicators.models import ColumnAlias, Dossier, DossierImport, DossierMonth
from cchc.orgunits.services import org_unit_create


def r(cells):
    """A row of the 12 columns of VI_HEADER, written "code|procedure code|…|satisfaction"."""
    return cells.split("|")


VI_HEADER = r(
    "Mã hồ sơ|Mã thủ tục|Tên thủ tục|Đơn vị|Kênh|Ngày tiếp nhận|Hạn giải quyết|Ngày trả kết quả|Trạng thái|Xin lỗi|Ngày xin lỗi|Mức độ hài lòng"
)
EN_HEADER = r(
    "Code|Procedure code|Procedure name|Unit|Channel|Received at|Due at|Finished at|Status|Apology|Apology on|Satisfaction"
)
GOOD_ROWS = [
    # By code, online, finished on time, satisfied.
    r(
        "H42.001|1.001612|Đăng ký khai sinh|X18070|Trực tuyến|15/01/2025 08:30|17/01/2025|16/01/2025 10:00|Đã giải quyết|||5"
    ),
    # By GSO code, in person, still open.
    r(
        "H42.002|1.000894|Chứng thực bản sao|18073|trực tiếp|16/01/2025 14:05:09|20/01/2025||Đang xử lý|không||"
    ),
    # By name (other case, extra spaces), post, late with an apology, no status given.
    r(
        "H42.003|2.000908|Cấp giấy phép xây dựng|  phường  trần phú |Dịch vụ bưu chính|2025-01-17|2025-01-20|2025-01-22 09:00||x|21/01/2025|3"
    ),
]


def aware(*parts):
    return timezone.make_aware(datetime.datetime(*parts))


def csv_bytes(rows, header=VI_HEADER, *, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(data, name="ho-so.csv", mode=DossierImport.Mode.ALL_OR_NOTHING, **kwargs):
    return import_dossiers(
        actor=kwargs.pop("actor", None),
        stream=io.BytesIO(data),
        file_name=name,
        mode=mode,
        **kwargs,
    )


def failure(data, name="ho-so.csv"):
    with pytest.raises(DossierImportFailed) as raised:
        run(data, name)
    return raised.value


def places(error):
    return {(item.row, item.column) for item in error.errors}


def cp1258(text):
    """Encode as Windows-1258 does: base letters (â, ơ, ư, đ…) precomposed, tone marks apart."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(base + "".join(c for c in decomposed if c in tones))
    return "".join(out).encode("cp1258")


def xlsx_bytes(sheet_rows, *, merged=(), cached=None):
    """A workbook whose first sheet holds sheet_rows from row 1. `cached` maps a cell ("F4")
    holding a formula to the value Excel would have cached for it: openpyxl cannot compute
    formulas and writes none, which is what a formula never computed looks like."""
    workbook = Workbook()
    sheet = workbook.active
    for row in sheet_rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not cached:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for cell, value in cached.items():
                    text, count = re.subn(
                        rf'(<c r="{cell}"[^>]*><f>[^<]*</f>)<v\s*/>|(<c r="{cell}"[^>]*><f>[^<]*</f>)<v></v>',
                        lambda match, value=value: (
                            f"{match.group(1) or match.group(2)}<v>{value}</v>"
                        ),
                        text,
                    )
                    assert count == 1, (cell, text)
                data = text.encode()
            target.writestr(member, data)
    return target_buffer.getvalue()


class ImportTests(BaseTestCase):
    def test_a_good_file_with_vietnamese_headings_is_imported(self):
        result = run(csv_bytes(GOOD_ROWS), actor=self.admin)
        assert (result.rows_read, result.created, result.updated, result.rejected) == (3, 3, 0, 0)
        record = result.record
        record.refresh_from_db()
        assert record.status == DossierImport.Status.DONE
        assert (record.rows_read, record.created, record.imported_by) == (3, 3, self.admin)

        first, second, third = (Dossier.objects.get(code=f"H42.00{n}") for n in (1, 2, 3))
        assert first.org_unit == self.cast.ward_a
        assert (first.procedure_code, first.procedure_name) == ("1.001612", "Đăng ký khai sinh")
        assert first.channel == Dossier.Channel.ONLINE
        assert first.received_at == aware(2025, 1, 15, 8, 30)
        assert first.due_at == aware(2025, 1, 17, 23, 59, 59)  # a date alone: the whole day
        assert first.finished_at == aware(2025, 1, 16, 10, 0)
        assert (first.status, first.satisfaction, first.apology_issued) == ("finished", 5, False)
        assert first.imported_in == record

        assert second.org_unit == self.cast.ward_b  # by GSO code
        assert second.channel == Dossier.Channel.IN_PERSON
        assert second.received_at == aware(2025, 1, 16, 14, 5, 9)
        assert (second.status, second.finished_at, second.satisfaction) == ("open", None, None)

        assert third.org_unit == self.cast.ward_a  # by name, case and spaces aside
        assert third.channel == Dossier.Channel.POST
        assert third.received_at == aware(2025, 1, 17, 0, 0)
        assert third.status == "finished"  # no status given, but finished
        assert third.apology_issued is True
        assert third.apology_on == datetime.date(2025, 1, 21)

        event = AuditEvent.objects.get(action="dossier_import.create")
        assert event.object_id == str(record.pk)
        assert event.after["created"] == 3
        assert event.actor == self.admin

    def test_tabs_backslashes_and_line_breaks_in_a_cell_are_stored_as_written(self):
        # PostgreSQL receives the rows as COPY text, where these four are escapes.
        name = "Cấp bản sao\ttừ sổ gốc \\ C:\\hồ sơ\nlần 2\r\nN"
        row = list(GOOD_ROWS[0])
        row[0], row[2] = "H42.\\N", name
        run(csv_bytes([row, GOOD_ROWS[1]]))
        again = run(csv_bytes([row, GOOD_ROWS[1]]))  # every code known: updated through a stage
        assert again.updated == 2
        stored = Dossier.objects.get(code="H42.\\N")
        assert stored.procedure_name == name
        assert Dossier.objects.get(code=GOOD_ROWS[1][0]).finished_at is None

    def test_a_nul_character_in_a_cell_is_refused_by_row_and_column(self):
        # PostgreSQL cannot store it (the import stopped with the driver's error, no row or
        # column); SQLite stored it silently.
        row = list(GOOD_ROWS[0])
        row[2] = "Tên\x00thủ tục"
        error = failure(csv_bytes([GOOD_ROWS[1], row]))
        assert places(error) == {(3, "Tên thủ tục")}
        assert "NUL" in error.errors[0].message and "Văn bản" in error.errors[0].message
        assert not Dossier.objects.exists()

    def test_importing_an_overlapping_file_updates_instead_of_duplicating(self):
        first = run(csv_bytes(GOOD_ROWS[:2]))
        changed = list(GOOD_ROWS[1])
        changed[7], changed[8], changed[11] = "17/01/2025 09:00", "Đã trả kết quả", "4"
        result = run(csv_bytes([GOOD_ROWS[0], changed, GOOD_ROWS[2]]))
        assert (result.created, result.updated) == (1, 2)
        assert Dossier.objects.count() == 3
        second = Dossier.objects.get(code="H42.002")
        assert (second.status, second.satisfaction) == ("finished", 4)
        assert second.finished_at == aware(2025, 1, 17, 9, 0)
        assert second.imported_in == result.record
        unchanged = Dossier.objects.get(code="H42.001")
        assert unchanged.imported_in == result.record  # in the file, though nothing changed
        assert unchanged.received_at == aware(2025, 1, 15, 8, 30)

        run(csv_bytes(GOOD_ROWS[2:]))
        assert Dossier.objects.get(code="H42.001").imported_in == result.record
        assert first.record.pk != result.record.pk

    def test_english_headings_and_words(self):
        rows = [r("E1|||X18070|in person|2025-03-01T08:00:00||2025-03-02 08:00|returned|yes||2")]
        result = run(csv_bytes(rows, EN_HEADER))
        assert result.created == 1
        dossier = Dossier.objects.get(code="E1")
        assert (dossier.channel, dossier.status, dossier.apology_issued) == (
            "in_person",
            "returned",
            True,
        )
        assert dossier.received_at == aware(2025, 3, 1, 8, 0)

    def test_headings_without_diacritics_and_a_semicolon_separator(self):
        header = ["ma ho so", "DON VI", "ngay tiep nhan", "kenh", "trang thai"]
        data = csv_bytes(
            [["S1", "X18070", "01/02/2025", "truc tuyen", "huy"]], header, delimiter=";"
        )
        run(data)
        dossier = Dossier.objects.get(code="S1")
        assert (dossier.channel, dossier.status) == ("online", "cancelled")

    def test_a_windows_1258_file(self):
        text = csv_bytes(GOOD_ROWS[:1]).decode()
        data = cp1258(text)
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert unicodedata.normalize("NFC", data.decode("cp1258")) == text
        run(data)
        dossier = Dossier.objects.get(code="H42.001")
        assert dossier.procedure_name == "Đăng ký khai sinh"
        assert unicodedata.is_normalized("NFC", dossier.procedure_name)
        assert dossier.org_unit == self.cast.ward_a

    def test_a_windows_1258_unit_name_is_found(self):
        row = r("W1||Đăng ký kết hôn|Phường Trần Phú|Bưu chính|01/02/2025||||||")
        run(cp1258(csv_bytes([row]).decode()))
        dossier = Dossier.objects.get(code="W1")
        assert (dossier.org_unit, dossier.channel) == (self.cast.ward_a, "post")

    def test_utf8_with_a_byte_order_mark(self):
        run(b"\xef\xbb\xbf" + csv_bytes(GOOD_ROWS[:1]))
        assert Dossier.objects.filter(code="H42.001").exists()

    def test_decomposed_utf8_is_normalised(self):
        run(unicodedata.normalize("NFD", csv_bytes(GOOD_ROWS[:1]).decode()).encode())
        assert Dossier.objects.get(code="H42.001").procedure_name == "Đăng ký khai sinh"

    def test_date_layouts(self):
        layouts = {
            "D1": ("15/01/2025", aware(2025, 1, 15, 0, 0)),
            "D2": ("5/1/2025 7:05", aware(2025, 1, 5, 7, 5)),
            "D3": ("2025-01-15", aware(2025, 1, 15, 0, 0)),
            "D4": ("2025-01-15 08:30:00", aware(2025, 1, 15, 8, 30)),
            "D5": ("2025-01-15T08:30:00+00:00", aware(2025, 1, 15, 15, 30)),
            "D6": ("45672.5", aware(2025, 1, 15, 12, 0)),  # an Excel serial number
            "D7": ("45672", aware(2025, 1, 15, 0, 0)),
            "D8": ("08:30 15/01/2025", aware(2025, 1, 15, 8, 30)),
            "D9": ("15-01-2025 08:30", aware(2025, 1, 15, 8, 30)),
        }
        rows = [
            [code, "", "", "X18070", "", value, "", "", "", "", "", ""]
            for code, (value, _) in layouts.items()
        ]
        run(csv_bytes(rows))
        for code, (value, expected) in layouts.items():
            assert Dossier.objects.get(code=code).received_at == expected, value

    def test_dates_that_are_not_dates(self):
        values = ["15/01/2025 08:30+07", "2025", "31/02/2025", "15/13/2025 08:00", "hôm qua", "0"]
        rows = [r(f"N{n}|||X18070||{value}||||||") for n, value in enumerate(values)]
        error = failure(csv_bytes(rows))
        assert places(error) == {(n + 2, "Ngày tiếp nhận") for n in range(len(values))}

    def test_dates_no_dossier_has(self):
        """01/01/1900 and 01/12/2030 were imported, a dossier finished in the future counted
        late today (a new-user walk): a year from 1970 to 2099, received and finished by
        today; a deadline may lie ahead."""
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
        later = (timezone.localdate() + datetime.timedelta(days=400)).strftime("%d/%m/%Y")
        rows = [
            r("Y0|||X18070||01/01/1900||||||"),
            r(f"Y1|||X18070||{later}||||||"),
            r(f"Y2|||X18070||01/01/2025|31/12/9999|{tomorrow}||||"),
        ]
        error = failure(csv_bytes(rows))
        found = {(e.row, e.column): e.message for e in error.errors}
        assert "1970" in found[(2, "Ngày tiếp nhận")]
        assert "Sau ngày hôm nay" in found[(3, "Ngày tiếp nhận")]
        assert "1970" in found[(4, "Hạn giải quyết")]
        assert "Sau ngày hôm nay" in found[(4, "Ngày trả kết quả")], found
        run(csv_bytes([r(f"Y3|||X18070||01/01/2025|{later}|||||")]))  # a deadline ahead
        assert Dossier.objects.filter(code="Y3").exists()

    def test_a_long_cell_is_quoted_by_its_start(self):
        """A 300-digit "date" was quoted whole: the list of imports grew to 3,154 px."""
        error = failure(
            csv_bytes(
                [r(f"Z1|||X18070||{'9' * 300}||||||"), r(f"Z2|||{'Ạ' * 200}||01/01/2025||||||")]
            )
        )
        assert len(error.errors) == 2
        for item in error.errors:
            assert len(item.message) < 200 and "…" in item.message, item.message

    def test_a_damaged_workbook(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("xl/workbook.xml", "<workbook><sheets>")
        error = failure(buffer.getvalue(), "hong.xlsx")
        assert error.errors[0].message == gettext(importers.NOT_XLSX_MESSAGE)

    def test_the_stored_times_are_djangos(self):
        """The importer writes SQL itself: the values must read back as the ORM writes them."""
        run(csv_bytes(GOOD_ROWS[:1]))
        Dossier.objects.create(
            code="ORM",
            org_unit=self.cast.ward_a,
            channel="online",
            status="open",
            received_at=aware(2025, 1, 15, 8, 30),
        )
        assert Dossier.objects.filter(received_at=aware(2025, 1, 15, 8, 30)).count() == 2
        assert Dossier.objects.filter(received_at__date=datetime.date(2025, 1, 15)).count() == 2

    def test_a_workbook_with_a_title_merged_cells_formulas_and_empty_trailing_rows(self):
        received = datetime.datetime(2025, 2, 3, 8, 15)
        sheet_rows = [
            ["SỔ THEO DÕI HỒ SƠ", None, None, None, None, None],
            ["Mã hồ sơ", "Đơn vị", None, "Kênh", "Ngày tiếp nhận", "Hạn giải quyết"],
            ["X1", "X18070", None, "Trực tuyến", received, datetime.datetime(2025, 2, 5)],
            ["X2", 18073, None, "Trực tiếp", 45700.25, "=E4+3"],  # serial; cached formula
            ["X3", "X18070", None, "Trực tiếp", "=E3", None],  # a formula never computed
            [None, None, None, None, None, None],
            ["   ", None, None, None, None, None],
        ]
        data = xlsx_bytes(sheet_rows, merged=["A1:F1", "B2:C2"], cached={"F4": "45703.5"})

        result = run(data, "ho-so.xlsx", mode=DossierImport.Mode.VALID_ONLY)
        assert (result.rows_read, result.created, result.rejected) == (3, 2, 1)
        assert places(result) == {(5, "Ngày tiếp nhận")}
        first = Dossier.objects.get(code="X1")
        assert first.received_at == timezone.make_aware(received)
        assert first.due_at == aware(2025, 2, 5, 23, 59, 59)
        second = Dossier.objects.get(code="X2")
        assert second.org_unit == self.cast.ward_b
        assert second.received_at == aware(2025, 2, 12, 6, 0)
        assert second.due_at == aware(2025, 2, 15, 12, 0)

    def test_merged_header_cells_are_ignored(self):
        sheet_rows = [
            ["Báo cáo"],
            ["Mã hồ sơ", "Đơn vị", None, "Ngày tiếp nhận"],
            ["M1", "X18070", "ignored", "03/02/2025"],
        ]
        data = xlsx_bytes(sheet_rows, merged=["A1:D1", "B2:C2"])
        assert run(data, "m.xlsx").created == 1

    def test_an_unknown_unit_names_its_row_and_column(self):
        rows = [
            GOOD_ROWS[0],
            r("H42.009|||Xã Không Có||01/02/2025||||||"),
        ]
        error = failure(csv_bytes(rows))
        assert places(error) == {(3, "Đơn vị")}
        assert "Xã Không Có" in str(error.errors[0])

    def test_a_keeper_imports_only_the_dossiers_of_the_units_they_keep(self):
        """One scope policy: the city's Home Affairs office keeps its wards, not another
        province's communes; the row names its row and column, and nothing is written."""
        org_unit_create(
            actor=None,
            code="X99001",
            name="Xã Ngoài",
            kind="commune",
            parent=self.cast.other_province,
        )
        rows = [GOOD_ROWS[0], r("H42.010|||X99001||01/02/2025||||||")]
        with pytest.raises(DossierImportFailed) as raised:
            run(csv_bytes(rows), actor=self.home_affairs)
        assert places(raised.value) == {(3, "Đơn vị")}
        assert "X99001" in str(raised.value.errors[0])
        assert not Dossier.objects.exists()
        # The administrator and the server's operator (no actor) import any unit's.
        assert run(csv_bytes(rows), actor=self.admin).created == 2

    def test_an_ambiguous_unit_name(self):
        org_unit_create(
            actor=None,
            code="OTHER",
            name="Phường Trần Phú",
            kind="ward",
            parent=self.cast.other_province,
        )
        row = r("A1|||Phường Trần Phú||01/02/2025||||||")
        assert places(failure(csv_bytes([row]))) == {(2, "Đơn vị")}
        row[3] = "X18070"  # the code still finds it
        assert run(csv_bytes([row])).created == 1

    def test_row_checks(self):
        rows = [
            r("B1|||X18070||02/02/2025 10:00||02/02/2025 09:00||||"),
            r("B2|||X18070||02/02/2025|01/02/2025|||||"),
            r("B3|||X18070|bồ câu|31/02/2025|||xong|có lẽ||6"),
            r("|||||||||||4"),
            ["B5", "x" * 65, "", "X18070", "", "02/02/2025", "", "", "", "", "hôm qua", "4,5"],
        ]
        error = failure(csv_bytes(rows))
        assert places(error) == {
            (2, "Ngày trả kết quả"),  # finished before received
            (3, "Hạn giải quyết"),  # due before received
            (4, "Kênh"),
            (4, "Ngày tiếp nhận"),
            (4, "Trạng thái"),
            (4, "Xin lỗi"),
            (4, "Mức độ hài lòng"),
            (5, "Mã hồ sơ"),
            (5, "Đơn vị"),
            (5, "Ngày tiếp nhận"),
            (6, "Mã thủ tục"),
            (6, "Ngày xin lỗi"),
            (6, "Mức độ hài lòng"),
        }
        assert error.total == 13
        messages = " | ".join(str(item) for item in error.errors)
        assert "31/02/2025" in messages and "bồ câu" in messages and "xong" in messages

    def test_duplicate_codes_in_a_file(self):
        rows = [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]]
        error = failure(csv_bytes(rows))
        assert places(error) == {(4, "Mã hồ sơ")}
        assert "H42.001" in str(error.errors[0]) and "2" in error.errors[0].message

    def test_duplicate_codes_in_different_batches(self):
        rows = [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[2], GOOD_ROWS[0]]
        seen = []
        with (
            mock.patch.object(checking, "BATCH_SIZE", 2),
            pytest.raises(DossierImportFailed) as raised,
        ):
            run(csv_bytes(rows), progress=lambda rows, fraction: seen.append((rows, fraction)))
        assert places(raised.value) == {(5, "Mã hồ sơ")}
        # Streamed: written and reported batch by batch, with the share of the file read.
        assert [rows for rows, _fraction in seen] == [2, 4]
        assert all(0 < fraction <= 1 for _rows, fraction in seen)

    def test_duplicate_codes_in_different_batches_of_dossiers_already_known(self):
        run(csv_bytes(GOOD_ROWS))
        with mock.patch.object(checking, "BATCH_SIZE", 2):
            error = failure(csv_bytes([GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]]))
        assert places(error) == {(4, "Mã hồ sơ")}

    def test_all_or_nothing_writes_nothing_when_one_row_is_wrong(self):
        run(csv_bytes(GOOD_ROWS[:1]))
        changed = list(GOOD_ROWS[0])
        changed[11] = "1"
        bad = r("H42.010|||X99999||01/02/2025||||||")
        with mock.patch.object(checking, "BATCH_SIZE", 2):
            error = failure(csv_bytes([changed, GOOD_ROWS[1], GOOD_ROWS[2], bad]))
        assert places(error) == {(5, "Đơn vị")}
        assert Dossier.objects.count() == 1
        assert Dossier.objects.get().satisfaction == 5  # not updated either
        record = DossierImport.objects.order_by("pk").last()
        assert record.status == DossierImport.Status.FAILED
        assert (record.rows_read, record.created, record.updated, record.rejected) == (4, 0, 0, 1)
        assert len(record.errors) == 1 and "X99999" in record.errors[0]
        assert AuditEvent.objects.filter(
            action="dossier_import.create", object_id=str(record.pk)
        ).exists()

    def test_valid_only_writes_the_good_rows_and_returns_the_rejected_ones(self):
        bad = r("H42.010||Thủ tục lỗi|X99999||01/02/2025||||||")
        result = run(
            csv_bytes([GOOD_ROWS[0], bad, GOOD_ROWS[1]]), mode=DossierImport.Mode.VALID_ONLY
        )
        assert (result.rows_read, result.created, result.rejected) == (3, 2, 1)
        assert set(Dossier.objects.values_list("code", flat=True)) == {"H42.001", "H42.002"}
        record = DossierImport.objects.get(pk=result.record.pk)
        assert record.status == DossierImport.Status.DONE
        assert record.rejected == 1 and "X99999" in record.errors[0]
        raw = record.rejected_file.read()
        assert raw.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert lines[0][: len(VI_HEADER)] == VI_HEADER
        assert len(lines[0]) == len(VI_HEADER) + 1  # the reason
        assert len(lines) == 2
        assert lines[1][: len(bad)] == bad
        assert "X99999" in lines[1][-1] and "3" in lines[1][-1]

    def test_the_rejected_file_keeps_the_files_own_columns(self):
        header = ["Đơn vị", "Mã hồ sơ", "Ngày tiếp nhận"]  # other order, optional ones absent
        rows = [["X18070", "K1", "01/02/2025"], ["X18070", "K2", "hôm nay"]]
        result = run(csv_bytes(rows, header), mode=DossierImport.Mode.VALID_ONLY)
        assert (result.created, result.rejected) == (1, 1)
        assert Dossier.objects.get().channel == Dossier.Channel.IN_PERSON  # no channel: in person
        lines = list(
            csv.reader(io.StringIO(result.record.rejected_file.read().decode("utf-8-sig")))
        )
        assert [line[:3] for line in lines] == [header, rows[1]]
        assert len(lines[1]) == 4 and "hôm nay" in lines[1][3]

    def test_uploaded_files_and_streams_that_cannot_seek(self):
        from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

        upload = SimpleUploadedFile("ho-so.csv", csv_bytes(GOOD_ROWS[:1]))
        import_dossiers(actor=None, stream=upload, file_name=upload.name)
        data = xlsx_bytes([VI_HEADER, GOOD_ROWS[1]])
        temporary = TemporaryUploadedFile("ho-so.xlsx", "application/octet-stream", len(data), None)
        temporary.write(data)
        temporary.seek(0)
        import_dossiers(actor=None, stream=temporary, file_name=temporary.name)
        temporary.close()

        class Pipe(io.RawIOBase):
            def __init__(self, data):
                self.source = io.BytesIO(data)

            def readable(self):
                return True

            def seekable(self):
                return False

            def readinto(self, buffer):
                chunk = self.source.read(len(buffer))
                buffer[: len(chunk)] = chunk
                return len(chunk)

        import_dossiers(actor=None, stream=Pipe(csv_bytes(GOOD_ROWS[2:])), file_name="pipe.csv")
        assert Dossier.objects.count() == 3

    def test_valid_only_without_rejections_keeps_no_file(self):
        result = run(csv_bytes(GOOD_ROWS), mode=DossierImport.Mode.VALID_ONLY)
        assert result.rejected == 0 and not result.record.rejected_file

    def test_missing_columns_and_empty_files(self):
        error = failure(csv_bytes([["1", "X18070"]], ["Mã hồ sơ", "Đơn vị"]))
        assert "Ngày tiếp nhận" in str(error.errors[0])
        assert DossierImport.objects.get().status == DossierImport.Status.FAILED
        assert failure(csv_bytes([])).errors[0].row == 1
        assert failure(b"").errors[0].row == 1
        assert failure(csv_bytes([[""] * 12, [" "] * 12])).errors  # only empty rows

    def test_a_column_the_file_lacks_reads_empty_not_the_next_one(self):
        # Issue 17: no "Ngày xin lỗi", and "Ngày cập nhật" after the last known column. The
        # missing column read the cell at the end of the row: apology = yes, dated 5/12/2026.
        header = [*VI_HEADER[:10], "Mức độ hài lòng", "Ngày cập nhật"]
        row = [*GOOD_ROWS[1][:9], "Không", "4", "05/12/2026"]
        result = run(csv_bytes([row], header))
        dossier = Dossier.objects.get(code="H42.002")
        assert (dossier.apology_issued, dossier.apology_on, dossier.satisfaction) == (
            False,
            None,
            4,
        )
        assert result.ignored == ("Ngày cập nhật",)
        assert "“Ngày cập nhật”" in result.record.errors[0]

    def test_an_extra_last_column_is_ignored_and_reported(self):
        header = [*VI_HEADER[:11], "Ghi chú"]  # no satisfaction column; notes at the end
        rows = [[*row[:11], "gọi lại cho dân"] for row in GOOD_ROWS]
        result = run(csv_bytes(rows, header))
        assert (result.created, result.rejected) == (3, 0)
        assert not Dossier.objects.exclude(satisfaction=None).exists()
        assert result.ignored == ("Ghi chú",)
        assert result.record.errors == [
            "Các cột sau không được đọc (CCHC không biết các cột này): “Ghi chú”."
        ]

    def test_a_cell_beyond_the_header_is_not_read(self):
        header = VI_HEADER[:9]  # up to "Trạng thái"; the row has three more cells
        row = [*GOOD_ROWS[1][:9], "có", "01/02/2025", "5"]
        run(csv_bytes([row], header))
        dossier = Dossier.objects.get()
        assert (dossier.apology_issued, dossier.apology_on, dossier.satisfaction) == (
            False,
            None,
            None,
        )

    def test_a_header_naming_no_required_column_is_refused_with_its_headings(self):
        error = failure(
            csv_bytes([["1", "X18070", "x"]], ["Số phiếu", "Nơi xử lý", "Ngày tiếp nhận"])
        )
        message = str(error.errors[0])
        assert "“Mã hồ sơ” (code)" in message and "“Đơn vị” (unit)" in message
        assert "“Số phiếu”, “Nơi xử lý”" in message
        assert not Dossier.objects.exists()

    def test_satisfaction_in_words(self):
        words = ["Rất hài lòng", "hài lòng", "BINH THUONG", "Không hài lòng", "rat khong hai long"]
        rows = [
            [f"S{n}", "", "", "X18070", "", "01/02/2025", "", "", "", "", "", word]
            for n, word in enumerate(words)
        ]
        run(csv_bytes(rows))
        scores = dict(Dossier.objects.values_list("code", "satisfaction"))
        assert scores == {"S0": 5, "S1": 4, "S2": 3, "S3": 2, "S4": 1}
        bad = failure(
            csv_bytes([["S9", "", "", "X18070", "", "01/02/2025", "", "", "", "", "", "tạm"]])
        )
        assert places(bad) == {(2, "Mức độ hài lòng")}

    def test_extra_headings_from_the_column_alias_table(self):
        ColumnAlias.objects.create(field="code", heading="Số biên nhận")
        assert "số biên nhận" in headings()["code"]
        header = ["Số Biên Nhận", "Đơn vị", "Ngày tiếp nhận"]
        run(csv_bytes([["C1", "X18070", "01/02/2025"]], header))
        assert Dossier.objects.filter(code="C1").exists()

    def test_a_heading_another_field_answers_to_is_refused_as_an_alias(self):
        """The coordinator's "Đơn vị" → "Mã hồ sơ" was accepted, and every file from then on,
        the standard ones too, was refused for a missing “Đơn vị” column it had. A heading
        already a field's, written as it is or without diacritics, is refused, naming that
        field; the files still import."""
        from cchc.indicators.services import column_alias_add

        for heading, field, taken in (
            ("Đơn vị", "code", "Đơn vị"),
            ("  don VI ", "code", "Đơn vị"),
            ("ngay tiep nhan", "due_at", "Ngày tiếp nhận"),
            ("Mã hồ sơ", "code", "Mã hồ sơ"),
        ):
            with pytest.raises(ValidationError) as refused:
                column_alias_add(actor=None, field=field, heading=heading)
            assert taken in refused.value.message_dict["heading"][0], heading
        # The coordinator's own aliases count too: "so phieu" after "Số phiếu" for the code.
        column_alias_add(actor=None, field="code", heading="Số phiếu")
        with pytest.raises(ValidationError) as refused:
            column_alias_add(actor=None, field="unit", heading="so phieu")
        assert "Mã hồ sơ" in refused.value.message_dict["heading"][0]
        assert list(ColumnAlias.objects.values_list("heading", flat=True)) == ["số phiếu"]
        run(csv_bytes([["C1", "", "", "X18070", "", "01/02/2025", "", "", "", "", "", ""]]))
        assert Dossier.objects.filter(code="C1").exists()

    def test_excels_unicode_text_utf16_with_tabs_imports(self):
        """Excel's "Unicode Text" (.txt: UTF-16 with its BOM, tab-separated) was read as
        Windows-1258 and refused with a garbled column list ("ÿ₫M…")."""
        rows = [["U1", "", "Cấp giấy phép", "Phường Trần Phú", "", "01/02/2025"]]
        header = ["Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Đơn vị", "Kênh", "Ngày tiếp nhận"]
        run(csv_bytes(rows, header, encoding="utf-16", delimiter="\t"), name="ho-so.txt")
        dossier = Dossier.objects.get(code="U1")
        assert dossier.procedure_name == "Cấp giấy phép"

    def test_a_utf8_export_with_one_damaged_byte_is_refused_not_garbled(self):
        rows = [["D1", "", "Cấp giấy phép", "Phường Trần Phú", "", "01/02/2025"]]
        header = ["Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Đơn vị", "Kênh", "Ngày tiếp nhận"]
        data = csv_bytes(rows, header) + b"D2,,C\xe1p,X18070,,01/02/2025\r\n"
        error = failure(data)
        assert [(e.row, str(e.message)[:40]) for e in error.errors] == [
            (3, "Tệp là văn bản UTF-8 nhưng có một byte h")
        ]
        assert not Dossier.objects.exists()
        # A Windows-1258 file (no UTF-8 letter before its first such byte) is still read.
        run(cp1258("Mã hồ sơ,Đơn vị,Ngày tiếp nhận\r\nD3,Phường Trần Phú,01/02/2025\r\n"))
        assert Dossier.objects.filter(code="D3").exists()

    def test_no_heading_is_given_to_two_fields(self):
        seen = {}
        for name, aliases in DEFAULT_HEADINGS.items():
            for alias in aliases:
                for key in (alias, plain_key(alias)):
                    assert seen.setdefault(key, name) == name, (alias, name, seen[key])

    def test_a_zip_bomb_disguised_as_a_workbook_is_refused(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bomb.xlsx"
            chunk = bytes(1024 * 1024)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                archive.writestr("xl/workbook.xml", "<workbook/>")
                with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
                    for _ in range(210):
                        member.write(chunk)
            assert path.stat().st_size < 5 * 1024 * 1024
            with path.open("rb") as stream, pytest.raises(DossierImportFailed) as raised:
                import_dossiers(actor=None, stream=stream, file_name="bomb.xlsx")
        assert "200" in str(raised.value.errors[0])
        assert DossierImport.objects.get().status == DossierImport.Status.FAILED

    def test_a_workbook_part_compressed_too_much_is_refused(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", bytes(20 * 1024 * 1024))
        error = failure(buffer.getvalue(), "small-bomb.xlsx")
        assert places(error) == {(1, "")}
        assert error.errors[0].message == gettext(importers.XLSX_BOMB_MESSAGE).format(
            ratio=int(
                20
                * 1024
                * 1024
                / zipfile.ZipFile(buffer).getinfo("xl/worksheets/sheet1.xml").compress_size
            )
        )

    def test_a_text_file_named_xlsx_is_refused(self):
        error = failure(csv_bytes(GOOD_ROWS), "ho-so.xlsx")
        assert error.errors[0].message == gettext(importers.NOT_XLSX_MESSAGE)
        assert not Dossier.objects.exists()


class CommandTests(BaseTestCase):
    def test_the_command_imports_and_reports(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ho-so.csv"
            path.write_bytes(csv_bytes(GOOD_ROWS))
            out = io.StringIO()
            with (
                mock.patch("cchc.indicators.management.commands.import_dossiers.PROGRESS_EVERY", 2),
                mock.patch.object(checking, "BATCH_SIZE", 2),
            ):
                call_command("import_dossiers", str(path), stdout=out, stderr=io.StringIO())
        assert Dossier.objects.count() == 3
        text = out.getvalue()
        assert "ho-so.csv" in text and "3" in text
        assert text.count("\n") >= 2  # a progress line, then the summary

    def test_a_broken_file_exits_non_zero_and_writes_nothing(self):
        rows = [r(f"H42.1{n:02d}|||X99999||01/02/2025||||||") for n in range(60)]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ho-so.csv"
            path.write_bytes(csv_bytes([GOOD_ROWS[0], *rows]))
            err = io.StringIO()
            with pytest.raises(CommandError) as raised:
                call_command("import_dossiers", str(path), stdout=io.StringIO(), stderr=err)
        assert not Dossier.objects.exists()
        assert "X99999" in err.getvalue()
        assert err.getvalue().count("X99999") == 50
        assert "10" in err.getvalue().splitlines()[-1]  # … and 10 more
        assert "60" in str(raised.value)

    def test_valid_only_from_the_command_line(self):
        bad = r("H42.010|||X99999||01/02/2025||||||")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ho-so.csv"
            path.write_bytes(csv_bytes([GOOD_ROWS[0], bad]))
            out, err = io.StringIO(), io.StringIO()
            call_command("import_dossiers", str(path), "--valid-only", stdout=out, stderr=err)
        assert Dossier.objects.count() == 1
        assert "X99999" in err.getvalue()
        assert ".csv" in out.getvalue().splitlines()[-1]  # where the rejected rows are

    def test_a_missing_file(self):
        with pytest.raises(CommandError):
            call_command("import_dossiers", "/nonexistent/ho-so.csv")


class ImportPageTests(BaseTestCase):
    """The page keeps the upload and queues the import; a worker runs it while the page polls
    how far it has got; the upload is removed once it has run."""

    def upload(self, data, name="ho-so.csv", mode=DossierImport.Mode.ALL_OR_NOTHING):
        from django.core.files.uploadedfile import SimpleUploadedFile

        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                "/indicators/import/", {"file": SimpleUploadedFile(name, data), "mode": mode}
            )

    def test_a_good_file_is_imported_and_its_page_says_what_it_did(self):
        self.login("home_affairs")
        response = self.upload(csv_bytes(GOOD_ROWS))
        record = DossierImport.objects.get()
        self.assertRedirects(response, record.get_absolute_url())
        assert record.status == DossierImport.Status.DONE
        assert (record.rows_read, record.created, record.size) == (3, 3, len(csv_bytes(GOOD_ROWS)))
        assert Dossier.objects.count() == 3
        # The upload is gone once imported; nothing else is left in its folder.
        assert not record.upload
        from django.conf import settings

        left = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
        assert left == [], left
        page = self.client.get(record.get_absolute_url()).content.decode()
        assert 'data-testid="import-counts"' in page and "hx-trigger" not in page
        assert record.imported_by == self.home_affairs

    def test_the_counts_are_written_as_vietnamese_numbers(self):
        self.login("home_affairs")
        self.upload(csv_bytes(GOOD_ROWS))
        record = DossierImport.objects.get()
        DossierImport.objects.filter(pk=record.pk).update(rows_read=15000, created=1234567)
        page = self.client.get(record.get_absolute_url()).content.decode()
        assert ">15.000<" in page and ">1.234.567<" in page
        listing = self.client.get(reverse("indicators:import")).content.decode()
        assert ">15.000<" in listing and "15000" not in listing

    def test_a_bad_file_lists_its_errors_on_its_page(self):
        self.login("home_affairs")
        bad = [GOOD_ROWS[0], r("H42.009||||Trực tuyến|31/02/2025|||||||")]
        response = self.upload(csv_bytes(bad))
        record = DossierImport.objects.get()
        assert response.status_code == 302
        assert record.status == DossierImport.Status.FAILED
        assert not Dossier.objects.exists()
        page = self.client.get(record.get_absolute_url()).content.decode()
        assert "31/02/2025" in page and "3" in page
        assert "Không có gì được nhập: 1 dòng có lỗi" in page, page

    def test_the_progress_shows_while_the_rows_are_still_uncommitted(self):
        from cchc.indicators import progress

        self.login("home_affairs")
        seen = []
        write = progress.write

        def write_and_look(pk, rows, fraction):
            write(pk, rows, fraction)
            # What another browser tab sees now, half-way, through the polling request.
            response = self.client.get(f"/indicators/import/{pk}/", headers={"HX-Request": "1"})
            seen.append(response.content.decode())

        with (
            mock.patch.object(checking, "BATCH_SIZE", 1),
            mock.patch.object(progress, "write", write_and_look),
        ):
            self.upload(csv_bytes(GOOD_ROWS))
        assert len(seen) == 3
        assert all('hx-trigger="every 2s"' in page for page in seen)
        assert "Đã đọc 2 dòng" in seen[1], seen[1]
        assert "<progress" in seen[0]
        record = DossierImport.objects.get()
        assert record.status == DossierImport.Status.DONE
        assert progress.read(record.pk) is None  # cleared at the end

    def test_a_task_delivered_twice_imports_once(self):
        from cchc.indicators.services import dossier_import_run

        self.login("home_affairs")
        self.upload(csv_bytes(GOOD_ROWS))
        record = DossierImport.objects.get()
        again = dossier_import_run(record.pk)
        assert (again.status, again.created, again.updated) == ("done", 3, 0)
        assert AuditEvent.objects.filter(action="dossier_import.create").count() == 1

    def test_a_crash_that_is_not_the_files_fault_ends_the_import_with_a_reason(self):
        self.login("home_affairs")
        with mock.patch.object(importers, "unit_index", side_effect=MemoryError):
            self.upload(csv_bytes(GOOD_ROWS))
        record = DossierImport.objects.get()
        assert record.status == DossierImport.Status.FAILED
        assert "máy chủ hết bộ nhớ" in record.errors[0]
        assert "MemoryError" not in record.errors[0]  # the log has the error's name, not the page
        assert not record.upload
        assert not Dossier.objects.exists()

    def test_a_checking_process_that_stops_is_explained_in_vietnamese(self):
        self.login("home_affairs")
        stopped = CheckingStopped("the checking process stopped")
        with (
            mock.patch.object(importers, "unit_index", side_effect=stopped),
            self.assertLogs("cchc.indicators.services", "ERROR") as logged,
        ):
            self.upload(csv_bytes(GOOD_ROWS))
        record = DossierImport.objects.get()
        assert record.status == DossierImport.Status.FAILED
        assert "tiến trình kiểm tra tệp đã dừng" in record.errors[0]
        assert "CheckingStopped" not in record.errors[0]
        assert "CheckingStopped" in logged.output[0]
        page = self.client.get(record.get_absolute_url())
        assert "tiến trình kiểm tra tệp đã dừng" in page.content.decode()

    def test_the_form_refuses_a_wrong_kind_of_file_or_one_too_large(self):
        self.login("home_affairs")
        response = self.upload(b"\xd0\xcf\x11\xe0", name="ho-so.xls")
        assert response.status_code == 400
        assert ".xlsx" in response.content.decode()
        response = self.upload(b"MZ\x90\x00", name="virus.exe")
        assert response.status_code == 400
        with self.settings(DOSSIER_IMPORT_MAX_BYTES=10):
            response = self.upload(csv_bytes(GOOD_ROWS))
        assert response.status_code == 400
        assert not DossierImport.objects.exists()

    def test_content_not_a_table_is_refused_by_the_import(self):
        self.login("home_affairs")
        self.upload(b"%PDF-1.7\n\x00\x01binary", name="ho-so.csv")
        record = DossierImport.objects.get()
        assert record.status == DossierImport.Status.FAILED
        assert record.errors


PUSHED = [
    {
        "code": "API.001",
        "procedure_code": "1.001612",
        "procedure_name": "Đăng ký khai sinh",
        "unit": "X18070",
        "channel": "trực tuyến",
        "received_at": "2025-01-15T08:30:00+07:00",
        "due_at": "2025-01-17",
        "finished_at": "2025-01-16T10:00:00+07:00",
        "status": "Đã giải quyết",
        "satisfaction": 5,
    },
    {
        "code": "API.002",
        "unit": "18073",
        "received_at": "2025-02-03T14:00:00+07:00",
        "due_at": "2025-02-05",
        "finished_at": "2025-02-07T09:00:00+07:00",
        "apology": True,
        "apology_on": "2025-02-06",
    },
]


class PushedRecordTests(BaseTestCase):
    """A batch pushed by a province's system (the API's dossier push) goes through the same
    checks and writes as a file."""

    def snapshot(self):
        dossiers = list(
            Dossier.objects.order_by("code").values_list(
                "code",
                "org_unit_id",
                "received_at",
                "due_at",
                "finished_at",
                "apology_issued",
                "satisfaction",
            )
        )
        months = list(DossierMonth.objects.order_by("org_unit_id", "month").values())
        for month in months:
            month.pop("id", None)
            month.pop("updated_at", None)
            month.pop("created_at", None)
        return dossiers, months

    def test_a_batch_is_written_and_sending_it_again_changes_nothing(self):
        result = importers.import_dossier_records(
            actor=self.home_affairs, records=PUSHED, source="API: Một cửa"
        )
        assert (result.created, result.updated, result.rows_read) == (2, 0, 2)
        first = Dossier.objects.get(code="API.001")
        assert first.received_at == aware(2025, 1, 15, 8, 30)
        assert first.satisfaction == 5
        assert Dossier.objects.get(code="API.002").apology_issued is True
        before = self.snapshot()
        assert before[1], "the monthly counts are built"
        again = importers.import_dossier_records(
            actor=self.home_affairs, records=PUSHED, source="API: Một cửa"
        )
        assert again.created == 0
        assert self.snapshot() == before
        assert result.record.file_name == "API: Một cửa"
        assert AuditEvent.objects.filter(action="dossier_import.create").count() == 2

    def test_a_wrong_record_names_its_index_and_field_and_nothing_is_written(self):
        records = [
            PUSHED[0],
            {**PUSHED[1], "received_at": "hôm qua"},
            {**PUSHED[1], "code": "X", "unit": "Xã Không Có"},
        ]
        with pytest.raises(DossierImportFailed) as raised:
            importers.import_dossier_records(actor=self.home_affairs, records=records, source="API")
        assert places(raised.value) == {(1, "received_at"), (2, "unit")}
        assert not Dossier.objects.exists()
        assert DossierImport.objects.get().status == DossierImport.Status.FAILED

    def test_a_unit_the_client_does_not_keep_is_refused(self):
        org_unit_create(
            actor=None, code="X99002", name="Xã Xa", kind="commune", parent=self.cast.other_province
        )
        records = [{**PUSHED[0], "unit": "X99002"}]
        with pytest.raises(DossierImportFailed) as raised:
            importers.import_dossier_records(actor=self.home_affairs, records=records, source="API")
        assert places(raised.value) == {(0, "unit")}
        assert not Dossier.objects.exists()

    def test_a_batch_too_large_is_refused_before_reading(self):
        records = [{**PUSHED[0], "code": f"C{i}"} for i in range(importers.MAX_PUSHED_RECORDS + 1)]
        with pytest.raises(DossierImportFailed) as raised:
            importers.import_dossier_records(actor=self.home_affairs, records=records, source="API")
        assert "5000" in str(raised.value.errors[0]) or "5.000" in str(raised.value.errors[0])
        assert not Dossier.objects.exists()
