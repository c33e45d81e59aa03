"""Thông báo kết quả xếp hạng: the published ranking of a round, with its table."""

from cchc.assessments.models import Round
from cchc.assessments.services.results import published_or_live_results
from cchc.core.dates import COLUMN_PLACES
from cchc.documents.content import Block, Document
from cchc.documents.kinds.common import (
    committee_bodies,
    day,
    in_text,
    lower_first,
    percent,
    place_of,
    points,
)

SYMBOL = "TB-UBND"


def build(round_: Round, *, signer_name: str = "") -> Document:
    organiser = round_.organiser
    # The rows of the results page, ranked units only, in its order.
    results = [row for row in published_or_live_results(round_) if row.rank is not None]
    bases = []
    if round_.decision_number:
        bases.append(
            f"Căn cứ Quyết định số {round_.decision_number} ngày {day(round_.decision_date)} "
            "phê duyệt kết quả xác định chỉ số cải cách hành chính."
        )
    blocks = [
        Block(
            "paragraph",
            text=f"UBND {in_text(organiser)} thông báo kết quả xác định chỉ số cải cách hành chính "
            f"{lower_first(str(round_))} của {len(results)} phường, xã như sau:",
        ),
        Block(
            "table",
            columns=["Hạng", "Đơn vị", "Tổng điểm", "Tỷ lệ", "Xếp loại"],
            rows=[
                [
                    str(row.rank),
                    row.unit_name,
                    f"{points(row.total, COLUMN_PLACES)}/{points(row.maximum)}",
                    percent(row.percent, COLUMN_PLACES),
                    row.band,
                ]
                for row in results
            ],
            widths=[1.5, 5.5, 3.4, 2.4, 3.2],
            align_right=[0, 2, 3],
        ),
        Block(
            "paragraph",
            text="Các đơn vị căn cứ kết quả trên xây dựng kế hoạch khắc phục những tiêu chí, "
            "lĩnh vực có điểm thấp trong kỳ tiếp theo.",
        ),
    ]
    return Document(
        kind="ranking_announcement",
        **committee_bodies(organiser),
        symbol=SYMBOL,
        number=None,
        place=place_of(organiser),
        date=None,
        year=round_.year,
        doc_type="THÔNG BÁO",
        subject=f"Kết quả xếp hạng chỉ số cải cách hành chính {str(round_).lower()}",
        bases=bases,
        blocks=blocks,
        sign_authority="TM. ỦY BAN NHÂN DÂN",
        sign_title="CHỦ TỊCH",
        signer_name=signer_name,
        recipients=["UBND các phường, xã;", "Lưu: VT, NV."],
        title=f"Thông báo kết quả xếp hạng {round_}",
    )
