"""Demo inspections: the year's consolidated plan (60 requests from three agencies become 15
visits), the inspection of the ward in the source article carried through to its conclusion and
partly remedied, and a few other wards at other stages. Everything goes through the real services,
once per year: a plan that already has requests is left as it is.

The article (a news report on a consolidated inspection of a ward of Hà Tĩnh city) gives the
strengths, the five shortcomings and the support given; the checklists, decision numbers, causes,
recommendations and actions are reconstructions for the demo."""

import datetime
import struct
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cchc.accounts.models import Membership
from cchc.core.roles import Role
from cchc.frameworks.models import Framework
from cchc.inspections import planner
from cchc.inspections.models import (
    Checklist,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionPlan,
    ItemResult,
    Recommendation,
    RemediationAction,
    RootCause,
    Topic,
)
from cchc.inspections.selectors import agency_members
from cchc.inspections.services import checklists, findings, planning, visits
from cchc.orgunits.models import OrgUnit

DATA_DIR = Path(__file__).resolve().parents[1] / "inspections" / "data"
CHECKLIST_FILES = [
    (Topic.TTHC, "checklist-tthc.csv", "Danh mục kiểm tra kiểm soát TTHC (minh họa)"),
    (Topic.ISO, "checklist-iso.csv", "Danh mục kiểm tra duy trì ISO 9001:2015 (minh họa)"),
    (
        Topic.DIRECTIVES,
        "checklist-directives.csv",
        "Danh mục kiểm tra thực hiện ý kiến chỉ đạo (minh họa)",
    ),
]
ARTICLE_WARD = "Phường Trần Phú"
SIGNER = "Chủ tịch UBND thành phố"
FUNDING = "Kinh phí còn hạn hẹp"
DOUBLE_DUTY = "Cán bộ kiêm nhiệm nhiều việc"

# Which agency asks to inspect every ward and commune on which topics, and its window in days
# from the unit's anchor date. The windows of one unit overlap on days 2..12, so the planner
# finds a common date; successive units' anchors are 5 days apart.
REQUESTS = [
    ("436-NV", [Topic.CCHC], (0, 14), "Kiểm tra công tác cải cách hành chính năm {year}"),
    (
        "436-VP",
        [Topic.TTHC, Topic.DIRECTIVES],
        (2, 18),
        "Kiểm tra kiểm soát TTHC và thực hiện ý kiến chỉ đạo năm {year}",
    ),
    ("436-KT", [Topic.ISO], (-3, 12), "Kiểm tra duy trì ISO 9001:2015 năm {year}"),
]
# The first units' visits have taken place (about three weeks ago and since), the others are to
# come: each visit's state follows its date (a team goes to a unit on its day, not before).
FIRST_ANCHOR_DAYS_AGO = 20
ANCHOR_STEP = 5

SUPPORT_GIVEN = (
    "Thông qua kiểm tra, các thành viên Đoàn đã trực tiếp hỗ trợ, hướng dẫn, giải đáp các khó "
    "khăn, vướng mắc, bên cạnh đó các thành viên Đoàn kiểm tra cũng đã chỉ ra nhiều vấn đề hạn "
    "chế, yếu kém trong triển khai, tổ chức thực hiện công tác cải cách hành chính, kiểm soát thủ "
    "tục hành chính, Hệ thống quản lý chất lượng theo Tiêu chuẩn quốc gia TCVN ISO 9001:2015 và "
    "thực hiện Ý kiến chỉ đạo."
)

# The article ward's verdicts other than "meets": (topic, item code) → (verdict, note).
ARTICLE_VERDICTS: dict[tuple[str, str], tuple[str, str]] = {
    (Topic.CCHC, "1.5"): (
        ItemResult.Verdict.PARTLY,
        "Tuyên truyền chủ yếu qua trang thông tin điện tử; hình thức chưa phong phú, chưa phản "
        "ánh hết tác động tích cực của CCHC đến phát triển kinh tế - xã hội.",
    ),
    (Topic.CCHC, "4.1"): (
        ItemResult.Verdict.PARTLY,
        "Đang rà soát, bố trí cán bộ, công chức theo số lượng quy định tại Nghị định số "
        "34/2019/NĐ-CP; việc sắp xếp còn gặp khó khăn.",
    ),
    (Topic.CCHC, "5.1"): (
        ItemResult.Verdict.PARTLY,
        "Đã ban hành quy chế chi tiêu nội bộ, công khai tài chính khá đảm bảo; do kinh phí còn "
        "khó khăn nên chi thu nhập tăng thêm cho cán bộ, công chức chưa nhiều.",
    ),
    (Topic.CCHC, "6.1"): (
        ItemResult.Verdict.PARTLY,
        "Đã ban hành đầy đủ văn bản áp dụng ISO 9001:2015 nhưng việc duy trì còn chậm.",
    ),
    (Topic.ISO, "2.1"): (
        ItemResult.Verdict.NOT_MET,
        "Đến thời điểm kiểm tra chưa thực hiện đánh giá nội bộ trong năm.",
    ),
    (Topic.ISO, "2.2"): (
        ItemResult.Verdict.PARTLY,
        "Đã có kế hoạch nhưng chưa tổ chức họp xem xét của lãnh đạo.",
    ),
    (Topic.DIRECTIVES, "2.2"): (
        ItemResult.Verdict.PARTLY,
        "Báo cáo trích xuất từ phần mềm cho thấy vẫn còn văn bản xử lý trễ hạn.",
    ),
}
# Items the team does not check: the sociological survey is run by the city, and the ward has no
# initiative recognised this year.
NOT_CHECKED_PREFIXES = ("DT.", "TH.")


@dataclass(frozen=True)
class FindingSpec:
    key: str
    kind: str
    topic: str
    text: str
    items: tuple[str, ...]  # item codes of the same topic ("cchc:6.1" for another topic)
    severity: str = ""
    cause_kind: str = ""
    cause: str = ""
    root_causes: tuple[str, ...] = ()


S = Finding.Kind.STRENGTH
W = Finding.Kind.SHORTCOMING
ARTICLE_FINDINGS = [
    FindingSpec(
        "directing",
        S,
        Topic.CCHC,
        "Đã ban hành tương đối đầy đủ các văn bản chỉ đạo, điều hành, kiểm tra, giám sát việc "
        "thực hiện công tác cải cách hành chính.",
        ("1.1", "1.3", "1.4"),
    ),
    FindingSpec(
        "institutions",
        S,
        Topic.CCHC,
        "Công tác cải cách thể chế được quan tâm chỉ đạo thực hiện; việc ban hành văn bản quy "
        "phạm pháp luật được kiểm tra khá chặt chẽ, không xảy ra tình trạng chồng chéo, trái với "
        "quy định của cấp trên.",
        ("2.1", "2.2"),
    ),
    FindingSpec(
        "training",
        S,
        Topic.CCHC,
        "Công tác đào tạo, bồi dưỡng cán bộ, công chức được quan tâm; phường tạo điều kiện để cán "
        "bộ, công chức học các lớp quản lý nhà nước, trung cấp chính trị; chất lượng cán bộ, công "
        "chức được nâng lên đáng kể.",
        ("4.2",),
    ),
    FindingSpec(
        "it",
        S,
        Topic.CCHC,
        "Các phần mềm dùng chung của tỉnh được triển khai khá đảm bảo; hộp thư công vụ, chữ ký số "
        "được trang cấp khá đầy đủ; trang thông tin điện tử được cập nhật đầy đủ, tin bài khá "
        "phong phú.",
        ("6.2", "6.3"),
    ),
    FindingSpec(
        "one_stop",
        S,
        Topic.TTHC,
        "Công tác kiểm soát thủ tục hành chính được thực hiện nghiêm; hoạt động của Bộ phận tiếp "
        "nhận và trả kết quả ngày càng đi vào nề nếp, cơ sở vật chất, trang thiết bị cơ bản đảm "
        "bảo phục vụ người dân đến giao dịch.",
        ("2.1",),
    ),
    FindingSpec(
        "publicity",
        S,
        Topic.TTHC,
        "Niêm yết công khai các thủ tục hành chính và địa chỉ tiếp nhận phản ánh, kiến nghị về quy "
        "định hành chính được thực hiện khá đầy đủ, kịp thời.",
        ("1.1", "1.2"),
    ),
    FindingSpec(
        "software",
        S,
        Topic.TTHC,
        "Phường đã cập nhật, cấu hình thủ tục hành chính đầy đủ, đúng quy định; tiếp nhận, số hóa "
        "hồ sơ qua phần mềm xử lý dịch vụ công tập trung của tỉnh; tỷ lệ hồ sơ quá hạn giảm hơn so "
        "với cùng kỳ năm trước; khảo sát mức độ hài lòng và xin lỗi khi để quá hạn được thực hiện "
        "khá nghiêm túc.",
        ("2.2", "2.3", "3.1", "3.2", "3.3"),
    ),
    FindingSpec(
        "iso_documents",
        S,
        Topic.ISO,
        "Đã ban hành đầy đủ các văn bản để duy trì, áp dụng Hệ thống quản lý chất lượng theo tiêu "
        "chuẩn ISO 9001:2015.",
        ("1.1", "1.2"),
    ),
    FindingSpec(
        "directives_platform",
        S,
        Topic.DIRECTIVES,
        "Trang điều hành tác nghiệp đa cấp (tích hợp quản lý văn bản, ý kiến chỉ đạo và lịch tuần) "
        "được triển khai thực hiện khá đảm bảo.",
        ("1.1", "1.2"),
    ),
    FindingSpec(
        "propaganda",
        W,
        Topic.CCHC,
        "Hình thức tuyên truyền cải cách hành chính chưa phong phú, nội dung tuyên truyền chưa "
        "phản ánh hết những tác động tích cực của công tác cải cách hành chính đối với việc phát "
        "triển kinh tế - xã hội tại địa phương.",
        ("1.5",),
        Finding.Severity.MINOR,
        Finding.CauseKind.SUBJECTIVE,
        "Chưa có kế hoạch tuyên truyền riêng; tuyên truyền chủ yếu qua trang thông tin điện tử.",
    ),
    FindingSpec(
        "staffing",
        W,
        Topic.CCHC,
        "Việc sắp xếp đội ngũ cán bộ, công chức theo Nghị định số 34/2019/NĐ-CP còn gặp khó khăn.",
        ("4.1",),
        Finding.Severity.MODERATE,
        Finding.CauseKind.OBJECTIVE,
        "Số cán bộ, công chức hiện có vượt số lượng quy định; việc sắp xếp phải theo lộ trình "
        "chung của thành phố.",
    ),
    FindingSpec(
        "allowances",
        W,
        Topic.CCHC,
        "Do kinh phí còn khó khăn nên việc chi thu nhập tăng thêm cho cán bộ, công chức vẫn chưa "
        "nhiều.",
        ("5.1",),
        Finding.Severity.MINOR,
        Finding.CauseKind.OBJECTIVE,
        "Nguồn thu ngân sách phường hạn chế, kinh phí tiết kiệm được từ tự chủ còn ít.",
        (FUNDING,),
    ),
    FindingSpec(
        "late_documents",
        W,
        Topic.DIRECTIVES,
        "Tỷ lệ trễ hạn văn bản trên phần mềm còn xảy ra.",
        ("2.2", "2.1"),
        Finding.Severity.MODERATE,
        Finding.CauseKind.SUBJECTIVE,
        "Một số cán bộ, công chức chưa cập nhật kết quả xử lý văn bản trên phần mềm kịp thời.",
        (DOUBLE_DUTY,),
    ),
    FindingSpec(
        "iso_upkeep",
        W,
        Topic.ISO,
        "Việc triển khai các nội dung để duy trì Hệ thống quản lý chất lượng theo TCVN ISO "
        "9001:2015 vẫn còn chậm.",
        ("2.1", "2.2", "cchc:6.1"),
        Finding.Severity.MODERATE,
        Finding.CauseKind.SUBJECTIVE,
        "Chưa bố trí kinh phí cho đánh giá nội bộ; cán bộ phụ trách ISO kiêm nhiệm nhiều việc.",
        (FUNDING, DOUBLE_DUTY),
    ),
]
ROOT_CAUSES = {
    FUNDING: "Ngân sách phường, xã hạn hẹp: ảnh hưởng đến chi thu nhập tăng thêm, duy trì "
    "ISO 9001:2015 và số hóa hồ sơ (dữ liệu minh họa).",
    DOUBLE_DUTY: "Một cán bộ, công chức phụ trách nhiều lĩnh vực nên các việc định kỳ dễ bị "
    "chậm (dữ liệu minh họa).",
}


@dataclass(frozen=True)
class ActionSpec:
    text: str
    days: int  # deadline, in days from today
    owner: str = ""  # code of another responsible unit (an agency); empty = the ward
    state: str = "open"  # "open", "progress", "reported", "verified" or "overdue"
    report: str = ""


@dataclass(frozen=True)
class RecommendationSpec:
    text: str
    findings: tuple[str, ...]
    root_causes: tuple[str, ...]
    actions: tuple[ActionSpec, ...]


ARTICLE_RECOMMENDATIONS = [
    RecommendationSpec(
        "Đa dạng hóa hình thức tuyên truyền cải cách hành chính (pa-nô, loa truyền thanh, hội "
        "nghị đối thoại, mạng xã hội); chú trọng tuyên truyền tác động tích cực của CCHC đến phát "
        "triển kinh tế - xã hội của phường.",
        ("propaganda",),
        (),
        (
            ActionSpec(
                "Ban hành kế hoạch tuyên truyền CCHC với ít nhất ba hình thức tuyên truyền.",
                30,
                state="verified",
                report="Đã ban hành Kế hoạch tuyên truyền CCHC của phường, gửi kèm kế hoạch.",
            ),
        ),
    ),
    RecommendationSpec(
        "Bố trí dự toán kinh phí cho công tác CCHC và duy trì Hệ thống quản lý chất lượng; rà "
        "soát quy chế chi tiêu nội bộ để tăng chi thu nhập tăng thêm từ nguồn tiết kiệm.",
        ("allowances", "iso_upkeep"),
        (FUNDING,),
        (
            ActionSpec(
                "Sửa đổi, bổ sung quy chế chi tiêu nội bộ theo hướng tăng nguồn chi thu nhập "
                "tăng thêm cho cán bộ, công chức.",
                20,
                state="overdue",
            ),
            ActionSpec(
                "Hướng dẫn phường bố trí kinh phí duy trì ISO 9001:2015 trong dự toán năm sau.",
                60,
                owner="436-TCKH",
            ),
        ),
    ),
    RecommendationSpec(
        "Hoàn thành đánh giá nội bộ và họp xem xét của lãnh đạo theo TCVN ISO 9001:2015; phân "
        "công cụ thể cán bộ phụ trách, giảm kiêm nhiệm.",
        ("iso_upkeep",),
        (DOUBLE_DUTY,),
        (
            ActionSpec(
                "Tổ chức đánh giá nội bộ và họp xem xét của lãnh đạo về Hệ thống quản lý chất "
                "lượng.",
                45,
                state="reported",
                report="Đã tổ chức đánh giá nội bộ và họp xem xét của lãnh đạo; gửi kèm biên bản.",
            ),
        ),
    ),
    RecommendationSpec(
        "Chấn chỉnh việc xử lý văn bản trên phần mềm quản lý văn bản và điều hành; theo dõi tỷ lệ "
        "văn bản trễ hạn hằng tháng.",
        ("late_documents",),
        (DOUBLE_DUTY,),
        (
            ActionSpec(
                "Rà soát, xử lý dứt điểm văn bản trễ hạn trên phần mềm; báo cáo tỷ lệ trễ hạn "
                "hằng tháng.",
                40,
                state="progress",
                report="Đã rà soát, xử lý xong phần lớn văn bản trễ hạn; đang theo dõi hằng tháng.",
            ),
        ),
    ),
    RecommendationSpec(
        "Tiếp tục rà soát, sắp xếp đội ngũ cán bộ, công chức theo Nghị định số 34/2019/NĐ-CP "
        "theo lộ trình của thành phố.",
        ("staffing",),
        (),
        (
            ActionSpec(
                "Xây dựng phương án sắp xếp cán bộ, công chức theo Nghị định số 34/2019/NĐ-CP, "
                "trình UBND thành phố.",
                90,
            ),
        ),
    ),
]


# --- Small real files ---------------------------------------------------------------------


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return plain.encode("ascii", "ignore").decode()


def demo_pdf(text: str) -> bytes:
    """A one-page PDF showing one line of text (without accents: the built-in font has none)."""
    line = _ascii(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = f"BT /F1 12 Tf 56 780 Td ({line}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def demo_png(width: int = 48, height: int = 32) -> bytes:
    """A small PNG: a blue band over a light background, enough to show as a visit photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = []
    for row in range(height):
        colour = bytes((30, 90, 160)) if row < height // 3 else bytes((235, 238, 242))
        rows.append(b"\x00" + colour * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _pdf_upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf(text), content_type="application/pdf")


# --- Steps ----------------------------------------------------------------------------------


def _seed_checklists(*, city: OrgUnit, coordinator: Any) -> None:
    for topic, file_name, name in CHECKLIST_FILES:
        if Checklist.objects.filter(issuer=city, topic=topic).exists():
            continue
        checklists.checklist_import(
            actor=coordinator,
            issuer=city,
            topic=topic,
            name=name,
            data=(DATA_DIR / file_name).read_bytes(),
            file_name=file_name,
        )
    if Checklist.objects.filter(issuer=city, topic=Topic.CCHC).exists():
        return
    framework = (
        Framework.objects.filter(issuer=city, status=Framework.Status.PUBLISHED)
        .order_by("-year", "-version")
        .first()
    )
    if framework is not None:
        checklists.checklist_from_framework(
            actor=coordinator, issuer=city, framework=framework, topic=Topic.CCHC
        )


def _user_of(unit: OrgUnit, roles: Iterable[str]) -> Any:
    membership = (
        Membership.objects.filter(org_unit=unit, role__in=list(roles), is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _first_anchor(today: datetime.date, units: int) -> datetime.date:
    """The first unit's anchor: about three weeks ago, kept inside the year — early in January
    the visits all fall in the coming weeks, late in the year most have passed."""
    earliest = datetime.date(today.year, 1, 1) - datetime.timedelta(
        days=min(offsets[0] for _code, _topics, offsets, _note in REQUESTS)
    )
    latest = datetime.date(today.year, 12, 31) - datetime.timedelta(
        days=max(offsets[1] for _code, _topics, offsets, _note in REQUESTS)
        + ANCHOR_STEP * max(units - 1, 0)
    )
    return max(min(today - datetime.timedelta(days=FIRST_ANCHOR_DAYS_AGO), latest), earliest)


def _file_requests(*, plan: InspectionPlan, units: list[OrgUnit], today: datetime.date) -> int:
    first = _first_anchor(today, len(units))
    filed = 0
    for code, topics, (start, end), note in REQUESTS:
        agency = OrgUnit.objects.get(code=code)
        appraiser = _user_of(agency, [Role.APPRAISER, Role.INSPECTOR])
        for index, unit in enumerate(units):
            anchor = first + datetime.timedelta(days=ANCHOR_STEP * index)
            for topic in topics:
                planning.request_file(
                    actor=appraiser,
                    plan=plan,
                    org_unit=unit,
                    topic=topic,
                    agency=agency,
                    window_start=anchor + datetime.timedelta(days=start),
                    window_end=anchor + datetime.timedelta(days=end),
                    note=note.format(year=plan.year),
                )
                filed += 1
    return filed


def _fill_gaps(*, plan: InspectionPlan, result: planner.Plan, coordinator: Any) -> None:
    """Put someone on every slot the planner could not fill (none with the demo's people)."""
    members = list(agency_members(organiser=plan.organiser).order_by("org_unit__sort_order", "pk"))
    inspections = {inspection.org_unit_id: inspection for inspection in plan.inspections.all()}
    for visit in result.visits:
        inspection = inspections[visit.unit_id]
        gaps = [
            (conflict.agency_id, conflict.topic)
            for conflict in visit.conflicts
            if conflict.kind == planner.NO_MEMBER and conflict.topic
        ]
        if not visit.member_ids and not gaps:
            gaps = [(None, topic) for topic in visit.topics]
        for agency_id, topic in gaps:
            # The gap's own agency first, then anyone else who may sit on a team.
            own = [m for m in members if m.org_unit_id == agency_id]
            for membership in own + [m for m in members if m.org_unit_id != agency_id]:
                try:
                    planning.team_member_add(
                        actor=coordinator,
                        inspection=inspection,
                        user=membership.user,
                        topics=[topic],
                        is_head=not inspection.team.exists(),
                    )
                    break
                except ValidationError:
                    continue


def _ensure_head(*, inspection: Inspection, coordinator: Any) -> None:
    if inspection.team.filter(is_head=True).exists():
        return
    team = list(inspection.team.select_related("user"))
    if not team:
        return
    head_agency = inspection.plan.head_agency_id
    member = next((m for m in team if m.agency_id == head_agency), team[0])
    planning.team_member_remove(actor=coordinator, member=member)
    planning.team_member_add(
        actor=coordinator,
        inspection=inspection,
        user=member.user,
        topics=member.topics or list(inspection.topics),
        is_head=True,
    )


def _join_other_agencies(*, inspection: Inspection, coordinator: Any) -> None:
    """The article's team: members from every advising agency, not only the requesting ones."""
    on_team = set(inspection.team.values_list("user_id", flat=True))
    for membership in agency_members(organiser=inspection.plan.organiser).order_by(
        "org_unit__sort_order", "pk"
    ):
        if membership.user_id in on_team:
            continue
        try:
            planning.team_member_add(
                actor=coordinator, inspection=inspection, user=membership.user, topics=[Topic.CCHC]
            )
        except ValidationError:
            continue  # booked elsewhere that day: the team goes without them
        on_team.add(membership.user_id)


def _prepare(
    *, inspection: Inspection, coordinator: Any, number: str, today: datetime.date
) -> Inspection:
    """Decision, head, then "preparing" with the documents asked of the unit."""
    decision_date = min(inspection.visit_date - datetime.timedelta(days=7), today)
    visits.decision_record(
        actor=coordinator, inspection=inspection, number=number, date=decision_date, signer=SIGNER
    )
    _ensure_head(inspection=inspection, coordinator=coordinator)
    inspection = visits.inspection_advance(
        actor=coordinator, inspection=inspection, target=Inspection.Status.PREPARING
    )
    visits.documents_request(actor=coordinator, inspection=inspection)
    return inspection


def _answer(
    *, inspection: Inspection, officer: Any, topic: str, code: str, file_name: str, note: str
) -> None:
    request = inspection.document_requests.filter(
        item__checklist__topic=topic, item__code=code
    ).first()
    if request is None or officer is None:
        return
    visits.document_answer(
        actor=officer,
        request=request,
        upload=_pdf_upload(file_name, f"{request.text} - {inspection.org_unit.name}"),
        note=note,
    )


def _recorder(inspection: Inspection, topic: str) -> Any:
    team = list(inspection.team.select_related("user"))
    member = next((m for m in team if topic in m.topics), None)
    member = member or next((m for m in team if m.is_head), None) or (team[0] if team else None)
    return member.user if member else None


def _items(inspection: Inspection) -> dict[tuple[str, str], ChecklistItem]:
    return {(item.checklist.topic, item.code): item for item in visits.visit_items(inspection)}


def _record_results(
    *,
    inspection: Inspection,
    verdicts: dict[tuple[str, str], tuple[str, str]],
    only: int | None = None,
) -> int:
    """A verdict on every item ("meets" unless given), or on the first `only` items."""
    recorders: dict[str, Any] = {}
    items = visits.visit_items(inspection)
    if only is not None:
        items = items[:only]
    for item in items:
        topic = item.checklist.topic
        if topic not in recorders:
            recorders[topic] = _recorder(inspection, topic)
        verdict, note = verdicts.get((topic, item.code), (ItemResult.Verdict.MEETS, ""))
        if topic == Topic.CCHC and item.code.startswith(NOT_CHECKED_PREFIXES):
            verdict, note = ItemResult.Verdict.NOT_APPLICABLE, "Không thuộc nội dung kiểm tra."
        visits.item_result_save(
            actor=recorders[topic], inspection=inspection, item=item, verdict=verdict, note=note
        )
    return len(items)


def _area(items: list[ChecklistItem], topic: str, inspection: Inspection) -> str:
    """The finding's area as the visit page offers it: the section of its first item."""
    item = next((item for item in items if item.checklist.topic == topic), None)
    if item is None:
        item = next((i for i in visits.visit_items(inspection) if i.checklist.topic == topic), None)
    return f"{item.section_code}. {item.section_name}" if item else str(Topic(topic).label)


def _record_finding(
    *,
    inspection: Inspection,
    spec: FindingSpec,
    items: dict[tuple[str, str], ChecklistItem],
    causes: dict[str, RootCause],
) -> Finding:
    linked = []
    for code in spec.items:
        topic, _sep, bare = code.rpartition(":")
        item = items.get((topic or spec.topic, bare))
        if item is not None:
            linked.append(item)
    return findings.finding_create(
        actor=_recorder(inspection, spec.topic),
        inspection=inspection,
        kind=spec.kind,
        topic=spec.topic,
        area=_area(linked, spec.topic, inspection),
        text=spec.text,
        severity=spec.severity,
        cause_kind=spec.cause_kind,
        cause=spec.cause,
        items=linked,
        root_causes=[causes[title] for title in spec.root_causes],
    )


def _recommend(
    *,
    inspection: Inspection,
    specs: list[RecommendationSpec],
    recorded: dict[str, Finding],
    causes: dict[str, RootCause],
    today: datetime.date,
) -> list[tuple[ActionSpec, RemediationAction]]:
    head = _recorder(inspection, Topic.CCHC)
    created = []
    for spec in specs:
        recommendation: Recommendation = findings.recommendation_create(
            actor=head,
            inspection=inspection,
            text=spec.text,
            findings=[recorded[key] for key in spec.findings],
            root_causes=[causes[title] for title in spec.root_causes],
        )
        for action_spec in spec.actions:
            owner = OrgUnit.objects.get(code=action_spec.owner) if action_spec.owner else None
            action = findings.action_create(
                actor=head,
                recommendation=recommendation,
                text=action_spec.text,
                deadline=today + datetime.timedelta(days=action_spec.days),
                owner=owner,
            )
            created.append((action_spec, action))
    return created


def _remediate(
    *,
    inspection: Inspection,
    actions: list[tuple[ActionSpec, RemediationAction]],
    officer: Any,
    today: datetime.date,
) -> None:
    verifier = _recorder(inspection, Topic.CCHC)
    for number, (spec, created) in enumerate(actions, start=1):
        # Read again: the action was created before the inspection was concluded.
        action = RemediationAction.objects.get(pk=created.pk)
        if spec.state in {"progress", "reported", "verified"} and officer is not None:
            done = spec.state != "progress"
            findings.progress_report(
                actor=officer,
                action=action,
                text=spec.report,
                uploads=[_pdf_upload(f"minh-chung-khac-phuc-{number}.pdf", spec.report)]
                if done
                else [],
                is_done=done,
            )
        if spec.state == "verified" and verifier is not None:
            findings.action_verify(actor=verifier, action=action)
        if spec.state == "overdue":
            # Demo only: the service refuses a deadline in the past, so the deadline is moved
            # back in the database to show an overdue action on the dashboards.
            RemediationAction.objects.filter(pk=action.pk).update(
                deadline=today - datetime.timedelta(days=12)
            )


def _conclude(*, inspection: Inspection, coordinator: Any) -> Inspection:
    return visits.inspection_advance(
        actor=coordinator, inspection=inspection, target=Inspection.Status.CONCLUDED
    )


def _root_causes(*, organiser: OrgUnit, coordinator: Any) -> dict[str, RootCause]:
    return {
        title: findings.root_cause_get_or_create(
            actor=coordinator, organiser=organiser, title=title, description=description
        )
        for title, description in ROOT_CAUSES.items()
    }


def _article_inspection(
    *, inspection: Inspection, coordinator: Any, today: datetime.date
) -> Inspection:
    """The article's ward: one visit instead of three, a team from the seven agencies headed by
    Phòng Nội vụ, its strengths and five shortcomings, concluded, published, partly remedied."""
    _join_other_agencies(inspection=inspection, coordinator=coordinator)
    inspection = _prepare(
        inspection=inspection, coordinator=coordinator, number="125/QĐ-UBND", today=today
    )
    officer = _user_of(inspection.org_unit, [Role.UNIT_OFFICER, Role.UNIT_CHAIR])
    year = inspection.plan.year
    _answer(
        inspection=inspection,
        officer=officer,
        topic=Topic.CCHC,
        code="1.1",
        file_name=f"ke-hoach-cchc-{year}.pdf",
        note=f"Kế hoạch CCHC năm {year} của UBND phường.",
    )
    _answer(
        inspection=inspection,
        officer=officer,
        topic=Topic.TTHC,
        code="1.1",
        file_name="danh-muc-tthc-niem-yet.pdf",
        note="Danh mục thủ tục hành chính đang niêm yết tại Bộ phận tiếp nhận và trả kết quả.",
    )
    inspection = visits.inspection_advance(
        actor=coordinator, inspection=inspection, target=Inspection.Status.VISITING
    )
    _record_results(inspection=inspection, verdicts=ARTICLE_VERDICTS)
    head = _recorder(inspection, Topic.CCHC)
    visits.photo_add(
        actor=head,
        inspection=inspection,
        upload=SimpleUploadedFile("buoi-kiem-tra.png", demo_png(), content_type="image/png"),
        caption="Toàn cảnh buổi kiểm tra của Đoàn (ảnh minh họa).",
    )
    inspection = visits.support_save(actor=head, inspection=inspection, text=SUPPORT_GIVEN)
    causes = _root_causes(organiser=inspection.plan.organiser, coordinator=coordinator)
    items = _items(inspection)
    recorded = {
        spec.key: _record_finding(inspection=inspection, spec=spec, items=items, causes=causes)
        for spec in ARTICLE_FINDINGS
    }
    actions = _recommend(
        inspection=inspection,
        specs=ARTICLE_RECOMMENDATIONS,
        recorded=recorded,
        causes=causes,
        today=today,
    )
    inspection = _conclude(inspection=inspection, coordinator=coordinator)
    _remediate(inspection=inspection, actions=actions, officer=officer, today=today)
    inspection = Inspection.objects.select_related("plan").get(pk=inspection.pk)
    return visits.inspection_publish(actor=coordinator, inspection=inspection, publish=True)


def _second_concluded(
    *, inspection: Inspection, coordinator: Any, today: datetime.date, number: str
) -> Inspection:
    """Another ward concluded, with a shortcoming sharing the root cause "Kinh phí còn hạn hẹp"."""
    inspection = _prepare(
        inspection=inspection, coordinator=coordinator, number=number, today=today
    )
    inspection = visits.inspection_advance(
        actor=coordinator, inspection=inspection, target=Inspection.Status.VISITING
    )
    note = "Mới số hóa khoảng 60% hồ sơ tiếp nhận; máy quét của Bộ phận một cửa đã hỏng."
    _record_results(
        inspection=inspection, verdicts={(Topic.TTHC, "2.3"): (ItemResult.Verdict.PARTLY, note)}
    )
    causes = _root_causes(organiser=inspection.plan.organiser, coordinator=coordinator)
    items = _items(inspection)
    strength = _record_finding(
        inspection=inspection,
        spec=FindingSpec(
            "satisfaction",
            S,
            Topic.TTHC,
            "Khảo sát mức độ hài lòng của người dân được thực hiện thường xuyên, kết quả công khai "
            "tại Bộ phận tiếp nhận và trả kết quả.",
            ("3.3",),
        ),
        items=items,
        causes=causes,
    )
    shortcoming = _record_finding(
        inspection=inspection,
        spec=FindingSpec(
            "digitising",
            W,
            Topic.TTHC,
            "Việc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính chưa đầy đủ.",
            ("2.3",),
            Finding.Severity.MODERATE,
            Finding.CauseKind.OBJECTIVE,
            "Chưa bố trí được kinh phí thay thế máy quét cho Bộ phận một cửa.",
            (FUNDING,),
        ),
        items=items,
        causes=causes,
    )
    _recommend(
        inspection=inspection,
        specs=[
            RecommendationSpec(
                "Bố trí kinh phí trang bị máy quét và hoàn thành số hóa hồ sơ, kết quả giải quyết "
                "thủ tục hành chính.",
                ("digitising",),
                (FUNDING,),
                (
                    ActionSpec(
                        "Trang bị máy quét cho Bộ phận tiếp nhận và trả kết quả; số hóa đủ hồ sơ "
                        "tồn.",
                        60,
                    ),
                ),
            )
        ],
        recorded={"satisfaction": strength, "digitising": shortcoming},
        causes=causes,
        today=today,
    )
    return _conclude(inspection=inspection, coordinator=coordinator)


def _carried_out(
    *, inspection: Inspection, coordinator: Any, today: datetime.date, number: str
) -> Inspection:
    """A visit that took place and found nothing to remedy: every item checked, one strength,
    concluded."""
    inspection = _prepare(
        inspection=inspection, coordinator=coordinator, number=number, today=today
    )
    inspection = visits.inspection_advance(
        actor=coordinator, inspection=inspection, target=Inspection.Status.VISITING
    )
    _record_results(inspection=inspection, verdicts={})
    _record_finding(
        inspection=inspection,
        spec=FindingSpec(
            "publicity",
            S,
            Topic.TTHC,
            "Thủ tục hành chính được niêm yết, công khai đầy đủ; Bộ phận tiếp nhận và trả kết quả "
            "hoạt động nền nếp.",
            ("1.1",),
        ),
        items=_items(inspection),
        causes={},
    )
    return _conclude(inspection=inspection, coordinator=coordinator)


def _visiting(*, inspection: Inspection, coordinator: Any, today: datetime.date) -> Inspection:
    """A ward whose visit is under way: documents partly sent, a few verdicts recorded."""
    inspection = _prepare(
        inspection=inspection, coordinator=coordinator, number="127/QĐ-UBND", today=today
    )
    officer = _user_of(inspection.org_unit, [Role.UNIT_OFFICER, Role.UNIT_CHAIR])
    _answer(
        inspection=inspection,
        officer=officer,
        topic=Topic.ISO,
        code="1.1",
        file_name="chinh-sach-chat-luong.pdf",
        note="Quyết định ban hành chính sách và mục tiêu chất lượng năm nay.",
    )
    inspection = visits.inspection_advance(
        actor=coordinator, inspection=inspection, target=Inspection.Status.VISITING
    )
    _record_results(
        inspection=inspection,
        verdicts={
            (Topic.CCHC, "1.2"): (
                ItemResult.Verdict.PARTLY,
                "Một số nhiệm vụ của Kế hoạch CCHC chưa hoàn thành đúng tiến độ.",
            )
        },
        only=5,
    )
    return inspection


def _summary(plan: InspectionPlan, *, created: bool) -> dict[str, Any]:
    today = timezone.localdate()
    inspections = plan.inspections.select_related("org_unit")
    article = (
        inspections.filter(org_unit__name=ARTICLE_WARD).first()
        or inspections.order_by("org_unit__sort_order").first()
    )
    actions = RemediationAction.objects.filter(recommendation__inspection__plan=plan)
    statuses = Counter(inspections.values_list("status", flat=True))
    summary: dict[str, Any] = {
        "created": created,
        "year": plan.year,
        "plan": plan.pk,
        "requests": plan.requests.count(),
        "inspections": inspections.count(),
        "statuses": dict(statuses),
        "published": inspections.filter(is_published=True).count(),
        "article_unit": article.org_unit.name if article else "",
        "article_status": article.status if article else "",
        "article_shortcomings": (
            article.findings.filter(kind=Finding.Kind.SHORTCOMING).count() if article else 0
        ),
        "actions": dict(Counter(actions.values_list("status", flat=True))),
        "overdue": actions.exclude(status=RemediationAction.Status.VERIFIED)
        .filter(deadline__lt=today)
        .count(),
    }
    order = [status.value for status in Inspection.Status]
    states = ", ".join(f"{statuses[s]} {s}" for s in order if statuses[s])
    done = summary["actions"]
    summary["line"] = (
        f"Inspections {plan.year}: {summary['requests']} requests → {summary['inspections']} "
        f"visits ({states}); {summary['article_unit']}: {summary['article_status']}, "
        f"{summary['article_shortcomings']} shortcomings, actions "
        f"{done.get('verified', 0)} verified / {done.get('reported', 0)} reported / "
        f"{summary['overdue']} overdue" + ("" if created else " (already loaded)")
    )
    return summary


def seed_inspections(*, city: OrgUnit, coordinator: Any) -> dict[str, Any]:
    """Load the year's inspections once; return a summary (its "line" is for the console)."""
    today = timezone.localdate()
    _seed_checklists(city=city, coordinator=coordinator)
    plan = planning.plan_get_or_create(actor=coordinator, organiser=city, year=today.year)
    if plan.requests.exists() or plan.status != InspectionPlan.Status.DRAFT:
        return _summary(plan, created=False)
    units = list(
        OrgUnit.objects.filter(
            parent=city, kind__in=[OrgUnit.Kind.WARD, OrgUnit.Kind.COMMUNE], active_to__isnull=True
        ).order_by("sort_order", "name")
    )
    if not units:
        return _summary(plan, created=False)
    _file_requests(plan=plan, units=units, today=today)
    # The demo replays a year already under way: visits may fall on days that have passed.
    result = planning.plan_propose(
        actor=coordinator, plan=plan, earliest=datetime.date(plan.year, 1, 1)
    )
    _fill_gaps(plan=plan, result=result, coordinator=coordinator)
    plan = planning.plan_approve(actor=coordinator, plan=plan)

    by_unit = {
        inspection.org_unit_id: inspection
        for inspection in plan.inspections.select_related("plan", "org_unit")
    }
    article_unit = next((unit for unit in units if unit.name == ARTICLE_WARD), units[0])
    article = by_unit[article_unit.pk]
    others = sorted(
        (by_unit[unit.pk] for unit in units if unit.pk != article_unit.pk),
        key=lambda inspection: (inspection.visit_date, inspection.org_unit.sort_order),
    )
    # Each visit's state follows its date: a visit is under way or concluded only from its day.
    past = [inspection for inspection in others if inspection.visit_date <= today]
    coming = [inspection for inspection in others if inspection.visit_date > today]
    if article.visit_date <= today:
        _article_inspection(inspection=article, coordinator=coordinator, today=today)
    else:  # early in January: the year's first visits are still to come
        _prepare(inspection=article, coordinator=coordinator, number="125/QĐ-UBND", today=today)
    if len(past) > 1:
        _second_concluded(
            inspection=past[0], coordinator=coordinator, today=today, number="126/QĐ-UBND"
        )
    if past:  # the latest visit: the team is still recording its verdicts
        _visiting(inspection=past[-1], coordinator=coordinator, today=today)
    # The visits between took place and are concluded, but for the one just before the latest:
    # its day passed without it, so the pages mark it overdue (the coordinator moves it).
    for number, inspection in enumerate(past[1:-2], start=130):
        _carried_out(
            inspection=inspection, coordinator=coordinator, today=today, number=f"{number}/QĐ-UBND"
        )
    if coming:
        _prepare(inspection=coming[0], coordinator=coordinator, number="128/QĐ-UBND", today=today)
    return _summary(plan, created=True)
