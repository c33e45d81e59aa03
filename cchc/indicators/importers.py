"""Import of dossier exports (CSV or XLSX) from the provincial public-service software.

Format, headings and modes: docs/formats/dossiers.md. One row per dossier, keyed by its code:
importing a file again updates the dossiers it already brought in.

The import streams: rows are read, checked and written in batches of BATCH_SIZE, so memory
stays flat whatever the size of the file (a million rows is the design size). Nothing is held
for the whole file, not even the codes seen: a code repeated in a later batch is found in the
database, where this same import already wrote it (Dossier.imported_in, see
`writing.BatchWriter`). What is remembered is bounded: the (unit, month) keys the rows touched,
whose monthly counts are rebuilt at the end (summary.py).

The work is in cchc.indicators.importing: `reading` (the file's bytes as rows, the header),
`parsing` (a row as checked values, or its errors), `checking` (the rows as checked batches
ready to write), `child` (the same, in a process of its own for a large file, so that
checking and writing overlap) and `writing` (the batch upsert, the rejected rows, the
touched months). This module runs one import through them (`_Run`, `import_dossiers`) and
keeps the names other modules and tests import from here.
"""

import contextlib
import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record
from cchc.core.imports import (
    ImportErrorItem,
    ImportFailed,
    heading_key,
    heading_lookup,
    ignored_columns_message,
    plain_key,
)
from cchc.indicators.importing.checking import (
    BATCH_SIZE,
    DUPLICATE_IN_ROW_MESSAGE,
    Checked,
    Heading,
    checked,
)
from cchc.indicators.importing.child import checked_in_child
from cchc.indicators.importing.parsing import (
    AMBIGUOUS,
    AMBIGUOUS_UNIT_MESSAGE,
    BAD_BOOLEAN_MESSAGE,
    BAD_CHANNEL_MESSAGE,
    BAD_SATISFACTION_MESSAGE,
    BAD_STATUS_MESSAGE,
    CHANNEL_WORDS,
    COLUMNS,
    DUE_BEFORE_RECEIVED_MESSAGE,
    FINISHED_BEFORE_RECEIVED_MESSAGE,
    OUTSIDE,
    OUTSIDE_UNIT_MESSAGE,
    REQUIRED_MESSAGE,
    SATISFACTION_WORDS,
    STATUS_WORDS,
    TOO_LONG_MESSAGE,
    UNKNOWN_UNIT_MESSAGE,
    RowParser,
    UnitIndex,
    continuing_unit,
    unit_index,
)
from cchc.indicators.importing.reading import (
    DEFAULT_HEADINGS,
    EMPTY_FILE_MESSAGE,
    FIELD_LABELS,
    FIELDS,
    NOT_CSV_MESSAGE,
    NOT_XLSX_MESSAGE,
    REQUIRED_FIELDS,
    XLSX_BOMB_MESSAGE,
    XLSX_TOO_LARGE_MESSAGE,
    DossierImportFailed,
    Rows,
    _csv_rows,
    _is_xlsx,
    _seekable,
    _xlsx_rows,
    check_xlsx_zip,
    headings,
)
from cchc.indicators.importing.writing import (
    DUPLICATE_EARLIER_MESSAGE,
    FOREIGN_CODE_MESSAGE,
    REASON_HEADING,
    BatchWriter,
    RejectedRows,
)
from cchc.indicators.models import DossierImport
from cchc.indicators.summary import add_dossier_months, rebuild_dossier_months
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import KEEP, Scope

__all__ = [
    "AMBIGUOUS",
    "OUTSIDE",
    "UnitIndex",
    "continuing_unit",
    "unit_index",
    "AMBIGUOUS_UNIT_MESSAGE",
    "BAD_BOOLEAN_MESSAGE",
    "BAD_CHANNEL_MESSAGE",
    "BAD_SATISFACTION_MESSAGE",
    "BAD_STATUS_MESSAGE",
    "BATCH_SIZE",
    "CHANNEL_WORDS",
    "COLUMNS",
    "DEFAULT_HEADINGS",
    "DUE_BEFORE_RECEIVED_MESSAGE",
    "DUPLICATE_EARLIER_MESSAGE",
    "FOREIGN_CODE_MESSAGE",
    "DUPLICATE_IN_ROW_MESSAGE",
    "EMPTY_FILE_MESSAGE",
    "FIELDS",
    "FIELD_LABELS",
    "FINISHED_BEFORE_RECEIVED_MESSAGE",
    "NOT_CSV_MESSAGE",
    "OUTSIDE_UNIT_MESSAGE",
    "NOT_XLSX_MESSAGE",
    "REASON_HEADING",
    "REQUIRED_FIELDS",
    "REQUIRED_MESSAGE",
    "SATISFACTION_WORDS",
    "STATUS_WORDS",
    "TOO_LONG_MESSAGE",
    "UNKNOWN_UNIT_MESSAGE",
    "XLSX_BOMB_MESSAGE",
    "XLSX_TOO_LARGE_MESSAGE",
    "DossierImportFailed",
    "DossierImportResult",
    "check_xlsx_zip",
    "heading_key",
    "headings",
    "import_dossier_records",
    "import_dossiers",
    "plain_key",
]

# Errors kept in the exception and on the import record; the total is always counted.
MAX_KEPT_ERRORS = 200
# A batch pushed through the API (import_dossier_records) holds at most this many records.
MAX_PUSHED_RECORDS = 5000
EMPTY_BATCH_MESSAGE = gettext_noop("The batch holds no dossier.")
TOO_MANY_RECORDS_MESSAGE = gettext_noop(
    "A batch holds at most {limit} records: send the others in another batch."
)

ProgressCallback = Callable[[int, float | None], None]  # rows read, share of the file's bytes


def _record_cell(value: Any) -> Any:
    """A JSON value as the cell a file would hold: text, or "" for null; true/false as the
    words the parser reads; numbers as their text (a satisfaction score)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if isinstance(value, str) else str(value)


def import_unit_id(actor: Any) -> int | None:
    """The unit an import is made for: the highest its importer keeps (a page's upload, an
    API client's push, a command run as a keeper). Its keepers and those above see it, its
    errors and refused rows (`selectors.imports_for`); one made by nobody's keeper (an
    administrator, a command run without a user) only the administrators."""
    return next(iter(Scope.of(actor).kept_unit_ids), None)


def kept_unit_ids(actor: Any) -> list[int] | None:
    """The units whose dossiers this actor may write: those they keep (the one scope policy);
    None, every unit, for an administrator or the command line (actor None: the server's
    operator)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    scope = Scope.of(actor)
    if scope.is_admin:
        return None
    return list(scope.filter(OrgUnit.objects.all(), purpose=KEEP).values_list("pk", flat=True))


@dataclass
class DossierImportResult:
    rows_read: int
    created: int
    updated: int
    rejected: int
    errors: list[ImportErrorItem]
    record: DossierImport
    ignored: tuple[str, ...] = ()  # the file's headings that name no field: not read
    # Rows keyed to a unit a reorganisation had ended, written to the unit continuing it.
    mapped: int = 0


class _Run:
    """One import: reads rows (reading), checks them (parsing), writes batches (writing),
    keeps the counts."""

    def __init__(
        self,
        record: DossierImport,
        mode: str,
        progress: ProgressCallback | None,
        actor: Any = None,
    ) -> None:
        self.record = record
        self.record_pk = record.pk
        self.keep_valid = mode == DossierImport.Mode.VALID_ONLY
        self.progress = progress
        kept = kept_unit_ids(actor)
        self.parser = RowParser(unit_index(kept), record.pk)
        self.writer = BatchWriter(
            record.pk,
            self._reject_duplicate,
            writable=None if kept is None else set(kept),
            reject_foreign=self._reject_foreign,
        )
        self.rows_read = 0
        self.mapped = 0  # rows written to the unit continuing an ended one
        self.rejected = 0
        self.error_count = 0
        self.errors: list[ImportErrorItem] = []
        self.header: list[str] = []
        self.headings: dict[str, str] = {}
        self.ignored: tuple[str, ...] = ()
        self.rejected_rows: RejectedRows | None = None
        self.size = 0

    @property
    def created(self) -> int:
        return self.writer.created

    @property
    def updated(self) -> int:
        return self.writer.updated

    def result(self) -> DossierImportResult:
        """What the import did, as its callers are answered (once it has finished)."""
        return DossierImportResult(
            rows_read=self.rows_read,
            created=self.created,
            updated=self.updated,
            rejected=self.rejected,
            errors=self.errors,
            record=self.record,
            ignored=self.ignored,
            mapped=self.record.mapped,
        )

    def rebuild_months(self) -> None:
        """Count again the months the import touched (every month, if it lost count); when it
        only added dossiers (no code known before, none written by another import meanwhile),
        add their counts instead."""
        if self.writer.updated == 0 and self.writer.touched is not None:
            add_dossier_months(self.record_pk)
        else:
            rebuild_dossier_months(keys=self.writer.touched)

    # Reading -------------------------------------------------------------------------------

    def run(self, stream: BinaryIO, file_name: str) -> None:
        lookup = heading_lookup(headings())
        source = _seekable(stream)
        self.size = source.seek(0, io.SEEK_END)
        source.seek(0)
        is_xlsx = _is_xlsx(file_name, source)

        def make_rows(own: IO[bytes]) -> Rows:
            return _xlsx_rows(own) if is_xlsx else _csv_rows(own, lookup)

        if self.size >= settings.DOSSIER_IMPORT_CHILD_BYTES and hasattr(os, "fork"):
            # A large file is checked in a process of its own while this one writes.
            self._take_all(
                checked_in_child(
                    source, self.size, make_rows, lookup, self.parser, keep_cells=self.keep_valid
                )
            )
        else:
            rows = make_rows(source)
            try:
                self._take_all(checked(rows, lookup, self.parser, source, self.size))
            finally:
                rows.close()  # now, while the caller's stream is still open
        if self.rows_read == 0:
            raise DossierImportFailed([ImportErrorItem(1, "", _(EMPTY_FILE_MESSAGE))])

    def run_records(self, records: Sequence[Mapping[str, Any]]) -> None:
        """A batch of records (the API): one row each, numbered by its index in the batch,
        under a header of the field names, read exactly as a file's rows are."""
        lookup = heading_lookup(headings())

        def rows() -> Rows:
            yield -1, list(FIELDS)
            for index, record in enumerate(records):
                yield index, [_record_cell(record.get(name)) for name in FIELDS]

        self._take_all(checked(rows(), lookup, self.parser))
        if self.rows_read == 0:
            raise DossierImportFailed([ImportErrorItem(-1, "", _(EMPTY_BATCH_MESSAGE))])

    # Writing what was checked ---------------------------------------------------------------

    def _take_all(self, items: Iterator[Heading | Checked]) -> None:
        """The header, then each checked batch: its rejected rows kept, its valid ones
        written (a batch at a time in its own transaction when valid rows are kept)."""
        for item in items:
            if isinstance(item, Heading):
                self.header = item.cells
                self.headings = item.headings
                self.ignored = item.ignored
                continue
            self.rows_read += item.rows_read
            self.mapped += item.mapped
            for number, cells, errors in item.rejected:
                self._reject(number, cells, errors)
            if self.keep_valid:
                # Each batch commits: how far the import has got is visible at once.
                with transaction.atomic():
                    self.writer.write(item)
                    DossierImport.objects.filter(pk=self.record_pk).update(rows_read=self.rows_read)
            else:
                # Inside the import's one transaction the record is not written per batch:
                # nobody else would see it before the commit (progress.py tells them), and
                # on PostgreSQL every version of its row is one more step for each dossier's
                # foreign-key check to walk (it doubled the checks' time of a million rows).
                self.writer.write(item)
            if self.progress is not None:
                self.progress(self.rows_read, item.fraction)

    def drop_stage(self) -> None:
        self.writer.drop_stage()

    # Rejected rows -------------------------------------------------------------------------

    def _reject_duplicate(self, number: int, cells: list[Any], code: str) -> None:
        message = _(DUPLICATE_EARLIER_MESSAGE).format(code=code)
        self._reject(number, cells, [ImportErrorItem(number, self.headings["code"], message)])

    def _reject_foreign(self, number: int, cells: list[Any], code: str) -> None:
        message = _(FOREIGN_CODE_MESSAGE).format(code=code)
        self._reject(number, cells, [ImportErrorItem(number, self.headings["code"], message)])

    def _reject(self, number: int, cells: list[Any], errors: list[ImportErrorItem]) -> None:
        self.rejected += 1
        for item in errors:
            self.error_count += 1
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(item)
        if not self.keep_valid:
            return
        if self.rejected_rows is None:
            self.rejected_rows = RejectedRows(self.header)
        self.rejected_rows.add(cells, " ".join(str(item) for item in errors))

    def save_rejected(self, file_name: str) -> None:
        if self.rejected_rows is not None:
            self.rejected_rows.save(self.record, file_name)

    def close(self) -> None:
        if self.rejected_rows is not None:
            self.rejected_rows.close()


def _finish(
    run: _Run,
    record: DossierImport,
    *,
    actor: Any,
    status: str,
    errors: Iterable[ImportErrorItem],
    written: bool = True,
    describe: Callable[[ImportErrorItem], str] = str,
) -> None:
    """Record how the import ended (`written`: whether its batches stayed) and audit it;
    `describe` writes each error as the import's page lists it."""
    record.status = status
    record.rows_read = run.rows_read
    record.created = run.created if written else 0
    record.updated = run.updated if written else 0
    record.rejected = run.rejected
    record.mapped = run.mapped if written else 0
    # What was not read comes first: it may explain the errors that follow.
    notes = [ignored_columns_message(run.ignored)] if run.ignored else []
    record.errors = [*notes, *(describe(item) for item in errors)][:MAX_KEPT_ERRORS]
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
            "mapped": record.mapped,
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
            org_unit_id=import_unit_id(actor),
        )
    else:
        record.status = DossierImport.Status.RUNNING
        record.save(update_fields=["status", "updated_at"])
    run = _Run(record, mode, progress, actor)
    try:
        if mode == DossierImport.Mode.VALID_ONLY:
            try:
                run.run(stream, file_name)
            finally:
                if run.created or run.updated:
                    run.rebuild_months()  # the batches committed so far stay: count them
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
                run.rebuild_months()
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
    return run.result()


def import_dossier_records(
    *, actor: Any, records: Sequence[Mapping[str, Any]], source: str
) -> DossierImportResult:
    """A batch of dossier records pushed by one of the province's systems (the API), checked
    and written exactly as a file's rows, all or nothing: any wrong record raises
    DossierImportFailed, whose errors name the record's index (`row`) and its field
    (`column`), and nothing is written. Keyed by the dossier's code, so sending the same batch
    again changes no dossier and no monthly count. Recorded and audited as an import named
    after its `source` (the client)."""
    if not records:
        raise DossierImportFailed([ImportErrorItem(-1, "", _(EMPTY_BATCH_MESSAGE))])
    if len(records) > MAX_PUSHED_RECORDS:
        raise DossierImportFailed(
            [ImportErrorItem(-1, "", _(TOO_MANY_RECORDS_MESSAGE).format(limit=MAX_PUSHED_RECORDS))]
        )
    record = DossierImport.objects.create(
        file_name=source[:255],
        mode=DossierImport.Mode.ALL_OR_NOTHING,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
        org_unit_id=import_unit_id(actor),
    )
    run = _Run(record, DossierImport.Mode.ALL_OR_NOTHING, None, actor)
    try:
        with transaction.atomic():
            run.run_records(records)
            if run.error_count:
                raise DossierImportFailed(run.errors, run.error_count)
            run.rebuild_months()
            _finish(run, record, actor=actor, status=DossierImport.Status.DONE, errors=[])
    except ImportFailed as failure:
        total = getattr(failure, "total", len(failure.errors))
        _finish(
            run,
            record,
            actor=actor,
            status=DossierImport.Status.FAILED,
            errors=failure.errors,
            written=False,
            describe=pushed_record_error,
        )
        raise DossierImportFailed(failure.errors[:MAX_KEPT_ERRORS], total) from None
    finally:
        run.drop_stage()
    return run.result()


def pushed_record_error(item: ImportErrorItem) -> str:
    """An error of a pushed batch as the imports' page lists it: by the record's index, as
    the API's answer gave it to the client (a file's "Row 0" read as a row that no file has)."""
    if item.row < 0:
        return str(item.message)
    if item.column:
        return _("Record index %(index)s, field “%(field)s”: %(message)s") % {
            "index": item.row,
            "field": item.column,
            "message": item.message,
        }
    return _("Record index %(index)s: %(message)s") % {"index": item.row, "message": item.message}
