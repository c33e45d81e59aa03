"""Checklists are data: imported from CSV/XLSX (docs/formats/checklists.md), or built from the
criteria of a framework; a new import is a new version and the previous one stops being used."""

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.audit import audit_record
from cchc.core.exports import neutralise
from cchc.core.imports import CSV_SHEET, ImportErrorItem, ImportFailed, is_workbook, read_sheets
from cchc.frameworks.models import Criterion, Framework
from cchc.frameworks.sources import DataSource
from cchc.inspections.models import Checklist, ChecklistItem, Topic
from cchc.orgunits.models import OrgUnit

# Canonical column → headers accepted for it (any case, with or without diacritics:
# cchc.core.imports.read_header). Other columns are ignored and reported.
CHECKLIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "section_code": ("section_code", "mã mục", "ma muc"),
    "section": ("section", "mục", "muc", "lĩnh vực", "linh vuc"),
    "code": ("code", "mã", "ma"),
    "item": ("item", "nội dung kiểm tra", "noi dung kiem tra", "nội dung"),
    "documents": ("documents", "tài liệu chuẩn bị", "tai lieu chuan bi", "tài liệu"),
    "data_source": ("data_source", "số liệu từ hệ thống", "nguồn số liệu"),
}
REQUIRED = ["section_code", "section", "code", "item"]
# CCHC's header for each column: a missing column is named by it (errors in rows name the
# column by its header as the file writes it).
COLUMN_TITLES = {
    "section_code": "Mã mục",
    "section": "Mục",
    "code": "Mã",
    "item": "Nội dung kiểm tra",
    "documents": "Tài liệu chuẩn bị",
    "data_source": "Số liệu từ hệ thống",
}

EMPTY_VALUE_MESSAGE = gettext_noop("This cell must not be empty.")
DUPLICATE_CODE_MESSAGE = gettext_noop("The code {code} is already used in row {row}.")
SECTION_NAME_MESSAGE = gettext_noop(
    "Section {code} is named “{first}” in row {row}; give it one name."
)
NO_ITEMS_MESSAGE = gettext_noop("The file has no checklist items in it.")
NAME_NEEDED_MESSAGE = gettext_noop("Give the checklist a name.")
BAD_TOPIC_MESSAGE = gettext_noop("Choose one of the four topics.")
WRONG_FILE_MESSAGE = gettext_noop("Upload a .csv or .xlsx file.")
BAD_SOURCE_MESSAGE = gettext_noop("“{value}” is not a data source; write one of: {allowed}.")


@dataclass(frozen=True)
class ItemRow:
    row: int
    section_code: str
    section_name: str
    code: str
    text: str
    evidence_needed: str
    data_source: str = ""


def read_checklist_file(
    *, data: bytes, file_name: str, ignored: list[str] | None = None
) -> list[ItemRow]:
    """Read and check every row; raise ImportFailed with all the errors, or return the rows.
    `ignored`, if given, receives the headers of the columns the file has but CCHC does not
    read."""
    lower = file_name.lower()
    if not lower.endswith((".csv", ".xlsx")):
        raise ImportFailed([ImportErrorItem(1, "", _(WRONG_FILE_MESSAGE))])
    sheets = read_sheets(data, xlsx=is_workbook(lower, data[:8]), empty_message=NO_ITEMS_MESSAGE)
    sheet = next(iter(sheets.values()), None)
    if sheet is None:
        raise ImportFailed([ImportErrorItem(1, "", _(NO_ITEMS_MESSAGE))])
    sheet_name = "" if sheet.name == CSV_SHEET else sheet.name
    header = sheet.header(CHECKLIST_COLUMNS, labels=COLUMN_TITLES, required=REQUIRED)
    header.require(REQUIRED)
    if ignored is not None:
        ignored.extend(header.ignored)
    errors: list[ImportErrorItem] = []
    rows: list[ItemRow] = []
    codes: dict[str, int] = {}
    sections: dict[str, tuple[str, int]] = {}
    for number, values in sheet.records(header):
        for name in REQUIRED:
            if not values.get(name):
                errors.append(ImportErrorItem(number, name, _(EMPTY_VALUE_MESSAGE), sheet_name))
        code = values.get("code", "")
        if code in codes:
            errors.append(
                ImportErrorItem(
                    number,
                    "code",
                    _(DUPLICATE_CODE_MESSAGE).format(code=code, row=codes[code]),
                    sheet_name,
                )
            )
        elif code:
            codes[code] = number
        section_code = values.get("section_code", "")
        section_name = values.get("section", "")
        if section_code and section_name:
            first = sections.setdefault(section_code, (section_name, number))
            if first[0] != section_name:
                errors.append(
                    ImportErrorItem(
                        number,
                        "section",
                        _(SECTION_NAME_MESSAGE).format(
                            code=section_code, first=first[0], row=first[1]
                        ),
                        sheet_name,
                    )
                )
        data_source = values.get("data_source", "")
        if data_source and data_source not in DataSource.values:
            errors.append(
                ImportErrorItem(
                    number,
                    "data_source",
                    _(BAD_SOURCE_MESSAGE).format(
                        value=data_source, allowed=", ".join(DataSource.values)
                    ),
                    sheet_name,
                )
            )
            data_source = ""
        rows.append(
            ItemRow(
                row=number,
                section_code=section_code[:16],
                section_name=section_name[:255],
                code=code[:32],
                text=values.get("item", ""),
                evidence_needed=values.get("documents", ""),
                data_source=data_source,
            )
        )
    if not rows and not errors:
        errors.append(ImportErrorItem(2, "", _(NO_ITEMS_MESSAGE), sheet_name))
    if errors:
        raise ImportFailed(header.name_columns(errors))
    return rows


def _next_version(issuer: OrgUnit, topic: str) -> int:
    current = Checklist.objects.filter(issuer=issuer, topic=topic).aggregate(Max("version"))
    return (current["version__max"] or 0) + 1


def _retire_previous(issuer: OrgUnit, topic: str, keep: Checklist) -> None:
    Checklist.objects.filter(issuer=issuer, topic=topic, is_active=True).exclude(pk=keep.pk).update(
        is_active=False
    )


@transaction.atomic
def checklist_import(
    *,
    actor: Any,
    issuer: OrgUnit,
    topic: str,
    name: str,
    data: bytes,
    file_name: str,
    ignored: list[str] | None = None,
) -> Checklist:
    """Import a checklist file as the new version for the topic (all rows, or nothing).
    `ignored`, if given, receives the headers of the columns the file has but CCHC does not
    read (the page tells the user)."""
    if topic not in Topic.values:
        raise ImportFailed([ImportErrorItem(1, "", _(BAD_TOPIC_MESSAGE))])
    if not name.strip():
        raise ImportFailed([ImportErrorItem(1, "", _(NAME_NEEDED_MESSAGE))])
    rows = read_checklist_file(data=data, file_name=file_name, ignored=ignored)
    checklist = Checklist.objects.create(
        issuer=issuer,
        topic=topic,
        name=name.strip()[:255],
        version=_next_version(issuer, topic),
        source=file_name[:255],
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            checklist=checklist,
            section_code=row.section_code,
            section_name=row.section_name,
            code=row.code,
            text=row.text,
            evidence_needed=row.evidence_needed,
            data_source=row.data_source,
            order=index,
        )
        for index, row in enumerate(rows)
    )
    _retire_previous(issuer, topic, checklist)
    audit_record(
        actor=actor,
        action="checklist.import",
        target=checklist,
        after={"topic": topic, "items": len(rows), "version": checklist.version},
    )
    return checklist


@transaction.atomic
def checklist_from_framework(
    *, actor: Any, issuer: OrgUnit, framework: Framework, topic: str = Topic.CCHC
) -> Checklist:
    """Use a framework's criteria as the checklist: one item per scored criterion (a leaf),
    grouped by its area, the group directly above it (as the city overview groups them)."""
    criteria = list(framework.criteria.order_by("order"))
    by_id = {criterion.pk: criterion for criterion in criteria}
    parents = {criterion.parent_id for criterion in criteria if criterion.parent_id}

    def area_of(criterion: Criterion) -> Criterion:
        return by_id[criterion.parent_id] if criterion.parent_id else criterion

    checklist = Checklist.objects.create(
        issuer=issuer,
        topic=topic,
        name=framework.name,
        version=_next_version(issuer, topic),
        framework=framework,
        source=str(framework),
    )
    items: list[ChecklistItem] = []
    for criterion in criteria:
        if criterion.pk in parents:
            continue
        area = area_of(criterion)
        items.append(
            ChecklistItem(
                checklist=checklist,
                section_code=area.code[:16],
                section_name=area.title[:255],
                code=criterion.code,
                text=criterion.title,
                evidence_needed=criterion.evidence_kind,
                data_source=criterion.data_source,
                criterion=criterion,
                order=len(items),
            )
        )
    ChecklistItem.objects.bulk_create(items)
    _retire_previous(issuer, topic, checklist)
    audit_record(
        actor=actor,
        action="checklist.import",
        target=checklist,
        after={"topic": topic, "items": len(items), "framework": framework.pk},
    )
    return checklist


def checklist_export_csv(checklist: Checklist) -> str:
    """Write the checklist in its import format, so it can be edited and imported again."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(list(COLUMN_TITLES.values()))
    for item in checklist.items.order_by("order"):
        writer.writerow(
            [
                neutralise(value)
                for value in (
                    item.section_code,
                    item.section_name,
                    item.code,
                    item.text,
                    item.evidence_needed,
                    item.data_source,
                )
            ]
        )
    return output.getvalue()
