import datetime
import io
from pathlib import Path

from docx import Document as open_docx  # type: ignore[import-untyped]
from docx.shared import Length  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont

from cchc.core.testing import BaseTestCase
from cchc.documents import pdf, services
from cchc.documents.tests.helpers import assert_issued_document
from cchc.documents.tests.scenes import concluded_inspection
from cchc.inspections.models import Inspection, ItemResult


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
            "Kính gửi: UBND thành phố Hà Tĩnh",
            "II. KẾT QUẢ KIỂM TRA",
            "1. Kết quả theo đơn vị",
            "Phường Trần Phú",
            "Kinh phí còn hạn hẹp",
            "IV. ĐỀ XUẤT, KIẾN NGHỊ",
            # Met at one unit: that unit remedies it, followed up; "đồng bộ" (together) is for
            # a cause met at several (a walk).
            "Theo dõi đơn vị khắc phục nguyên nhân “Kinh phí còn hạn hẹp” (2 hạn chế tại 1 đơn vị)",
        )
        assert "đồng bộ" not in text
        # The units' table: one strength, one shortcoming, one recommendation, and the total row.
        assert "Cộng" in text
        assert "đến nay các Đoàn kiểm tra đã hoàn thành cả 1 cuộc." in text
        assert "chưa kết thúc" not in text
        # An action past its deadline is said apart from those still in time.
        from cchc.inspections.models import RemediationAction

        RemediationAction.objects.filter(recommendation__inspection=inspection).update(
            deadline=datetime.date(2020, 1, 1), status=RemediationAction.Status.OPEN
        )
        late = services.issue(
            actor=self.home_affairs,
            kind="result_report",
            target=inspection.plan,
            signer_name="Lê Thị Hồng Vân",
            replaces=issued.reference,
        )
        count = RemediationAction.objects.filter(recommendation__inspection=inspection).count()
        assert_issued_document(late, f"0 việc đang thực hiện trong hạn, {count} việc đã quá hạn.")


class ResultReportIssuerTests(BaseTestCase):
    """The year's report covers several teams: it was issued as "ĐOÀN KIỂM TRA", numbered
    BC-ĐKT and signed "TM. ĐOÀN KIỂM TRA / TRƯỞNG ĐOÀN", as one team's notice is. The Home
    Affairs office, which runs the plan, reports to the committee, its head signing."""

    def test_the_home_affairs_office_issues_and_its_head_signs(self):
        inspection = concluded_inspection(self.cast)
        issued = services.issue(
            actor=self.home_affairs,
            kind="result_report",
            target=inspection.plan,
            signer_name="Lê Thị Hồng Vân",
        )
        text, pages = assert_issued_document(
            issued, "UBND THÀNH PHỐ HÀ TĨNH", "PHÒNG NỘI VỤ", "TRƯỞNG PHÒNG", "Như trên;"
        )
        assert issued.reference.endswith("/BC-PNV")
        for document_text in (text, " ".join(pages)):
            assert "ĐOÀN KIỂM TRA" not in document_text  # neither as issuer nor as signer
            assert "TRƯỞNG ĐOÀN" not in document_text
            assert "TM." not in document_text  # the head signs in the office's own name


class ResultReportUnfinishedVisitsTests(BaseTestCase):
    """A report made while visits were still ahead said only "đã hoàn thành 1 cuộc", as if
    the year were done: it names the visits not yet ended and says their results follow."""

    def test_the_visits_not_yet_ended_are_named_with_their_dates(self):
        inspection = concluded_inspection(self.cast)
        later = inspection.visit_date + datetime.timedelta(days=20)
        Inspection.objects.create(
            plan=inspection.plan, org_unit=self.cast.ward_b, visit_date=later, topics=["iso"]
        )
        issued = services.issue(
            actor=self.home_affairs,
            kind="result_report",
            target=inspection.plan,
            signer_name="Lê Thị Hồng Vân",
        )
        ward_b = self.cast.ward_b.name
        text, _pages = assert_issued_document(
            issued,
            "đã hoàn thành 1 cuộc; 1 cuộc chưa kết thúc:",
            f"{ward_b} ({later:%d/%m/%Y})",
            "sẽ được báo cáo bổ sung",
        )
        # The unit not yet visited has no row in the results' table.
        assert text.count(ward_b) == 1


class ResultReportDateColumnTests(BaseTestCase):
    """A visit's date wrapped in the units' table as "31/08/20 / 26" (issue 17, item 19)."""

    def test_the_visit_date_fits_its_column_on_one_line(self):
        inspection = concluded_inspection(self.cast)
        issued = services.issue(
            actor=self.home_affairs,
            kind="result_report",
            target=inspection.plan,
            signer_name="Lê Thị Hồng Vân",
        )
        date = inspection.visit_date.strftime("%d/%m/%Y")
        # The PDF (the preview's layout) reads the date back whole, not cut by a line break.
        _text, pages = assert_issued_document(issued, date)
        with issued.docx.open("rb") as handle:
            document = open_docx(io.BytesIO(handle.read()))
        (table,) = [t for t in document.tables if [c.text for c in t.rows[0].cells][:3] == HEADER]
        assert table.rows[1].cells[2].text == date
        column = Length(table.columns[2].width).cm
        # In Word the column holds the date in the widest of the fonts a reader may have (Times
        # New Roman's metrics, Noto Serif) with the cell's margins (85 twips a side); the old
        # 2.3 cm could not.
        text_width = max(_width_cm(date, path) for path in _fonts())
        assert column >= text_width + 2 * 85 / 567 > 2.3, (column, text_width)
        # The preview rounds widths to whole centimetres and pads cells 4 pt a side.
        assert round(column) - 8 / 72 * 2.54 >= text_width, (column, text_width)


HEADER = ["TT", "Đơn vị", "Ngày"]


def _fonts() -> list[Path]:
    fonts = [pdf.font_files()[("normal", 700)], pdf.font_files()[("normal", 400)]]
    times = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
    return [*fonts, times] if times.exists() else fonts


def _width_cm(text: str, path: Path, points: float = 12) -> float:
    font = TTFont(str(path))
    glyphs, advances = font.getBestCmap(), font["hmtx"]
    units = sum(advances[glyphs[ord(c)]][0] for c in text)
    return units / font["head"].unitsPerEm * points / 72 * 2.54


class ResultReportReadingTests(BaseTestCase):
    """Found by a new user on the year's report: "Đạt/Tổng" counted items not applicable in
    the total (Phường Bắc Hà read 43/49 with no shortcoming: its six missing did not apply), and
    a cause found at one unit was introduced as one of those "lặp lại ở nhiều đơn vị"."""

    def test_not_applicable_items_are_out_of_the_total_and_causes_are_not_all_said_to_recur(self):
        inspection = concluded_inspection(self.cast)
        results = inspection.results.order_by("pk")
        total = results.count()
        ItemResult.objects.filter(pk__in=[r.pk for r in results[:2]]).update(
            verdict=ItemResult.Verdict.NOT_APPLICABLE
        )
        met = inspection.results.filter(verdict=ItemResult.Verdict.MEETS).count()
        issued = services.issue(
            actor=self.home_affairs,
            kind="result_report",
            target=inspection.plan,
            signer_name="Lê Thị Hồng Vân",
        )
        text, pages = assert_issued_document(
            issued,
            f"{met}/{total - 2}",
            "Các hạn chế theo nguyên nhân gốc (lặp lại khi ở từ hai đơn vị trở lên):",
        )
        for words in (text, " ".join(pages)):
            assert f"{met}/{total}" not in words  # the two not applicable are out of the total
            assert "lặp lại ở nhiều đơn vị" not in words
