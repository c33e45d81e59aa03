"""A reorganisation of units (merged, divided, renamed, moved), previewed, then applied once,
all or nothing, audited. Format of its file: docs/formats/reorganisation.md.

The spec is a list of rows "this former unit becomes (part of) that unit". It is read from a
CSV or XLSX file (read_reorganisation_file) or typed in the page's form; `reorganisation_plan`
checks it against the tree (every refusal names its row and column, nothing is written);
`reorganisation_preview` adds what follows the new units (people, open rounds, open
remediation: the apps above register it with `register_follower`, since this app may not import
them); `reorganisation_apply` does all of it in one transaction.

What never moves: a former unit keeps its parent, its rounds, scores, evidence, findings and
documents; it is ended (active_to = the day before the change) and its lineage (UnitChange)
says which units continue it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record
from cchc.core.dates import short_date
from cchc.core.imports import (
    ImportErrorItem,
    ImportFailed,
    decode_text,
    is_workbook,
    parse_date,
    plain_key,
    read_csv_records,
    read_xlsx_records,
)
from cchc.core.points import parse_decimal
from cchc.orgunits.importers import KIND_WORDS, parse_kind
from cchc.orgunits.models import OrgUnit, Reorganisation, UnitChange
from cchc.orgunits.scope import Scope
from cchc.orgunits.services import org_unit_create, org_unit_update

COLUMNS = [
    "old_code",
    "old_name",
    "new_code",
    "new_name",
    "new_kind",
    "new_gso_code",
    "new_parent_code",
    "share",
    "is_default",
    "effective_on",
]
REQUIRED_COLUMNS = ["old_code"]
HEADINGS: dict[str, tuple[str, ...]] = {
    "old_code": ("mã đơn vị cũ", "mã cũ", "đơn vị cũ"),
    "old_name": ("tên đơn vị cũ", "tên cũ"),
    "new_code": ("mã đơn vị mới", "mã mới", "đơn vị mới"),
    "new_name": ("tên mới", "tên đơn vị mới"),
    "new_kind": ("loại mới", "loại đơn vị mới"),
    "new_gso_code": ("mã thống kê mới", "mã gso mới", "mã đvhc mới"),
    "new_parent_code": ("mã cha mới", "trực thuộc", "mã đơn vị cấp trên"),
    "share": ("phần", "diện tích", "diện tích (km2)", "tỷ lệ"),
    "is_default": ("kế thừa mặc định", "mặc định", "đơn vị kế thừa"),
    "effective_on": ("hiệu lực từ", "ngày hiệu lực"),
}
LABELS = {
    "old_code": "Mã đơn vị cũ",
    "old_name": "Tên đơn vị cũ",
    "new_code": "Mã đơn vị mới",
    "new_name": "Tên mới",
    "new_kind": "Loại mới",
    "new_gso_code": "Mã thống kê mới",
    "new_parent_code": "Mã cha mới",
    "share": "Diện tích",
    "is_default": "Kế thừa mặc định",
    "effective_on": "Hiệu lực từ",
}
YES_WORDS = {"1", "x", "có", "co", "yes", "true", "đúng"}
NO_WORDS = {"", "0", "không", "khong", "no", "false", "sai"}

REQUIRED_MESSAGE = gettext_noop("This value is required.")
EMPTY_MESSAGE = gettext_noop("The file has no changes in it.")
OTHER_NAME_MESSAGE = gettext_noop("The code “{code}” is “{name}” in CCHC, not “{given}”.")
UNKNOWN_UNIT_MESSAGE = gettext_noop("No unit has the code “{code}” in CCHC.")
ENDED_MESSAGE = gettext_noop(
    "“{name}” ended on {date}: a reorganisation is applied once (was this file applied already?)."
)
NOT_KEPT_MESSAGE = gettext_noop("You do not keep “{name}”: only its keepers may reorganise it.")
NOTHING_CHANGES_MESSAGE = gettext_noop(
    "The unit continues with the same name, kind and parent: nothing changes on this row."
)
CONTINUES_AND_ENDS_MESSAGE = gettext_noop(
    "“{code}” cannot both continue (row {row}) and become part of another unit."
)
TWICE_MESSAGE = gettext_noop(
    "The change from “{old}” to “{new}” is written twice (also row {row})."
)
NO_DEFAULT_MESSAGE = gettext_noop(
    "“{code}” is divided between several units: mark one of them as the default successor "
    "(it takes the unit's people and open work)."
)
TWO_DEFAULTS_MESSAGE = gettext_noop(
    "“{code}” has two default successors (also row {row}); mark only one."
)
DISAGREE_MESSAGE = gettext_noop(
    "Row {row} gives the new unit “{code}” another value here; write it the same on every row."
)
CODE_TAKEN_MESSAGE = gettext_noop(
    "The code “{code}” belongs to “{name}”, which ended: give the new unit another code."
)
EXISTING_DIFFERS_MESSAGE = gettext_noop(
    "“{code}” is an existing unit ({name}): to rename or move it, give it a row of its own."
)
GSO_TAKEN_MESSAGE = gettext_noop(
    "The GSO code “{code}” belongs to “{name}”, which stays active: end it in this file first."
)
GSO_TWICE_MESSAGE = gettext_noop("The GSO code “{code}” is given to two new units.")
BAD_KIND_MESSAGE = gettext_noop("“{value}” is not a unit kind; use one of: {choices}.")
BAD_PARENT_MESSAGE = gettext_noop("A {kind} cannot be placed under “{parent}”.")
PARENT_ENDING_MESSAGE = gettext_noop("“{name}” ends in this reorganisation: it cannot take units.")
BAD_SHARE_MESSAGE = gettext_noop("“{value}” is not a positive number.")
BAD_YES_NO_MESSAGE = gettext_noop("“{value}” is not yes or no; write có or để trống.")
STARTS_AFTER_MESSAGE = gettext_noop(
    "“{name}” only starts on {date}; it cannot end before the change."
)
SELF_SUCCESSOR_MESSAGE = gettext_noop(
    "“{code}” ends in this reorganisation: it cannot continue another unit."
)


@dataclass(frozen=True)
class SpecRow:
    """One row of a spec: this former unit becomes (part of) that unit."""

    row: int
    old_code: str
    old_name: str = ""
    new_code: str = ""
    new_name: str = ""
    new_kind: str = ""
    new_gso_code: str = ""
    new_parent_code: str = ""
    share: str = ""
    is_default: str = ""
    effective_on: str = ""


@dataclass
class ReorganisationSpec:
    """What the administrator describes: a name, the day it takes effect, the rows."""

    name: str
    effective_on: datetime.date
    rows: list[SpecRow]
    source: str = ""
    # field → the column's heading as the file writes it (errors name columns by it)
    headings: dict[str, str] = field(default_factory=dict)

    def name_columns(self, errors: list[ImportErrorItem]) -> list[ImportErrorItem]:
        return [
            replace(item, column=self.headings.get(item.column) or LABELS[item.column])
            if item.column in LABELS
            else item
            for item in errors
        ]


@dataclass
class NewUnit:
    """A unit the reorganisation creates (or an existing one that takes former units)."""

    code: str
    name: str
    kind: str
    gso_code: str
    parent: OrgUnit | None
    effective_on: datetime.date
    row: int
    existing: OrgUnit | None = None
    predecessors: list[OrgUnit] = field(default_factory=list)

    @property
    def parent_name(self) -> str:
        return self.parent.name if self.parent else ""


@dataclass
class Link:
    """A former unit (ended) continued, in whole or in part, by a unit."""

    row: int
    old: OrgUnit
    new_code: str
    share: Decimal | None
    is_default: bool
    effective_on: datetime.date


@dataclass
class Continuation:
    """A unit that continues under a new name, kind or parent."""

    row: int
    unit: OrgUnit
    name: str
    kind: str
    parent: OrgUnit | None
    effective_on: datetime.date

    @property
    def renamed(self) -> bool:
        return self.name != self.unit.name or self.kind != self.unit.kind

    @property
    def moved(self) -> bool:
        return (self.parent.pk if self.parent else None) != self.unit.parent_id


@dataclass(frozen=True)
class FollowItem:
    """Something that follows a former unit to the unit that continues it."""

    kind: str  # the follower's kind: "membership", "assessment", "remediation"
    label: str
    old_unit: OrgUnit
    new_code: str
    note: str = ""


@dataclass
class Plan:
    """A spec checked against the tree: what applying it writes."""

    spec: ReorganisationSpec
    links: list[Link] = field(default_factory=list)
    continuations: list[Continuation] = field(default_factory=list)
    new_units: dict[str, NewUnit] = field(default_factory=dict)
    follows: dict[str, list[FollowItem]] = field(default_factory=dict)

    @property
    def ended(self) -> list[OrgUnit]:
        seen: dict[int, OrgUnit] = {}
        for link in self.links:
            seen.setdefault(link.old.pk, link.old)
        return list(seen.values())

    @property
    def created(self) -> list[NewUnit]:
        return [unit for unit in self.new_units.values() if unit.existing is None]

    def successors_of(self, old: OrgUnit) -> list[Link]:
        return [link for link in self.links if link.old.pk == old.pk]

    def is_divided(self, old: OrgUnit) -> bool:
        return len(self.successors_of(old)) > 1

    @property
    def heirs(self) -> dict[int, str]:
        """Former unit id → the code of the unit that takes its people and open work: its
        only successor, or the default one of a divided unit."""
        return {link.old.pk: link.new_code for link in self.links if link.is_default}

    @property
    def leads(self) -> dict[str, int]:
        """New unit code → the former unit whose open-round assessment it takes: the one whose
        GSO code it keeps, else the first of its whole (not divided) predecessors."""
        leads: dict[str, int] = {}
        for code, unit in self.new_units.items():
            whole = [
                link.old
                for link in self.links
                if link.new_code == code and link.is_default and not self.is_divided(link.old)
            ]
            keeping = [old for old in whole if unit.gso_code and old.gso_code == unit.gso_code]
            chosen = (keeping or whole)[:1]
            if chosen:
                leads[code] = chosen[0].pk
        return leads

    def counts(self) -> dict[str, int]:
        counts = {
            "ended": len(self.ended),
            "created": len(self.created),
            "renamed": sum(1 for item in self.continuations if item.renamed),
            "moved": sum(1 for item in self.continuations if item.moved),
        }
        for kind, items in self.follows.items():
            counts[kind] = len(items)
        return counts


@dataclass(frozen=True)
class Follower:
    """What follows a former unit to its heir, registered by an app above this one."""

    kind: str
    title: Any  # shown on the preview (a lazy translation)
    preview: Callable[[Plan], list[FollowItem]]
    apply: Callable[..., int]  # (plan, *, actor, units: code → OrgUnit, reorganisation) → count


FOLLOWERS: dict[str, Follower] = {}


def register_follower(follower: Follower) -> None:
    """Called from an AppConfig.ready(): the accounts' memberships, the open rounds'
    assessments, the open remediation actions."""
    FOLLOWERS[follower.kind] = follower


# --- Reading ---------------------------------------------------------------------------------


def read_reorganisation_file(
    *, data: bytes, file_name: str
) -> tuple[list[SpecRow], dict[str, str]]:
    """The rows of a CSV or XLSX file and its headings (field → heading as the file writes
    it); a refused file says row and column."""
    if is_workbook(file_name, data[:8]):
        header, records = read_xlsx_records(
            data, accepted=HEADINGS, labels=LABELS, required=REQUIRED_COLUMNS
        )
    else:
        header, records = read_csv_records(
            decode_text(data), accepted=HEADINGS, labels=LABELS, required=REQUIRED_COLUMNS
        )
    rows = [
        SpecRow(row=number, **{name: values.get(name, "") for name in COLUMNS})
        for number, values in records
    ]
    if not rows:
        raise ImportFailed([ImportErrorItem(2, "", _(EMPTY_MESSAGE))])
    return rows, dict(header.headings)


def read_reorganisation_text(text: str) -> tuple[list[SpecRow], dict[str, str]]:
    """The rows typed in the page's form: the same columns as the file, as CSV text."""
    return read_reorganisation_file(data=text.encode("utf-8"), file_name="form.csv")


# --- Checking --------------------------------------------------------------------------------


def _yes(value: str) -> bool | None:
    word = value.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def _find_unit(
    code: str, by_code: dict[str, OrgUnit], by_gso: dict[str, OrgUnit]
) -> OrgUnit | None:
    """A unit by its CCHC code, else the active unit with that GSO code."""
    return by_code.get(code) or by_gso.get(code)


def reorganisation_plan(spec: ReorganisationSpec, *, actor: Any = None) -> Plan:
    """Check the spec against the tree; refuse it (ImportFailed, row and column, column named
    by its field) or return what applying it writes. With an actor, every unit touched must be
    one they keep (Scope.keeps)."""
    errors: list[ImportErrorItem] = []

    def error(row: int, column: str, message: str) -> None:
        errors.append(ImportErrorItem(row, column, message))

    rows = spec.rows
    if not rows:
        raise ImportFailed([ImportErrorItem(2, "", _(EMPTY_MESSAGE))])
    codes = {row.old_code for row in rows} | {row.new_code for row in rows if row.new_code}
    codes |= {row.new_parent_code for row in rows if row.new_parent_code}
    by_code = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
    by_gso = {
        unit.gso_code: unit
        for unit in OrgUnit.objects.filter(gso_code__in=codes, active_to__isnull=True)
    }
    scope = Scope.of(actor) if actor is not None else None
    plan = Plan(spec=spec)

    # Dates, the former units, and whether each row continues its unit or links it onward.
    dates: dict[int, datetime.date] = {}
    olds: dict[int, OrgUnit] = {}
    continuing: dict[str, int] = {}  # code → row
    for row in rows:
        dates[row.row] = spec.effective_on
        if row.effective_on:
            try:
                dates[row.row] = parse_date(row.effective_on)
            except ValueError as problem:
                error(row.row, "effective_on", str(problem))
        if not row.old_code:
            error(row.row, "old_code", _(REQUIRED_MESSAGE))
            continue
        old = _find_unit(row.old_code, by_code, by_gso)
        if old is None:
            error(row.row, "old_code", _(UNKNOWN_UNIT_MESSAGE).format(code=row.old_code))
            continue
        if row.old_name and plain_key(row.old_name) != plain_key(old.name):
            message = _(OTHER_NAME_MESSAGE).format(
                code=row.old_code, name=old.name, given=row.old_name
            )
            error(row.row, "old_name", message)
            continue
        if old.active_to is not None:
            error(
                row.row,
                "old_code",
                _(ENDED_MESSAGE).format(name=old.name, date=short_date(old.active_to)),
            )
            continue
        if scope is not None and not scope.keeps(old):
            error(row.row, "old_code", _(NOT_KEPT_MESSAGE).format(name=old.name))
            continue
        olds[row.row] = old
        if not row.new_code or _find_unit(row.new_code, by_code, by_gso) == old:
            continuing[old.code] = row.row

    ending_ids = {
        old.pk
        for number, old in olds.items()
        if not (old.code in continuing and continuing[old.code] == number)
    }

    def parent_for(row: SpecRow, kind: str, current: OrgUnit | None) -> tuple[bool, OrgUnit | None]:
        if not row.new_parent_code:
            return True, current
        parent = _find_unit(row.new_parent_code, by_code, by_gso)
        if parent is None:
            error(
                row.row, "new_parent_code", _(UNKNOWN_UNIT_MESSAGE).format(code=row.new_parent_code)
            )
            return False, None
        if parent.active_to is not None or parent.pk in ending_ids:
            error(row.row, "new_parent_code", _(PARENT_ENDING_MESSAGE).format(name=parent.name))
            return False, None
        if kind and parent.kind not in OrgUnit.PARENT_KINDS.get(kind, ()):
            error(
                row.row,
                "new_parent_code",
                _(BAD_PARENT_MESSAGE).format(
                    kind=OrgUnit.Kind(kind).label.lower(), parent=parent.name
                ),
            )
            return False, None
        if scope is not None and not scope.keeps(parent):
            error(row.row, "new_parent_code", _(NOT_KEPT_MESSAGE).format(name=parent.name))
            return False, None
        return True, parent

    def kind_of(row: SpecRow) -> str:
        if not row.new_kind:
            return ""
        kind = parse_kind(row.new_kind)
        if kind is None:
            choices = ", ".join(OrgUnit.Kind.values + list(KIND_WORDS))
            error(
                row.row, "new_kind", _(BAD_KIND_MESSAGE).format(value=row.new_kind, choices=choices)
            )
            return ""
        return kind

    seen_pairs: dict[tuple[str, str], int] = {}
    defaults: dict[int, int] = {}  # old unit id → row of its default successor
    for row in rows:
        old = olds.get(row.row)
        if old is None:
            continue
        kind = kind_of(row)
        if old.pk not in ending_ids:
            # The unit continues: renamed, given another kind, or moved.
            ok, parent = parent_for(row, kind or old.kind, old.parent)
            continuation = Continuation(
                row=row.row,
                unit=old,
                name=row.new_name or old.name,
                kind=kind or old.kind,
                parent=parent,
                effective_on=dates[row.row],
            )
            if ok and not continuation.renamed and not continuation.moved:
                error(row.row, "new_name", _(NOTHING_CHANGES_MESSAGE))
            plan.continuations.append(continuation)
            continue
        if old.code in continuing:
            error(
                row.row,
                "new_code",
                _(CONTINUES_AND_ENDS_MESSAGE).format(code=old.code, row=continuing[old.code]),
            )
            continue
        pair = (old.code, row.new_code)
        if pair in seen_pairs:
            error(
                row.row,
                "new_code",
                _(TWICE_MESSAGE).format(old=old.code, new=row.new_code, row=seen_pairs[pair]),
            )
            continue
        seen_pairs[pair] = row.row
        share: Decimal | None = None
        if row.share:
            try:
                share = parse_decimal(row.share)
            except ValueError:
                share = None
            if share is None or share <= 0:
                error(row.row, "share", _(BAD_SHARE_MESSAGE).format(value=row.share))
        is_default = _yes(row.is_default)
        if is_default is None:
            error(row.row, "is_default", _(BAD_YES_NO_MESSAGE).format(value=row.is_default))
            is_default = False
        if is_default:
            if old.pk in defaults:
                error(
                    row.row,
                    "is_default",
                    _(TWO_DEFAULTS_MESSAGE).format(code=old.code, row=defaults[old.pk]),
                )
            defaults[old.pk] = row.row
        if old.active_from and old.active_from > dates[row.row] - datetime.timedelta(days=1):
            error(
                row.row,
                "effective_on",
                _(STARTS_AFTER_MESSAGE).format(name=old.name, date=short_date(old.active_from)),
            )
        plan.links.append(
            Link(
                row=row.row,
                old=old,
                new_code=row.new_code,
                share=share,
                is_default=is_default,
                effective_on=dates[row.row],
            )
        )
        # The unit that continues it: an existing one, or one this file creates.
        existing = _find_unit(row.new_code, by_code, by_gso)
        if existing is not None and existing.active_to is None and existing.pk not in ending_ids:
            unit = plan.new_units.setdefault(
                existing.code,
                NewUnit(
                    code=existing.code,
                    name=existing.name,
                    kind=existing.kind,
                    gso_code=existing.gso_code,
                    parent=existing.parent,
                    effective_on=dates[row.row],
                    row=row.row,
                    existing=existing,
                ),
            )
            plan.links[-1].new_code = existing.code
            if scope is not None and not scope.keeps(existing):
                error(row.row, "new_code", _(NOT_KEPT_MESSAGE).format(name=existing.name))
            differs = (row.new_name and row.new_name != existing.name) or row.new_parent_code
            if differs and existing.code not in continuing:
                error(
                    row.row,
                    "new_code",
                    _(EXISTING_DIFFERS_MESSAGE).format(code=row.new_code, name=existing.name),
                )
        elif existing is not None and existing.pk in ending_ids:
            error(row.row, "new_code", _(SELF_SUCCESSOR_MESSAGE).format(code=row.new_code))
            continue
        elif row.new_code in by_code:
            ended = by_code[row.new_code]
            error(
                row.row,
                "new_code",
                _(CODE_TAKEN_MESSAGE).format(code=row.new_code, name=ended.name),
            )
            continue
        else:
            found = plan.new_units.get(row.new_code)
            if found is None:
                unit = NewUnit(
                    code=row.new_code,
                    name=row.new_name,
                    kind=kind,
                    gso_code=row.new_gso_code,
                    parent=None,
                    effective_on=dates[row.row],
                    row=row.row,
                )
                plan.new_units[row.new_code] = unit
                if row.new_parent_code:
                    _ok, unit.parent = parent_for(row, kind, None)
            else:
                unit = found
                for column, mine, theirs in (
                    ("new_name", row.new_name, unit.name),
                    ("new_kind", kind, unit.kind),
                    ("new_gso_code", row.new_gso_code, unit.gso_code),
                    (
                        "new_parent_code",
                        row.new_parent_code,
                        unit.parent.code if unit.parent else "",
                    ),
                ):
                    if mine and theirs and mine != theirs:
                        error(
                            row.row,
                            column,
                            _(DISAGREE_MESSAGE).format(row=unit.row, code=unit.code),
                        )
                    elif mine and not theirs:
                        if column == "new_name":
                            unit.name = mine
                        elif column == "new_kind":
                            unit.kind = mine
                        elif column == "new_gso_code":
                            unit.gso_code = mine
                        else:
                            _ok, unit.parent = parent_for(row, unit.kind, None)
        unit.predecessors.append(old)

    # A new unit needs a name, a kind and a parent on one of its rows; its GSO code is free.
    taken_gso: dict[str, int] = {}
    for unit in plan.created:
        for column, value in (("new_name", unit.name), ("new_kind", unit.kind)):
            if not value:
                error(unit.row, column, _(REQUIRED_MESSAGE))
        if unit.parent is None and not any(
            e.row == unit.row and e.column == "new_parent_code" for e in errors
        ):
            error(unit.row, "new_parent_code", _(REQUIRED_MESSAGE))
        if unit.gso_code:
            if unit.gso_code in taken_gso:
                error(unit.row, "new_gso_code", _(GSO_TWICE_MESSAGE).format(code=unit.gso_code))
            taken_gso[unit.gso_code] = unit.row
    if taken_gso:
        for holder in OrgUnit.objects.filter(gso_code__in=list(taken_gso), active_to__isnull=True):
            if holder.pk not in ending_ids:
                error(
                    taken_gso[holder.gso_code],
                    "new_gso_code",
                    _(GSO_TAKEN_MESSAGE).format(code=holder.gso_code, name=holder.name),
                )

    # One successor: it is the default. Several: exactly one marked.
    first_rows: dict[int, Link] = {}
    for link in plan.links:
        first_rows.setdefault(link.old.pk, link)
    for old_id, first in first_rows.items():
        successors = [link for link in plan.links if link.old.pk == old_id]
        if len(successors) == 1:
            first.is_default = True
        elif old_id not in defaults:
            error(first.row, "is_default", _(NO_DEFAULT_MESSAGE).format(code=first.old.code))
    if errors:
        errors.sort(key=lambda item: (item.row, COLUMNS.index(item.column) if item.column else -1))
        raise ImportFailed(spec.name_columns(errors))
    return plan


# --- Preview and apply -----------------------------------------------------------------------


def reorganisation_preview(spec: ReorganisationSpec, *, actor: Any = None) -> Plan:
    """What applying the spec would change, nothing written: units ended and created, renamed
    and moved, and what follows the new units (plan.follows, by kind)."""
    plan = reorganisation_plan(spec, actor=actor)
    for kind, follower in FOLLOWERS.items():
        plan.follows[kind] = follower.preview(plan)
    return plan


def _service_errors(
    spec: ReorganisationSpec, row: int, error: ValidationError
) -> list[ImportErrorItem]:
    column_of = {
        "parent": "new_parent_code",
        "gso_code": "new_gso_code",
        "code": "new_code",
        "name": "new_name",
        "kind": "new_kind",
        "active_to": "effective_on",
    }
    if not hasattr(error, "error_dict"):
        return [ImportErrorItem(row, "", message) for message in error.messages]
    return spec.name_columns(
        [
            ImportErrorItem(row, column_of.get(name, ""), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    )


@transaction.atomic
def reorganisation_apply(spec: ReorganisationSpec, *, actor: Any) -> Reorganisation:
    """Apply the spec in one transaction: end the former units (the day before), rename and
    move the continuing ones, create the new ones, write the lineage, move what follows them,
    and record one audit event. Any refusal (ImportFailed, by row and column) writes nothing."""
    plan = reorganisation_preview(spec, actor=actor)
    effective_on = min(
        [link.effective_on for link in plan.links]
        + [item.effective_on for item in plan.continuations]
        or [spec.effective_on]
    )
    reorganisation = Reorganisation(
        name=spec.name.strip() or spec.source, effective_on=effective_on, source=spec.source[:255]
    )
    reorganisation.full_clean()
    reorganisation.save()
    units = _write_units(plan, actor=actor, reorganisation=reorganisation)
    counts = plan.counts()
    for kind, follower in FOLLOWERS.items():
        counts[kind] = follower.apply(plan, actor=actor, units=units, reorganisation=reorganisation)
    reorganisation.summary = counts
    reorganisation.save(update_fields=["summary", "updated_at"])
    audit_record(
        actor=actor,
        action="org_unit.reorganise",
        target=reorganisation,
        after={
            "effective_on": effective_on.isoformat(),
            "source": spec.source,
            **counts,
            "ended": [unit.code for unit in plan.ended],
            "created": [unit.code for unit in plan.created],
        },
    )
    return reorganisation


def _write_units(plan: Plan, *, actor: Any, reorganisation: Reorganisation) -> dict[str, OrgUnit]:
    """The tree's writes, through the unit services (each audited); code → unit after."""
    row_of: dict[int, int] = {}
    for link in plan.links:
        row_of.setdefault(link.old.pk, link.row)
    changes: list[UnitChange] = []
    # End the former units first: a new unit may take the GSO code one of them had.
    for old in plan.ended:
        day = min(link.effective_on for link in plan.successors_of(old))
        try:
            org_unit_update(actor=actor, org_unit=old, active_to=day - datetime.timedelta(days=1))
        except ValidationError as error:
            raise ImportFailed(_service_errors(plan.spec, row_of[old.pk], error)) from None
    for item in plan.continuations:
        before_name, before_parent = item.unit.name, item.unit.parent
        renamed, moved = item.renamed, item.moved
        try:
            org_unit_update(
                actor=actor, org_unit=item.unit, name=item.name, kind=item.kind, parent=item.parent
            )
        except ValidationError as error:
            raise ImportFailed(_service_errors(plan.spec, item.row, error)) from None
        if renamed:
            changes.append(
                UnitChange(
                    kind=UnitChange.Kind.RENAMED,
                    effective_on=item.effective_on,
                    predecessor=item.unit,
                    successor=item.unit,
                    old_value=before_name,
                    new_value=item.name,
                    reorganisation=reorganisation,
                )
            )
        if moved:
            changes.append(
                UnitChange(
                    kind=UnitChange.Kind.MOVED,
                    effective_on=item.effective_on,
                    predecessor=item.unit,
                    successor=item.unit,
                    old_value=before_parent.name if before_parent else "",
                    new_value=item.parent.name if item.parent else "",
                    reorganisation=reorganisation,
                )
            )
    units: dict[str, OrgUnit] = {}
    siblings: dict[int, int] = {}
    for new in plan.new_units.values():
        if new.existing is not None:
            units[new.code] = new.existing
            continue
        parent_id = new.parent.pk if new.parent else 0
        if parent_id not in siblings:
            siblings[parent_id] = OrgUnit.objects.filter(parent_id=parent_id or None).count()
        siblings[parent_id] += 1
        try:
            units[new.code] = org_unit_create(
                actor=actor,
                code=new.code,
                name=new.name,
                kind=new.kind,
                parent=new.parent,
                gso_code=new.gso_code,
                active_from=new.effective_on,
                sort_order=siblings[parent_id],
            )
        except ValidationError as error:
            raise ImportFailed(_service_errors(plan.spec, new.row, error)) from None
    for link in plan.links:
        changes.append(
            UnitChange(
                kind=UnitChange.Kind.DIVIDED
                if plan.is_divided(link.old)
                else UnitChange.Kind.MERGED,
                effective_on=link.effective_on,
                predecessor=link.old,
                successor=units[link.new_code],
                share=link.share,
                is_default=link.is_default,
                reorganisation=reorganisation,
            )
        )
    UnitChange.objects.bulk_create(changes)
    return units
