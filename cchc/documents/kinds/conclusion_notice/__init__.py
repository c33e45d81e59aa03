"""Thông báo kết luận kiểm tra: for one unit — bases, time and team, results per topic and
section, then the general assessment (strengths, said once; shortcomings with their causes, the
root causes they share), and the recommendations with deadlines for remedying and reporting
back."""

from collections import Counter

from cchc.documents.content import Block, Document
from cchc.documents.kinds.common import (
    TOPIC_TITLES,
    VERDICT_COLUMNS,
    clause,
    closed,
    committee,
    day,
    in_text,
    inspection_subject,
    lower_first,
    place_of,
    team_decision_of,
)
from cchc.inspections.models import ChecklistItem, Finding, Inspection, ItemResult, Topic
from cchc.inspections.services.visits import visit_items

SYMBOL = "TB-ĐKT"
VERDICTS = [
    ItemResult.Verdict.MEETS,
    ItemResult.Verdict.PARTLY,
    ItemResult.Verdict.NOT_MET,
    ItemResult.Verdict.NOT_APPLICABLE,
]
# The verdicts the ward must act on, listed item by item with the team's note.
FAILED = {
    ItemResult.Verdict.PARTLY: VERDICT_COLUMNS[1],
    ItemResult.Verdict.NOT_MET: VERDICT_COLUMNS[2],
}


def _finding_line(finding: Finding) -> str:
    text = clause(finding.text)
    if finding.cause:
        kind = (
            f" {finding.get_cause_kind_display().split(' (')[0].lower()}"
            if finding.cause_kind
            else ""
        )
        text += f" (nguyên nhân{kind}: {lower_first(clause(finding.cause))})"
    return text


def _failed_line(item: ChecklistItem, result: ItemResult) -> str:
    """ "1.2. Niêm yết công khai … (Đạt một phần): chưa cập nhật …" """
    line = f"{item.code}. {clause(item.text)} ({FAILED[ItemResult.Verdict(result.verdict)]})"
    note = clause(result.note)
    return f"{line}: {lower_first(note)}" if note else line


def _root_causes(causes: dict[str, int], shortcomings: int) -> list[str]:
    """The root causes in sentences: those shared by several shortcomings with how many, the
    others by name (a cause behind one shortcoming is not "shared", nor "1 hạn chế")."""
    ranked = sorted(causes.items(), key=lambda c: -c[1])  # stable: first met first on a tie
    shared = [(title, count) for title, count in ranked if count > 1]
    single = [title for title, count in ranked if count == 1]
    sentences = []
    if shared:
        whole = len(shared) == 1 and shared[0][1] == shortcomings
        # Each cause continues the sentence: all lowered alike (only the first was: "cán bộ
        # kiêm nhiệm (2 hạn chế); Kinh phí còn hạn hẹp (2 hạn chế)"; a walk).
        listed = "; ".join(f"{lower_first(title)} ({count} hạn chế)" for title, count in shared)
        sentences.append(
            f"{'Các' if whole else 'Một số'} hạn chế nêu trên có chung nguyên nhân gốc, cần được "
            f"khắc phục đồng bộ: {listed}."
        )
    if single:
        sentences.append(
            f"Nguyên nhân gốc {'khác ' if shared else ''}đã xác định: "
            f"{'; '.join(lower_first(title) for title in single)}."
        )
    return sentences


def build(inspection: Inspection, *, plan_reference: str = "") -> Document:
    organiser = inspection.plan.organiser
    unit = inspection.org_unit
    team = list(inspection.team.select_related("user", "agency"))
    head = next((member for member in team if member.is_head), None)
    items = visit_items(inspection)
    results = {r.item_id: r for r in inspection.results.all()}
    verdicts = {item_id: result.verdict for item_id, result in results.items()}
    findings = list(
        inspection.findings.prefetch_related("root_causes").order_by("topic", "area", "created_at")
    )
    bases = []
    if plan_reference:
        bases.append(f"Căn cứ Kế hoạch số {plan_reference} của UBND {in_text(organiser)};")
    decision_number, decision_date = team_decision_of(inspection)
    if decision_number:
        bases.append(
            f"Căn cứ Quyết định số {decision_number} ngày {day(decision_date)} của UBND "
            f"{in_text(organiser)} về việc thành lập Đoàn kiểm tra;"
        )
    bases.append("Căn cứ kết quả kiểm tra thực tế tại đơn vị.")
    members = "; ".join(
        f"{member.user} ({member.agency.name}{', Trưởng đoàn' if member.is_head else ''})"
        for member in team
    )
    blocks = [
        Block(
            "paragraph",
            text=f"Ngày {day(inspection.visit_date)}, Đoàn kiểm tra đã tiến hành "
            f"{lower_first(inspection_subject(inspection))}. "
            f"Thành phần Đoàn: {members}.",
        ),
        Block("heading", text="I. KẾT QUẢ KIỂM TRA"),
    ]
    for index, topic in enumerate([t for t in Topic.values if t in inspection.topics], 1):
        blocks.append(Block("subheading", text=f"{index}. {TOPIC_TITLES[Topic(topic)]}"))
        sections: dict[str, Counter[str]] = {}
        for item in items:
            if item.checklist.topic != topic:
                continue
            section = f"{item.section_code}. {item.section_name}"
            counts = sections.setdefault(section, Counter())
            if item.pk in verdicts:
                counts[verdicts[item.pk]] += 1
        if sections:
            rows = [
                [section, *(str(counts[v]) for v in VERDICTS)]
                for section, counts in sections.items()
            ]
            totals = [str(sum(counts[v] for counts in sections.values())) for v in VERDICTS]
            blocks.append(
                Block(
                    "table",
                    columns=["Nội dung kiểm tra", *VERDICT_COLUMNS],
                    rows=rows,
                    widths=[7.6, 2.1, 2.1, 2.1, 2.1],
                    total=["Cộng", *totals],
                    align_right=[1, 2, 3, 4],
                )
            )
        # Under the counts, which items fell short and why (the team's note on each).
        failed = [
            _failed_line(item, results[item.pk])
            for item in items
            if item.checklist.topic == topic
            and item.pk in results
            and results[item.pk].verdict in FAILED
        ]
        if failed:
            blocks.append(Block("paragraph", text="Các nội dung chưa đạt, đạt một phần:"))
            blocks.append(Block("bullets", items=closed(failed)))
    blocks.append(Block("heading", text="II. ĐÁNH GIÁ CHUNG"))
    blocks.append(Block("subheading", text="1. Ưu điểm"))
    strengths = [f.text for f in findings if f.kind == Finding.Kind.STRENGTH]
    blocks.append(Block("bullets", items=closed(strengths or ["Chưa ghi nhận"])))
    blocks.append(Block("subheading", text="2. Tồn tại, hạn chế và nguyên nhân"))
    shortcomings = [f for f in findings if f.kind == Finding.Kind.SHORTCOMING]
    lines = [_finding_line(f) for f in shortcomings]
    blocks.append(Block("bullets", items=closed(lines or ["Không có"])))
    causes: dict[str, int] = {}
    for finding in shortcomings:
        for cause in finding.root_causes.all():
            causes[cause.title] = causes.get(cause.title, 0) + 1
    blocks.extend(Block("paragraph", text=text) for text in _root_causes(causes, len(shortcomings)))
    if inspection.support_given:  # under its own heading, not as if a root cause
        blocks.append(Block("subheading", text="3. Nội dung Đoàn kiểm tra đã hỗ trợ, hướng dẫn"))
        blocks.append(Block("paragraph", text=inspection.support_given))
    blocks.append(Block("heading", text="III. KIẾN NGHỊ"))
    latest = None
    recommendations = list(
        inspection.recommendations.prefetch_related("actions__owner").order_by("created_at")
    )
    for index, recommendation in enumerate(recommendations, 1):
        blocks.append(Block("paragraph", text=f"{index}. {recommendation.text}"))
        actions = []
        for action in recommendation.actions.all():
            actions.append(
                f"{clause(action.text)} — {action.owner.name}, thời hạn {day(action.deadline)}"
            )
            latest = max(latest, action.deadline) if latest else action.deadline
        if actions:
            blocks.append(Block("bullets", items=closed(actions)))
    if not recommendations:
        blocks.append(Block("paragraph", text="Không có kiến nghị."))
    if latest:
        blocks.append(
            Block(
                "paragraph",
                text=f"Đề nghị UBND {in_text(unit)} tổ chức khắc phục các tồn tại, hạn chế "
                "nêu trên và báo cáo kết quả về Đoàn kiểm tra (qua Phòng Nội vụ) trước ngày "
                f"{day(latest)}.",
            )
        )
    return Document(
        kind="conclusion_notice",
        parent_body=committee(organiser),
        issuer_body="ĐOÀN KIỂM TRA",
        symbol=SYMBOL,
        number=None,
        place=place_of(organiser),
        date=None,
        year=inspection.plan.year,
        doc_type="THÔNG BÁO",
        subject=f"Kết luận {lower_first(inspection_subject(inspection))}",
        bases=bases,
        blocks=blocks,
        # The team signs collectively: "TM. ĐOÀN KIỂM TRA" above the head's title (Decree 30,
        # Annex I: a collective body's document is signed "TM." for it).
        sign_authority="TM. ĐOÀN KIỂM TRA",
        sign_title="TRƯỞNG ĐOÀN",
        signer_name=str(head.user) if head else "",
        recipients=[
            f"UBND {in_text(unit)};",
            f"UBND {in_text(organiser)} (để báo cáo);",
            "Thành viên Đoàn kiểm tra;",
            "Lưu: VT, NV.",
        ],
        title=f"Thông báo kết luận kiểm tra {unit.name}",
    )
