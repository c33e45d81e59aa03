"""Quyết định thành lập Đoàn kiểm tra: the city's People's Committee forms the team of one
consolidated visit (members, their agencies, what each covers)."""

import datetime

from django.utils import timezone

from cchc.documents.content import Block, Document
from cchc.documents.kinds.common import (
    chair_authority,
    committee_bodies,
    day,
    in_text,
    inspection_subject,
    local_government_law,
    lower_first,
    place_of,
)
from cchc.inspections.models import Inspection

SYMBOL = "QĐ-UBND"


def build(
    inspection: Inspection,
    *,
    signer_name: str = "",
    plan_reference: str = "",
    issued_on: datetime.date | None = None,
) -> Document:
    organiser = inspection.plan.organiser
    unit = inspection.org_unit
    team = list(inspection.team.select_related("user", "agency"))
    head = next((member for member in team if member.is_head), None)
    # The law in force on the decision's date (the 2015 law was replaced in 2025).
    bases = [local_government_law(issued_on or timezone.localdate())]
    if plan_reference:
        bases.append(
            f"Căn cứ Kế hoạch số {plan_reference} về kiểm tra công tác cải cách hành chính "
            f"năm {inspection.plan.year};"
        )
    bases.append("Theo đề nghị của Trưởng phòng Nội vụ.")
    rows = [
        [
            str(index),
            str(member.user),
            member.agency.name,
            "Trưởng đoàn" if member.is_head else "Thành viên",
            ", ".join(member.topic_labels()),
        ]
        for index, member in enumerate(team, 1)
    ]
    blocks = [
        Block("centred", text="QUYẾT ĐỊNH:", bold=True),
        Block(
            "paragraph",
            text=f"Điều 1. Thành lập Đoàn {lower_first(inspection_subject(inspection))}, gồm các "
            "ông (bà) có tên sau:",
        ),
        Block(
            "table",
            columns=["TT", "Họ và tên", "Cơ quan", "Nhiệm vụ", "Nội dung phụ trách"],
            rows=rows,
            widths=[1.0, 4.0, 4.5, 2.5, 4.0],
        ),
        Block(
            "paragraph",
            text=f"Điều 2. Đoàn kiểm tra có nhiệm vụ kiểm tra tại UBND {in_text(unit)} vào ngày "
            f"{day(inspection.visit_date)}; Trưởng đoàn phân công nhiệm vụ cho các thành viên "
            "theo lĩnh vực phụ trách, ban hành Thông báo kết luận kiểm tra và báo cáo kết quả "
            f"về UBND {in_text(organiser)}. Đoàn kiểm tra tự giải thể sau khi hoàn thành nhiệm vụ.",
        ),
        Block(
            "paragraph",
            text="Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng HĐND và "
            f"UBND {in_text(organiser)}, Trưởng phòng Nội vụ, Chủ tịch UBND {in_text(unit)} và các "
            "ông (bà) có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
        ),
    ]
    return Document(
        kind="team_decision",
        **committee_bodies(organiser),
        symbol=SYMBOL,
        number=None,
        place=place_of(organiser),
        date=None,
        year=inspection.plan.year,
        doc_type="QUYẾT ĐỊNH",
        subject=f"Về việc thành lập Đoàn kiểm tra tại UBND {in_text(unit)}",
        authority=chair_authority(organiser),
        bases=bases,
        blocks=blocks,
        # The Chairman decides in their own name (the authority above): no "TM." (Decree
        # 30/2020, Annex I: "TM." signs for a collective body).
        sign_authority="",
        sign_title="CHỦ TỊCH",
        signer_name=signer_name,
        recipients=[
            "Như Điều 3;",
            f"Trưởng đoàn: {head.user};" if head else "Trưởng đoàn;",
            "Lưu: VT, NV.",
        ],
        title=f"Quyết định thành lập Đoàn kiểm tra tại {in_text(unit)}",
    )
