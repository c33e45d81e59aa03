from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.tests.helpers import assert_issued_document
from cchc.documents.tests.scenes import submitted_assessment


class SelfAssessmentReportTests(BaseTestCase):
    def test_the_report_tables_the_self_scores_and_explains_missing_evidence(self):
        assessment = submitted_assessment(self.cast)
        issued = services.issue(
            actor=self.ward_chair,
            kind="self_assessment_report",
            target=assessment,
            signer_name="Chủ tịch Trần Phú",
            options={"difficulties": "Thiếu công chức chuyên trách cải cách hành chính."},
        )
        text, _pages = assert_issued_document(
            issued,
            "UBND PHƯỜNG TRẦN PHÚ",
            "UBND THÀNH PHỐ HÀ TĨNH",
            "BÁO CÁO",
            "I. KẾT QUẢ TỰ CHẤM ĐIỂM",
            "Tổng điểm",
            "II. GIẢI TRÌNH CÁC NỘI DUNG KHÔNG CÓ TÀI LIỆU KIỂM CHỨNG",
            "Đã ban hành, chưa số hóa.",
            "Thiếu công chức chuyên trách cải cách hành chính.",
        )
        assessment.refresh_from_db()
        total = f"{assessment.self_points:f}".rstrip("0").rstrip(".").replace(".", ",")
        assert total in text, (total, text[-400:])
        assert issued.issuer == self.cast.ward_a and issued.reference.endswith("/BC-UBND")
