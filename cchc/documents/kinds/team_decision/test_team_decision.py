import pypdfium2  # type: ignore[import-untyped]
from django.utils import timezone

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.tests.helpers import assert_issued_document, docx_text
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
            "UBND TỈNH HÀ TĨNH",
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH",
            "QUYẾT ĐỊNH",
            "Về việc thành lập Đoàn kiểm tra tại UBND phường Trần Phú",
            "Điều 1. Thành lập Đoàn kiểm tra công tác kiểm soát thủ tục hành chính và duy trì Hệ thống "
            "quản lý chất lượng TCVN ISO 9001:2015",
            str(head.user),
            "Trưởng đoàn",
            "Phòng Tư pháp",
            "TM. ỦY BAN NHÂN DÂN",
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
        assert lines[at - 1] == "UBND TỈNH HÀ TĨNH"  # the governing body may be abbreviated
        with issued.docx.open("rb") as handle:
            words = docx_text(handle.read())
        assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH" in words
