"""The ranking as a workbook (Vietnamese headers, numbers as numbers), written through
`core.exports` like every table: a unit, framework or band name that a spreadsheet would run
as a formula stays text."""

from cchc.assessments.models import Round
from cchc.assessments.services.results import ResultRow
from cchc.core.exports import Table, xlsx_bytes

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


def results_xlsx(round_: Round, rows: list[ResultRow]) -> bytes:
    """The rows as the results module gives them (`published_or_live_results`): the same
    figures as the page, written as numbers."""
    decision = (
        [f"Quyết định {round_.decision_number}", round_.decision_date]
        if round_.decision_number
        else ["Chưa công bố"]
    )
    table = Table(
        name="results",
        title="Kết quả",
        headers=HEADERS,
        preamble=[[str(round_), str(round_.framework)], decision, [""]],
        widths={"B": 30},
        rows=(
            [
                row.rank,
                row.unit_name,
                row.unit_code,
                row.total,
                row.maximum,
                row.percent,
                row.band,
                row.self_points,
                row.gap,
                row.previous_rank,
                row.rank_change,
            ]
            for row in rows
        ),
    )
    return xlsx_bytes([table])
