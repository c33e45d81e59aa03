from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.tests.helpers import assert_issued_document
from cchc.inspections.tests.factories import approved_inspection


class InspectionPlanTests(BaseTestCase):
    def test_the_plan_lists_the_visits_and_the_saving(self):
        inspection = approved_inspection(self.cast)
        issued = services.issue(
            actor=self.home_affairs,
            kind="inspection_plan",
            target=inspection.plan,
            signer_name="Nguyễn Văn Chủ Tịch",
        )
        assert_issued_document(
            issued,
            "KẾ HOẠCH",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "2 đề nghị kiểm tra của các cơ quan được hợp nhất thành 1 cuộc kiểm tra",
            "Phường Trần Phú",
            inspection.visit_date.strftime("%d/%m/%Y"),
            "Phòng Tư pháp",
        )
        assert issued.reference.endswith("/KH-UBND")
