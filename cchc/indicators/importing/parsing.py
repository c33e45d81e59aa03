"""Parsing: one row of cells → the dossier's values, checked, or the row's errors (each with
its row and the column as the file names it).

The model's rules are all repeated here rather than asked of `full_clean` (lengths,
choices, the unit): a million rows are checked in a few seconds. Values come out in the
order of COLUMNS, the datetimes naive local wall-clock times (the writer adapts them).
"""

import datetime
import re
import unicodedata
from collections.abc import Collection
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exports import restore
from cchc.core.imports import (
    BAD_DATE_MESSAGE,
    NUL_MESSAGE,
    ImportErrorItem,
    heading_key,
    plain_key,
)
from cchc.indicators.importing.reading import FIELD_LABELS, _nfc, _text
from cchc.indicators.models import Dossier
from cchc.orgunits.models import OrgUnit, UnitChange

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
BAD_BOOLEAN_MESSAGE = gettext_noop("“{value}” is neither yes (có) nor no (không).")
UNKNOWN_UNIT_MESSAGE = gettext_noop("No unit has the code or name “{value}”.")
AMBIGUOUS_UNIT_MESSAGE = gettext_noop("Several units are named “{value}”; write the unit's code.")
OUTSIDE_UNIT_MESSAGE = gettext_noop(
    "The unit “{value}” is not one you keep: its dossiers are imported by those who keep it."
)
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
TOO_LONG_MESSAGE = gettext_noop("At most {limit} characters.")
NOT_YET_MESSAGE = gettext_noop("After today: a dossier is not received or finished in advance.")
YEAR_RANGE_MESSAGE = gettext_noop("“{value}”: the year must be from 1970 to 2099.")

AMBIGUOUS = -1  # in the unit index: a name shared by several units
OUTSIDE = -2  # in the unit index: a unit the importer does not keep (cchc.orgunits.scope)
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001 (local wall time, made aware later)
# Excel serial numbers accepted as dates: 1970-01-01 to 2099-12-31 (so "2025" is not a date);
# a date typed in words, the same years (01/01/1900 and 31/12/9999 were imported).
SERIAL_RANGE = (25569.0, 73051.0)
FIRST_DAY = datetime.datetime(1970, 1, 1)  # noqa: DTZ001 (local wall time)
END_DAY = datetime.datetime(2100, 1, 1)  # noqa: DTZ001 (local wall time)
DMY_RE = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:hH](\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
TIME_FIRST_RE = re.compile(
    r"(\d{1,2})[:hH](\d{2})(?::(\d{2}))?[ ,]+(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"
)
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?$")
from_iso = datetime.datetime.fromisoformat


class UnitIndex(dict[str, int]):
    """Normalised code, GSO code and name → unit id (`unit_index`), and the units a
    reorganisation ended: `heirs`, ended unit id → (its last day, the unit that continues it:
    its only successor, a divided unit's default one, followed through later reorganisations
    to a unit in use). `kept`: the ids of the units the importer keeps (None: all)."""

    def __init__(self) -> None:
        super().__init__()
        self.heirs: dict[int, tuple[datetime.date, int]] = {}
        self.kept: set[int] | None = None


def _heirs(ended: dict[int, datetime.date]) -> dict[int, tuple[datetime.date, int]]:
    """Ended unit → (its last day, the unit in use that continues it), from the lineage."""
    links: dict[int, list[tuple[int, bool]]] = {}
    for old, new, is_default in UnitChange.objects.filter(
        kind__in=UnitChange.LINK_KINDS
    ).values_list("predecessor_id", "successor_id", "is_default"):
        links.setdefault(old, []).append((new, is_default))
    heir: dict[int, int] = {}
    for old, successors in links.items():
        defaults = [new for new, is_default in successors if is_default]
        if defaults or len(successors) == 1:
            heir[old] = (defaults or [successors[0][0]])[0]
    result: dict[int, tuple[datetime.date, int]] = {}
    for old, last_day in ended.items():
        unit, seen = heir.get(old), {old}
        while unit is not None and unit in ended and unit in heir and unit not in seen:
            seen.add(unit)
            unit = heir[unit]
        if unit is not None:
            result[old] = (last_day, unit)
    return result


def continuing_unit(
    heirs: dict[int, tuple[datetime.date, int]],
    kept: Collection[int] | None,
    ended: int,
    day: datetime.date | None,
) -> tuple[int, bool, bool]:
    """A row naming a unit a reorganisation ended (a key of `heirs`), dated `day`: (the unit
    it belongs to — after the end, the unit that continues it; before, or undated, the ended
    unit itself —, whether it moved, whether the importer keeps that unit). The one rule for
    dossiers (RowParser) and directives (services._directive_unit)."""
    last_day, heir = heirs[ended]
    moved = day is not None and day > last_day
    unit = heir if moved else ended
    return unit, moved, kept is None or unit in kept


def unit_index(kept: Collection[int] | None = None) -> UnitIndex:
    """Normalised code, GSO code and name → unit id. Codes beat GSO codes beat names; a GSO
    code or name shared by several active units is AMBIGUOUS; ended units count only where
    no active unit has the GSO code or name. `kept`: the ids of the units the importer keeps
    (the scope policy's KEEP purpose); any other unit is OUTSIDE. None: every unit (the
    command line, run by the server's operator). A unit ended by a reorganisation keeps its
    code; the rows received after its end go to its heir (`UnitIndex.heirs`, RowParser), so
    it is OUTSIDE only when neither it nor its heir is kept."""
    units = list(OrgUnit.objects.values_list("pk", "code", "gso_code", "name", "active_to"))
    index = UnitIndex()
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
    index.heirs = _heirs({pk: active_to for pk, *_rest, active_to in units if active_to})
    if kept is not None:
        kept = index.kept = set(kept)
        for key, pk in index.items():
            heir = index.heirs.get(pk)
            if pk >= 0 and pk not in kept and (heir is None or heir[1] not in kept):
                index[key] = OUTSIDE
    return index


# A cell quoted in a message: its start, so that a 300-digit number or a pasted page does not
# widen the list of imports (it did: the table grew to 3,154 px).
QUOTED_LENGTH = 40


def _shown(text: str) -> str:
    return text if len(text) <= QUOTED_LENGTH else text[: QUOTED_LENGTH - 1] + "…"


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

    def adapt(self, when: datetime.datetime | None) -> str | None:
        """make_aware(when) as text the database reads for a DateTimeField: plain data,
        which a child process can send (importing.child)."""
        if when is None:
            return None
        if self.is_sqlite:
            # Django stores naive UTC text on SQLite: str(make_naive(aware, UTC)).
            return str(when - self.zone.utcoffset(when))  # type: ignore[operator]
        # PostgreSQL reads ISO 8601 with its offset (COPY sends text whatever the type).
        return when.replace(tzinfo=self.zone).isoformat(" ")

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


# --- The values, in the order the writer writes them -----------------------------------

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


class RowParser:
    """Checks rows against the units and the model's rules, remembering the values that
    repeat. `indexes` (where each of FIELDS is in a padded row) and `headings` (the file's
    heading of each field, for the errors) are set once the header is read."""

    def __init__(self, units: dict[str, int], record_pk: int) -> None:
        self.units = units
        self.heirs = units.heirs if isinstance(units, UnitIndex) else {}
        self.kept = units.kept if isinstance(units, UnitIndex) else None
        # Rows keyed to a unit a reorganisation had ended when they were received, written
        # to the unit that continues it.
        self.mapped = 0
        self.record_pk = record_pk
        self.clock = _Clock()
        # Nothing is received or finished after the day of the import (01/12/2030 was
        # imported, and counted late today); the end of today, for clocks a little ahead.
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        self.latest = datetime.datetime.combine(tomorrow, datetime.time(0))  # noqa: DTZ001
        # Caches of cell text → value (or message): a few hundred distinct values repeat.
        self.unit_cache: dict[str, int | str] = {}
        self.channel_cache: dict[str, str | None] = {}
        self.status_cache: dict[str, str | None] = {}
        self.yes_no_cache: dict[str, bool | None] = {}
        self.due_cache: dict[str, datetime.datetime] = {}  # dates alone, made end of day
        self.indexes: tuple[int, ...] = ()
        self.headings: dict[str, str] = {}

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
                found = _(UNKNOWN_UNIT_MESSAGE).format(value=_shown(_nfc(value)))
            elif pk == AMBIGUOUS:
                found = _(AMBIGUOUS_UNIT_MESSAGE).format(value=_shown(_nfc(value)))
            elif pk == OUTSIDE:
                found = _(OUTSIDE_UNIT_MESSAGE).format(value=_shown(_nfc(value)))
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

    def parse(
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
        if "\x00" in code or "\x00" in procedure_code or "\x00" in procedure_name:
            # The texts stored as they are (the other cells must match a unit, a word, a date).
            for name, text in (
                ("code", code),
                ("procedure_code", procedure_code),
                ("procedure_name", procedure_name),
            ):
                if "\x00" in text:
                    errors.append(self._error(number, name, _(NUL_MESSAGE)))

        unit = self.unit_cache.get(unit_text) if unit_text else _(REQUIRED_MESSAGE)
        if unit is None:
            unit = self._unit(unit_text)
        if unit.__class__ is str:
            errors.append(self._error(number, "unit", str(unit)))

        channel: str | None = IN_PERSON
        if channel_text:
            channel = self.channel_cache.get(channel_text) or self._channel(channel_text)
            if channel is None:
                message = _(BAD_CHANNEL_MESSAGE).format(value=_shown(_nfc(channel_text)))
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
            else:
                if not FIRST_DAY <= received < self.latest:
                    errors.append(self._out_of_range(number, "received_at", raw, received))
                    received = None
        raw = cells[i_due]
        if raw.__class__ is str:
            raw = raw.strip()
            due = self.due_cache.get(raw)
        if due is None and raw != "":
            try:
                due, has_time = parse(raw)
                if not FIRST_DAY <= due < END_DAY:
                    errors.append(self._out_of_range(number, "due_at", raw, due))
                    due, has_time = None, True
                elif not has_time:
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
            else:
                if not FIRST_DAY <= finished < self.latest:
                    errors.append(self._out_of_range(number, "finished_at", raw, finished))
                    finished = None
        if received is not None:
            if finished is not None and finished < received:
                errors.append(
                    self._error(number, "finished_at", _(FINISHED_BEFORE_RECEIVED_MESSAGE))
                )
            if due is not None and due < received:
                errors.append(self._error(number, "due_at", _(DUE_BEFORE_RECEIVED_MESSAGE)))

        mapped = False
        if self.heirs and unit.__class__ is int and unit in self.heirs:
            day = received.date() if received is not None else None  # local wall time
            unit, mapped, kept = continuing_unit(self.heirs, self.kept, unit, day)
            if not kept:
                message = _(OUTSIDE_UNIT_MESSAGE).format(value=_shown(_nfc(unit_text)))
                errors.append(self._error(number, "unit", message))

        if status_text:
            status = self.status_cache.get(status_text) or self._status(status_text)
            if status is None:
                message = _(BAD_STATUS_MESSAGE).format(value=_shown(_nfc(status_text)))
                errors.append(self._error(number, "status", message))
        else:
            status = OPEN if finished is None else FINISHED

        apology: bool | None = False
        if apology_text:
            apology = self._yes_no(apology_text)
            if apology is None:
                message = _(BAD_BOOLEAN_MESSAGE).format(value=_shown(_nfc(apology_text)))
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
                message = _(BAD_SATISFACTION_MESSAGE).format(value=_shown(_nfc(score_text)))
                errors.append(self._error(number, "satisfaction", message))

        if errors:
            return None, errors
        self.mapped += mapped
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

    def _out_of_range(
        self, number: int, name: str, raw: Any, when: datetime.datetime
    ) -> ImportErrorItem:
        """A date of a year no record has (before 1970, after 2099), or a receipt or an end
        after today."""
        if FIRST_DAY <= when < END_DAY:
            return self._error(number, name, _(NOT_YET_MESSAGE))
        return self._error(number, name, _(YEAR_RANGE_MESSAGE).format(value=_shown(_text(raw))))

    def _bad_date(self, number: int, name: str, raw: Any) -> ImportErrorItem:
        return self._error(number, name, _(BAD_DATE_MESSAGE).format(value=_shown(_text(raw))))
