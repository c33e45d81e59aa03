import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from cchc.core.imports import ImportFailed
from cchc.core.testing import BaseTestCase
from cchc.frameworks.importers import (
    export_framework_csv,
    export_framework_xlsx,
    framework_template_xlsx,
    read_framework_file,
)
from cchc.frameworks.models import Framework
from cchc.frameworks.selectors import bands_of, criteria_of
from cchc.frameworks.tests.factories import SMALL_FRAMEWORK, make_framework
from cchc.orgunits.services import org_unit_create

HEADER = "code,parent_code,title,max_points,rule\n"


def problems(text: str) -> set[tuple[int, str]]:
    with pytest.raises(ImportFailed) as failure:
        read_framework_file(data=text.encode(), file_name="f.csv")
    return {(error.row, error.column) for error in failure.value.errors}


def messages(text: str) -> str:
    with pytest.raises(ImportFailed) as failure:
        read_framework_file(data=text.encode(), file_name="f.csv")
    return " | ".join(str(error) for error in failure.value.errors)


class ReadTests(BaseTestCase):
    def test_a_good_file_is_read_in_tree_order(self):
        content, _agencies = read_framework_file(data=SMALL_FRAMEWORK.encode(), file_name="f.csv")
        assert [row.code for row in content.criteria][:4] == ["1", "1.1", "1.2", "1.3"]
        assert content.criteria[1].depth == 1
        assert content.criteria[0].max_points == Decimal("7.5")
        assert [name for name, _ in content.bands][0] == "Xuất sắc"

    def test_vietnamese_headers_are_accepted(self):
        text = "Mã,Mã cha,Tên tiêu chí,Điểm tối đa,Cách tính điểm,Tự chấm\nA,,Lĩnh vực,1,,có\nA.1,A,Tiêu chí,1,yes_no,không\n"
        content, _ = read_framework_file(data=text.encode(), file_name="f.csv")
        assert content.criteria[1].is_self_scored is False

    def test_an_unknown_column_is_ignored_and_reported(self):
        text = "Mã,Mã cha,Tên tiêu chí,Điểm tối đa,Cách tính điểm,Ghi chú\nA,,Lĩnh vực,1,,x\nA.1,A,Tiêu chí,1,yes_no,y\n"
        content, _ = read_framework_file(data=text.encode(), file_name="f.csv")
        assert [row.code for row in content.criteria] == ["A", "A.1"]
        assert content.ignored == ["Ghi chú"]

    def test_a_header_naming_no_column_is_refused_with_its_headers(self):
        message = messages("Ký hiệu,Nội dung chính,Số điểm\nA,B,1\n")
        assert "“Mã” (code)" in message and "“Điểm tối đa” (max_points)" in message, message
        assert "“Ký hiệu”, “Nội dung chính”, “Số điểm”" in message, message

    def test_errors_name_the_column_as_the_file_writes_it(self):
        text = "Mã,Mã cha,Tên tiêu chí,Điểm tối đa,Cách tính điểm\nA,Z,A,x,magic\n"
        assert problems(text) == {(2, "Mã cha"), (2, "Điểm tối đa"), (2, "Cách tính điểm")}

    def test_missing_and_duplicate_codes(self):
        assert problems(HEADER + ",,A,1,yes_no\nB,,B,1,yes_no\nB,,B again,1,yes_no\n") >= {
            (2, "code"),
            (4, "code"),
        }

    def test_a_parent_that_does_not_exist(self):
        assert (3, "parent_code") in problems(HEADER + "A,,A,1,yes_no\nB,Z,B,1,yes_no\n")

    def test_max_points_negative_not_a_number_or_too_precise(self):
        found = problems(
            HEADER + "A,,A,-1,yes_no\nB,,B,nhiều,yes_no\nC,,C,0.125,manual step=0.125\n"
        )
        assert {(2, "max_points"), (3, "max_points"), (4, "max_points")} <= found

    def test_a_maximum_that_is_not_a_number_is_the_only_error_of_its_row(self):
        """ "năm" as a maximum also gave "Bậc 95 cho 3, nằm ngoài khoảng 0..0": the rule was
        checked against a maximum of 0 that the file never said."""
        text = HEADER + "A,,A,năm,tiers: 100=max; 95=3; 90=1\n"
        assert problems(text) == {(2, "max_points")}
        # A maximum read, the rule is checked against it as before.
        assert problems(HEADER + "A,,A,2,tiers: 100=max; 95=3; 90=1\n") == {(2, "rule")}

    def test_a_figure_a_hair_off_a_hundredth_in_excel_is_that_hundredth(self):
        """A maximum Excel showed as 7,5 but stored 7.4999999999 (a formula's float) was
        refused as having too many decimal places, without saying what was read."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Tiêu chí"
        sheet.append(["code", "parent_code", "title", "max_points", "rule"])
        sheet.append(["A", "", "A", 7.4999999999, "yes_no"])
        sheet.append(["B", "", "B", 0.125, "yes_no"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        with pytest.raises(ImportFailed) as failure:
            read_framework_file(data=buffer.getvalue(), file_name="f.xlsx")
        errors = [(e.row, e.column, str(e.message)) for e in failure.value.errors]
        # A is 7,5; B's 0,125 is the author's and refused, saying what the file has.
        assert errors == [
            (3, "max_points", "Điểm có tối đa hai chữ số thập phân; tệp ghi 0,125.")
        ], errors

    def test_a_float_cell_of_three_places_or_in_exponent_form_reads_as_its_number(self):
        """Found by the review: a cell's 2.675 became the text "2.675", which the Vietnamese
        reading takes for two thousand six hundred and seventy-five; and 0.000015 became
        "1.5e-05", which is no number typed by a person."""
        from cchc.core.imports import cell_text
        from cchc.core.points import parse_decimal

        for value, number in ((2.675, "2.675"), (0.000015, "0.000015"), (1e16, "1e16")):
            assert parse_decimal(cell_text(value)) == Decimal(number), cell_text(value)
        assert (cell_text(7.5), cell_text(26.0), cell_text(7.4999999999)) == ("7,5", "26", "7,5")

    def test_sums_that_do_not_add_up_name_the_parent(self):
        text = HEADER + "A,,A,5,sum\nA.1,A,a,2.5,yes_no\nA.2,A,b,2,yes_no\n"
        assert problems(text) == {(2, "max_points")}
        assert "4,5" in messages(text)

    def test_an_unknown_rule_and_bad_parameters(self):
        text = HEADER + "A,,A,1,magic\nB,,B,1,tiers: 100=lots\nC,,C,1,checklist: x=1; y=1\n"
        assert problems(text) == {(2, "rule"), (3, "rule"), (4, "rule")}

    def test_a_leaf_without_a_rule(self):
        assert problems(HEADER + "A,,A,1,\n") == {(2, "rule")}

    def test_cycles(self):
        text = HEADER + "A,B,A,1,sum\nB,A,B,1,sum\n"
        assert {(2, "parent_code"), (3, "parent_code")} <= problems(text)

    def test_an_unknown_agency(self):
        text = "code,title,max_points,rule,agency_code\nA,A,1,yes_no,NOPE\n"
        assert problems(text) == {(2, "agency_code")}

    def test_missing_columns_and_an_empty_file(self):
        assert "max_points" in messages("code,title\nA,B\n")
        assert problems(HEADER) == {(2, "")}

    def test_every_problem_is_reported_at_once(self):
        text = HEADER + "A,,A,x,yes_no\nB,,B,1,magic\n"
        assert len(problems(text)) == 2

    def test_a_broken_xlsx_is_explained(self):
        with pytest.raises(ImportFailed) as failure:
            read_framework_file(data=b"PK\x03\x04not really", file_name="f.xlsx")
        assert failure.value.errors[0].row == 1

    def test_xlsx_errors_name_the_sheet(self):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Tiêu chí"
        sheet.append(["Mã", "Mã cha", "Tên tiêu chí", "Điểm tối đa", "Cách tính điểm"])
        sheet.append(["A", "", "A", "x", "yes_no"])
        bands = workbook.create_sheet("Xếp loại")
        bands.append(["Xếp loại", "Từ (%)"])
        bands.append(["Tốt", 120])
        buffer = io.BytesIO()
        workbook.save(buffer)
        with pytest.raises(ImportFailed) as failure:
            read_framework_file(data=buffer.getvalue(), file_name="f.xlsx")
        found = {(e.sheet, e.row, e.column) for e in failure.value.errors}
        # Columns are named by their header as the file writes it, not by CCHC's field names.
        assert found == {("Tiêu chí", 2, "Điểm tối đa"), ("Xếp loại", 2, "Từ (%)")}
        assert "Trang “Tiêu chí”, dòng 2" in str(failure.value.errors[0])

    def test_a_title_and_a_blank_row_above_the_header_are_skipped(self):
        """A workbook made for people starts with its title; the header was read from row 1
        and the file refused for lacking every column. Rows keep the numbers Excel shows."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Tiêu chí"
        sheet.append(["BỘ TIÊU CHÍ ĐÁNH GIÁ CẢI CÁCH HÀNH CHÍNH CẤP XÃ NĂM 2026"])
        sheet.append([])
        sheet.append(["Mã", "Mã cha", "Tên tiêu chí", "Điểm tối đa", "Cách tính điểm"])
        sheet.append(["A", "", "Lĩnh vực", 1, ""])
        sheet.append(["A.1", "A", "Tiêu chí", "x", "yes_no"])
        bands = workbook.create_sheet("Xếp loại")
        bands.append(["Thang xếp loại"])
        bands.append(["Xếp loại", "Từ (%)"])
        bands.append(["Tốt", 50])
        bands.append(["Yếu", 0])
        buffer = io.BytesIO()
        workbook.save(buffer)
        with pytest.raises(ImportFailed) as failure:
            read_framework_file(data=buffer.getvalue(), file_name="f.xlsx")
        assert [(e.sheet, e.row, e.column) for e in failure.value.errors] == [
            ("Tiêu chí", 5, "Điểm tối đa")
        ]
        sheet["D5"] = 1
        buffer = io.BytesIO()
        workbook.save(buffer)
        content, _ = read_framework_file(data=buffer.getvalue(), file_name="f.xlsx")
        assert [row.code for row in content.criteria] == ["A", "A.1"]
        assert content.bands == [("Tốt", Decimal(50)), ("Yếu", Decimal(0))]

    def test_in_a_csv_file_too_and_a_file_without_a_header_names_what_it_lacks(self):
        text = "Bộ tiêu chí năm 2026,,,,\n" + SMALL_FRAMEWORK
        content, _ = read_framework_file(data=text.encode(), file_name="f.csv")
        assert [row.code for row in content.criteria][:2] == ["1", "1.1"]
        # Five rows without a header: refused, naming the columns it lacks.
        message = messages("Tiêu đề\n\n\n\n\nA,B,1\n")
        assert "“Mã” (code)" in message, message


class RoundTripTests(BaseTestCase):
    def snapshot(self, framework: Framework) -> list[tuple]:
        return [
            (
                c.code,
                c.parent.code if c.parent else "",
                c.title,
                c.max_points,
                c.rule_text,
                c.section,
                c.is_self_scored,
                c.evidence_required,
                c.evidence_kind,
                c.agency_id,
                c.order,
                c.depth,
            )
            for c in criteria_of(framework)
        ]

    def test_xlsx_export_then_import_is_identical(self):
        agency_framework = SMALL_FRAMEWORK.replace(
            "1.1,1,Kế hoạch CCHC,2.5,yes_no,normal,có,",
            "1.1,1,Kế hoạch CCHC,2.5,yes_no,normal,có,H436-TP",
        )
        original = make_framework(self.cast.city, text=agency_framework)
        data = export_framework_xlsx(original, criteria_of(original), bands_of(original))
        content, agencies = read_framework_file(data=data, file_name="x.xlsx")
        assert content.info["name"] == original.name and content.info["year"] == 2026
        copy = make_framework(self.cast.city, text="", name="x") if False else None
        from cchc.frameworks.services import framework_import

        copy = framework_import(
            actor=None,
            issuer=self.cast.city,
            content=content,
            agencies=agencies,
            name="Bản sao",
            year=2026,
            unit_kinds=["ward"],
        )
        assert self.snapshot(copy) == self.snapshot(original)
        assert [(b.name, b.min_percent) for b in bands_of(copy)] == [
            (b.name, b.min_percent) for b in bands_of(original)
        ]

    def test_the_exported_info_sheet_names_the_kinds_in_vietnamese_and_reads_back(self):
        """ "Áp dụng cho: ward, commune" on a Vietnamese sheet: written as the template writes
        it ("phường, xã"), read back as the same kinds."""
        original = make_framework(self.cast.city)
        original.unit_kinds = ["ward", "commune"]
        data = export_framework_xlsx(original, criteria_of(original), bands_of(original))
        info = load_workbook(io.BytesIO(data)).worksheets[0]
        values = {row[0]: row[1] for row in info.iter_rows(values_only=True)}
        assert "phường, xã" in values.values(), values
        assert not any("ward" in str(value) for value in values.values())
        content, _agencies = read_framework_file(data=data, file_name="x.xlsx")
        assert content.info["unit_kinds"] == ["ward", "commune"]

    def test_csv_export_then_import_is_identical(self):
        original = make_framework(self.cast.city)
        text = export_framework_csv(criteria_of(original))
        copy = make_framework(self.cast.city, text=text, name="Bản sao CSV")
        assert self.snapshot(copy) == self.snapshot(original)

    def test_the_template_imports_cleanly(self):
        content, _ = read_framework_file(
            data=framework_template_xlsx(year=2026), file_name="t.xlsx"
        )
        assert [row.code for row in content.criteria] == ["1", "1.1"]
        assert (
            load_workbook(io.BytesIO(framework_template_xlsx(year=2026))).sheetnames[-1]
            == "Hướng dẫn"
        )


class CommandTests(BaseTestCase):
    def test_it_imports_and_publishes_from_the_command_line(
        self,
    ):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "f.csv"
            path.write_text(SMALL_FRAMEWORK, encoding="utf-8")
            call_command(
                "import_framework",
                str(path),
                "--issuer",
                "H436",
                "--name",
                "Bộ CLI",
                "--year",
                "2026",
                "--kinds",
                "phường,xã",
                "--publish",
            )
        framework = Framework.objects.get(name="Bộ CLI")
        assert framework.status == Framework.Status.PUBLISHED
        assert framework.unit_kinds == ["ward", "commune"]

    def test_a_broken_file_exits_non_zero_and_writes_nothing(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "f.csv"
            path.write_text(HEADER + "A,,A,x,yes_no\n", encoding="utf-8")
            err = io.StringIO()
            with pytest.raises(CommandError):
                call_command(
                    "import_framework",
                    str(path),
                    "--issuer",
                    "H436",
                    "--name",
                    "X",
                    "--year",
                    "2026",
                    "--kinds",
                    "ward",
                    stderr=err,
                )
        assert "Dòng 2" in err.getvalue() or "Row 2" in err.getvalue()
        assert not Framework.objects.filter(name="X").exists()


def test_agency_codes_are_resolved(db):
    province = org_unit_create(actor=None, code="P", name="Tỉnh P", kind="province")
    agency = org_unit_create(
        actor=None, code="AG", name="Phòng Nội vụ", kind="agency", parent=province
    )
    content, agencies = read_framework_file(
        data=b"code,title,max_points,rule,agency_code\nA,A,1,yes_no,AG\n", file_name="f.csv"
    )
    assert agencies["AG"] == agency
