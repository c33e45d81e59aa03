from django.utils import timezone

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.tests.helpers import assert_issued_document
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
            "UBND THÀNH PHỐ HÀ TĨNH",
            "QUYẾT ĐỊNH",
            "Về việc thành lập Đoàn kiểm tra tại UBND Phường Trần Phú",
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
