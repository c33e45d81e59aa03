"""Báo cáo kết quả kiểm tra: to the city People's Committee — how the inspections were
organised, results per unit and topic with tables of figures, the overall assessment, the
root causes that recur across units, and proposals.

The year's report covers every team of the plan, so no one team issues it: the Home Affairs
office, which runs the plan for the committee, reports to it and its head signs in the office's
own name (Decree 30/2020, Annex I: no "TM." for the head of the issuing body). A report made
before every visit has ended says which have not and that their results will follow."""

from collections import Counter, defaultdict

from django.utils import timezone

from cchc.core.dates import format_count
from cchc.documents.content import Block, Document
from cchc.documents.kinds.common import TOPIC_TITLES, committee, day, in_text, place_of
from cchc.inspections.models import (
    CONCLUDED_STATUSES,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionPlan,
    ItemResult,
    RemediationAction,
    Topic,
)

SYMBOL = "BC-PNV"
DONE = CONCLUDED_STATUSES
# The issuing body: the committee's Home Affairs office, which keeps the year's plan.
ISSUER = "PHÒNG NỘI VỤ"


def build(plan: InspectionPlan, *, signer_name: str = "") -> Document:
    organiser = plan.organiser
    inspections = list(
        plan.inspections.filter(status__in=DONE)
        .select_related("org_unit")
        .prefetch_related("findings__root_causes", "recommendations__actions", "results")
        .order_by("visit_date", "org_unit__sort_order")
    )
    outstanding = list(
        plan.inspections.exclude(status__in=DONE)
        .select_related("org_unit")
        .order_by("visit_date", "org_unit__sort_order")
    )
    summary = plan.summary or {}
    unit_rows = []
    verdicts_by_topic: dict[str, Counter[str]] = defaultdict(Counter)
    cause_findings: dict[str, int] = Counter()
    cause_units: dict[str, set[int]] = defaultdict(set)
    actions: Counter[str] = Counter()
    topic_of_item = {}

    item_ids = {r.item_id for i in inspections for r in i.results.all()}
    for item_id, topic in ChecklistItem.objects.filter(pk__in=item_ids).values_list(
        "pk", "checklist__topic"
    ):
        topic_of_item[item_id] = topic
    today_actions = []
    for index, inspection in enumerate(inspections, 1):
        results = list(inspection.results.all())
        for result in results:
            verdicts_by_topic[topic_of_item.get(result.item_id, "")][result.verdict] += 1
        met = sum(1 for r in results if r.verdict == ItemResult.Verdict.MEETS)
        # Items not applicable to the unit are not counted in its total (43/49 read as six
        # shortcomings where there were none: the six did not apply).
        judged = sum(1 for r in results if r.verdict != ItemResult.Verdict.NOT_APPLICABLE)
        findings = list(inspection.findings.all())
        strengths = sum(1 for f in findings if f.kind == Finding.Kind.STRENGTH)
        shortcomings = [f for f in findings if f.kind == Finding.Kind.SHORTCOMING]
        for finding in shortcomings:
            for cause in finding.root_causes.all():
                cause_findings[cause.title] += 1
                cause_units[cause.title].add(inspection.org_unit_id)
        recommendations = list(inspection.recommendations.all())
        for recommendation in recommendations:
            for action in recommendation.actions.all():
                actions[action.status] += 1
                today_actions.append(action)
        unit_rows.append(
            [
                str(index),
                inspection.org_unit.name,
                day(inspection.visit_date),
                f"{met}/{judged}",
                str(strengths),
                str(len(shortcomings)),
                str(len(recommendations)),
            ]
        )
    topic_rows = [
        [
            TOPIC_TITLES[Topic(topic)],
            str(verdicts_by_topic[topic][ItemResult.Verdict.MEETS]),
            str(verdicts_by_topic[topic][ItemResult.Verdict.PARTLY]),
            str(verdicts_by_topic[topic][ItemResult.Verdict.NOT_MET]),
        ]
        for topic in Topic.values
        if verdicts_by_topic.get(topic)
    ]
    ranked = sorted(cause_findings.items(), key=lambda c: (-c[1], -len(cause_units[c[0]]), c[0]))
    # Open actions past their deadline are said apart: "đang thực hiện" counted them too.
    today = timezone.localdate()
    overdue = sum(
        1
        for action in today_actions
        if action.status == RemediationAction.Status.OPEN and action.deadline < today
    )
    open_in_time = actions[RemediationAction.Status.OPEN] - overdue
    blocks = [
        Block("heading", text="I. TỔ CHỨC KIỂM TRA"),
        Block(
            "paragraph",
            text=f"Thực hiện Kế hoạch kiểm tra năm {plan.year}, "
            f"{format_count(summary.get('requests', 0))} đề nghị kiểm tra của các cơ quan được "
            f"hợp nhất thành {format_count(summary.get('visits', 0))} cuộc kiểm tra; "
            + _progress(inspections, outstanding),
        ),
        Block("heading", text="II. KẾT QUẢ KIỂM TRA"),
        Block("subheading", text="1. Kết quả theo đơn vị"),
        Block(
            "table",
            columns=["TT", "Đơn vị", "Ngày", "Đạt/Tổng", "Ưu điểm", "Hạn chế", "Kiến nghị"],
            rows=unit_rows,
            # A date is 2 cm at 12 pt, 2.3 with the cell's margins: 2.3 cm wrapped it as
            # "31/08/20 / 26" in the preview, which rounds widths to whole centimetres (so is
            # "Đạt/Tổng"). 2.6 and 2.5 are 3 cm there and hold both in Word.
            widths=[1.0, 3.4, 2.6, 2.5, 2.1, 2.1, 2.3],
            total=[
                "",
                "Cộng",
                "",
                "",
                str(sum(int(r[4]) for r in unit_rows)),
                str(sum(int(r[5]) for r in unit_rows)),
                str(sum(int(r[6]) for r in unit_rows)),
            ],
            align_right=[4, 5, 6],
        ),
        Block("subheading", text="2. Kết quả theo nội dung kiểm tra"),
        Block(
            "table",
            columns=["Nội dung", "Đạt", "Đạt một phần", "Không đạt"],
            rows=topic_rows,
            widths=[9.4, 2.2, 2.2, 2.2],
            align_right=[1, 2, 3],
        ),
        Block("heading", text="III. ĐÁNH GIÁ CHUNG"),
        Block(
            "paragraph",
            # The table lists every cause, at one unit too: it says which recur (the column
            # of units), not that all do.
            text="Các hạn chế theo nguyên nhân gốc (lặp lại khi ở từ hai đơn vị trở lên):"
            if ranked
            else "Chưa ghi nhận nguyên nhân gốc chung giữa các đơn vị.",
        ),
    ]
    if ranked:
        blocks.append(
            Block(
                "table",
                columns=["TT", "Nguyên nhân gốc", "Số hạn chế", "Số đơn vị"],
                rows=[
                    [str(i), title, str(count), str(len(cause_units[title]))]
                    for i, (title, count) in enumerate(ranked, 1)
                ],
                widths=[1.0, 10.0, 2.5, 2.5],
                align_right=[2, 3],
            )
        )
    blocks.append(
        Block(
            "paragraph",
            text=f"Về khắc phục: {actions[RemediationAction.Status.VERIFIED]} việc đã được xác "
            f"nhận hoàn thành, {actions[RemediationAction.Status.REPORTED]} việc đơn vị đã báo "
            f"cáo chờ xác nhận, {open_in_time} việc đang thực hiện trong hạn"
            + (f", {overdue} việc đã quá hạn." if overdue else "."),
        )
    )
    blocks.append(Block("heading", text="IV. ĐỀ XUẤT, KIẾN NGHỊ"))
    # A cause met at several units is remedied together ("đồng bộ"); one met at a single unit
    # is that unit's to remedy, followed up (it was proposed "đồng bộ" too; a walk).
    proposals = [
        (
            f"Chỉ đạo khắc phục đồng bộ nguyên nhân “{title}” ({count} hạn chế tại "
            f"{len(cause_units[title])} đơn vị);"
            if len(cause_units[title]) > 1
            else f"Theo dõi đơn vị khắc phục nguyên nhân “{title}” ({count} hạn chế tại 1 đơn vị);"
        )
        for title, count in ranked[:3]
    ]
    proposals.append(
        "Tiếp tục duy trì hình thức kiểm tra hợp nhất một lần tại mỗi đơn vị trong năm tiếp theo."
    )
    blocks.append(Block("bullets", items=proposals))
    return Document(
        kind="result_report",
        parent_body=committee(organiser),
        issuer_body=ISSUER,
        symbol=SYMBOL,
        number=None,
        place=place_of(organiser),
        date=None,
        year=plan.year,
        doc_type="BÁO CÁO",
        subject=f"Kết quả kiểm tra công tác cải cách hành chính năm {plan.year}",
        blocks=[Block("paragraph", text=f"Kính gửi: UBND {in_text(organiser)}."), *blocks],
        sign_authority="",
        sign_title="TRƯỞNG PHÒNG",
        signer_name=signer_name,
        recipients=["Như trên;", "Các cơ quan có công chức tham gia Đoàn kiểm tra;", "Lưu: VT."],
        title=f"Báo cáo kết quả kiểm tra năm {plan.year}",
    )


def _progress(done: list[Inspection], outstanding: list[Inspection]) -> str:
    """ "đến nay đã hoàn thành cả 15 cuộc." or, before the last visit has ended, how many have
    and which have not (with their dates), their results to be reported later."""
    if not outstanding:
        return f"đến nay các Đoàn kiểm tra đã hoàn thành cả {format_count(len(done))} cuộc."
    pending = "; ".join(
        f"{inspection.org_unit.name} ({day(inspection.visit_date)})" for inspection in outstanding
    )
    return (
        f"đến nay các Đoàn kiểm tra đã hoàn thành {format_count(len(done))} cuộc; "
        f"{format_count(len(outstanding))} cuộc chưa kết thúc: {pending}. Kết quả các cuộc này "
        "sẽ được báo cáo bổ sung."
    )
