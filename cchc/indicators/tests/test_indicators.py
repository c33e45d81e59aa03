"""Indicator arithmetic on hand-made dossiers and directives, and criteria fed by the data."""

import datetime
from decimal import Decimal

import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cchc.assessments.models import Round, Score
from cchc.assessments.services import score_save
from cchc.assessments.services.data import assessment_fill_from_data
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion
from cchc.indicators.models import Directive, Dossier
from cchc.indicators.selectors import dossier_rows, figures_for_units
from cchc.indicators.summary import rebuild_dossier_months
from cchc.orgunits.services import org_unit_create

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))  # noqa: DTZ001


def dossier(unit, code, received, due, finished=None, **extra):
    """One dossier, counted into the monthly figures as an import would."""
    created = Dossier.objects.create(
        code=code,
        org_unit=unit,
        channel=extra.pop("channel", Dossier.Channel.IN_PERSON),
        received_at=received,
        due_at=due,
        finished_at=finished,
        status=Dossier.Status.FINISHED if finished else Dossier.Status.OPEN,
        **extra,
    )
    rebuild_dossier_months()
    return created


@time_machine.travel(NOW, tick=False)
class FigureTests(BaseTestCase):
    def setUp(self):
        unit = self.cast.ward_a
        # This year, January-September: 5 received.
        dossier(unit, "A1", at(2026, 2, 2), at(2026, 2, 5), at(2026, 2, 4), channel="online")
        dossier(unit, "A2", at(2026, 3, 2), at(2026, 3, 5), at(2026, 3, 9), apology_issued=True)
        dossier(unit, "A3", at(2026, 4, 1), at(2026, 4, 3), at(2026, 4, 6))  # late, no apology
        dossier(
            unit, "A4", at(2026, 9, 20), at(2026, 9, 25), None, channel="online"
        )  # open past due
        dossier(unit, "A5", at(2026, 5, 5), at(2026, 5, 8), at(2026, 5, 7), satisfaction=4)
        # Received after September: outside the 9-month period.
        dossier(unit, "A6", at(2026, 10, 2), at(2026, 10, 5), at(2026, 10, 3), satisfaction=2)
        # Last year, same period: 4 received, 1 late.
        dossier(unit, "B1", at(2025, 2, 2), at(2025, 2, 5), at(2025, 2, 9))
        for n in range(3):
            dossier(unit, f"B{n + 2}", at(2025, 3, 2), at(2025, 3, 5), at(2025, 3, 4))
        # Another unit's dossier never counts for ward A.
        dossier(self.cast.ward_b, "C1", at(2026, 2, 2), at(2026, 2, 5), at(2026, 2, 9))
        for number, deadline, done in [
            ("1/TB", datetime.date(2026, 3, 1), datetime.date(2026, 2, 25)),
            ("2/TB", datetime.date(2026, 4, 1), datetime.date(2026, 4, 10)),
            ("3/TB", datetime.date(2026, 8, 1), None),  # overdue
            ("4/TB", datetime.date(2026, 12, 1), None),  # not due in the 9 months
        ]:
            Directive.objects.create(
                number=number,
                issued_on=datetime.date(2026, 1, 10),
                content="Rà soát thủ tục",
                deadline=deadline,
                org_unit=unit,
                completed_on=done,
            )

    def test_the_nine_month_figures(self):
        f = figures_for_units([self.cast.ward_a.pk], 2026, "m9")[self.cast.ward_a.pk]
        assert (f.received, f.finished, f.on_time, f.late, f.open_past_due) == (5, 4, 2, 2, 1)
        assert f.overdue == 3 and f.overdue_rate == Decimal("60.00")
        assert f.previous_overdue_rate == Decimal("25.00")
        assert f.overdue_change == Decimal("35.00")
        assert f.online_rate == Decimal("40.00")
        assert (f.late_with_apology, f.apology_rate) == (1, Decimal("33.33"))
        assert f.satisfaction == Decimal("4.00")
        assert (f.directives_due, f.directives_on_time, f.directives_late) == (3, 1, 2)

    def test_six_months_and_the_year_count_their_own_dossiers(self):
        h1 = figures_for_units([self.cast.ward_a.pk], 2026, "h1")[self.cast.ward_a.pk]
        year = figures_for_units([self.cast.ward_a.pk], 2026, "annual")[self.cast.ward_a.pk]
        assert h1.received == 4 and h1.open_past_due == 0
        assert year.received == 6 and year.satisfaction == Decimal("3.00")

    def test_each_figure_lists_its_rows(self):
        ids = [self.cast.ward_a.pk]
        codes = lambda which: sorted(  # noqa: E731
            dossier_rows(unit_ids=ids, year=2026, period="m9", which=which).values_list(
                "code", flat=True
            )
        )
        assert codes("late") == ["A2", "A3"]
        assert codes("open_past_due") == ["A4"]
        assert codes("overdue") == ["A2", "A3", "A4"]
        assert codes("online") == ["A1", "A4"]

    def test_each_point_of_the_month_chart_lists_its_own_months_dossiers(self):
        # Found walking the demo as the leader: every point of "Hồ sơ quá hạn theo tháng"
        # (01/2025 as well as 01/2026) opened the whole of 2026's overdue dossiers.
        from cchc.analytics import pages

        self.login("home_affairs")
        chart = pages.indicators_page(self.home_affairs, pages.Params(year=2026))["chart"]
        this_year, last_year = chart.series

        def point(series, month: int) -> str:  # a month without dossiers has no point
            return next(p.href for p in series.points if f"&month={month}&" in p.href)

        march = point(this_year, 3)
        assert "year=2026" in march and "year=2025" in point(last_year, 3)
        assert len({p.href for p in this_year.points}) == len(this_year.points)

        def codes(href: str) -> list[str]:
            page = self.client.get(f"{href}&unit={self.cast.ward_a.pk}").content.decode()
            return sorted(code for code in ("A2", "A3", "A4", "B1") if f">{code}<" in page)

        assert codes(march) == ["A2"]
        assert codes(point(this_year, 9)) == ["A4"]  # still open, past due
        assert codes(point(last_year, 2)) == ["B1"]
        page = self.client.get(march).content.decode()
        assert "tiếp nhận trong tháng 03/2026" in page
        assert self.client.get(march.replace("month=3", "month=13")).status_code == 404
        # November is under way (the test's day, 20/11/2026): the page says it is not whole.
        page = self.client.get(reverse("analytics:indicators"), {"year": 2026}).content.decode()
        assert "Tháng 11/2026 mới tính các hồ sơ tiếp nhận đến ngày 20/11/2026" in page
        page = self.client.get(reverse("analytics:indicators"), {"year": 2025}).content.decode()
        assert 'data-testid="month-so-far"' not in page

    def test_the_overview_page_shows_the_figures_and_links(self):
        self.login("ward_officer")
        response = self.client.get("/indicators/", {"year": 2026, "period": "m9"})
        body = response.content.decode()
        assert "60,00%" in body and "+35,00" in body  # a column: two places
        assert "which=late" in body
        self.login("outsider")
        body = self.client.get("/indicators/", {"year": 2026, "period": "m9"}).content.decode()
        assert "Phường Trần Phú" not in body  # another ward sees only itself


@time_machine.travel(NOW, tick=False)
class FeedingTests(BaseTestCase):
    def setUp(self):
        self.round = make_round(self.cast, open_it=False)
        self.criterion = Criterion.objects.get(framework=self.round.framework, code="2.1")
        self.criterion.data_source = "dossiers_on_time"
        self.criterion.save(update_fields=["data_source"])
        unit = self.cast.ward_a
        year = self.round.year
        for n in range(9):
            dossier(unit, f"D{n}", at(year, 2, 2), at(year, 2, 5), at(year, 2, 4))
        dossier(unit, "D9", at(year, 2, 2), at(year, 2, 5), at(year, 2, 9))

    def open_round(self) -> Round:
        from cchc.assessments.services import round_advance

        return round_advance(actor=self.home_affairs, round_=self.round)

    def test_the_figures_come_prefilled_and_disputing_them_needs_a_reason(self):
        self.open_round()
        assessment = assessment_of(self.round, self.cast.ward_a)
        score = Score.objects.get(assessment=assessment, criterion=self.criterion)
        assert score.inputs == {"numerator": "9", "denominator": "10"}
        assert score.system_inputs == score.inputs
        with self.assertRaises(ValidationError) as refused:
            score_save(
                actor=self.ward_officer,
                assessment=assessment,
                criterion=self.criterion,
                data={"numerator": "10", "denominator": "10"},
                explanation="",
            )
        assert "explanation" in refused.exception.message_dict
        score_save(
            actor=self.ward_officer,
            assessment=assessment,
            criterion=self.criterion,
            data={"numerator": "10", "denominator": "10"},
            explanation="Hồ sơ D9 trễ do lỗi phần mềm, đã được Sở xác nhận.",
        )
        # Fetching again keeps the unit's disputed figures and refreshes what the data says.
        dossier(self.cast.ward_a, "D10", at(self.round.year, 3, 2), at(self.round.year, 3, 5))
        assessment_fill_from_data(actor=None, assessment=assessment)
        score.refresh_from_db()
        assert score.inputs == {"numerator": "10", "denominator": "10"}
        assert score.system_inputs == {"numerator": "9", "denominator": "10"}

    def test_the_page_marks_the_figures_as_from_the_data_and_links_the_rows(self):
        self.open_round()
        assessment = assessment_of(self.round, self.cast.ward_a)
        self.login("ward_officer")
        body = self.client.get(assessment.get_absolute_url()).content.decode()
        assert 'data-testid="data-2.1"' in body and "9/10" in body
        assert "which=on_time" in body


@time_machine.travel(NOW, tick=False)
class DataIsEvidenceTests(FeedingTests):
    def test_figures_as_the_data_gave_them_need_no_document_to_submit(self):
        from cchc.assessments.engine import load_tree
        from cchc.assessments.services.self_assessment import submission_problems

        self.open_round()
        assessment = assessment_of(self.round, self.cast.ward_a)
        codes = {c.code for c, _m in submission_problems(load_tree(assessment, with_evidence=True))}
        assert "2.1" not in codes


class DirectiveImportTests(BaseTestCase):
    HEADER = "Số văn bản,Ngày ban hành,Nội dung,Thời hạn,Đơn vị,Ngày hoàn thành\n"

    def test_a_good_file_adds_then_updates(self):
        from cchc.indicators.services import directives_import

        data = (
            self.HEADER
            + "12/TB-UBND,05/01/2026,Rà soát thủ tục,05/02/2026,X18070,\n"
            + "12/TB-UBND,05/01/2026,Rà soát thủ tục,05/02/2026,Phường Nam Hà,01/02/2026\n"
        ).encode()
        assert directives_import(actor=None, data=data, file_name="cd.csv") == (2, 0)
        again = data.replace(b",05/02/2026,X18070,", b",05/02/2026,X18070,03/02/2026")
        # Only the row that changed is updated (the same file again said "updated 3").
        assert directives_import(actor=None, data=again, file_name="cd.csv") == (0, 1)
        assert directives_import(actor=None, data=again, file_name="cd.csv") == (0, 0)
        done = Directive.objects.get(org_unit=self.cast.ward_a)
        assert done.completed_on == datetime.date(2026, 2, 3)

    def test_a_unit_named_goes_where_a_dossier_of_that_name_goes(self):
        """A name shared with a unit a reorganisation ended gave the directive to the ended
        unit (the last one listed won), and the coordinator was refused rows naming their own
        ward as "not one you keep". The dossier import's rule now decides for both: the unit
        of today; a name two units of today share asks for the code."""
        from cchc.core.imports import ImportFailed
        from cchc.indicators.services import directives_import

        city = self.cast.city
        ended = org_unit_create(
            actor=None,
            code="X18070-cu",
            name="Phường Trần Phú",
            kind="ward",
            parent=city,
            active_to=datetime.date(2025, 6, 30),
        )
        data = self.HEADER + "771/TB-UBND,05/01/2026,Rà soát,05/02/2026,Phường Trần Phú,\n"
        assert directives_import(actor=self.home_affairs, data=data.encode(), file_name="a.csv")
        assert Directive.objects.get(number="771/TB-UBND").org_unit == self.cast.ward_a
        # The ended unit's own code still names it (its history).
        older = self.HEADER + "5/TB-UBND,05/01/2025,Cũ,05/02/2025,X18070-cu,\n"
        assert directives_import(actor=None, data=older.encode(), file_name="b.csv")
        assert Directive.objects.get(number="5/TB-UBND").org_unit == ended
        org_unit_create(actor=None, code="X99999", name="Phường Nam Hà", kind="ward", parent=city)
        shared = self.HEADER + "9/TB-UBND,05/01/2026,Rà soát,05/02/2026,Phường Nam Hà,\n"
        with self.assertRaises(ImportFailed) as failure:
            directives_import(actor=self.home_affairs, data=shared.encode(), file_name="c.csv")
        assert "Có nhiều đơn vị cùng tên “Phường Nam Hà”" in str(failure.exception.errors[0])
        assert not Directive.objects.filter(number="9/TB-UBND").exists()

    def test_numbers_too_long_years_no_record_has_and_an_xlsx_names_its_columns(self):
        """Two numbers alike in their first 64 characters were cut to one (a 500); 01/11/0001,
        31/12/9999 and an issue in 2030 were imported; an XLSX's errors named "issued_on"
        where the same rows as CSV said "Ngày ban hành" (a new-user walk)."""
        import io

        from openpyxl import Workbook

        from cchc.core.imports import ImportFailed
        from cchc.indicators.services import directives_import

        long = "931/TB-UBND" + "X" * 100
        ahead = timezone.localdate() + datetime.timedelta(days=40)
        rows = [
            [long + "A", "05/01/2026", "Việc", "05/02/2026", "X18070", ""],
            [long + "B", "05/01/2026", "Việc", "05/02/2026", "X18070", ""],
            ["1/TB", "01/11/0001", "Việc", "31/12/9999", "X18070", ""],
            ["2/TB", f"{ahead:%d/%m/%Y}", "Việc", f"{ahead:%d/%m/%Y}", "X18070", ""],
            ["3/TB", "32/01/2026", "Việc", "05/02/2026", "X18070", ""],
        ]
        book = Workbook()
        book.active.append(self.HEADER.strip().split(","))
        for row in rows:
            book.active.append(row)
        data = io.BytesIO()
        book.save(data)
        with self.assertRaises(ImportFailed) as failure:
            directives_import(actor=None, data=data.getvalue(), file_name="cd.xlsx")
        found = {(e.row, e.column): e.message for e in failure.exception.errors}
        assert found[(2, "Số văn bản")] == found[(3, "Số văn bản")] == "Tối đa 64 ký tự."
        assert "1970" in found[(4, "Ngày ban hành")] and "1970" in found[(4, "Thời hạn")]
        assert "sau ngày hôm nay" in found[(5, "Ngày ban hành")]
        assert (6, "Ngày ban hành") in found
        assert not any(column in {"issued_on", "deadline", "number"} for _r, column in found)
        assert not Directive.objects.exists()

    def test_the_page_says_how_many_problems_and_reads_what_excel_saves(self):
        """45 bad rows showed 30 messages and no word of the rest; an .xlsm was read as CSV
        ("not UTF-8 text"), an .xls got the same (a new-user walk)."""
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from openpyxl import Workbook

        from cchc.core.imports import OLE_MAGIC

        url = reverse("indicators:directive_import")
        self.login("home_affairs")
        bad = self.HEADER + "".join(
            f"{n}/TB,32/01/2026,Việc,05/02/2026,X18070,\n" for n in range(45)
        )
        upload = SimpleUploadedFile("cd.csv", bad.encode(), "text/csv")
        page = self.client.post(url, {"file": upload}, follow=True).content.decode()
        assert "cần khắc phục 45 lỗi trước" in page and "… và 15 lỗi khác." in page
        assert page.count("không phải là ngày") == 30
        old = SimpleUploadedFile("cd.xls", OLE_MAGIC + b"\0" * 512, "application/vnd.ms-excel")
        page = self.client.post(url, {"file": old}, follow=True).content.decode()
        assert "Đây là tệp Excel 97–2003 (.xls)" in page and "UTF-8" not in page
        book = Workbook()
        book.active.append(self.HEADER.strip().split(","))
        book.active.append(["7/TB", "05/01/2026", "Việc", "05/02/2026", "X18070", ""])
        data = io.BytesIO()
        book.save(data)
        macro = SimpleUploadedFile("cd.xlsm", data.getvalue(), "application/octet-stream")
        self.client.post(url, {"file": macro})
        assert Directive.objects.filter(number="7/TB").exists()

    def test_a_title_row_above_the_header_is_skipped(self):
        from cchc.indicators.services import directives_import

        data = "TỔNG HỢP Ý KIẾN CHỈ ĐẠO NĂM 2026,,,,,\n" + self.HEADER
        data += "771/TB-UBND,05/01/2026,Rà soát,05/02/2026,X18070,\n"
        assert directives_import(actor=None, data=data.encode(), file_name="a.csv") == (1, 0)

    def test_an_empty_file_says_it_has_no_directives(self):
        """An empty CSV was "Tệp không có tiêu chí nào" (no criteria), the framework's words."""
        from cchc.core.imports import ImportFailed
        from cchc.indicators.services import directives_import

        with self.assertRaises(ImportFailed) as failure:
            directives_import(actor=None, data=b"", file_name="cd.csv")
        assert str(failure.exception.errors[0].message) == "Tệp không có ý kiến chỉ đạo nào."

    def test_a_windows_1258_or_utf16_file_imports_as_the_dossiers_do(self):
        """Excel's "CSV" on a Vietnamese Windows (Windows-1258) imported for dossiers but was
        refused for directives ("not UTF-8 text"); "Unicode Text" (UTF-16) was refused too.
        The text is stored composed, as typed."""
        import unicodedata

        from cchc.indicators.services import directives_import

        text = self.HEADER + "12/TB-UBND,05/01/2026,Rà soát thủ tục,05/02/2026,Phường Nam Hà,\n"
        tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
        windows = "".join(
            unicodedata.normalize(
                "NFC", "".join(c for c in unicodedata.normalize("NFD", ch) if c not in tones)
            )
            + "".join(c for c in unicodedata.normalize("NFD", ch) if c in tones)
            for ch in text
        ).encode("cp1258")
        assert directives_import(actor=None, data=windows, file_name="cd.csv") == (1, 0)
        directive = Directive.objects.get(number="12/TB-UBND")
        assert directive.content == "Rà soát thủ tục" and directive.org_unit == self.cast.ward_b
        unicode_text = text.replace(",", "\t").replace("Rà soát", "Rà soát lại").encode("utf-16")
        assert directives_import(actor=None, data=unicode_text, file_name="cd.txt") == (0, 1)
        assert Directive.objects.get(number="12/TB-UBND").content == "Rà soát lại thủ tục"

    def test_the_list_filtered_by_a_unit_says_which(self):
        """The unit filter read "Tất cả đơn vị" while the list showed one unit's directives
        (an id compared with its text)."""
        self.login("home_affairs")
        page = self.client.get(
            reverse("indicators:directive_list"), {"unit": self.cast.ward_b.pk}
        ).content.decode()
        chooser = page.split('id="unit" name="unit"', 1)[1].split("</select>", 1)[0]
        assert f'<option value="{self.cast.ward_b.pk}" selected>' in chooser

    def test_an_ended_unit_outside_the_importers_tree_is_refused_before_its_end(self):
        """A commune of another province, ended and merged into ward A, took a directive
        dated before its end from the city's coordinator (its heir is the city's; the
        commune itself is not)."""
        from cchc.core.imports import ImportFailed
        from cchc.indicators.services import directives_import
        from cchc.orgunits.models import UnitChange

        outside = org_unit_create(
            actor=None,
            code="X99100",
            name="Xã Ngoài",
            kind="commune",
            parent=self.cast.other_province,
            active_to=datetime.date(2025, 6, 30),
        )
        UnitChange.objects.create(
            kind=UnitChange.Kind.MERGED,
            effective_on=datetime.date(2025, 7, 1),
            predecessor=outside,
            successor=self.cast.ward_a,
            is_default=True,
        )
        before = self.HEADER + "1/TB,05/01/2025,Cũ,05/02/2025,X99100,\n"
        with self.assertRaises(ImportFailed):
            directives_import(actor=self.home_affairs, data=before.encode(), file_name="a.csv")
        assert not Directive.objects.exists()
        # After its end the directive goes to the ward that continues it, the city's own.
        after = self.HEADER + "2/TB,05/01/2026,Mới,05/02/2026,X99100,\n"
        assert directives_import(actor=self.home_affairs, data=after.encode(), file_name="b.csv")
        assert Directive.objects.get(number="2/TB").org_unit == self.cast.ward_a

    def test_a_utf8_file_with_one_damaged_byte_is_refused_not_garbled(self):
        """One bad byte in a UTF-8 file and the whole was read as Windows-1258: "Rà soát"
        stored as "RÃ  soÃ¡t"."""
        from cchc.core.imports import ImportFailed
        from cchc.indicators.services import directives_import

        text = self.HEADER + "1/TB,05/01/2026,Rà soát,05/02/2026,X18070,\n"
        data = text.encode() + b"2/TB,05/01/2026,R\xe0 so\xe1t,05/02/2026,X18070,\n"
        with self.assertRaises(ImportFailed) as failure:
            directives_import(actor=None, data=data, file_name="cd.csv")
        error = failure.exception.errors[0]
        assert error.row == 3 and "byte hỏng ở dòng 3" in str(error.message)
        assert not Directive.objects.exists()

    def test_a_bad_file_imports_nothing_and_says_where(self):
        from cchc.core.imports import ImportFailed
        from cchc.indicators.services import directives_import

        data = (
            self.HEADER
            + "1/TB,05/01/2026,A,05/02/2026,X18070,\n"
            + "2/TB,05/01/2026,B,01/01/2026,Không có,\n"
            + "1/TB,05/01/2026,A,05/02/2026,X18070,\n"
        ).encode()
        with self.assertRaises(ImportFailed) as failure:
            directives_import(actor=None, data=data, file_name="cd.csv")
        texts = [str(error) for error in failure.exception.errors]
        # Columns are named by their header as the file writes it (issue 17 item 13).
        assert any("3" in text and "“Thời hạn”" in text for text in texts), texts
        assert any("3" in text and "Không có" in text for text in texts), texts
        assert any("4" in text and "“Số văn bản”" in text for text in texts), texts
        assert not any("deadline" in text or "number" in text for text in texts), texts
        assert not Directive.objects.exists()

    def test_an_unknown_column_is_ignored_and_the_page_says_so(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login("home_affairs")
        header = self.HEADER.replace("\n", ",Ghi chú\n")
        data = (header + "7/TB,05/01/2026,Rà soát,05/02/2026,X18070,,gấp\n").encode()
        response = self.client.post(
            "/indicators/directives/import/",
            {"file": SimpleUploadedFile("cd.csv", data)},
            follow=True,
        )
        assert Directive.objects.filter(number="7/TB").count() == 1
        page = response.content.decode()
        assert "Các cột sau không được đọc (CCHC không biết các cột này): “Ghi chú”." in page

    def test_a_header_naming_no_column_is_refused_with_its_headers(self):
        from cchc.core.imports import ImportFailed
        from cchc.indicators.services import directives_import

        data = "Ký hiệu,Ngày ban hành,Nội dung,Thời hạn,Đơn vị\n1,05/01/2026,A,05/02/2026,X18070\n"
        with self.assertRaises(ImportFailed) as failure:
            directives_import(actor=None, data=data.encode(), file_name="cd.csv")
        message = str(failure.exception.errors[0])
        assert "“Số văn bản” (number)" in message and "“Ký hiệu”" in message, message

    def test_the_page_imports_a_file(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login("home_affairs")
        data = (self.HEADER + "7/TB,05/01/2026,Rà soát,05/02/2026,X18070,\n").encode()
        self.client.post(
            "/indicators/directives/import/", {"file": SimpleUploadedFile("cd.csv", data)}
        )
        assert Directive.objects.filter(number="7/TB").count() == 1


class DirectiveCompletionTests(BaseTestCase):
    """The unit reports its directive done, once; the Home Affairs office records and corrects
    the date. A ward moved its late completion to the day before the deadline, and criterion
    1.6 went from 0 to 3 points (a new-user walk)."""

    def setUp(self):
        self.directive = Directive.objects.create(
            number="279/TB-UBND",
            org_unit=self.cast.ward_a,
            issued_on=datetime.date(2026, 8, 1),
            deadline=datetime.date(2026, 8, 18),
            content="Rà soát thủ tục",
        )
        self.url = reverse("indicators:directive_complete", args=[self.directive.pk])
        self.listing = reverse("indicators:directive_list")

    def test_the_unit_reports_once_and_only_the_office_corrects(self):
        self.login("ward_officer")
        page = self.client.get(self.listing).content.decode()
        assert self.url in page  # not yet done: the unit reports it
        self.client.post(self.url, {"completed_on": "2026-08-24"})
        self.directive.refresh_from_db()
        assert self.directive.completed_on == datetime.date(2026, 8, 24)
        # Recorded: the unit reads the date and cannot move it (nor clear it).
        page = self.client.get(self.listing).content.decode()
        assert self.url not in page and 'data-testid="completed-' in page and "24/08/2026" in page
        for moved in ("2026-08-17", ""):
            answer = self.client.post(self.url, {"completed_on": moved}, follow=True)
            assert "chỉ cán bộ Nội vụ theo dõi chỉ đạo sửa được" in answer.content.decode()
        self.directive.refresh_from_db()
        assert self.directive.completed_on == datetime.date(2026, 8, 24)
        self.login("home_affairs")
        assert self.url in self.client.get(self.listing).content.decode()
        self.client.post(self.url, {"completed_on": "2026-08-17"})
        self.directive.refresh_from_db()
        assert self.directive.completed_on == datetime.date(2026, 8, 17)

    def test_a_reader_sees_dates_not_forms_and_another_ward_cannot_report(self):
        self.login("leader")
        page = self.client.get(self.listing).content.decode()
        assert self.url not in page and 'data-testid="completed-' in page
        assert self.client.post(self.url, {"completed_on": "2026-08-10"}).status_code == 403
        self.login("outsider")
        assert self.client.post(self.url, {"completed_on": "2026-08-10"}).status_code == 404
        self.directive.refresh_from_db()
        assert self.directive.completed_on is None

    def test_every_directive_is_reached_page_by_page(self):
        """50 a page, and no link to the next: the newest directives were unreachable."""
        Directive.objects.bulk_create(
            Directive(
                number=f"{n}/TB-UBND",
                org_unit=self.cast.ward_a,
                issued_on=datetime.date(2026, 1, 1),
                deadline=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
                content="Việc",
            )
            for n in range(1, 60)
        )
        self.login("home_affairs")
        page = self.client.get(self.listing).content.decode()
        assert 'data-testid="directive-pages"' in page and "page=2" in page
        second = self.client.get(self.listing, {"page": 2}).content.decode()
        assert "279/TB-UBND" in second and "page=1" in second
        unit = self.client.get(self.listing, {"unit": self.cast.ward_a.pk}).content.decode()
        assert f"unit={self.cast.ward_a.pk}&amp;page=2" in unit


class DirectiveFormDatesTests(BaseTestCase):
    def test_the_form_refuses_an_issue_after_today_and_years_no_record_has(self):
        """The manual form took 01/11/0001 and 31/12/9999 (the list showed "01/11/1")."""
        from cchc.indicators.services import directive_create

        today = timezone.localdate()
        for issued, deadline in (
            (today + datetime.timedelta(days=1), today + datetime.timedelta(days=30)),
            (datetime.date(1, 11, 1), today),
            (today, datetime.date(9999, 12, 31)),
        ):
            with self.assertRaises(ValidationError):
                directive_create(
                    actor=None,
                    number="1/TB",
                    issued_on=issued,
                    content="Việc",
                    deadline=deadline,
                    org_unit=self.cast.ward_a,
                )
        assert not Directive.objects.exists()


class DirectiveFormMessagesTests(BaseTestCase):
    def test_an_empty_form_says_which_fields_are_missing(self):
        """ "Trường này là bắt buộc." twice, and not of what (a new-user walk)."""
        self.login("home_affairs")
        page = self.client.post(reverse("indicators:directive_create"), {}, follow=True)
        text = page.content.decode()
        assert "Số văn bản: Trường này là bắt buộc." in text
        assert "Nội dung: Trường này là bắt buộc." in text


@time_machine.travel(NOW, tick=False)
class DossierBadgeTests(BaseTestCase):
    def test_an_open_dossier_past_due_is_marked_as_a_late_one_is(self):
        """On the list of the overdue only the finished-late rows had a badge (a walk)."""
        ward = self.cast.ward_a
        dossier(ward, "T1-OPEN", at(2026, 11, 2), at(2026, 11, 5))
        dossier(ward, "T1-LATE", at(2026, 11, 2), at(2026, 11, 5), at(2026, 11, 9))
        dossier(ward, "T1-AHEAD", at(2026, 11, 18), at(2026, 11, 30))
        self.login("home_affairs")
        url = reverse("indicators:dossier_list")
        page = self.client.get(url, {"year": 2026, "period": "annual", "which": "received"})
        rows = {
            code: row
            for row in page.content.decode().split("<tr>")
            for code in ("T1-OPEN", "T1-LATE", "T1-AHEAD")
            if code in row
        }
        assert 'data-testid="past-due"' in rows["T1-OPEN"]
        assert "trễ hạn" in rows["T1-LATE"] and 'data-testid="past-due"' not in rows["T1-LATE"]
        assert "badge" not in rows["T1-AHEAD"]


class DirectiveListQueriesTests(BaseTestCase):
    def test_the_list_reads_the_same_few_statements_for_three_rows_or_thirty(self):
        """Asking the rule for each row's form opened a transaction a row (a savepoint in a
        test, SQLite's write lock in production), found by a review."""

        def add(numbers):
            Directive.objects.bulk_create(
                Directive(
                    number=f"{n}/TB",
                    org_unit=self.cast.ward_a,
                    issued_on=datetime.date(2026, 1, 1),
                    deadline=datetime.date(2026, 2, 1),
                    content="Việc",
                )
                for n in numbers
            )

        url = reverse("indicators:directive_list")
        self.login("ward_officer")
        add(range(3))
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        add(range(3, 30))
        with CaptureQueriesContext(connection) as many:
            self.client.get(url)
        assert len(few) == len(many)
        assert not any("SAVEPOINT" in query["sql"] for query in many.captured_queries)


class ImportUnitTests(BaseTestCase):
    def test_a_pushed_batch_and_a_command_belong_to_their_importers_unit(self):
        """Only the page's upload said whose an import was: an API client's pushed batches
        and a keeper's command-line import were seen by the administrators alone."""
        import io

        from cchc.indicators.importers import import_dossier_records, import_dossiers
        from cchc.indicators.models import DossierImport

        row = {
            "code": "API-1",
            "unit": "X18070",
            "received_at": "2026-01-05T08:00:00",
        }
        import_dossier_records(actor=self.home_affairs, records=[row], source="Một cửa")
        data = "Mã hồ sơ,Đơn vị,Ngày tiếp nhận\nCLI-1,X18070,05/01/2026\n".encode()
        import_dossiers(actor=self.home_affairs, stream=io.BytesIO(data), file_name="a.csv")
        import_dossiers(actor=None, stream=io.BytesIO(data), file_name="b.csv")
        units = dict(DossierImport.objects.values_list("file_name", "org_unit"))
        assert units == {"Một cửa": self.cast.city.pk, "a.csv": self.cast.city.pk, "b.csv": None}


class SharedNameRowsTests(BaseTestCase):
    def test_two_units_of_one_name_are_told_apart_on_the_indicator_pages(self):
        """The province's coordinator read two rows "Phường Trần Phú" on both pages (a walk)."""
        org_unit_create(
            actor=None,
            code="18073-2025",
            name="Phường Trần Phú",
            kind="ward",
            parent=self.cast.province,
        )
        self.login("admin")
        for url in (reverse("indicators:overview"), reverse("analytics:indicators")):
            page = self.client.get(url).content.decode()
            assert "Phường Trần Phú — Thành phố Hà Tĩnh" in page, url
            assert "Phường Trần Phú — Tỉnh Hà Tĩnh" in page, url
            assert "Phường Nam Hà —" not in page, url  # a name of one unit stays as it is
