import datetime
import io

import pypdfium2  # type: ignore[import-untyped]
from django.utils import timezone
from docx import Document as open_docx  # type: ignore[import-untyped]
from docx.enum.text import WD_ALIGN_PARAGRAPH  # type: ignore[import-untyped]

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.kinds.common import local_government_law
from cchc.documents.tests.helpers import assert_issued_document, docx_text, pdf_pages
from cchc.inspections.tests.factories import approved_inspection


class TeamDecisionTests(BaseTestCase):
    def test_the_decision_names_the_team_and_becomes_the_inspections_decision(self):
        inspection = approved_inspection(self.cast)
        head = inspection.team.get(is_head=True)
        issued = services.issue(
            actor=self.home_affairs,
            kind="team_decision",
            target=inspection,
            signer_name="Nguyễn Văn Chủ Tịch",
            issued_on=min(timezone.localdate(), inspection.visit_date),
        )
        assert_issued_document(
            issued,
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH",
            "QUYẾT ĐỊNH",
            "Về việc thành lập Đoàn kiểm tra tại UBND phường Trần Phú",
            "Điều 1. Thành lập Đoàn kiểm tra công tác kiểm soát thủ tục hành chính và duy trì Hệ thống "
            "quản lý chất lượng TCVN ISO 9001:2015",
            str(head.user),
            "Trưởng đoàn",
            "Phòng Tư pháp",
            "CHỦ TỊCH",
        )
        inspection.refresh_from_db()
        assert inspection.decision_number == issued.reference
        assert inspection.decision_signer == "Nguyễn Văn Chủ Tịch"


class IssuingBodyTests(BaseTestCase):
    """Found reading the demo's documents: the issuing body, "UBND THÀNH PHỐ HÀ TĨNH" in bold,
    broke as "UBND THÀNH PHỐ HÀ / TĨNH". Decree 30 writes it in full, on two lines."""

    def test_the_issuing_body_is_written_in_full_on_two_lines(self):
        inspection = approved_inspection(self.cast)
        issued = services.issue(
            actor=self.home_affairs,
            kind="team_decision",
            target=inspection,
            signer_name="Nguyễn Văn Chủ Tịch",
            issued_on=min(timezone.localdate(), inspection.visit_date),
        )
        with issued.pdf.open("rb") as handle:
            pdf = pypdfium2.PdfDocument(handle.read())
        try:
            text = pdf[0].get_textpage().get_text_range()
        finally:
            pdf.close()
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        at = lines.index("ỦY BAN NHÂN DÂN")
        assert lines[at + 1] == "THÀNH PHỐ HÀ TĨNH", lines[at - 1 : at + 3]
        # A People's Committee has no governing body above it in the masthead.
        assert "UBND TỈNH HÀ TĨNH" not in lines[:at], lines[:at]
        with issued.docx.open("rb") as handle:
            words = docx_text(handle.read())
        assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH" in words


class DecreeThirtyFrameTests(BaseTestCase):
    """Checked against Decree 30/2020 by a new user: the decision printed a governing body,
    "UBND TỈNH HÀ TĨNH", above the People's Committee, which has none; lacked the authority
    line "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH" before the bases; set "QUYẾT ĐỊNH:"
    justified and indented instead of centred; and cited the 2015 law on local government,
    replaced in 2025."""

    def test_the_decision_has_the_frame_of_a_chairmans_decision(self):
        inspection = approved_inspection(self.cast)
        day = min(timezone.localdate(), inspection.visit_date)
        issued = services.issue(
            actor=self.home_affairs,
            kind="team_decision",
            target=inspection,
            signer_name="Nguyễn Văn Chủ Tịch",
            issued_on=day,
        )
        law = local_government_law(day)
        text, pages = assert_issued_document(
            issued, "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH", law, "QUYẾT ĐỊNH:"
        )
        for document_text in (text, pages[0]):
            assert "UBND TỈNH HÀ TĨNH" not in document_text
            assert "TM. ỦY BAN NHÂN DÂN" not in document_text  # the Chairman decides
            # The authority comes after the subject and before the bases.
            subject = document_text.index("Về việc thành lập Đoàn kiểm tra")
            authority = document_text.index("CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH")
            assert subject < authority < document_text.index("Căn cứ Luật")
        if day >= datetime.date(2025, 6, 16):
            assert "72/2025/QH15 ngày 16 tháng 6 năm 2025" in law
            assert "19 tháng 6 năm 2015" not in text
        with issued.docx.open("rb") as handle:
            document = open_docx(io.BytesIO(handle.read()))
        paragraphs = {p.text: p for p in document.paragraphs}
        for line in ("CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH", "QUYẾT ĐỊNH:"):
            paragraph = paragraphs[line]
            assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER, line
            assert all(run.bold for run in paragraph.runs), line
            assert not paragraph.paragraph_format.first_line_indent, line
        # In the PDF, "QUYẾT ĐỊNH:" is centred on the text's width (30 mm left, 15 mm right).
        with issued.pdf.open("rb") as handle:
            pdf = pypdfium2.PdfDocument(handle.read())
        try:
            page = pdf[0]
            textpage = page.get_textpage()
            searcher = textpage.search("QUYẾT ĐỊNH:")
            found = searcher.get_next()
            assert found is not None
            left, _bottom, right, _top = textpage.get_charbox(found[0] + found[1] - 1)
            first_left = textpage.get_charbox(found[0])[0]
            width = page.get_width()
        finally:
            pdf.close()
        points_per_mm = 72 / 25.4
        middle = (30 * points_per_mm + width - 15 * points_per_mm) / 2
        assert abs((first_left + right) / 2 - middle) < 3, (first_left, right, middle)

    def test_the_law_cited_is_the_one_in_force_on_the_decisions_date(self):
        assert "19 tháng 6 năm 2015;" in local_government_law(datetime.date(2019, 5, 1))
        assert "22 tháng 11 năm 2019" in local_government_law(datetime.date(2024, 12, 31))
        assert "65/2025/QH15" in local_government_law(datetime.date(2025, 6, 15))
        assert local_government_law(datetime.date(2026, 12, 8)) == (
            "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16 tháng 6 năm 2025;"
        )


class CommitteeMastheadTests(BaseTestCase):
    """The same masthead for every document a People's Committee issues: no governing body."""

    def test_no_committee_document_prints_a_governing_body(self):
        inspection = approved_inspection(self.cast)
        document = services.build("inspection_plan", inspection.plan)
        assert document.parent_body == ""
        assert document.issuer_body.split() == [
            "ỦY",
            "BAN",
            "NHÂN",
            "DÂN",
            "THÀNH",
            "PHỐ",
            "HÀ",
            "TĨNH",
        ]
        assert document.authority == ""  # a plan has no authority line; a decision has
        issued = services.issue(
            actor=self.home_affairs,
            kind="inspection_plan",
            target=inspection.plan,
            signer_name="Nguyễn Văn Chủ Tịch",
        )
        with issued.pdf.open("rb") as handle:
            first = pdf_pages(handle.read())[0]
        assert first.index("ỦY BAN NHÂN DÂN") < 5, first[:80]  # first words of the page
