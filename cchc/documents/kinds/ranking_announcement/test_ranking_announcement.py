import pytest
from django.core.exceptions import ValidationError

from cchc.assessments.tests.factories import make_round
from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.tests.helpers import assert_issued_document
from cchc.documents.tests.scenes import published_round


class RankingAnnouncementTests(BaseTestCase):
    def test_the_announcement_tables_the_published_ranking(self):
        round_ = published_round(self.cast)
        issued = services.issue(
            actor=self.home_affairs,
            kind="ranking_announcement",
            target=round_,
            signer_name="Nguyễn Văn Chủ Tịch",
        )
        assert round_.published_results
        first = round_.published_results[0]
        assert_issued_document(
            issued,
            "THÔNG BÁO",
            "Căn cứ Quyết định số 15/QĐ-UBND",
            "Hạng",
            first["unit_name"],
            "Phường Nam Hà",
            "Phường Trần Phú",
        )

    def test_only_a_published_round_is_announced(self):
        with pytest.raises(ValidationError):
            services.issue(
                actor=None,
                kind="ranking_announcement",
                target=make_round(self.cast),
                signer_name="A",
            )
