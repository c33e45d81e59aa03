"""Báo cáo tự chấm điểm: a unit's summary table of self-scores per criterion, the explanations
for items without evidence, and its difficulties and proposals."""

from cchc.assessments.engine import load_tree, self_result
from cchc.assessments.models import Assessment
from cchc.documents.content import Block, Document
from cchc.documents.kinds.common import (
    committee_bodies,
    in_text,
    place_of,
    points,
)

SYMBOL = "BC-UBND"


def build(
    assessment: Assessment, *, signer_name: str = "", difficulties: str = "", proposals: str = ""
) -> Document:
    unit = assessment.org_unit
    round_ = assessment.round
    tree = load_tree(assessment, with_evidence=True)
    result = self_result(tree)
    rows = []
    unexplained = []
    for criterion in tree.criteria:
        score = tree.scores.get(criterion.pk)
        mine = result.results.get(criterion.pk)
        is_leaf = criterion.pk not in tree.parent_ids
        rows.append(
            [
                criterion.code,
                ("\u00a0\u00a0" * criterion.depth) + criterion.title,
                points(criterion.max_points),
                points(mine.points) if mine else "",
            ]
        )
        if (
            is_leaf
            and criterion.evidence_required
            and score is not None
            and not score.has_evidence  # figures from the data are evidenced (as on submission)
            and not score.is_not_applicable
        ):
            reason = score.explanation.strip() or "Chưa có giải trình."
            unexplained.append(f"{criterion.code}. {criterion.title}: {reason}")
    blocks = [
        Block("paragraph", text="Kính gửi: Phòng Nội vụ."),
        Block(
            "paragraph",
            text=f"Thực hiện {round_} của UBND {in_text(round_.organiser)}, UBND "
            f"{in_text(unit)} báo cáo kết quả tự chấm điểm như sau:",
        ),
        Block("heading", text="I. KẾT QUẢ TỰ CHẤM ĐIỂM"),
        Block(
            "table",
            columns=["Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm"],
            rows=rows,
            widths=[1.6, 10.0, 2.2, 2.2],
            total=["", "Tổng điểm", points(result.applicable_max), points(result.total)],
            align_right=[2, 3],
        ),
        Block("heading", text="II. GIẢI TRÌNH CÁC NỘI DUNG KHÔNG CÓ TÀI LIỆU KIỂM CHỨNG"),
        Block("bullets", items=unexplained or ["Tất cả tiêu chí đều có tài liệu kiểm chứng."]),
        Block("heading", text="III. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT"),
        Block("paragraph", text=difficulties.strip() or "Không có."),
    ]
    if proposals.strip():
        blocks.append(Block("paragraph", text=proposals.strip()))
    return Document(
        kind="self_assessment_report",
        **committee_bodies(unit),
        symbol=SYMBOL,
        number=None,
        place=place_of(unit),
        date=None,
        year=round_.year,
        doc_type="BÁO CÁO",
        subject=f"Kết quả tự chấm điểm chỉ số cải cách hành chính ({round_})",
        blocks=blocks,
        sign_authority="TM. ỦY BAN NHÂN DÂN",
        sign_title="CHỦ TỊCH",
        signer_name=signer_name,
        recipients=["Như trên;", "Lưu: VT."],
        title=f"Báo cáo tự chấm điểm {unit.name} — {round_}",
    )
