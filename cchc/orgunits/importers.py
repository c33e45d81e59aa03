"""Import and export of the unit tree as CSV and GeoJSON (format: docs/formats/orgunits.md)."""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record
from cchc.core.exports import neutralise
from cchc.core.imports import (
    ImportErrorItem,
    ImportFailed,
    decode_text,
    parse_date,
    read_csv_records,
)
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create, org_unit_update

CSV_COLUMNS = [
    "code",
    "name",
    "kind",
    "parent_code",
    "gso_code",
    "active_from",
    "active_to",
    "sort_order",
]
REQUIRED_COLUMNS = ["code", "name", "kind"]
# Headers accepted besides the column's own name (any case, with or without diacritics:
# cchc.core.imports.read_header). Other columns are ignored and reported.
CSV_HEADINGS: dict[str, tuple[str, ...]] = {
    "code": ("mã", "mã đơn vị"),
    "name": ("tên", "tên đơn vị"),
    "kind": ("loại", "loại đơn vị"),
    "parent_code": ("mã cha", "mã đơn vị cha"),
    "gso_code": ("mã thống kê", "mã gso", "mã đvhc"),
    "active_from": ("hiệu lực từ", "từ ngày"),
    "active_to": ("hiệu lực đến", "đến ngày"),
    "sort_order": ("thứ tự", "stt"),
}
# CCHC's Vietnamese header for each column: a missing column is named by it and its own name.
CSV_LABELS = {
    "code": "Mã",
    "name": "Tên",
    "kind": "Loại",
    "parent_code": "Mã cha",
    "gso_code": "Mã thống kê",
    "active_from": "Hiệu lực từ",
    "active_to": "Hiệu lực đến",
    "sort_order": "Thứ tự",
}
KIND_WORDS = {
    "tỉnh": OrgUnit.Kind.PROVINCE,
    "thành phố": OrgUnit.Kind.CITY,
    "huyện": OrgUnit.Kind.DISTRICT,
    "phường": OrgUnit.Kind.WARD,
    "xã": OrgUnit.Kind.COMMUNE,
    "cơ quan": OrgUnit.Kind.AGENCY,
}
REQUIRED_MESSAGE = gettext_noop("This value is required.")
BAD_KIND_MESSAGE = gettext_noop("“{value}” is not a unit kind; use one of: {choices}.")
BAD_NUMBER_MESSAGE = gettext_noop("“{value}” is not a whole number.")
DUPLICATE_CODE_MESSAGE = gettext_noop(
    "The code “{code}” appears twice in the file (also on row {row})."
)
UNKNOWN_PARENT_MESSAGE = gettext_noop("No unit has the code “{code}”, in the file or in CCHC.")
PARENT_LOOP_MESSAGE = gettext_noop(
    "The parent codes form a loop; a unit cannot be its own ancestor."
)
NOT_GEOJSON_MESSAGE = gettext_noop("The file is not a GeoJSON FeatureCollection.")
BAD_GEOMETRY_MESSAGE = gettext_noop("The geometry must be a Polygon or MultiPolygon.")
EMPTY_FILE_MESSAGE = gettext_noop("The file has no units in it.")
END_BEFORE_START_MESSAGE = gettext_noop("The end date cannot be before the start date.")
DUPLICATE_GSO_MESSAGE = gettext_noop(
    "The GSO code “{code}” is given to two active units (also on row {row})."
)


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    gso_code: str
    active_from: datetime.date | None
    active_to: datetime.date | None
    sort_order: int
    boundary: dict[str, Any] | None = None
    has_boundary: bool = False
    # The columns the file has: a unit it updates keeps what the file does not say. A file of
    # code, name, kind and parent had blanked the units' statistical codes and orders (and
    # would have reopened ended ones; a walk).
    columns: frozenset[str] = frozenset()


# Columns an update writes only when the file has them.
OPTIONAL_COLUMNS = ("parent_code", "gso_code", "active_from", "active_to", "sort_order")
FIELD_OF_COLUMN = {"parent_code": "parent"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)
    ignored: tuple[str, ...] = ()  # headers of the file's columns CCHC did not read


def parse_kind(value: str) -> str | None:
    word = value.strip().lower()
    if word in OrgUnit.Kind.values:
        return word
    kind = KIND_WORDS.get(word)
    return str(kind) if kind else None


def _parse_row(row_number: int, values: dict[str, str], errors: list[ImportErrorItem]) -> UnitRow:
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            errors.append(ImportErrorItem(row_number, column, _(REQUIRED_MESSAGE)))
    kind = parse_kind(values.get("kind", ""))
    if values.get("kind") and kind is None:
        choices = ", ".join(OrgUnit.Kind.values + list(KIND_WORDS))
        errors.append(
            ImportErrorItem(
                row_number,
                "kind",
                _(BAD_KIND_MESSAGE).format(value=values["kind"], choices=choices),
            )
        )
    dates: dict[str, datetime.date | None] = {}
    for column in ("active_from", "active_to"):
        raw = values.get(column, "")
        dates[column] = None
        if raw:
            try:
                dates[column] = parse_date(raw)
            except ValueError as error:
                errors.append(ImportErrorItem(row_number, column, str(error)))
    if dates["active_from"] and dates["active_to"] and dates["active_to"] < dates["active_from"]:
        errors.append(ImportErrorItem(row_number, "active_to", _(END_BEFORE_START_MESSAGE)))
    sort_order = 0
    if values.get("sort_order"):
        try:
            sort_order = int(values["sort_order"])
        except ValueError:
            errors.append(
                ImportErrorItem(
                    row_number,
                    "sort_order",
                    _(BAD_NUMBER_MESSAGE).format(value=values["sort_order"]),
                )
            )
    return UnitRow(
        row=row_number,
        code=values.get("code", ""),
        name=values.get("name", ""),
        kind=kind or "",
        parent_code=values.get("parent_code", ""),
        gso_code=values.get("gso_code", ""),
        active_from=dates["active_from"],
        active_to=dates["active_to"],
        sort_order=sort_order,
        columns=frozenset(values),
    )


def _order_by_parent(rows: list[UnitRow], errors: list[ImportErrorItem]) -> list[UnitRow]:
    """Order rows so every parent comes before its children; report unknown parents and loops."""
    by_code: dict[str, UnitRow] = {}
    for unit_row in rows:
        if unit_row.code in by_code:
            errors.append(
                ImportErrorItem(
                    unit_row.row,
                    "code",
                    _(DUPLICATE_CODE_MESSAGE).format(
                        code=unit_row.code, row=by_code[unit_row.code].row
                    ),
                )
            )
        else:
            by_code[unit_row.code] = unit_row
    active_gso: dict[str, UnitRow] = {}
    for unit_row in rows:
        if unit_row.gso_code and unit_row.active_to is None:
            first = active_gso.setdefault(unit_row.gso_code, unit_row)
            if first is not unit_row:
                errors.append(
                    ImportErrorItem(
                        unit_row.row,
                        "gso_code",
                        _(DUPLICATE_GSO_MESSAGE).format(code=unit_row.gso_code, row=first.row),
                    )
                )
    parent_codes = {r.parent_code for r in rows if r.parent_code and r.parent_code not in by_code}
    existing = set(OrgUnit.objects.filter(code__in=parent_codes).values_list("code", flat=True))
    ordered: list[UnitRow] = []
    placed: set[str] = set()
    pending = list(by_code.values())
    for unit_row in pending:
        if (
            unit_row.parent_code
            and unit_row.parent_code not in by_code
            and unit_row.parent_code not in existing
        ):
            errors.append(
                ImportErrorItem(
                    unit_row.row,
                    "parent_code",
                    _(UNKNOWN_PARENT_MESSAGE).format(code=unit_row.parent_code),
                )
            )
    while pending:
        ready = [
            r
            for r in pending
            if not r.parent_code or r.parent_code in placed or r.parent_code not in by_code
        ]
        if not ready:
            for unit_row in pending:
                errors.append(ImportErrorItem(unit_row.row, "parent_code", _(PARENT_LOOP_MESSAGE)))
            break
        for unit_row in ready:
            ordered.append(unit_row)
            placed.add(unit_row.code)
        ready_codes = {r.code for r in ready}
        pending = [r for r in pending if r.code not in ready_codes]
    return ordered


def _field_errors(unit_row: UnitRow, error: ValidationError) -> list[ImportErrorItem]:
    column_of = {"parent": "parent_code", "__all__": ""}
    items = []
    for name, messages in error.message_dict.items():
        for message in messages:
            items.append(ImportErrorItem(unit_row.row, column_of.get(name, name), message))
    return items


@transaction.atomic
def _write(*, actor: Any, rows: list[UnitRow], source: str) -> ImportResult:
    result = ImportResult()
    errors: list[ImportErrorItem] = []
    codes = [r.code for r in rows] + [r.parent_code for r in rows if r.parent_code]
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
    for unit_row in rows:
        parent = units.get(unit_row.parent_code) if unit_row.parent_code else None
        values: dict[str, Any] = {
            "name": unit_row.name,
            "kind": unit_row.kind,
            "parent": parent,
            "gso_code": unit_row.gso_code,
            "active_from": unit_row.active_from,
            "active_to": unit_row.active_to,
            "sort_order": unit_row.sort_order,
        }
        if unit_row.has_boundary:
            values["boundary"] = unit_row.boundary
        existing = units.get(unit_row.code)
        if existing is not None:
            for column in OPTIONAL_COLUMNS:
                if column not in unit_row.columns:
                    del values[FIELD_OF_COLUMN.get(column, column)]
        try:
            if existing is None:
                units[unit_row.code] = org_unit_create(actor=actor, code=unit_row.code, **values)
                result.created += 1
            else:
                unchanged = all(getattr(existing, name) == value for name, value in values.items())
                if unchanged:
                    result.unchanged += 1
                else:
                    org_unit_update(actor=actor, org_unit=existing, **values)
                    result.updated += 1
            result.codes.append(unit_row.code)
        except ValidationError as error:
            errors.extend(_field_errors(unit_row, error))
    if errors:
        # Raising inside the atomic block rolls back every row already written.
        raise ImportFailed(errors)
    audit_record(
        actor=actor,
        action="org_unit.import",
        object_type="orgunits.orgunit",
        object_repr=source[:255],
        after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result


def import_units_csv(*, actor: Any, data: bytes, source: str = "CSV") -> ImportResult:
    """Create or update units from CSV, all or nothing. Errors name a column by its header as
    the file writes it; columns CCHC does not know are not read (result.ignored)."""
    header, records = read_csv_records(
        decode_text(data), accepted=CSV_HEADINGS, labels=CSV_LABELS, required=REQUIRED_COLUMNS
    )
    errors: list[ImportErrorItem] = []
    rows = [_parse_row(number, values, errors) for number, values in records]
    if not rows and not errors:
        errors.append(ImportErrorItem(2, "", _(EMPTY_FILE_MESSAGE)))
    ordered = _order_by_parent(rows, errors)
    if errors:
        raise ImportFailed(header.name_columns(errors))
    try:
        result = _write(actor=actor, rows=ordered, source=source)
    except ImportFailed as failure:
        raise ImportFailed(header.name_columns(failure.errors)) from None
    result.ignored = header.ignored
    return result


def import_units_geojson(*, actor: Any, data: bytes, source: str = "GeoJSON") -> ImportResult:
    """Create or update units (with boundaries) from a GeoJSON FeatureCollection, all or nothing."""
    text = decode_text(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed([ImportErrorItem(error.lineno, "", _(NOT_GEOJSON_MESSAGE))]) from error
    except RecursionError:  # nested 100,000 deep: a 500 before (a walk)
        raise ImportFailed([ImportErrorItem(1, "", _(NOT_GEOJSON_MESSAGE))]) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or document.get("type") != "FeatureCollection":
        raise ImportFailed([ImportErrorItem(1, "", _(NOT_GEOJSON_MESSAGE))])
    errors: list[ImportErrorItem] = []
    rows = []
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            errors.append(ImportErrorItem(number, "properties", _(REQUIRED_MESSAGE)))
            continue
        values = {
            key: str(properties.get(key) or "").strip() for key in CSV_COLUMNS if key in properties
        }
        unit_row = _parse_row(number, values, errors)
        geometry = feature.get("geometry")
        if geometry is not None and (
            not isinstance(geometry, dict)
            or geometry.get("type") not in ("Polygon", "MultiPolygon")
            or not isinstance(geometry.get("coordinates"), list)
        ):
            errors.append(ImportErrorItem(number, "geometry", _(BAD_GEOMETRY_MESSAGE)))
        unit_row.boundary = geometry
        unit_row.has_boundary = True
        rows.append(unit_row)
    if not rows and not errors:
        errors.append(ImportErrorItem(1, "", _(EMPTY_FILE_MESSAGE)))
    ordered = _order_by_parent(rows, errors)
    if errors:
        raise ImportFailed(errors)
    return _write(actor=actor, rows=ordered, source=source)


def _export_values(unit: OrgUnit) -> dict[str, str]:
    values = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_code": unit.parent.code if unit.parent else "",
        "gso_code": unit.gso_code,
        "active_from": unit.active_from.isoformat() if unit.active_from else "",
        "active_to": unit.active_to.isoformat() if unit.active_to else "",
        "sort_order": str(unit.sort_order),
    }
    return {key: neutralise(value) for key, value in values.items()}


def export_units_csv(units: list[OrgUnit]) -> str:
    """Return the units (parents selected) as CSV text in the import format (round-trips)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for unit in units:
        writer.writerow(_export_values(unit))
    return buffer.getvalue()


def export_units_geojson(units: list[OrgUnit]) -> dict[str, Any]:
    """Return the units (parents selected) as GeoJSON in the import format (round-trips)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {**_export_values(unit), "id": unit.pk},
                "geometry": unit.boundary,
            }
            for unit in units
        ],
    }
