"""Framework files: XLSX and CSV in, XLSX and CSV out (format: docs/formats/framework.md).

Reading checks every row and reports every problem at once, with sheet, row and column;
nothing is written unless the whole file is right. Export → import round-trips exactly.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exports import neutralise, safe_row
from cchc.core.imports import (
    CSV_SHEET,
    Header,
    ImportErrorItem,
    ImportFailed,
    Sheet,
    cell_text,
    is_workbook,
    parse_date,
    read_sheets,
)
from cchc.core.points import parse_decimal
from cchc.frameworks.rules import RuleError, SumRule, parse_rule
from cchc.frameworks.scoring import Node, Section, sum_problems
from cchc.frameworks.sources import DataSource
from cchc.orgunits.models import OrgUnit

CRITERIA_SHEET = "Tiêu chí"
BANDS_SHEET = "Xếp loại"
INFO_SHEET = "Bộ tiêu chí"
GUIDE_SHEET = "Hướng dẫn"

# Canonical column → the headers accepted for it (compared as cchc.core.imports.read_header
# does: trimmed, any case, with or without diacritics). Columns named otherwise are ignored and
# reported; errors name a column by its header as the file writes it.
CRITERIA_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "mã", "mã tiêu chí", "stt"),
    "parent_code": ("parent_code", "parent", "mã cha", "thuộc"),
    "title": ("title", "title_vi", "tên", "tên tiêu chí", "tiêu chí", "nội dung"),
    "max_points": ("max_points", "điểm tối đa", "điểm"),
    "rule": ("rule", "scoring_rule", "cách tính điểm", "cách chấm điểm"),
    "section": ("section", "phần"),
    "self_scored": ("self_scored", "tự chấm", "đơn vị tự chấm"),
    "evidence_required": ("evidence_required", "bắt buộc tài liệu kiểm chứng", "cần tlkc"),
    "evidence_kind": ("evidence_kind", "tài liệu kiểm chứng", "tlkc"),
    "agency_code": ("agency_code", "cơ quan thẩm định", "mã cơ quan thẩm định"),
    "guidance": ("guidance", "hướng dẫn"),
    "legal_basis": ("legal_basis", "căn cứ", "căn cứ pháp lý"),
    "data_source": ("data_source", "số liệu từ hệ thống", "nguồn số liệu"),
}
CRITERIA_HEADERS_VI = {
    "code": "Mã",
    "parent_code": "Mã cha",
    "title": "Tên tiêu chí",
    "max_points": "Điểm tối đa",
    "rule": "Cách tính điểm",
    "section": "Phần",
    "self_scored": "Tự chấm",
    "evidence_required": "Bắt buộc tài liệu kiểm chứng",
    "evidence_kind": "Tài liệu kiểm chứng",
    "agency_code": "Cơ quan thẩm định",
    "guidance": "Hướng dẫn",
    "legal_basis": "Căn cứ pháp lý",
    "data_source": "Số liệu từ hệ thống",
}
BAND_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "tên", "xếp loại", "loại"),
    "min_percent": ("min_percent", "từ (%)", "từ %", "từ", "tỷ lệ tối thiểu"),
}
BAND_HEADERS_VI = {"name": "Xếp loại", "min_percent": "Từ (%)"}
INFO_FIELDS = {
    "name": ("name", "tên", "tên bộ tiêu chí"),
    "year": ("year", "năm"),
    "unit_kinds": ("unit_kinds", "áp dụng cho", "loại đơn vị"),
    "decision_number": ("decision_number", "số quyết định"),
    "decision_date": ("decision_date", "ngày quyết định"),
    "description": ("description", "ghi chú", "mô tả"),
}
INFO_LABELS_VI = {
    "name": "Tên bộ tiêu chí",
    "year": "Năm",
    "unit_kinds": "Áp dụng cho",
    "decision_number": "Số quyết định",
    "decision_date": "Ngày quyết định",
    "description": "Ghi chú",
}
REQUIRED_COLUMNS = ("code", "title", "max_points")
BAND_REQUIRED = ("name", "min_percent")
SECTION_WORDS = {
    "": Section.NORMAL,
    "normal": Section.NORMAL,
    "thường": Section.NORMAL,
    "bonus": Section.BONUS,
    "cộng": Section.BONUS,
    "điểm thưởng": Section.BONUS,
    "penalty": Section.PENALTY,
    "trừ": Section.PENALTY,
    "điểm trừ": Section.PENALTY,
}
YES_WORDS = {"1", "yes", "y", "true", "có", "x"}
NO_WORDS = {"0", "no", "n", "false", "không"}
KIND_WORDS = {
    "phường": "ward",
    "xã": "commune",
    "ward": "ward",
    "commune": "commune",
    "thành phố": "city",
    "city": "city",
    "huyện": "district",
    "district": "district",
}
# The word the workbook writes for each kind: the first Vietnamese word KIND_WORDS reads.
KIND_NAMES_VI = {"ward": "phường", "commune": "xã", "city": "thành phố", "district": "huyện"}
DEFAULT_BANDS = (
    ("Xuất sắc", Decimal(90)),
    ("Tốt", Decimal(80)),
    ("Khá", Decimal(70)),
    ("Trung bình", Decimal(50)),
    ("Yếu", Decimal(0)),
)

REQUIRED_MESSAGE = gettext_noop("This value is required.")
DUPLICATE_CODE_MESSAGE = gettext_noop("The code “{code}” appears twice (also on row {row}).")
UNKNOWN_PARENT_MESSAGE = gettext_noop("No criterion has the code “{code}”.")
PARENT_LOOP_MESSAGE = gettext_noop("The parent codes form a loop.")
# Areas, criteria and sub-criteria are three levels; ten leave room and keep every walk of the
# tree (scoring, ordering) shallow.
MAX_DEPTH = 9  # the root is depth 0
TOO_DEEP_MESSAGE = gettext_noop(
    "The tree is too deep: at most {levels} levels of criteria (this row is level {level})."
)
NOT_A_NUMBER_MESSAGE = gettext_noop("“{value}” is not a number.")
NEGATIVE_MESSAGE = gettext_noop("The maximum cannot be negative.")
TOO_MANY_PLACES_MESSAGE = gettext_noop(
    "Points have at most two decimal places; the file has {value}."
)
BAD_SECTION_MESSAGE = gettext_noop("“{value}” is not a section; use normal, bonus or penalty.")
BAD_BOOLEAN_MESSAGE = gettext_noop("“{value}” is neither yes (có) nor no (không).")
UNKNOWN_AGENCY_MESSAGE = gettext_noop("No advising agency has the code “{code}”.")
LEAF_NEEDS_RULE_MESSAGE = gettext_noop("A criterion without sub-criteria needs a scoring rule.")
EMPTY_FILE_MESSAGE = gettext_noop("The file has no criteria in it.")
BAD_SOURCE_MESSAGE = gettext_noop("“{value}” is not a data source; write one of: {allowed}.")
NO_SHEET_MESSAGE = gettext_noop("The workbook has no sheet named “{sheet}”.")
BAD_PERCENT_MESSAGE = gettext_noop("The per cent must be between 0 and 100.")
DUPLICATE_BAND_MESSAGE = gettext_noop("Two bands have the same name or the same per cent.")
BAD_YEAR_MESSAGE = gettext_noop("“{value}” is not a year.")
BAD_KIND_MESSAGE = gettext_noop("“{value}” is not a kind of unit; use phường, xã, ward or commune.")


@dataclass
class CriterionRow:
    row: int
    code: str
    parent_code: str
    title: str
    max_points: Decimal
    rule_text: str
    section: str = Section.NORMAL
    is_self_scored: bool = True
    evidence_required: bool = True
    evidence_kind: str = ""
    agency_code: str = ""
    guidance: str = ""
    legal_basis: str = ""
    data_source: str = ""
    order: int = 0
    # False when the maximum could not be read (its own error says so): the rule is not checked
    # against a maximum of 0, which only added errors that were not the file's.
    max_points_read: bool = True
    depth: int = 0


@dataclass
class FrameworkFile:
    """A framework read from a file and checked: ready to be written in one transaction."""

    criteria: list[CriterionRow] = field(default_factory=list)
    bands: list[tuple[str, Decimal]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # headers of columns not read


def _boolean(value: str, default: bool) -> bool | None:
    word = value.strip().lower()
    if word == "":
        return default
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def _read_criteria(
    sheet: Sheet, header: Header, errors: list[ImportErrorItem]
) -> list[CriterionRow]:
    """The criteria rows; errors name columns by their canonical names (see read_framework_file)."""
    missing = header.missing_error(REQUIRED_COLUMNS)
    if missing is not None:
        errors.append(missing)
        return []
    rows: list[CriterionRow] = []
    for number, values in sheet.records(header):

        def error(column: str, message: str, number: int = number) -> None:
            errors.append(ImportErrorItem(number, column, message, sheet.name))

        for column in REQUIRED_COLUMNS:
            if not values.get(column):
                error(column, _(REQUIRED_MESSAGE))
        max_points = Decimal(0)
        max_points_read = bool(values.get("max_points"))
        if values.get("max_points"):
            try:
                max_points = parse_decimal(values["max_points"])
            except ValueError:
                max_points_read = False
                error("max_points", _(NOT_A_NUMBER_MESSAGE).format(value=values["max_points"]))
            else:
                if max_points < 0:
                    error("max_points", _(NEGATIVE_MESSAGE))
                elif max_points != max_points.quantize(Decimal("0.01")):
                    error(
                        "max_points",
                        _(TOO_MANY_PLACES_MESSAGE).format(value=values["max_points"]),
                    )
        section = SECTION_WORDS.get(values.get("section", "").lower())
        if section is None:
            error("section", _(BAD_SECTION_MESSAGE).format(value=values["section"]))
        flags = {}
        for column, default in (("self_scored", True), ("evidence_required", True)):
            flag = _boolean(values.get(column, ""), default)
            if flag is None:
                error(column, _(BAD_BOOLEAN_MESSAGE).format(value=values[column]))
            flags[column] = bool(flag) if flag is not None else default
        data_source = values.get("data_source", "")
        if data_source and data_source not in DataSource.values:
            error(
                "data_source",
                _(BAD_SOURCE_MESSAGE).format(
                    value=data_source, allowed=", ".join(DataSource.values)
                ),
            )
            data_source = ""
        rows.append(
            CriterionRow(
                row=number,
                code=values.get("code", ""),
                parent_code=values.get("parent_code", ""),
                title=values.get("title", ""),
                max_points=max_points,
                max_points_read=max_points_read,
                rule_text=values.get("rule", ""),
                section=section or Section.NORMAL,
                is_self_scored=flags["self_scored"],
                evidence_required=flags["evidence_required"],
                evidence_kind=values.get("evidence_kind", ""),
                agency_code=values.get("agency_code", ""),
                guidance=values.get("guidance", ""),
                legal_basis=values.get("legal_basis", ""),
                data_source=data_source,
            )
        )
    return rows


def _check_tree(rows: list[CriterionRow], sheet: str, errors: list[ImportErrorItem]) -> None:
    """Check codes, parents, loops, rules and sums; set order and depth on good rows."""
    by_code: dict[str, CriterionRow] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in by_code:
            errors.append(
                ImportErrorItem(
                    row.row,
                    "code",
                    _(DUPLICATE_CODE_MESSAGE).format(code=row.code, row=by_code[row.code].row),
                    sheet,
                )
            )
        else:
            by_code[row.code] = row
    has_children = {row.parent_code for row in rows if row.parent_code}
    for row in rows:
        if row.parent_code and row.parent_code not in by_code:
            errors.append(
                ImportErrorItem(
                    row.row,
                    "parent_code",
                    _(UNKNOWN_PARENT_MESSAGE).format(code=row.parent_code),
                    sheet,
                )
            )
    # Loops: walk up from every row; a walk longer than the row count has looped. A row whose
    # walk reaches a root one level too deep is reported (the rows under it are not, again).
    for row in rows:
        seen = set()
        current: CriterionRow | None = row
        while current is not None and current.parent_code:
            if current.code in seen:
                errors.append(
                    ImportErrorItem(row.row, "parent_code", _(PARENT_LOOP_MESSAGE), sheet)
                )
                break
            seen.add(current.code)
            current = by_code.get(current.parent_code)
        else:
            if current is not None and len(seen) == MAX_DEPTH + 1:
                message = _(TOO_DEEP_MESSAGE).format(levels=MAX_DEPTH + 1, level=MAX_DEPTH + 2)
                errors.append(ImportErrorItem(row.row, "parent_code", message, sheet))
    for row in rows:
        is_parent = row.code in has_children
        if not row.rule_text:
            if not is_parent:
                errors.append(ImportErrorItem(row.row, "rule", _(LEAF_NEEDS_RULE_MESSAGE), sheet))
            row.rule_text = "sum"
            continue
        try:
            rule = parse_rule(row.rule_text)
        except RuleError as error:
            errors.append(ImportErrorItem(row.row, "rule", error.message, sheet))
            continue
        if is_parent and not isinstance(rule, SumRule):
            # A parent is always the sum of its children; its rule column is informative only.
            rule = SumRule()
        checked = not is_parent and row.max_points_read
        for message in rule.problems_for(row.max_points) if checked else []:
            errors.append(ImportErrorItem(row.row, "rule", message, sheet))
        row.rule_text = rule.to_text()
    if errors:
        # Sums and order need a sound tree; the problems found so far come first.
        return
    # Depth-first order, keeping the file's order among siblings.
    children: dict[str, list[CriterionRow]] = {}
    for row in rows:
        children.setdefault(row.parent_code, []).append(row)
    order = 0

    def visit(row: CriterionRow, depth: int) -> None:
        nonlocal order
        order += 1
        row.order, row.depth = order, depth
        for child in children.get(row.code, []):
            visit(child, depth + 1)

    for root in children.get("", []):
        visit(root, 0)
    index_of = {row.code: index for index, row in enumerate(rows)}
    nodes = [
        Node(
            id=index,
            code=row.code,
            parent_id=index_of[row.parent_code] if row.parent_code else None,
            max_points=row.max_points,
            rule=parse_rule(row.rule_text),
            section=row.section,
        )
        for index, row in enumerate(rows)
    ]
    for code, column, message in sum_problems(nodes):
        if column != "rule":  # rule problems were reported row by row above
            errors.append(ImportErrorItem(by_code[code].row, column, message, sheet))


def _read_bands(
    sheet: Sheet, header: Header, errors: list[ImportErrorItem]
) -> list[tuple[str, Decimal]]:
    bands: list[tuple[str, Decimal]] = []
    for number, values in sheet.records(header):
        name = values.get("name", "")
        if not name:
            errors.append(ImportErrorItem(number, "name", _(REQUIRED_MESSAGE), sheet.name))
            continue
        try:
            percent = parse_decimal(values.get("min_percent", "").rstrip("%"))
        except ValueError:
            errors.append(
                ImportErrorItem(
                    number,
                    "min_percent",
                    _(NOT_A_NUMBER_MESSAGE).format(value=values.get("min_percent", "")),
                    sheet.name,
                )
            )
            continue
        if not 0 <= percent <= 100:
            errors.append(
                ImportErrorItem(number, "min_percent", _(BAD_PERCENT_MESSAGE), sheet.name)
            )
            continue
        if any(name == other or percent == floor for other, floor in bands):
            errors.append(ImportErrorItem(number, "name", _(DUPLICATE_BAND_MESSAGE), sheet.name))
            continue
        bands.append((name, percent))
    return bands


def _read_info(sheet: Sheet, errors: list[ImportErrorItem]) -> dict[str, Any]:
    """Read the info sheet: two columns, field and value (the header row is a field too)."""
    info: dict[str, Any] = {}
    for number, cells in sheet.rows:
        label = str(cells[0] or "").strip().lower() if cells else ""
        value = cell_text(cells[1]) if len(cells) > 1 else ""
        for key, aliases in INFO_FIELDS.items():
            if label in aliases:
                info[key] = (number, value)
    result: dict[str, Any] = {}
    for key, (number, value) in info.items():
        if not value:
            continue
        if key == "year":
            try:
                result["year"] = int(Decimal(value))
            except ArithmeticError:
                errors.append(
                    ImportErrorItem(
                        number, "B", _(BAD_YEAR_MESSAGE).format(value=value), sheet.name
                    )
                )
        elif key == "decision_date":
            try:
                result["decision_date"] = parse_date(value)
            except ValueError as error:
                errors.append(ImportErrorItem(number, "B", str(error), sheet.name))
        elif key == "unit_kinds":
            kinds = []
            for word in value.replace(";", ",").split(","):
                kind = KIND_WORDS.get(word.strip().lower())
                if kind is None:
                    errors.append(
                        ImportErrorItem(
                            number, "B", _(BAD_KIND_MESSAGE).format(value=word.strip()), sheet.name
                        )
                    )
                else:
                    kinds.append(kind)
            result["unit_kinds"] = kinds
        else:
            result[key] = value
    return result


def _resolve_agencies(
    rows: list[CriterionRow], sheet: str, errors: list[ImportErrorItem]
) -> dict[str, OrgUnit]:
    codes = {row.agency_code for row in rows if row.agency_code}
    agencies = {
        unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes, kind=OrgUnit.Kind.AGENCY)
    }
    for row in rows:
        if row.agency_code and row.agency_code not in agencies:
            errors.append(
                ImportErrorItem(
                    row.row,
                    "agency_code",
                    _(UNKNOWN_AGENCY_MESSAGE).format(code=row.agency_code),
                    sheet,
                )
            )
    return agencies


def read_framework_file(*, data: bytes, file_name: str) -> tuple[FrameworkFile, dict[str, OrgUnit]]:
    """Read and check a framework file; raise ImportFailed with every problem found."""
    is_xlsx = is_workbook(file_name, data[:8])
    sheets = read_sheets(data, xlsx=is_xlsx, empty_message=EMPTY_FILE_MESSAGE)
    errors: list[ImportErrorItem] = []
    if is_xlsx:
        criteria_sheet = sheets.get(CRITERIA_SHEET) or sheets.get("Criteria")
        if criteria_sheet is None:
            if len(sheets) == 1:
                criteria_sheet = next(iter(sheets.values()))
            else:
                raise ImportFailed(
                    [ImportErrorItem(1, "", _(NO_SHEET_MESSAGE).format(sheet=CRITERIA_SHEET))]
                )
    else:
        criteria_sheet = sheets[CSV_SHEET]
    result = FrameworkFile()
    criteria_header = criteria_sheet.header(
        CRITERIA_COLUMNS, labels=CRITERIA_HEADERS_VI, required=REQUIRED_COLUMNS
    )
    headers = [criteria_header]
    result.criteria = _read_criteria(criteria_sheet, criteria_header, errors)
    if not result.criteria and not errors:
        errors.append(ImportErrorItem(2, "", _(EMPTY_FILE_MESSAGE), criteria_sheet.name))
    _check_tree(result.criteria, criteria_sheet.name, errors)
    agencies = _resolve_agencies(result.criteria, criteria_sheet.name, errors)
    bands_sheet = sheets.get(BANDS_SHEET) or sheets.get("Bands")
    if bands_sheet:
        headers.append(
            bands_sheet.header(BAND_COLUMNS, labels=BAND_HEADERS_VI, required=BAND_REQUIRED)
        )
        result.bands = _read_bands(bands_sheet, headers[-1], errors)
    else:
        result.bands = list(DEFAULT_BANDS)
    info_sheet = sheets.get(INFO_SHEET) or sheets.get("Framework")
    if info_sheet:
        result.info = _read_info(info_sheet, errors)
    result.ignored = [heading for header in headers for heading in header.ignored]
    if errors:
        # Checks name a column by its canonical name; the user reads the file's header.
        for header in headers:
            errors = header.name_columns(errors)
        raise ImportFailed(errors)
    return result, agencies


# --- Export ---------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "có" if value else "không"


def criterion_export_values(criterion: Any) -> dict[str, str]:
    """Return one criterion as the file's columns (criteria with parent and agency selected),
    text that a spreadsheet would run as a formula neutralised (the import restores it)."""
    values = {
        "code": criterion.code,
        "parent_code": criterion.parent.code if criterion.parent else "",
        "title": criterion.title,
        "max_points": f"{criterion.max_points.normalize():f}",
        "rule": criterion.rule_text,
        "section": criterion.section,
        "self_scored": _yes_no(criterion.is_self_scored),
        "evidence_required": _yes_no(criterion.evidence_required),
        "evidence_kind": criterion.evidence_kind,
        "agency_code": criterion.agency.code if criterion.agency else "",
        "guidance": criterion.guidance,
        "legal_basis": criterion.legal_basis,
        "data_source": criterion.data_source,
    }
    return {key: neutralise(value) for key, value in values.items()}


def export_framework_csv(criteria: list[Any]) -> str:
    """Return the criteria as CSV, English headers, in tree order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CRITERIA_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for criterion in criteria:
        writer.writerow(criterion_export_values(criterion))
    return buffer.getvalue()


def export_framework_xlsx(framework: Any, criteria: list[Any], bands: list[Any]) -> bytes:
    """Return the framework as a workbook: info, criteria and bands sheets (Vietnamese headers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    info = workbook.active
    info.title = INFO_SHEET
    info_values = {
        "name": framework.name,
        "year": framework.year,
        # In Vietnamese, as the template writes them ("phường, xã"); the import reads either.
        "unit_kinds": ", ".join(KIND_NAMES_VI.get(kind, kind) for kind in framework.unit_kinds),
        "decision_number": framework.decision_number,
        "decision_date": framework.decision_date.isoformat() if framework.decision_date else "",
        "description": framework.description,
    }
    for key, label in INFO_LABELS_VI.items():
        info.append(safe_row([label, info_values[key]]))
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 60
    sheet = workbook.create_sheet(CRITERIA_SHEET)
    sheet.append([CRITERIA_HEADERS_VI[key] for key in CRITERIA_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for criterion in criteria:
        values = criterion_export_values(criterion)
        row = [values[key] for key in CRITERIA_COLUMNS]
        row[3] = criterion.max_points  # a number cell, so Excel can add them up
        sheet.append(safe_row(row))
    for letter, width in zip(
        "ABCDEFGHIJKL", (8, 8, 60, 10, 40, 10, 8, 10, 30, 14, 40, 30), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    band_sheet = workbook.create_sheet(BANDS_SHEET)
    band_sheet.append([BAND_HEADERS_VI["name"], BAND_HEADERS_VI["min_percent"]])
    for band in bands:
        band_sheet.append(safe_row([band.name, band.min_percent]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TEMPLATE_GUIDE = [
    "Mỗi dòng của trang “Tiêu chí” là một lĩnh vực, tiêu chí hoặc tiêu chí thành phần.",
    "Mã: duy nhất trong bộ tiêu chí (1, 1.1, 1.1.2…).",
    "Mã cha: mã của dòng chứa nó; để trống nếu là lĩnh vực.",
    "Điểm tối đa: số, tối đa hai chữ số thập phân (7,5; 0,25).",
    "Điểm của dòng cha phải bằng tổng điểm các dòng con.",
    "Cách tính điểm (chỉ cho dòng không có dòng con):",
    "  manual step=0.25 — chấm trực tiếp theo bước 0,25",
    "  yes_no — Có = điểm tối đa, Không = 0; yes_no na — cho phép “Không áp dụng”",
    "  tiers: 100=max; 95=3; 90=1 — theo bậc tỷ lệ (%); tiers number: 10=max; 5=1 — theo số",
    "  ratio — điểm tối đa × tử số/mẫu số; tùy chọn floor=80 (dưới 80% được 0), target=50, cap=1.5",
    "  deduction 0.25 — trừ 0,25 điểm mỗi lần vi phạm; deduction 10% — trừ 10% điểm tối đa mỗi lần",
    "  checklist: Mục 1; Mục 2; Mục 3 — mỗi mục đạt được phần bằng nhau (hoặc Mục 1=1; Mục 2=2)",
    "  graded: Xuất sắc=100; Tốt=75; Hoàn thành=50; Không hoàn thành=0 — theo mức độ hoàn thành",
    "  survey: A=100; B=60; C=20; D=0 — điều tra xã hội học, trọng số theo phương án trả lời",
    "Phần: normal (thường), bonus (điểm thưởng, tối đa bằng điểm của phần), penalty (điểm trừ).",
    "Tự chấm, Bắt buộc tài liệu kiểm chứng: có / không.",
    "Cơ quan thẩm định: mã cơ quan trong danh mục Đơn vị (ví dụ 436-TP).",
    "Trang “Xếp loại”: tên xếp loại và tỷ lệ tối thiểu (%) so với tổng điểm tối đa áp dụng.",
]


def framework_template_xlsx(*, year: int) -> bytes:
    """Return a blank framework workbook with two example rows and a guide sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    info = workbook.active
    info.title = INFO_SHEET
    for key, label in INFO_LABELS_VI.items():
        info.append([label, {"year": year, "unit_kinds": "phường, xã"}.get(key, "")])
    sheet = workbook.create_sheet(CRITERIA_SHEET)
    sheet.append([CRITERIA_HEADERS_VI[key] for key in CRITERIA_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        ["1", "", "Công tác chỉ đạo điều hành CCHC", 2, "sum", "normal", "có", "có", "", "", "", ""]
    )
    sheet.append(
        [
            "1.1",
            "1",
            "Ban hành Kế hoạch CCHC năm",
            2,
            "yes_no",
            "normal",
            "có",
            "có",
            "Kế hoạch CCHC năm",
            "",
            "",
            "",
        ]
    )
    band_sheet = workbook.create_sheet(BANDS_SHEET)
    band_sheet.append([BAND_HEADERS_VI["name"], BAND_HEADERS_VI["min_percent"]])
    for name, percent in DEFAULT_BANDS:
        band_sheet.append([name, percent])
    guide = workbook.create_sheet(GUIDE_SHEET)
    for line in TEMPLATE_GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
