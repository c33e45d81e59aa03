import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.models import IssuedDocument
from cchc.documents.tests.helpers import assert_issued_document
from cchc.documents.tests.scenes import SENTENCE, concluded_inspection
from cchc.inspections.models import Inspection
from cchc.inspections.tests.factories import approved_inspection


class ConclusionNoticeTests(BaseTestCase):
    def test_the_notice_says_results_strengths_shortcomings_causes_and_deadlines(self):
        inspection = concluded_inspection(self.cast)
        issued = services.issue(
            actor=self.appraiser,
            kind="conclusion_notice",
            target=inspection,
            signer_name="Lê Thị Hồng Vân",
            issued_on=timezone.localdate(),
        )
        deadline = inspection.recommendations.get().actions.get().deadline
        text, pages = assert_issued_document(
            issued,
            "ĐOÀN KIỂM TRA",
            "UBND THÀNH PHỐ HÀ TĨNH",
            "THÔNG BÁO",
            "tại UBND Phường Trần Phú",
            "I. KẾT QUẢ KIỂM TRA",
            "II. ĐÁNH GIÁ CHUNG",
            "III. KIẾN NGHỊ",
            SENTENCE,
            "Niêm yết công khai thủ tục hành chính đầy đủ, kịp thời",
            "nguyên nhân khách quan: Nguồn kinh phí của phường hạn chế",
            "Kinh phí còn hạn hẹp (2 hạn chế)",
            "Bố trí kinh phí duy trì ISO",
            f"trước ngày {deadline:%d/%m/%Y}",
            "Cộng",
        )
        assert issued.reference == "01/TB-ĐKT"
        assert "12/QĐ-UBND" in text  # the decision forming the team is a legal basis

    def test_numbers_follow_each_other_per_series_and_year(self):
        inspection = concluded_inspection(self.cast)
        first = services.issue(
            actor=None, kind="conclusion_notice", target=inspection, signer_name="A"
        )
        second = services.issue(
            actor=None, kind="conclusion_notice", target=inspection, signer_name="B"
        )
        decision = services.issue(
            actor=None,
            kind="inspection_plan",
            target=inspection.plan,
            signer_name="C",
        )
        assert (first.number, second.number, decision.number) == (1, 2, 1)
        assert second.reference == "02/TB-ĐKT" and decision.reference == "01/KH-UBND"
        assert IssuedDocument.objects.count() == 3

    def test_a_notice_waits_for_the_conclusion_and_a_signer(self):
        inspection = approved_inspection(self.cast)
        with pytest.raises(ValidationError):
            services.issue(actor=None, kind="conclusion_notice", target=inspection, signer_name="A")
        inspection = concluded_inspection(self.cast)
        with pytest.raises(ValidationError):
            services.issue(actor=None, kind="conclusion_notice", target=inspection, signer_name=" ")
        with pytest.raises(ValidationError):
            services.issue(
                actor=None,
                kind="conclusion_notice",
                target=inspection,
                signer_name="A",
                issued_on=timezone.localdate() + datetime.timedelta(days=1),
            )
        assert not IssuedDocument.objects.exists()
        assert Inspection.objects.get(pk=inspection.pk).status == Inspection.Status.CONCLUDED
