"""Directives: recorded by the Home Affairs office, completed when the unit reports it done."""

import datetime
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record
from cchc.core.dates import short_date
from cchc.core.imports import (
    ImportErrorItem,
    ImportFailed,
    heading_lookup,
    is_workbook,
    parse_date,
    plain_key,
    read_sheets,
)
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability
from cchc.indicators import progress
from cchc.indicators.importers import (
    AMBIGUOUS,
    AMBIGUOUS_UNIT_MESSAGE,
    FIELD_LABELS,
    OUTSIDE,
    UnitIndex,
    continuing_unit,
    heading_key,
    headings,
    import_dossiers,
    import_unit_id,
    kept_unit_ids,
    unit_index,
)
from cchc.indicators.importing.child import CheckingStopped
from cchc.indicators.importing.parsing import (
    END_DAY,
    FIRST_DAY,
    TOO_LONG_MESSAGE,
    YEAR_RANGE_MESSAGE,
)
from cchc.indicators.models import ColumnAlias, Directive, DossierImport
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import Scope

DEADLINE_ORDER_MESSAGE = gettext_noop("The deadline cannot come before the directive.")
NOT_A_UNIT_MESSAGE = gettext_noop("Choose a ward or commune.")
COMPLETED_FUTURE_MESSAGE = gettext_noop("A directive cannot be completed in the future.")
ISSUED_FUTURE_MESSAGE = gettext_noop("A directive cannot be issued after today.")
NUMBER_LENGTH = Directive._meta.get_field("number").max_length or 64
COMPLETION_RECORDED_MESSAGE = gettext_noop(
    "The completion of this directive is recorded already: only the Home Affairs officers who "
    "keep the directives change it. Ask them if the date is wrong."
)
COMPLETED_BEFORE_MESSAGE = gettext_noop("It cannot be completed before it was given.")
CONTENT_NEEDED_MESSAGE = gettext_noop("Write the number and the content of the directive.")
HEADING_TAKEN_MESSAGE = gettext_noop("The heading “{heading}” is already used.")
HEADING_OF_FIELD_MESSAGE = gettext_noop(
    "“{heading}” is already the heading of the column “{field}”: a file could no longer tell "
    "the two columns apart. Write the heading the other software uses for this field."
)
HEADING_EMPTY_MESSAGE = gettext_noop("Write the column heading as the file has it.")


@transaction.atomic
def directive_create(
    *,
    actor: Any,
    number: str,
    issued_on: datetime.date,
    content: str,
    deadline: datetime.date,
    org_unit: OrgUnit,
) -> Directive:
    if not number.strip() or not content.strip():
        raise ValidationError(_(CONTENT_NEEDED_MESSAGE))
    if deadline < issued_on:
        raise ValidationError({"deadline": _(DEADLINE_ORDER_MESSAGE)})
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _(ISSUED_FUTURE_MESSAGE)})
    for name, day in (("issued_on", issued_on), ("deadline", deadline)):
        if not FIRST_DAY.year <= day.year < END_DAY.year:
            value = short_date(day)
            raise ValidationError({name: _(YEAR_RANGE_MESSAGE).format(value=value)})
    if org_unit.kind not in OrgUnit.ASSESSED_KINDS:
        raise ValidationError({"org_unit": _(NOT_A_UNIT_MESSAGE)})
    directive = Directive(
        number=number.strip()[:64],
        issued_on=issued_on,
        content=content.strip(),
        deadline=deadline,
        org_unit=org_unit,
        recorded_by=actor,
    )
    directive.validate_constraints()
    directive.save()
    audit_record(
        actor=actor,
        action="directive.create",
        target=directive,
        after={"unit": org_unit.pk, "deadline": deadline.isoformat()},
    )
    return directive


def directive_completion_refusal(*, actor: Any, directive: Directive) -> str | None:
    """Why the actor may not record the directive's completion now; None when they may. The
    Home Affairs office records and corrects it; the unit reports its own directive done, once.
    A date recorded is changed by the office only: a ward moved its late completion to the day
    before the deadline, and its score with it (a new-user walk). PermissionDenied for someone
    who may not touch the directive at all."""
    if actor is None or user_has_capability(actor, Capability.MANAGE_INDICATORS):
        return None
    if not (
        user_has_capability(actor, Capability.SELF_ASSESS)
        and directive.org_unit_id in Scope.of(actor).own_unit_ids
    ):
        raise PermissionDenied
    if directive.completed_on is not None:
        return _(COMPLETION_RECORDED_MESSAGE)
    return None


@transaction.atomic
def directive_complete(
    *, actor: Any, directive: Directive, completed_on: datetime.date | None, note: str = ""
) -> Directive:
    """Record (or clear, with None) the date the unit finished the directive; refused as
    `directive_completion_refusal` says of the row as it is now (locked: two reports sent at
    once are one, then a refusal)."""
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    refusal = directive_completion_refusal(actor=actor, directive=directive)
    if refusal is not None:
        raise ValidationError({"completed_on": refusal})
    if completed_on is not None:
        if completed_on > timezone.localdate():
            raise ValidationError({"completed_on": _(COMPLETED_FUTURE_MESSAGE)})
        if completed_on < directive.issued_on:
            raise ValidationError({"completed_on": _(COMPLETED_BEFORE_MESSAGE)})
    before = directive.completed_on
    directive.completed_on = completed_on
    directive.note = note.strip()[:500] or directive.note
    directive.save(update_fields=["completed_on", "note", "updated_at"])
    audit_record(
        actor=actor,
        action="directive.update",
        target=directive,
        before={"completed_on": before.isoformat() if before else None},
        after={"completed_on": completed_on.isoformat() if completed_on else None},
    )
    return directive


@transaction.atomic
def column_alias_add(*, actor: Any, field: str, heading: str) -> ColumnAlias:
    """Accept one more column heading for a dossier field."""
    cleaned = heading_key(heading)
    if not cleaned:
        raise ValidationError({"heading": _(HEADING_EMPTY_MESSAGE)})
    # Compared as a file's headings are (cchc.core.imports.read_header): written as it is or
    # without diacritics. A heading another field already answers to ("Đơn vị" is the unit's)
    # would take that field's column away from every file.
    exact, plain = heading_lookup(headings())
    taken = exact.get(cleaned) or plain.get(plain_key(cleaned))
    if taken is not None:
        message = HEADING_TAKEN_MESSAGE if taken == field else HEADING_OF_FIELD_MESSAGE
        raise ValidationError(
            {"heading": _(message).format(heading=heading.strip(), field=FIELD_LABELS[taken])}
        )
    alias = ColumnAlias.objects.create(field=field, heading=cleaned)
    audit_record(actor=actor, action="column_alias.create", target=alias, after={"field": field})
    return alias


@transaction.atomic
def column_alias_delete(*, actor: Any, alias: ColumnAlias) -> None:
    audit_record(
        actor=actor,
        action="column_alias.delete",
        target=alias,
        before={"field": alias.field, "heading": alias.heading},
    )
    alias.delete()


# --- Directives from a file -------------------------------------------------------------------

DIRECTIVE_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "số", "số văn bản", "so van ban", "số ký hiệu"),
    "issued_on": ("date", "issued on", "ngày", "ngày ban hành", "ngay ban hanh"),
    "content": ("content", "nội dung", "noi dung", "nội dung chỉ đạo"),
    "deadline": ("deadline", "thời hạn", "thoi han", "hạn", "hạn xử lý"),
    "unit": ("unit", "đơn vị", "don vi", "đơn vị thực hiện", "đơn vị chủ trì"),
    "completed_on": ("completed on", "ngày hoàn thành", "ngay hoan thanh"),
}
DIRECTIVE_REQUIRED = ["number", "issued_on", "content", "deadline", "unit"]
# CCHC's header for each column (a missing one is named by it; errors in rows name the column
# by its header as the file writes it). Other columns are ignored and reported.
DIRECTIVE_LABELS = {
    "number": "Số văn bản",
    "issued_on": "Ngày ban hành",
    "content": "Nội dung",
    "deadline": "Thời hạn",
    "unit": "Đơn vị",
    "completed_on": "Ngày hoàn thành",
}
EMPTY_CELL_MESSAGE = gettext_noop("This cell must not be empty.")
UNKNOWN_UNIT_MESSAGE = gettext_noop("No ward or commune has the code or name “{value}”.")
REPEATED_MESSAGE = gettext_noop("This directive for this unit is already in row {row}.")
NO_ROWS_MESSAGE = gettext_noop("The file has no directives in it.")


OUTSIDE_DIRECTIVE_UNIT_MESSAGE = gettext_noop(
    "The unit “{value}” is not one you keep: its directives are recorded by those who keep it."
)
MAX_PUSHED_DIRECTIVES = 5000
TOO_MANY_DIRECTIVES_MESSAGE = gettext_noop(
    "A batch holds at most {limit} directives: send the others in another batch."
)


@transaction.atomic
def directives_import(
    *, actor: Any, data: bytes, file_name: str, ignored: list[str] | None = None
) -> tuple[int, int]:
    """Import directives (one row per directive and responsible unit) from CSV or XLSX: all
    rows or nothing, each error with its row and column. A directive already recorded for the
    unit (same number) is updated. Returns (added, updated); `ignored`, if given, receives the
    headers of the columns the file has but CCHC does not read."""
    sheets = read_sheets(data, xlsx=is_workbook(file_name, data[:8]), empty_message=NO_ROWS_MESSAGE)
    sheet = next(iter(sheets.values()), None)
    if sheet is None:
        raise ImportFailed([ImportErrorItem(1, "", _(NO_ROWS_MESSAGE))])
    header = sheet.header(DIRECTIVE_COLUMNS, labels=DIRECTIVE_LABELS, required=DIRECTIVE_REQUIRED)
    header.require(DIRECTIVE_REQUIRED)
    if ignored is not None:
        ignored.extend(header.ignored)
    rows, errors = _directive_rows(actor, sheet.records(header))
    if not rows and not errors:
        errors.append(ImportErrorItem(2, "", _(NO_ROWS_MESSAGE)))
    if errors:
        raise ImportFailed(header.name_columns(errors))
    return _directives_write(actor, rows, source=file_name)


@transaction.atomic
def directives_push(*, actor: Any, records: list[dict[str, Any]], source: str) -> tuple[int, int]:
    """Directives pushed by one of the province's systems (the API): the file import's own
    checks and writes, all or nothing, each error naming the record's index (`row`) and its
    field (`column`); keyed by number and unit, so a batch sent twice changes nothing. Returns
    (added, updated)."""
    if not records:
        raise ImportFailed([ImportErrorItem(-1, "", _(NO_ROWS_MESSAGE))])
    if len(records) > MAX_PUSHED_DIRECTIVES:
        raise ImportFailed(
            [
                ImportErrorItem(
                    -1, "", _(TOO_MANY_DIRECTIVES_MESSAGE).format(limit=MAX_PUSHED_DIRECTIVES)
                )
            ]
        )
    texts = (
        (
            index,
            {name: "" if value is None else str(value).strip() for name, value in record.items()},
        )
        for index, record in enumerate(records)
    )
    rows, errors = _directive_rows(actor, texts)
    if errors:
        raise ImportFailed(errors)
    return _directives_write(actor, rows, source=source)


def _directive_unit(
    index: UnitIndex, units: dict[int, OrgUnit], value: str, issued_on: datetime.date | None
) -> tuple[OrgUnit | None, str]:
    """The ward or commune a row names, or why none: unknown, shared by several units,
    not kept by the importer. A unit a reorganisation ended hands a directive issued after
    its last day to the unit that continues it, as a dossier received then goes there."""
    if not value:
        return None, ""
    pk = index.get(heading_key(value))
    if pk == AMBIGUOUS:
        return None, _(AMBIGUOUS_UNIT_MESSAGE).format(value=value)
    if pk == OUTSIDE:
        return None, _(OUTSIDE_DIRECTIVE_UNIT_MESSAGE).format(value=value)
    if pk is not None and pk in index.heirs:
        # The index marks OUTSIDE only a unit whose heir is not kept either.
        pk, _moved, kept = continuing_unit(index.heirs, index.kept, pk, issued_on)
        if not kept:
            return None, _(OUTSIDE_DIRECTIVE_UNIT_MESSAGE).format(value=value)
    if pk is None or pk not in units:
        return None, _(UNKNOWN_UNIT_MESSAGE).format(value=value)
    return units[pk], ""


def _directive_rows(
    actor: Any, records: Iterable[tuple[int, dict[str, str]]]
) -> tuple[list[tuple[int, dict[str, Any]]], list[ImportErrorItem]]:
    """Each record (its number, its values by field) checked: the rows to write, or the
    errors by row and field. A unit is found by code, GSO code or name among the wards and
    communes; one the actor does not keep (the one scope policy) is refused."""
    # The dossier import's index (one rule for both files): codes before GSO codes before
    # names, a name two units of today share is ambiguous, an ended unit's name counts only
    # when no unit of today has it, a unit not kept is outside.
    index = unit_index(kept_unit_ids(actor))
    units = OrgUnit.objects.filter(kind__in=OrgUnit.ASSESSED_KINDS).in_bulk()
    errors: list[ImportErrorItem] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, int], int] = {}
    for number, values in records:
        row: dict[str, Any] = {}
        for name in DIRECTIVE_REQUIRED:
            if not values.get(name):
                errors.append(ImportErrorItem(number, name, _(EMPTY_CELL_MESSAGE)))
        for name in ("issued_on", "deadline", "completed_on"):
            if values.get(name):
                try:
                    row[name] = parse_date(values[name])
                except ValueError as error:
                    errors.append(ImportErrorItem(number, name, str(error)))
                    continue
                # 01/11/0001 and 31/12/9999 were imported (the list showed "01/11/1").
                if not FIRST_DAY.year <= row[name].year < END_DAY.year:
                    message = _(YEAR_RANGE_MESSAGE).format(value=values[name])
                    errors.append(ImportErrorItem(number, name, message))
                    del row[name]
        if row.get("issued_on") and row["issued_on"] > timezone.localdate():
            errors.append(ImportErrorItem(number, "issued_on", _(ISSUED_FUTURE_MESSAGE)))
        unit, refusal = _directive_unit(index, units, values.get("unit", ""), row.get("issued_on"))
        if refusal:
            errors.append(ImportErrorItem(number, "unit", refusal))
        if row.get("issued_on") and row.get("deadline") and row["deadline"] < row["issued_on"]:
            errors.append(ImportErrorItem(number, "deadline", _(DEADLINE_ORDER_MESSAGE)))
        if row.get("completed_on") and row.get("issued_on"):
            if row["completed_on"] < row["issued_on"]:
                errors.append(ImportErrorItem(number, "completed_on", _(COMPLETED_BEFORE_MESSAGE)))
            if row["completed_on"] > timezone.localdate():
                errors.append(ImportErrorItem(number, "completed_on", _(COMPLETED_FUTURE_MESSAGE)))
        if unit is not None and values.get("number"):
            series = (values["number"].strip(), unit.pk)
            if series in seen:
                errors.append(
                    ImportErrorItem(number, "number", _(REPEATED_MESSAGE).format(row=seen[series]))
                )
            seen[series] = number
        written = values.get("number", "").strip()
        if len(written) > NUMBER_LENGTH:
            # Cut to 64, two numbers alike in their first 64 characters were one (a 500).
            limit = _(TOO_LONG_MESSAGE).format(limit=NUMBER_LENGTH)
            errors.append(ImportErrorItem(number, "number", limit))
        row.update(number=written, content=values.get("content", ""))
        row["unit"] = unit
        rows.append((number, row))
    return rows, errors


def _directives_write(
    actor: Any, rows: list[tuple[int, dict[str, Any]]], *, source: str
) -> tuple[int, int]:
    existing = {
        (directive.number, directive.org_unit_id): directive
        for directive in Directive.objects.filter(
            number__in=[row["number"] for _n, row in rows],
            org_unit_id__in=[row["unit"].pk for _n, row in rows],
        )
    }
    added = updated = 0
    fields = ("issued_on", "deadline", "content", "completed_on")
    for _number, row in rows:
        values = {name: row.get(name) for name in fields}
        directive = existing.get((row["number"], row["unit"].pk))
        if directive is None:
            Directive.objects.create(
                number=row["number"], org_unit=row["unit"], recorded_by=actor, **values
            )
            added += 1
            continue
        changed = [name for name in fields if getattr(directive, name) != values[name]]
        if not changed:  # the same file again: nothing to update, nothing said updated
            continue
        for name in changed:
            setattr(directive, name, values[name])
        directive.save(update_fields=[*changed, "updated_at"])
        updated += 1
    audit_record(
        actor=actor,
        action="directive.import",
        object_type="indicators.directive",
        object_repr=source[:255],
        after={"added": added, "updated": updated},
    )
    return added, updated


# Dossier imports from the page ------------------------------------------------------------

INTERRUPTED_MESSAGE = gettext_noop(
    "The import stopped before the end for a reason that is not the file's (%(reason)s); "
    "nothing of it was kept unless the mode keeps valid rows. Import the file again."
)
# What the page says of a failure that is not the file's (the error's own name and text are in
# the server's log, never on the page). The first class the error is an instance of wins.
INTERRUPTED_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (
        CheckingStopped,
        gettext_noop("the process checking the file stopped, for example for lack of memory"),
    ),
    (MemoryError, gettext_noop("the server ran out of memory")),
    (DatabaseError, gettext_noop("the database refused the write or did not answer")),
    (OSError, gettext_noop("the file could not be read from storage")),
)
INTERRUPTED_OTHER_REASON = gettext_noop("an error on the server, recorded in its log")

logger = logging.getLogger(__name__)


def interrupted_reason(error: BaseException) -> str:
    """Say in the user's language why an import stopped for a reason that is not the file's."""
    for kind, reason in INTERRUPTED_REASONS:
        if isinstance(error, kind):
            return _(reason)
    return _(INTERRUPTED_OTHER_REASON)


def dossier_import_start(*, actor: Any, upload: Any, mode: str) -> DossierImport:
    """Keep the upload and queue its import: a worker runs it while the page shows how far it
    has got (a million rows take longer than a web request may)."""
    from cchc.indicators.tasks import run_dossier_import

    if mode not in DossierImport.Mode.values:
        raise ValidationError(_("Choose how rows with errors are handled."))
    name = Path(upload.name).name
    record = DossierImport(
        file_name=name[:255],
        mode=mode,
        status=DossierImport.Status.QUEUED,
        size=upload.size or 0,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
        org_unit_id=import_unit_id(actor),
    )
    # The stored name is ours: the citizen-facing name stays in file_name only.
    record.upload.save(f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:8]}", upload, save=False)
    record.save()
    transaction.on_commit(lambda: run_dossier_import.enqueue(record.pk))
    return record


def dossier_import_run(pk: int) -> DossierImport:
    """Run a queued import (the task). Idempotent: a record no longer queued is left alone, so
    a task delivered twice imports once. The upload and the progress file are removed at the
    end, whatever happened; the record says what it did."""
    record = DossierImport.objects.select_related("imported_by").get(pk=pk)
    if record.status != DossierImport.Status.QUEUED:
        return record
    try:
        with record.upload.open("rb") as stream:
            import_dossiers(
                actor=record.imported_by,
                stream=cast(BinaryIO, stream),  # a File proxies read/seek/tell
                file_name=record.file_name,
                mode=record.mode,
                record=record,
                progress=lambda rows, fraction: progress.write(pk, rows, fraction),
            )
    except ImportFailed:
        pass  # recorded on the import, with its errors
    except Exception as error:  # noqa: BLE001 - the page must say why, not stay "running"
        logger.exception("dossier import %s stopped", pk)
        DossierImport.objects.filter(pk=pk).update(
            status=DossierImport.Status.FAILED,
            errors=[_(INTERRUPTED_MESSAGE) % {"reason": interrupted_reason(error)}],
        )
    finally:
        progress.clear(pk)
        record.upload.delete(save=False)
        DossierImport.objects.filter(pk=pk).update(upload="")
    record.refresh_from_db()
    return record
