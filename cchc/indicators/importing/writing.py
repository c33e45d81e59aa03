"""Writing: the checked rows of a batch upserted by their code, the rejected rows kept in a
CSV, and the monthly counts rebuilt for the (unit, month) keys the import touched.

Rows are written with SQL built from the model's names, on Django's connection and inside its
transactions: executemany of a plain INSERT for new codes and an UPDATE by id for known ones
(SQLite), or COPY into a temporary table and one INSERT … ON CONFLICT (PostgreSQL). Measured on
200,000 rows with SQLite: `bulk_create` 19 s, `bulk_create(update_conflicts=True)` 32 s,
`bulk_update` of 20,000 rows alone 60 s, against 1.8 s for executemany — the model layer, not
the database, was the cost.

The look-up of the known codes also reads the (unit, month) each of them was counted in
before: with the new rows' own, those are the keys `summary.rebuild_dossier_months` rebuilds
(a dossier re-imported with another date or unit leaves its old month as well).
"""

import contextlib
import csv
import dataclasses
import datetime
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exports import safe_row
from cchc.indicators.importing.checking import COPY_NULL, Checked
from cchc.indicators.importing.parsing import COLUMNS, _model_field
from cchc.indicators.importing.reading import _text
from cchc.indicators.models import Dossier, DossierImport
from cchc.indicators.summary import MonthKey, month_expression

DUPLICATE_EARLIER_MESSAGE = gettext_noop("The code {code} is already in an earlier row.")
# A code already recorded for a unit the importer does not keep: the row would have taken
# that unit's dossier over (moved it, and rewritten its figures; an attacker's walk).
FOREIGN_CODE_MESSAGE = gettext_noop(
    "The code {code} is a dossier of a unit you do not keep; it was not changed."
)
REASON_HEADING = gettext_noop("Reason")
# Beyond this many (unit, month) keys touched, the import stops remembering them and the
# monthly counts are rebuilt whole (one grouped statement is then the faster way).
MAX_TOUCHED_KEYS = 5000

STAGE_TABLE = "cchc_dossier_stage"
# The deferrable foreign keys of a table (PostgreSQL), by name.
DEFERRED_KEYS = (
    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
    "AND condeferrable ORDER BY conname"
)
PLANNER_SETTINGS = "SELECT set_config('enable_seqscan', %s, true), set_config('jit', %s, true)"


@dataclass(frozen=True)
class _Statements:
    """SQL with the names of the model."""

    # code → id, last import, unit, month counted in; "IN ({})" to format with the
    # placeholders, after month_params (the month expression's)
    look_up: str
    insert: str
    upsert: str  # INSERT … ON CONFLICT (code) DO UPDATE
    update: str  # every column but the code, WHERE id and one of them differs
    update_import: str  # imported_in alone, WHERE id and it differs
    month_params: tuple[str, ...] = ()
    # PostgreSQL: new rows are COPied into the table; known ones into a temporary table,
    # then updated from it.
    # the codes as one JSON array, instead of thousands of placeholders
    look_up_json: str = ""
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
    month, month_params = month_expression(connection.vendor)
    statements = _Statements(
        look_up=(
            f"SELECT {columns[0]}, {pk}, {columns[-1]}, {columns[3]}, {month} "  # noqa: S608
            f"FROM {table} WHERE {columns[0]} IN ({{}})"
        ),
        month_params=tuple(month_params),
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
        look_up_json=statements.look_up.replace(
            " IN ({})", " = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))"
        ),
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


class BatchWriter:
    """Writes batches of valid rows for one import; counts what it added and updated and
    remembers the (unit, month) keys it touched (`touched`; None: too many, rebuild all)."""

    def __init__(
        self,
        record_pk: int,
        reject_duplicate: Callable[[int, list[Any], str], None],
        *,
        writable: set[int] | None = None,
        reject_foreign: Callable[[int, list[Any], str], None] | None = None,
    ) -> None:
        """`writable`: the units whose recorded dossiers the import may change (None: all);
        a known code of another unit goes to `reject_foreign`."""
        self.record_pk = record_pk
        self.reject_duplicate = reject_duplicate
        self.writable = writable
        self.reject_foreign = reject_foreign or reject_duplicate
        self.sql = _statements()
        self.copies = bool(self.sql.copy)
        self.staged = False
        self.seqscan = "on"
        self.jit = "off"
        self.checks_now = ""  # SET CONSTRAINTS …: the table's foreign keys, checked per batch
        self.checks_later = ""
        if self.copies:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('jit')")
                self.seqscan, self.jit = cursor.fetchone()
                cursor.execute(DEFERRED_KEYS, [Dossier._meta.db_table])
                names = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
                if names:
                    self.checks_now = f"SET CONSTRAINTS {names} IMMEDIATE"
                    self.checks_later = f"SET CONSTRAINTS {names} DEFERRED"
        self.created = 0
        self.updated = 0
        self.touched: set[MonthKey] | None = set()
        self.months: dict[Any, tuple[int, int]] = {}  # the database's month → (year, month)

    def _touch(self, keys: Any) -> None:
        if self.touched is None:
            return
        self.touched.update(keys)
        if len(self.touched) > MAX_TOUCHED_KEYS:
            self.touched = None

    def _old_month(self, value: Any) -> tuple[int, int]:
        """(year, month) of the month the look-up read: 'YYYY-MM-01' (SQLite) or a date."""
        found = self.months.get(value)
        if found is None:
            day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
            found = self.months[value] = (day.year, day.month)
        return found

    def write(self, batch: Checked) -> None:
        """Write the valid rows of a checked batch (`checking.prepare` adapted them and found
        the months they fall in now): new codes inserted, known ones updated.
        A code this import already wrote came from an earlier batch of the same file: that
        row is a duplicate, rejected here — the database remembers the codes, not memory."""
        if not batch.values:
            return
        self._touch(batch.months)
        with connection.cursor() as cursor:
            if self.copies:
                self._write_by_copy(cursor, batch)
            else:
                self._write_by_rows(cursor, batch)

    def _known(self, rows: list[tuple[Any, ...]]) -> dict[str, tuple[int, int, int]]:
        """code → (id, last import, unit) of the looked-up rows; the old months of those the
        import may change are touched."""
        old_month = self._old_month
        writable = self.writable
        self._touch(
            {
                (unit, *old_month(month))
                for _c, _p, _i, unit, month in rows
                if writable is None or unit in writable
            }
        )
        return {code: (pk, imported_in, unit) for code, pk, imported_in, unit, _m in rows}

    def _split(
        self, batch: Checked, existing: dict[str, tuple[int, int, int]]
    ) -> tuple[list[Any], list[tuple[int, Any]]]:
        """The batch's new rows, and its known ones with their id; a row whose code this
        import wrote already is rejected as a duplicate, and one whose code is a dossier of a
        unit the import may not change is rejected as another unit's."""
        if not existing:
            return batch.values, []  # the common case of a first import: no step per row
        new: list[Any] = []
        known: list[tuple[int, Any]] = []
        for index, code in enumerate(batch.codes):
            found = existing.get(code)
            if found is None:
                new.append(batch.values[index])
            elif self.writable is not None and found[2] not in self.writable:
                cells = batch.cells[index] if batch.cells else []
                self.reject_foreign(batch.numbers[index], cells, code)
            elif found[1] == self.record_pk:
                cells = batch.cells[index] if batch.cells else []
                self.reject_duplicate(batch.numbers[index], cells, code)
            else:
                known.append((found[0], batch.values[index]))
        return new, known

    def _write_by_rows(self, cursor: Any, batch: Checked) -> None:
        """Look the codes up, then executemany a plain INSERT for the new ones and an UPDATE
        by id for the known ones: on SQLite each is about twice as fast as INSERT … ON
        CONFLICT, and twenty times as fast as bulk_create or bulk_update."""
        codes = batch.codes
        cursor.execute(
            self.sql.look_up.format(", ".join(["%s"] * len(codes))),
            [*self.sql.month_params, *codes],
        )
        new, known_rows = self._split(batch, self._known(cursor.fetchall()))
        known = [[*values[1:], pk, *values[1:-1]] for pk, values in known_rows]
        imports = [(self.record_pk, pk, self.record_pk) for pk, _values in known_rows]
        if new:
            try:
                with transaction.atomic():
                    cursor.executemany(self.sql.insert, new)
            except IntegrityError:
                # Another import wrote one of these codes since the look-up: update it (the
                # months it was counted in are not known here: every month is rebuilt).
                self.touched = None
                cursor.executemany(self.sql.upsert, new)
        if known:
            # A row whose values did not change is not rewritten (nor are its four index
            # entries): only its import is set. Re-importing an overlapping export is the
            # common case, and SQLite rewrites every index an UPDATE names.
            cursor.executemany(self.sql.update, known)
            cursor.executemany(self.sql.update_import, imports)
        self.created += len(new)
        self.updated += len(known)

    def _write_by_copy(self, cursor: Any, batch: Checked) -> None:
        """PostgreSQL: look the codes up (sent as one JSON text: the driver's array of 2,000
        strings cost more than the look-up), COPY the new rows into the table and the known
        ones into a temporary table to update them from (executemany was five times slower).
        The rows arrive as COPY lines (`checking.copy_line`): written as they are.

        Planned inside the import's transaction, the table's statistics are those from
        before the import — an empty table, at the first import — and PostgreSQL chose
        sequential scans that grew with every batch: index scans are required while the
        batch is written, and JIT compilation (which the penalised plans' costs set off, at
        60 ms a statement) is off. Both with set_config(…, true): for this transaction only,
        and restored after the batch.

        The table's foreign keys (the unit, the import) are deferred to the commit, as Django
        makes them: a million rows' checks then ran there, one after the other, while
        nothing else could (a third of the import). They are checked with each batch's COPY
        instead — the same checks, while the checking process reads the next rows — and
        deferred again after it, for whatever else the transaction writes."""
        sql = self.sql
        cursor.execute(PLANNER_SETTINGS, ["off", "off"])
        if self.checks_now:
            cursor.execute(self.checks_now)
        cursor.execute(sql.look_up_json, [*sql.month_params, json.dumps(batch.codes)])
        new, known = self._split(batch, self._known(cursor.fetchall()))
        if new:
            try:
                with transaction.atomic(), cursor.copy(sql.copy) as copy:
                    copy.write("".join(new))
            except IntegrityError:
                # Another import wrote one of these codes since the look-up: update it (the
                # months it was counted in are not known here: every month is rebuilt).
                self.touched = None
                self._stage(cursor, [f"{COPY_NULL}\t{line}" for line in new])
                cursor.execute(sql.stage_upsert)
        if known:
            self._stage(cursor, [f"{pk}\t{line}" for pk, line in known])
            cursor.execute(sql.stage_update)
        cursor.execute(PLANNER_SETTINGS, [self.seqscan, self.jit])
        if self.checks_later:
            cursor.execute(self.checks_later)
        self.created += len(new)
        self.updated += len(known)

    def _stage(self, cursor: Any, lines: list[str]) -> None:
        """COPY lines of (id or NULL, values) into the temporary table, emptied first."""
        if not self.staged:
            cursor.execute(self.sql.stage_create)
            self.staged = True
        cursor.execute(self.sql.stage_clear)
        with cursor.copy(self.sql.stage_copy) as copy:
            copy.write("".join(lines))

    def drop_stage(self) -> None:
        if self.copies:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute(self.sql.stage_drop)


class RejectedRows:
    """The rejected rows of a valid-only import as a CSV: the file's cells under its own
    headings, then the reason; UTF-8 with BOM, every cell through core.exports.safe_row."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.rejected_bytes: IO[bytes] | None = None
        self.rejected_text: io.TextIOWrapper | None = None
        self.rejected_writer: Any = None

    def add(self, cells: list[Any], reason: str) -> None:
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
        self.rejected_writer.writerow(safe_row([*row, reason]))

    def save(self, record: DossierImport, file_name: str) -> None:
        """Store the rejected rows (original cells + reason, UTF-8 with BOM) on the record."""
        if self.rejected_bytes is None or self.rejected_text is None:
            return
        self.rejected_text.flush()
        self.rejected_text.detach()
        self.rejected_text = None
        self.rejected_bytes.seek(0)
        name = f"{Path(file_name).stem or 'dossiers'}-rejected-{record.pk}.csv"
        record.rejected_file.save(name, File(self.rejected_bytes), save=False)
        self.close()

    def close(self) -> None:
        if self.rejected_text is not None:
            self.rejected_text.detach()
            self.rejected_text = None
        if self.rejected_bytes is not None:
            self.rejected_bytes.close()
            self.rejected_bytes = None
