import json

import pytest

from cchc.core.imports import ImportFailed
from cchc.core.models import AuditEvent
from cchc.core.testing import BaseTestCase
from cchc.orgunits.importers import (
    export_units_csv,
    export_units_geojson,
    import_units_csv,
    import_units_geojson,
)
from cchc.orgunits.models import OrgUnit

GOOD_CSV = """code,name,kind,parent_code,gso_code,active_from,active_to,sort_order
X18076,Phường Bắc Hà,phường,H436,18076,01/01/2020,,3
X1,Phường Một,ward,H999,,,,
H999,Thành phố Mới,city,T42,,2020-01-01,,4
"""


class CsvImportTests(BaseTestCase):
    def test_it_creates_units_under_existing_and_new_parents(self):
        result = import_units_csv(actor=self.admin, data=GOOD_CSV.encode())
        assert (result.created, result.updated) == (3, 0)
        city = OrgUnit.objects.get(code="H999")
        assert city.kind == OrgUnit.Kind.CITY
        assert OrgUnit.objects.get(code="X1").parent == city
        assert str(OrgUnit.objects.get(code="X18076").active_from) == "2020-01-01"
        assert AuditEvent.objects.filter(action="org_unit.import").count() == 1

    def test_it_updates_by_code_and_counts_unchanged_rows(self):
        import_units_csv(actor=self.admin, data=GOOD_CSV.encode())
        changed = GOOD_CSV.replace("Phường Bắc Hà", "Phường Bắc Hà (mới)")
        result = import_units_csv(actor=self.admin, data=changed.encode())
        assert (result.created, result.updated, result.unchanged) == (0, 1, 2)

    def test_a_column_the_file_leaves_out_is_kept_not_blanked(self):
        # A walk: a file of code, name, kind and parent blanked the unit's statistical code
        # and order; without active_to it would have reopened an ended unit.
        import datetime

        import_units_csv(actor=self.admin, data=GOOD_CSV.encode())
        OrgUnit.objects.filter(code="X1").update(active_to=datetime.date(2024, 12, 31))
        short = (
            "code,name,kind,parent_code\nX18076,Phường Bắc Hà,ward,H436\nX1,Phường Một,ward,H999\n"
        )
        import_units_csv(actor=self.admin, data=short.encode())
        kept = OrgUnit.objects.get(code="X18076")
        assert (kept.gso_code, kept.sort_order, str(kept.active_from)) == ("18076", 3, "2020-01-01")
        assert str(OrgUnit.objects.get(code="X1").active_to) == "2024-12-31"
        # Without parent_code the units stay where they are (a ward was refused as placed
        # under nothing; a review).
        renamed = "code,name,kind\nX18076,Phường Bắc Hà mới,ward\n"
        import_units_csv(actor=self.admin, data=renamed.encode())
        moved = OrgUnit.objects.get(code="X18076")
        assert (moved.name, moved.parent.code) == ("Phường Bắc Hà mới", "H436")
        # A column the file has, left empty, is cleared: the file says so.
        blank = "code,name,kind,parent_code,gso_code\nX18076,Phường Bắc Hà,ward,H436,\n"
        import_units_csv(actor=self.admin, data=blank.encode())
        assert OrgUnit.objects.get(code="X18076").gso_code == ""

    def test_json_nested_too_deep_is_refused_as_not_geojson(self):
        deep = "[" * 100_000 + "]" * 100_000
        with pytest.raises(ImportFailed):
            import_units_geojson(actor=self.admin, data=deep.encode())

    def test_one_bad_row_writes_nothing_and_names_row_and_column(self):
        bad = GOOD_CSV + "X9,Xã Chín,village,H436,,31/02/2020,,\n"
        before = OrgUnit.objects.count()
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data=bad.encode())
        errors = {(error.row, error.column) for error in failure.value.errors}
        assert errors == {(5, "kind"), (5, "active_from")}
        assert OrgUnit.objects.count() == before
        assert "Dòng 5" in str(failure.value.errors[0]) or "Row 5" in str(failure.value.errors[0])

    def test_a_title_row_above_the_header_is_skipped_and_rows_keep_their_numbers(self):
        """A title above the header made the file "lack" every column (the header was row 1)."""
        titled = "Danh sách đơn vị hành chính\n" + GOOD_CSV + "X9,Xã Chín,village,H436,,,,\n"
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data=titled.encode())
        assert {(error.row, error.column) for error in failure.value.errors} == {(6, "kind")}
        result = import_units_csv(actor=self.admin, data=("Danh sách\n" + GOOD_CSV).encode())
        assert result.created == 3

    def test_an_error_found_while_writing_also_rolls_everything_back(self):
        # Row 4 is valid on its own but its GSO code is taken by an active unit.
        bad = GOOD_CSV.replace("H999,Thành phố Mới,city,T42,", "H999,Thành phố Mới,city,T42,18070")
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data=bad.encode())
        assert (failure.value.errors[0].row, failure.value.errors[0].column) == (4, "gso_code")
        assert not OrgUnit.objects.filter(code="X18076").exists()

    def test_end_dates_and_repeated_gso_codes_are_reported_with_the_other_problems(self):
        text = (
            "code,name,kind,parent_code,gso_code,active_from,active_to\n"
            "A,Phường A,ward,H436,9001,01/07/2025,30/06/2025\n"
            "B,Phường B,ward,H436,9002,,\n"
            "C,Phường C,ward,H436,9002,,\n"
            "D,Phường D,village,H436,,,\n"
        )
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data=text.encode())
        found = {(error.row, error.column) for error in failure.value.errors}
        assert found == {(2, "active_to"), (4, "gso_code"), (5, "kind")}

    def test_a_database_rule_broken_while_writing_reads_as_a_sentence(self):
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(
                actor=self.admin,
                data=b"code,name,kind,parent_code,gso_code\nQ,Phuong Q,ward,H436,18070\n",
            )
        assert "Constraint" not in str(failure.value.errors[0])
        assert failure.value.errors[0].column == "gso_code"

    def test_it_reports_unknown_parents_duplicates_and_loops(self):
        text = (
            "code,name,kind,parent_code\n"
            "A,Unit A,ward,NOPE\n"
            "B,Unit B,ward,C\n"
            "C,Unit C,ward,B\n"
            "A,Unit A again,ward,\n"
        )
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data=text.encode())
        by_row = {(error.row, error.column) for error in failure.value.errors}
        assert (2, "parent_code") in by_row
        assert (5, "code") in by_row
        assert {(3, "parent_code"), (4, "parent_code")} <= by_row

    def test_an_unknown_column_is_ignored_and_reported(self):
        text = "code,name,kind,parent_code,Ghi chú\nX7,Phường Bảy,ward,H436,sáp nhập 2025\n"
        result = import_units_csv(actor=self.admin, data=text.encode())
        assert (result.created, result.ignored) == (1, ("Ghi chú",))

    def test_vietnamese_headers_and_errors_named_as_the_file_writes_them(self):
        text = "Mã,Tên,Loại,Mã cha,Hiệu lực từ\nX8,Phường Tám,làng,H436,31/02/2020\n"
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data=text.encode())
        found = {(error.row, error.column) for error in failure.value.errors}
        assert found == {(2, "Loại"), (2, "Hiệu lực từ")}

    def test_a_header_naming_no_column_is_refused_with_its_headers(self):
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data="Ký hiệu,Tên gọi\nA,B\n".encode())
        message = str(failure.value.errors[0])
        assert "“Mã” (code)" in message and "“Ký hiệu”, “Tên gọi”" in message, message

    def test_it_refuses_a_file_that_is_not_utf8_or_lacks_columns(self):
        with pytest.raises(ImportFailed):
            import_units_csv(
                actor=self.admin, data="code,name,kind\nA,Đông Hà,ward\n".encode("cp1258")
            )
        with pytest.raises(ImportFailed) as failure:
            import_units_csv(actor=self.admin, data=b"code,title\nA,B\n")
        assert "kind" in str(failure.value.errors[0])

    def test_export_then_import_changes_nothing(self):
        units = list(OrgUnit.objects.select_related("parent").order_by("path"))
        result = import_units_csv(actor=self.admin, data=export_units_csv(units).encode())
        assert result.unchanged == len(units)


class GeoJsonImportTests(BaseTestCase):
    def test_it_imports_boundaries_and_round_trips(self):
        square = {
            "type": "Polygon",
            "coordinates": [[[105.8, 18.3], [105.9, 18.3], [105.9, 18.4], [105.8, 18.3]]],
        }
        document = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        "code": "X18076",
                        "name": "Phường Bắc Hà",
                        "kind": "ward",
                        "parent_code": "H436",
                    },
                    "geometry": square,
                }
            ],
        }
        import_units_geojson(actor=self.admin, data=json.dumps(document).encode())
        assert OrgUnit.objects.get(code="X18076").boundary == square
        units = list(OrgUnit.objects.select_related("parent").order_by("path"))
        exported = json.dumps(export_units_geojson(units)).encode()
        assert import_units_geojson(actor=self.admin, data=exported).unchanged == len(units)

    def test_it_refuses_a_bad_geometry_and_writes_nothing(self):
        document = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "P", "name": "P", "kind": "ward"},
                    "geometry": {"type": "Point", "coordinates": [1, 2]},
                }
            ],
        }
        with pytest.raises(ImportFailed) as failure:
            import_units_geojson(actor=self.admin, data=json.dumps(document).encode())
        assert (failure.value.errors[0].row, failure.value.errors[0].column) == (1, "geometry")
        assert not OrgUnit.objects.filter(code="P").exists()

    def test_it_refuses_a_file_that_is_not_geojson(self):
        with pytest.raises(ImportFailed):
            import_units_geojson(actor=self.admin, data=b"{not json")
        with pytest.raises(ImportFailed):
            import_units_geojson(actor=self.admin, data=b'{"type": "Feature"}')
