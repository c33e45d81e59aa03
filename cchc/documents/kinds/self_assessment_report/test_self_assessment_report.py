from cchc.assessments.engine import load_tree
from cchc.assessments.models import Score
from cchc.assessments.services.self_assessment import submission_problems
from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.kinds.self_assessment_report import build
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
            "ỦY BAN NHÂN DÂN PHƯỜNG TRẦN PHÚ",
            "BÁO CÁO",
            "I. KẾT QUẢ TỰ CHẤM ĐIỂM",
            "Tổng điểm",
            "II. GIẢI TRÌNH CÁC NỘI DUNG KHÔNG CÓ TÀI LIỆU KIỂM CHỨNG",
            "Đã ban hành, chưa số hóa.",
            "Thiếu công chức chuyên trách cải cách hành chính.",
        )
        # A ward's People's Committee has no governing body above it in the masthead.
        assert "UBND THÀNH PHỐ HÀ TĨNH" not in text
        assessment.refresh_from_db()
        total = f"{assessment.self_points:f}".rstrip("0").rstrip(".").replace(".", ",")
        assert total in text, (total, text[-400:])
        assert issued.issuer == self.cast.ward_a and issued.reference.endswith("/BC-UBND")

    def test_figures_from_the_data_are_evidenced_as_on_submission(self):
        # Found walking the demo: the submit page said every criterion without evidence was
        # explained, and the report then listed the criteria fed from the data as "Chưa có
        # giải trình". One definition (Score.has_evidence) for both.
        assessment = submitted_assessment(self.cast)
        score = (
            Score.objects.filter(assessment=assessment, criterion__evidence_required=True)
            .exclude(inputs={})
            .select_related("criterion")
            .first()
        )
        assert score is not None
        score.evidence.clear()
        Score.objects.filter(pk=score.pk).update(explanation="", system_inputs=score.inputs)

        def listed() -> list[str]:
            bullets = next(
                block.items for block in build(assessment).blocks if block.kind == "bullets"
            )
            return [item for item in bullets if item.startswith(f"{score.criterion.code}. ")]

        assert listed() == []
        assert not [
            c
            for c, _m in submission_problems(load_tree(assessment, with_evidence=True))
            if c.pk == score.criterion_id
        ]
        # Figures the unit changed from the data's need a document or an explanation again.
        Score.objects.filter(pk=score.pk).update(system_inputs={"other": "1"})
        assert [item.endswith("Chưa có giải trình.") for item in listed()] == [True]
        assert [
            c.pk for c, _m in submission_problems(load_tree(assessment, with_evidence=True))
        ] == [score.criterion_id]
