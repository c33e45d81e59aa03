"""A large dossier file is read and checked in a child process while the importer writes
(importing/child.py). Every test of ImportTests runs again with the child forced (any size
goes to it), and what only the child can do wrong is tried here: it dies, it fails, it
reaches for the database, the importer fails while it runs."""

import contextlib
import os
import signal
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import translation

from cchc.core.imports import ImportErrorItem
from cchc.core.testing import BaseTestCase
from cchc.indicators.importers import DossierImportFailed, import_dossiers
from cchc.indicators.importing import checking, child, parsing
from cchc.indicators.models import Dossier, DossierImport, DossierMonth
from cchc.indicators.tests import test_importers
from cchc.indicators.tests.test_importers import (
    GOOD_ROWS,
    VI_HEADER,
    csv_bytes,
    r,
    run,
    xlsx_bytes,
)


@contextlib.contextmanager
def forks():
    """The pids of the checking processes forked inside the block."""
    pids: list[int] = []
    fork = os.fork

    def watched() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    with mock.patch.object(child.os, "fork", watched):
        yield pids


def no_child_left(pids: list[int]) -> bool:
    """Every checking process forked was reaped (none left running, nor a zombie)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


def stored() -> list[tuple]:
    # Every column the import writes but its own record.
    return list(Dossier.objects.order_by("code").values_list(*parsing.COLUMNS[:-1]))


@override_settings(DOSSIER_IMPORT_CHILD_BYTES=0)
class ImportInChildTests(test_importers.ImportTests):
    """The whole of ImportTests, each file checked in the child."""

    def test_the_child_is_used(self):
        with forks() as pids:
            run(csv_bytes(GOOD_ROWS))
        assert len(pids) == 1
        assert no_child_left(pids)


def many_rows(count: int, start: int = 0) -> list[list[str]]:
    units = ["X18070", "18073", "phường trần phú"]
    return [
        r(
            f"H42.{n:05d}|1.00{n % 7}|Thủ tục {n}|{units[n % 3]}|Trực tuyến|"
            f"{1 + n % 28:02d}/{1 + n % 12:02d}/2025 08:{n % 60:02d}|{1 + n % 28:02d}/{1 + n % 12:02d}/2025|"
            f"{1 + n % 28:02d}/{1 + n % 12:02d}/2025 17:00|Đã giải quyết|||{1 + n % 5}"
        )
        for n in range(start, start + count)
    ]


class ChildTests(BaseTestCase):
    def import_both_ways(self, data: bytes, name: str = "ho-so.csv", **kwargs):
        """The same file imported in process and through the child, each into an empty table:
        (results, stored rows, monthly counts) of each."""
        outcomes = []
        for child_bytes in (10**12, 0):
            Dossier.objects.all().delete()
            DossierMonth.objects.all().delete()
            with override_settings(DOSSIER_IMPORT_CHILD_BYTES=child_bytes):
                outcome: object
                try:
                    result = run(data, name, **kwargs)
                    outcome = (result.rows_read, result.created, result.updated, result.rejected)
                except DossierImportFailed as failure:
                    outcome = [(e.row, e.column, e.message) for e in failure.errors]
            months = list(DossierMonth.objects.order_by("org_unit", "month").values_list())
            outcomes.append((outcome, stored(), [m[1:] for m in months]))
        return outcomes

    def test_many_batches_give_what_the_importer_gives_alone(self):
        data = csv_bytes(many_rows(95))
        with mock.patch.object(checking, "BATCH_SIZE", 7), forks() as pids:
            alone, apart = self.import_both_ways(data)
        assert alone == apart
        assert alone[0] == (95, 95, 0, 0) and len(alone[1]) == 95 and alone[2]
        assert no_child_left(pids)

    def test_errors_name_the_same_rows_and_columns(self):
        rows = many_rows(30)
        rows[4][3] = "X99999"
        rows[17][5] = "31/02/2025"
        rows[25] = list(rows[3])  # a code already in an earlier batch
        with mock.patch.object(checking, "BATCH_SIZE", 4):
            alone, apart = self.import_both_ways(csv_bytes(rows))
        assert alone == apart
        assert {row for row, _column, _message in alone[0]} == {6, 19, 27}
        assert alone[1] == []  # all or nothing

    def test_valid_only_keeps_the_same_rejected_rows(self):
        rows = many_rows(20)
        rows[2][3] = "X99999"
        files = []
        for child_bytes in (10**12, 0):
            Dossier.objects.all().delete()
            with (
                override_settings(DOSSIER_IMPORT_CHILD_BYTES=child_bytes),
                mock.patch.object(checking, "BATCH_SIZE", 6),
            ):
                result = run(csv_bytes(rows), mode=DossierImport.Mode.VALID_ONLY)
            assert (result.created, result.rejected) == (19, 1)
            files.append(result.record.rejected_file.read())
        assert files[0] == files[1] and b"X99999" in files[0]

    def test_errors_in_english_for_an_english_user(self):
        rows = [GOOD_ROWS[0], r("H42.009||||Trực tuyến|31/02/2025|||||||")]
        with translation.override("en"):
            alone, apart = self.import_both_ways(csv_bytes(rows))
        assert alone == apart
        assert any("not a date" in message.lower() for _r, _c, message in apart[0]), apart

    def test_a_workbook(self):
        data = xlsx_bytes([VI_HEADER, *many_rows(12)])
        with mock.patch.object(checking, "BATCH_SIZE", 5):
            alone, apart = self.import_both_ways(data, name="ho-so.xlsx")
        assert alone == apart and alone[0] == (12, 12, 0, 0)

    @override_settings(DOSSIER_IMPORT_CHILD_BYTES=0)
    def test_a_child_that_dies_fails_the_import_and_writes_nothing(self):
        parse = parsing.RowParser.parse

        def die_at_row_9(parser, number, cells):
            if number == 9:
                os.kill(os.getpid(), signal.SIGKILL)
            return parse(parser, number, cells)

        with (
            mock.patch.object(checking, "BATCH_SIZE", 3),
            mock.patch.object(parsing.RowParser, "parse", die_at_row_9),
            pytest.raises(child.CheckingStopped),
            forks() as pids,
        ):
            run(csv_bytes(many_rows(20)))
        assert not Dossier.objects.exists() and not DossierMonth.objects.exists()
        assert DossierImport.objects.get().status == DossierImport.Status.FAILED
        assert no_child_left(pids)

    @override_settings(DOSSIER_IMPORT_CHILD_BYTES=0)
    def test_a_failure_in_the_child_is_told(self):
        def broken(parser, number, cells):
            raise ValueError("a bug")

        with (
            mock.patch.object(parsing.RowParser, "parse", broken),
            pytest.raises(child.CheckingStopped, match="ValueError: a bug"),
            forks() as pids,
        ):
            run(csv_bytes(GOOD_ROWS))
        assert not Dossier.objects.exists()
        assert no_child_left(pids)

    @override_settings(DOSSIER_IMPORT_CHILD_BYTES=0)
    def test_the_child_cannot_use_the_database(self):
        parse = parsing.RowParser.parse

        def reach_for_the_database(parser, number, cells):
            Dossier.objects.count()
            return parse(parser, number, cells)

        # Inside the import's transaction: the child's query would have gone down the
        # parent's connection, in the middle of its work.
        with (
            mock.patch.object(parsing.RowParser, "parse", reach_for_the_database),
            pytest.raises(child.CheckingStopped, match="may not use the database"),
            forks() as pids,
        ):
            run(csv_bytes(GOOD_ROWS))
        # The parent's connection still works, in the same state.
        assert Dossier.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        assert no_child_left(pids)

    @override_settings(DOSSIER_IMPORT_CHILD_BYTES=0)
    def test_the_child_is_stopped_when_the_importer_fails(self):
        from cchc.indicators.importing.writing import BatchWriter

        calls = {"n": 0}
        write = BatchWriter.write

        def fail_on_second(writer, batch):
            calls["n"] += 1
            if calls["n"] == 2:
                raise ConnectionError("the database went away")
            return write(writer, batch)

        with (
            mock.patch.object(checking, "BATCH_SIZE", 2),
            mock.patch.object(BatchWriter, "write", fail_on_second),
            pytest.raises(ConnectionError),
            forks() as pids,
        ):
            run(csv_bytes(many_rows(40)))
        assert not Dossier.objects.exists()
        assert no_child_left(pids)

    @override_settings(DOSSIER_IMPORT_CHILD_BYTES=0)
    def test_a_file_on_disk_keeps_its_own_position(self):
        import tempfile

        with tempfile.TemporaryFile() as handle, forks() as pids:
            handle.write(csv_bytes(many_rows(10)))
            handle.seek(0)
            result = import_dossiers(actor=None, stream=handle, file_name="ho-so.csv")
            assert result.created == 10
            # The child read through a descriptor of its own: the caller's file is where
            # the importer left it (the end, where it measured the size, then the start).
            assert handle.tell() == 0
        assert no_child_left(pids)

    def test_a_small_file_stays_in_process(self):
        with forks() as pids:
            run(csv_bytes(GOOD_ROWS))
        assert pids == []

    def test_plain_data_only_crosses(self):
        """What the child sends is JSON, read back as the same values."""
        heading = checking.Heading(["Mã hồ sơ"], {"code": "Mã hồ sơ"}, ("Ghi chú",))
        batch = checking.Checked(
            rows_read=2,
            codes=["A"],
            numbers=[2],
            cells=[["A", "x"]],
            values=[["A", "", "", 3, "online", "2025-01-01 01:30:00", None, True, 4]],
            rejected=[(3, ["B"], [ImportErrorItem(3, "Mã hồ sơ", "sai")])],
            months={(3, 2025, 1)},
            mapped=1,
            fraction=0.5,
        )
        for item in (heading, batch):
            frame = child.json.loads(child.json.dumps(child._encode(item)))
            assert child._decode(frame) == item
