import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cchc.core.testing import BaseTestCase
from cchc.documents import services
from cchc.documents.kinds.conclusion_notice import _root_causes
from cchc.documents.models import IssuedDocument
from cchc.documents.tests.helpers import assert_issued_document
from cchc.documents.tests.scenes import SENTENCE, concluded_inspection
from cchc.inspections.models import Finding, Inspection
from cchc.inspections.services import findings, visits
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
            "tại UBND phường Trần Phú",
            "I. KẾT QUẢ KIỂM TRA",
            "II. ĐÁNH GIÁ CHUNG",
            "III. KIẾN NGHỊ",
            SENTENCE,
            "Niêm yết công khai thủ tục hành chính đầy đủ, kịp thời",
            "nguyên nhân khách quan: nguồn kinh phí của phường hạn chế",
            "kinh phí còn hạn hẹp (2 hạn chế)",
            "Bố trí kinh phí duy trì ISO",
            f"trước ngày {deadline:%d/%m/%Y}",
            "Cộng",
        )
        assert issued.reference == "01/TB-ĐKT"
        assert "12/QĐ-UBND" in text  # the decision forming the team is a legal basis

    def test_the_support_given_has_its_own_heading(self):
        # Found walking the demo: "Hướng dẫn đơn vị cấu hình TTHC…" sat under the root causes
        # with no heading, as if it were one.
        from cchc.documents.kinds.conclusion_notice import build

        inspection = concluded_inspection(self.cast)
        Inspection.objects.filter(pk=inspection.pk).update(
            support_given="Hướng dẫn đơn vị cấu hình thủ tục trên Hệ thống một cửa."
        )
        inspection.refresh_from_db()
        texts = [block.text for block in build(inspection).blocks]
        at = texts.index("Hướng dẫn đơn vị cấu hình thủ tục trên Hệ thống một cửa.")
        assert texts[at - 1] == "3. Nội dung Đoàn kiểm tra đã hỗ trợ, hướng dẫn"

    def test_numbers_follow_each_other_per_series_and_year(self):
        inspection = concluded_inspection(self.cast)
        first = services.issue(
            actor=None, kind="conclusion_notice", target=inspection, signer_name="A"
        )
        second = services.issue(
            actor=None,
            kind="conclusion_notice",
            target=inspection,
            signer_name="B",
            replaces="01/TB-ĐKT",
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


class ConclusionNoticeWordingTests(BaseTestCase):
    """Found on the new-user walk (issue 17, item 19): a strength printed twice, and "Nhiều hạn
    chế … (1 hạn chế)"."""

    def issue(self, inspection):
        issued = services.issue(
            actor=self.appraiser,
            kind="conclusion_notice",
            target=inspection,
            signer_name="Lê Thị Hồng Vân",
        )
        return assert_issued_document(issued, "II. ĐÁNH GIÁ CHUNG")

    def test_a_strength_is_said_once_under_the_general_assessment(self):
        text, pages = self.issue(concluded_inspection(self.cast))
        strength = "Niêm yết công khai thủ tục hành chính đầy đủ, kịp thời"
        assert text.count(strength) == 1, text
        assert " ".join(pages).count(strength) == 1
        assert text.index("1. Ưu điểm") < text.index(strength) < text.index("2. Tồn tại")

    def test_a_root_cause_behind_one_shortcoming_is_named_without_a_count(self):
        inspection = concluded_inspection(self.cast)
        inspection.status = Inspection.Status.VISITING  # one more finding, as the team would
        inspection.save(update_fields=["status"])
        alone = findings.root_cause_get_or_create(
            actor=None, organiser=self.cast.city, title="Thiếu cán bộ chuyên trách"
        )
        findings.finding_create(
            actor=None,
            inspection=inspection,
            kind=Finding.Kind.SHORTCOMING,
            topic="tthc",
            area="Công khai thủ tục hành chính",
            text="Chưa cập nhật kịp thời thủ tục mới ban hành",
            severity=Finding.Severity.MINOR,
            root_causes=[alone],
        )
        inspection.status = Inspection.Status.CONCLUDED
        inspection.save(update_fields=["status"])
        text, pages = self.issue(inspection)
        for words in (text, " ".join(pages)):
            assert "(1 hạn chế)" not in words and "Nhiều hạn chế" not in words, words
            assert (
                "Một số hạn chế nêu trên có chung nguyên nhân gốc, cần được khắc phục đồng bộ: "
                "kinh phí còn hạn hẹp (2 hạn chế)." in words
            ), words
            assert "Nguyên nhân gốc khác đã xác định: thiếu cán bộ chuyên trách." in words


def test_root_cause_sentences():
    assert _root_causes({}, 0) == []
    assert _root_causes({"A": 1}, 1) == ["Nguyên nhân gốc đã xác định: A."]
    assert _root_causes({"A": 1, "B": 1}, 3) == ["Nguyên nhân gốc đã xác định: A; B."]
    assert _root_causes({"A": 2}, 2) == [
        "Các hạn chế nêu trên có chung nguyên nhân gốc, cần được khắc phục đồng bộ: A (2 hạn chế)."
    ]
    assert _root_causes({"B": 1, "A": 3, "C": 2}, 5) == [
        "Một số hạn chế nêu trên có chung nguyên nhân gốc, cần được khắc phục đồng bộ: "
        "A (3 hạn chế); C (2 hạn chế).",
        "Nguyên nhân gốc khác đã xác định: B.",
    ]
    # Every cause continues the sentence, lowered alike (only the first was; a walk).
    assert _root_causes({"Cán bộ kiêm nhiệm": 2, "Kinh phí hạn hẹp": 2, "Thiếu máy": 1}, 5) == [
        "Một số hạn chế nêu trên có chung nguyên nhân gốc, cần được khắc phục đồng bộ: "
        "cán bộ kiêm nhiệm (2 hạn chế); kinh phí hạn hẹp (2 hạn chế).",
        "Nguyên nhân gốc khác đã xác định: thiếu máy.",
    ]
    assert _root_causes({"A": 1, "Bờ kè": 1}, 2) == ["Nguyên nhân gốc đã xác định: A; bờ kè."]


class ConclusionNoticeFailedItemsTests(BaseTestCase):
    """Found by a new user: "I. KẾT QUẢ KIỂM TRA" showed only counts, so the ward could not
    tell which items fell short (the team's notes never appeared); a task read "…cho công chức
    kiêm nhiệm. — Xã Thạch Hạ, thời hạn 15/01/2027;" (a dash after a full stop); lists ended
    with ";"; and a capital followed a colon ("(nguyên nhân chủ quan: Chưa xây dựng…)")."""

    def test_items_that_fell_short_are_listed_with_notes_and_lists_read_as_sentences(self):
        inspection = concluded_inspection(self.cast)
        inspection.status = Inspection.Status.VISITING  # the team records as it would
        inspection.save(update_fields=["status"])
        items = [i for i in visits.visit_items(inspection) if i.checklist.topic == "tthc"]
        partly, failed = items[0], items[1]
        visits.item_result_save(
            actor=None,
            inspection=inspection,
            item=partly,
            verdict="partly",
            note="Niêm yết chưa đủ 3 thủ tục mới.",
        )
        visits.item_result_save(
            actor=None,
            inspection=inspection,
            item=failed,
            verdict="not_met",
            note="UBND phường chưa bố trí công chức thường trực.",
        )
        findings.finding_create(
            actor=None,
            inspection=inspection,
            kind=Finding.Kind.SHORTCOMING,
            topic="tthc",
            area="Bộ phận một cửa",
            text="Bộ phận một cửa chưa có công chức thường trực.",
            severity=Finding.Severity.MINOR,
            cause_kind=Finding.CauseKind.SUBJECTIVE,
            cause="Chưa xây dựng kế hoạch bố trí nhân sự",
        )
        recommendation = inspection.recommendations.get()
        findings.action_create(
            actor=None,
            recommendation=recommendation,
            text="Bố trí công chức thường trực cho công chức kiêm nhiệm.",
            deadline=timezone.localdate() + datetime.timedelta(days=40),
        )
        inspection.status = Inspection.Status.CONCLUDED
        inspection.save(update_fields=["status"])
        issued = services.issue(
            actor=self.appraiser,
            kind="conclusion_notice",
            target=inspection,
            signer_name="Lê Thị Hồng Vân",
        )
        text, pages = assert_issued_document(
            issued,
            "Các nội dung chưa đạt, đạt một phần:",
            f"{partly.code}. {partly.text.rstrip(' .;')} (Đạt một phần): niêm yết chưa đủ 3 thủ "
            "tục mới;",
            # The last item closes the list; "UBND" keeps its capitals after the colon.
            f"{failed.code}. {failed.text.rstrip(' .;')} (Không đạt): UBND phường chưa bố trí "
            "công chức thường trực.",
            "(nguyên nhân chủ quan: chưa xây dựng kế hoạch bố trí nhân sự).",
            "Bố trí công chức thường trực cho công chức kiêm nhiệm — ",
        )
        for words in (text, " ".join(pages)):
            # The failed items come under the counts of their topic, before the assessment.
            listed = words.index("Các nội dung chưa đạt, đạt một phần:")
            assert words.index("I. KẾT QUẢ KIỂM TRA") < listed < words.index("II. ĐÁNH GIÁ CHUNG")
            assert ". —" not in words
            assert ": Chưa" not in words and ": Niêm" not in words
            # Each list ends with a full stop: the strengths (one item), the shortcomings, the
            # actions of the recommendation.
            assert "kịp thời;" not in words and "kịp thời." in words
            assert "nhân sự)." in words
        deadline = f"thời hạn {timezone.localdate() + datetime.timedelta(days=40):%d/%m/%Y}."
        assert deadline in text, text
