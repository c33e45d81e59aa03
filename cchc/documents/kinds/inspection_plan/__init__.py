"""Kế hoạch kiểm tra: the year's consolidated visits — which unit, when, on what, and who
heads the team — with the saving the consolidation makes."""

from cchc.core.dates import format_count
from cchc.documents.content import Block, Document
from cchc.documents.kinds.common import (
    committee_bodies,
    day,
    place_of,
    topics_phrase,
)
from cchc.inspections.models import TOPIC_SHORT, InspectionPlan, Topic

SYMBOL = "KH-UBND"


def build(plan: InspectionPlan, *, signer_name: str = "") -> Document:
    organiser = plan.organiser
    inspections = list(
        plan.inspections.select_related("org_unit").prefetch_related("team__user", "team__agency")
    )
    summary = plan.summary or {}
    agencies = sorted(
        {member.agency.name for inspection in inspections for member in inspection.team.all()}
    )
    rows = []
    for index, inspection in enumerate(inspections, 1):
        head = next((m for m in inspection.team.all() if m.is_head), None)
        rows.append(
            [
                str(index),
                inspection.org_unit.name,
                day(inspection.visit_date),
                ", ".join(
                    str(TOPIC_SHORT[Topic(t)]) for t in Topic.values if t in inspection.topics
                ),
                str(head.user) if head else "",
            ]
        )
    all_topics = sorted({topic for inspection in inspections for topic in inspection.topics})
    blocks = [
        Block("heading", text="I. MỤC ĐÍCH, YÊU CẦU"),
        Block(
            "paragraph",
            text=f"Kiểm tra {topics_phrase(all_topics)} tại các phường, xã trong năm {plan.year}, "
            "bằng một cuộc kiểm tra hợp nhất tại mỗi đơn vị thay cho nhiều cuộc kiểm tra riêng "
            "rẽ, nhằm giảm áp lực cho cơ sở và phát hiện các hạn chế có cùng nguyên nhân để "
            "kiến nghị giải pháp khắc phục tổng thể.",
        ),
        Block(
            "paragraph",
            text=f"{format_count(summary.get('requests', 0))} đề nghị kiểm tra của các cơ quan "
            f"được hợp nhất thành {format_count(summary.get('visits', len(inspections)))} cuộc "
            f"kiểm tra; {format_count(summary.get('units_consolidated', 0))} đơn vị chỉ đón "
            "một đoàn thay vì nhiều đoàn.",
        ),
        Block("heading", text="II. ĐƠN VỊ, THỜI GIAN VÀ NỘI DUNG KIỂM TRA"),
        Block(
            "table",
            columns=["TT", "Đơn vị", "Ngày kiểm tra", "Nội dung", "Trưởng đoàn"],
            rows=rows,
            widths=[1.0, 4.0, 2.6, 4.4, 4.0],
        ),
        Block("heading", text="III. THÀNH PHẦN ĐOÀN KIỂM TRA"),
        Block(
            "paragraph",
            text="Đoàn kiểm tra do lãnh đạo Phòng Nội vụ làm Trưởng đoàn; thành viên là công "
            "chức của các cơ quan tham mưu: " + ", ".join(agencies) + ".",
        ),
        Block("heading", text="IV. TỔ CHỨC THỰC HIỆN"),
        Block(
            "bullets",
            items=[
                "Phòng Nội vụ chủ trì, tham mưu thành lập Đoàn kiểm tra cho từng cuộc kiểm tra, "
                "thông báo lịch và danh mục tài liệu cho đơn vị trước ngày kiểm tra;",
                "Các cơ quan cử công chức tham gia Đoàn theo lĩnh vực phụ trách;",
                "UBND các phường, xã chuẩn bị báo cáo và tài liệu theo danh mục, bố trí thành "
                "phần làm việc với Đoàn.",
            ],
        ),
    ]
    return Document(
        kind="inspection_plan",
        **committee_bodies(organiser),
        symbol=SYMBOL,
        number=None,
        place=place_of(organiser),
        date=None,
        year=plan.year,
        doc_type="KẾ HOẠCH",
        subject=f"Kiểm tra công tác cải cách hành chính và các nội dung liên quan năm {plan.year}",
        blocks=blocks,
        sign_authority="TM. ỦY BAN NHÂN DÂN",
        sign_title="CHỦ TỊCH",
        signer_name=signer_name,
        recipients=["Các cơ quan chuyên môn thuộc UBND;", "UBND các phường, xã;", "Lưu: VT, NV."],
        title=f"Kế hoạch kiểm tra năm {plan.year}",
    )
