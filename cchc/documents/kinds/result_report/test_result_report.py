from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.tests.helpers import assert_issued_document
from cchc.documents.tests.scenes import concluded_inspection


class ResultReportTests(BaseTestCase):
    def test_the_report_tables_units_topics_and_recurring_root_causes(self):
        inspection = concluded_inspection(self.cast)
        issued = services.issue(
            actor=self.home_affairs,
            kind="result_report",
            target=inspection.plan,
            signer_name="Lê Thị Hồng Vân",
        )
        text, _pages = assert_issued_document(
            issued,
            "BÁO CÁO",
            "Kính gửi: UBND Thành phố Hà Tĩnh",
            "II. KẾT QUẢ KIỂM TRA",
            "1. Kết quả theo đơn vị",
            "Phường Trần Phú",
            "Kinh phí còn hạn hẹp",
            "IV. ĐỀ XUẤT, KIẾN NGHỊ",
            "Chỉ đạo khắc phục đồng bộ nguyên nhân “Kinh phí còn hạn hẹp” (2 hạn chế tại 1 đơn vị)",
        )
        # The units' table: one strength, one shortcoming, one recommendation, and the total row.
        assert "Cộng" in text
        assert issued.reference.endswith("/BC-ĐKT")
