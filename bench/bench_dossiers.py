"""Importing a dossier export (CSV, Vietnamese headings) through import_dossiers, against the
database's own bulk load of the same rows.

BENCH_DOSSIERS rows (by default as BENCH_SCALE: city 50,000, province 200,000, nation — the
design size — 1,000,000) for 15 units, written to a CSV on disk as a stream. Measured:

- the import into an empty table (all-or-nothing, all rows new), and the same file imported
  again (every row an update);
- the bulk load: SQLite — executemany of the same INSERT tuples in one transaction; PostgreSQL
  (DATABASE_URL=postgres://…) — COPY FROM STDIN through psycopg. Only the database calls are
  timed, the tuples are made (in batches, untimed) beforehand;
- peak memory (ru_maxrss) after the import, beside the same figure before it, and the peak of
  the process that reads and checks the file meanwhile (importing/child.py);
- a second, small import into the full table (SMALL_ROWS new dossiers of one unit and one
  month): as before issue 18 (every month of every unit counted again: the import made to
  lose count of the months it touched) and as now (only the unit-month it touched).

The target is an import at least half as fast as the bulk load (ratio ≥ 0.5).
"""

import csv
import datetime
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import OVER_LIMIT, report, setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cchc.indicators.importers import import_dossiers  # noqa: E402
from cchc.indicators.importing import writing  # noqa: E402
from cchc.indicators.models import Dossier, DossierImport  # noqa: E402
from cchc.orgunits.models import OrgUnit  # noqa: E402
from cchc.orgunits.services import org_unit_create  # noqa: E402

TARGET_RATIO = 0.5
ROWS_BY_SCALE = {"city": 50_000, "province": 200_000, "nation": 1_000_000}
CODE_PREFIX = "BENCH-H42."  # the only dossiers this script writes, and deletes
UNITS = 15
SMALL_ROWS = 200
BATCH = 2000
HEADER = [
    "Mã hồ sơ",
    "Mã thủ tục",
    "Tên thủ tục",
    "Đơn vị",
    "Kênh",
    "Ngày tiếp nhận",
    "Hạn giải quyết",
    "Ngày trả kết quả",
    "Trạng thái",
    "Xin lỗi",
    "Ngày xin lỗi",
    "Mức độ hài lòng",
]
PROCEDURES = [
    ("1.001612", "Đăng ký khai sinh"),
    ("1.000894", "Chứng thực bản sao từ bản chính"),
    ("2.000908", "Cấp giấy phép xây dựng nhà ở riêng lẻ"),
    ("1.004227", "Đăng ký kết hôn"),
    ("2.001711", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu"),
]
CHANNELS = [("Trực tuyến", "online"), ("Trực tiếp", "in_person"), ("Bưu chính", "post")]
START = datetime.datetime(2025, 1, 1, 7, 30)  # noqa: DTZ001 (local wall time, as in the file)


def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    factor = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss * factor / (1024 * 1024)


def rows(count: int, unit_codes: list[str]) -> Iterator[tuple]:
    """(code, procedure code, name, unit code, channel word, channel, received, due, finished,
    status word, status, apology, apology_on, satisfaction), deterministic."""
    rng = random.Random(2026)
    for n in range(count):
        procedure_code, procedure_name = PROCEDURES[n % len(PROCEDURES)]
        word, channel = CHANNELS[rng.randrange(3)]
        received = START + datetime.timedelta(seconds=n * 30 + rng.randrange(30))
        due = (received + datetime.timedelta(days=rng.randrange(1, 15))).replace(
            hour=23, minute=59, second=59
        )
        finished = None
        if rng.random() < 0.8:
            finished = received + datetime.timedelta(hours=rng.randrange(1, 400))
        late = finished is not None and finished > due
        yield (
            f"{CODE_PREFIX}{n:09d}",
            procedure_code,
            procedure_name,
            unit_codes[n % len(unit_codes)],
            word,
            channel,
            received,
            due,
            finished,
            "Đã giải quyết" if finished else "Đang xử lý",
            "finished" if finished else "open",
            late,
            finished.date() if late and finished else None,
            rng.randint(1, 5) if finished and rng.random() < 0.5 else None,
        )


def write_csv(path: Path, count: int, unit_codes: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows(count, unit_codes):
            code, pcode, pname, unit, word, _ch, received, due, finished, sword, *_ = row
            late, apology_on, satisfaction = row[11], row[12], row[13]
            writer.writerow(
                [
                    code,
                    pcode,
                    pname,
                    unit,
                    word,
                    received.strftime("%d/%m/%Y %H:%M:%S"),
                    due.strftime("%d/%m/%Y"),
                    finished.strftime("%d/%m/%Y %H:%M") if finished else "",
                    sword,
                    "x" if late else "",
                    apology_on.strftime("%d/%m/%Y") if apology_on else "",
                    satisfaction or "",
                ]
            )


def database_rows(count: int, unit_ids: list[int], import_id: int) -> Iterator[list[tuple]]:
    """The rows as the database receives them from the import (with its import record, a
    foreign key the database checks too), in batches made untimed."""
    ops = connection.ops
    zone = timezone.get_current_timezone()

    def when(value: datetime.datetime | None) -> object:
        if value is None:
            return None
        return ops.adapt_datetimefield_value(timezone.make_aware(value, zone))

    batch: list[tuple] = []
    for n, row in enumerate(rows(count, [str(pk) for pk in unit_ids])):
        code, pcode, pname, _unit, _w, channel, received, due, finished, _sw, status = row[:11]
        batch.append(
            (
                code,
                pcode,
                pname,
                unit_ids[n % len(unit_ids)],
                channel,
                when(received),
                when(due),
                when(finished),
                status,
                row[11],
                ops.adapt_datefield_value(row[12]),
                row[13],
                import_id,
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


COLUMNS = (
    "code, procedure_code, procedure_name, org_unit_id, channel, received_at, due_at, "
    "finished_at, status, apology_issued, apology_on, satisfaction, imported_in_id"
)


def bulk_load(count: int, unit_ids: list[int]) -> float:
    """Seconds spent in the database's own bulk load of the rows (database calls only)."""
    table = Dossier._meta.db_table
    import_id = DossierImport.objects.create(file_name="bulk load", mode="all").pk
    spent = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
                for batch in database_rows(count, unit_ids, import_id):
                    started = time.perf_counter()
                    for values in batch:
                        copy.write_row(values)
                    spent += time.perf_counter() - started
                started = time.perf_counter()
            spent += time.perf_counter() - started  # the end of the COPY
        else:
            sql = f"INSERT INTO {table} ({COLUMNS}) VALUES ({', '.join(['%s'] * 13)})"  # noqa: S608
            for batch in database_rows(count, unit_ids, import_id):
                started = time.perf_counter()
                cursor.executemany(sql, batch)
                spent += time.perf_counter() - started
        started = time.perf_counter()
    return spent + time.perf_counter() - started  # the commit


def empty_table() -> None:
    """Delete the benchmark's dossiers and give their space back (the table is otherwise
    empty: main() checks it)."""
    Dossier.objects.filter(code__startswith=CODE_PREFIX).delete()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("VACUUM")
        else:
            cursor.execute(f"VACUUM ANALYZE {Dossier._meta.db_table}")


def timed_import(path: Path) -> tuple[float, DossierImport]:
    started = time.perf_counter()
    with path.open("rb") as stream:
        result = import_dossiers(actor=None, stream=stream, file_name=path.name)
    return time.perf_counter() - started, result.record


def small_import(folder: Path, unit_code: str, tag: str, *, every_month: bool) -> float:
    """Seconds to import SMALL_ROWS new dossiers of one unit, received in March 2025."""
    path = folder / f"small-{tag}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(SMALL_ROWS):
            day = f"{1 + n % 28:02d}/03/2025"
            writer.writerow(
                [f"{CODE_PREFIX}{tag}{n:05d}", "", "", unit_code, "Trực tuyến", f"{day} 09:00"]
                + [day, f"{day} 15:00", "", "", "", ""]
            )
    limit = writing.MAX_TOUCHED_KEYS
    writing.MAX_TOUCHED_KEYS = -1 if every_month else limit  # -1: counts every month again
    try:
        seconds, record = timed_import(path)
    finally:
        writing.MAX_TOUCHED_KEYS = limit
        path.unlink()
    assert record.created == SMALL_ROWS, record.created
    return seconds


def bench_units() -> tuple[OrgUnit, list[OrgUnit]]:
    """The benchmark's province and its UNITS communes (made once, found after)."""
    province = OrgUnit.objects.filter(code="BENCH-T42").first() or org_unit_create(
        actor=None, code="BENCH-T42", name="Tỉnh (benchmark)", kind="province"
    )
    units = [
        OrgUnit.objects.filter(code=f"BENCH-X{n}").first()
        or org_unit_create(
            actor=None,
            code=f"BENCH-X{n}",
            name=f"Xã {n} (benchmark)",
            kind="commune",
            parent=province,
        )
        for n in range(UNITS)
    ]
    return province, units


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "nation")
    count = int(os.environ.get("BENCH_DOSSIERS", ROWS_BY_SCALE.get(scale, 1_000_000)))
    if Dossier.objects.exclude(code__startswith=CODE_PREFIX).exists():
        print("The dossier table is not empty: run this on a throw-away database.")
        return 2
    empty_table()  # what a previous, interrupted run left
    _province, units = bench_units()
    unit_codes = [unit.code for unit in units]
    unit_ids = [unit.pk for unit in units]
    folder = Path(tempfile.mkdtemp(prefix="cchc-bench-dossiers-"))
    path = folder / "ho-so.csv"
    write_csv(path, count, unit_codes)
    memory_before = rss_mb()

    seconds_import, record = timed_import(path)
    memory_after = rss_mb()
    assert record.created == count, record.created
    seconds_reimport, again = timed_import(path)
    assert again.updated == count, again.updated
    assert Dossier.objects.count() == count
    seconds_small_every_month = small_import(folder, unit_codes[0], "SA", every_month=True)
    seconds_small_touched = small_import(folder, unit_codes[0], "SB", every_month=False)

    empty_table()
    seconds_bulk = bulk_load(count, unit_ids)
    assert Dossier.objects.count() == count
    empty_table()
    path.unlink()
    folder.rmdir()

    ratio = seconds_bulk / seconds_import
    report(
        f"dossier_import_{connection.vendor}",
        {
            "rows": count,
            "units": len(units),
            "seconds_import": seconds_import,
            "rows_per_second_import": round(count / seconds_import),
            "seconds_reimport_all_updates": seconds_reimport,
            "rows_per_second_reimport": round(count / seconds_reimport),
            "seconds_bulk_load": seconds_bulk,
            "rows_per_second_bulk_load": round(count / seconds_bulk),
            "ratio_import_to_bulk_load": ratio,
            "ratio_reimport_to_bulk_load": seconds_bulk / seconds_reimport,
            "target_ratio": TARGET_RATIO,
            "peak_memory_mb_before_import": round(memory_before, 1),
            "peak_memory_mb_after_import": round(memory_after, 1),
            # The process that reads and checks the file while this one writes (importing/
            # child.py): the largest of the checking processes the imports forked.
            "peak_memory_mb_checking_process": round(rss_mb(resource.RUSAGE_CHILDREN), 1),
            "small_import_rows": SMALL_ROWS,
            "seconds_small_import_every_month_recounted": seconds_small_every_month,
            "seconds_small_import_touched_months_only": seconds_small_touched,
        },
    )
    return 0 if ratio >= TARGET_RATIO else OVER_LIMIT


if __name__ == "__main__":
    sys.exit(main())
