"""The ranking as a workbook (Vietnamese headers, numbers as numbers)."""

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from cchc.assessments.models import Round

HEADERS = [
    "Hạng",
    "Đơn vị",
    "Mã",
    "Điểm thẩm định",
    "Điểm tối đa áp dụng",
    "Tỷ lệ (%)",
    "Xếp loại",
    "Điểm tự chấm",
    "Chênh lệch: tự chấm − thẩm định (các tiêu chí đơn vị tự chấm)",
    "Hạng đợt trước",
    "Thay đổi hạng",
]


def _number(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def results_xlsx(round_: Round, rows: list[dict[str, Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kết quả"
    sheet.append([str(round_), str(round_.framework)])
    sheet.append(
        [f"Quyết định {round_.decision_number}", round_.decision_date]
        if round_.decision_number
        else ["Chưa công bố"]
    )
    sheet.append([""])
    sheet.append(HEADERS)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row["rank"],
                row["unit_name"],
                row["unit_code"],
                _number(row["total"]),
                _number(row["maximum"]),
                _number(row["percent"]),
                row["band"],
                _number(row["self_points"]),
                _number(row["gap"]),
                row["previous_rank"],
                row["rank_change"],
            ]
        )
    sheet.column_dimensions["B"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
