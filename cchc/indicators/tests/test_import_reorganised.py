"""Dossiers keyed to a unit after a reorganisation ended it (issue 20): the one-stop shop's
software still writes the old code, name or GSO code. A dossier received after the change goes
to the unit that continues it (its only successor, a divided unit's default one) and the
import counts it; one received before stays with the former unit, whose history it is."""

import datetime

from django.urls import reverse

from cchc.core.testing import BaseTestCase
from cchc.indicators.importers import DossierImportFailed, import_dossier_records
from cchc.indicators.models import Dossier, DossierImport
from cchc.indicators.tests.test_importers import csv_bytes, r, run
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.reorganisation import (
    ReorganisationSpec,
    read_reorganisation_text,
    reorganisation_apply,
)

# Trần Phú (X18070) and part of Nam Hà (X18073, divided: the default part) make Thành Sen;
# Nam Hà's other part goes to Xã Mới.
REFORM = (
    "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới,Diện tích,Kế thừa mặc định\n"
    "X18070,P25,Phường Thành Sen,phường,T42,,\n"
    "X18073,P25,,,,30,có\n"
    "X18073,X25,Xã Mới,xã,T42,10,\n"
)
ROWS = [
    # After the change, by the former unit's code: to Thành Sen.
    r("HS.1|1.001612|Đăng ký khai sinh|X18070|Trực tuyến|15/08/2025 08:30|20/08/2025||||"),
    # After the change, by the former unit's name: to Thành Sen.
    r("HS.2|1.001612|Đăng ký khai sinh|Phường Trần Phú|Trực tuyến|16/08/2025 08:30|20/08/2025||||"),
    # After the change, a divided unit's code: to its default successor.
    r("HS.3|1.001612|Đăng ký khai sinh|X18073|Trực tuyến|17/08/2025 08:30|20/08/2025||||"),
    # Before the change: the former unit's own dossier, where it stays.
    r("HS.4|1.001612|Đăng ký khai sinh|X18073|Trực tuyến|15/01/2025 08:30|20/01/2025||||"),
    # The new unit's own code.
    r("HS.5|1.001612|Đăng ký khai sinh|P25|Trực tuyến|18/08/2025 08:30|20/08/2025||||"),
]


class DossiersOfFormerUnitsTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        rows, headings = read_reorganisation_text(REFORM)
        reorganisation_apply(
            ReorganisationSpec(
                name="NQ 2025", effective_on=datetime.date(2025, 7, 1), rows=rows, headings=headings
            ),
            actor=None,
        )
        self.ward = OrgUnit.objects.get(code="P25")

    def units_of(self) -> dict[str, str]:
        return dict(Dossier.objects.values_list("code", "org_unit__code"))

    def test_rows_after_the_change_go_to_the_unit_continuing_theirs_and_are_counted(self):
        result = run(csv_bytes(ROWS), actor=self.admin)
        assert result.mapped == 3
        assert self.units_of() == {
            "HS.1": "P25",
            "HS.2": "P25",
            "HS.3": "P25",
            "HS.4": "X18073",
            "HS.5": "P25",
        }
        record = DossierImport.objects.get(pk=result.record.pk)
        assert record.mapped == 3
        self.client.force_login(self.admin)
        html = self.client.get(reverse("indicators:import_detail", args=[record.pk]))
        assert 'data-testid="import-mapped"' in html.content.decode()
        assert "3 dòng ghi mã của đơn vị đã kết thúc" in html.content.decode()

    def test_a_refused_file_counts_nothing(self):
        bad = [*ROWS, r("HS.9|1|x|Không có|Trực tuyến|15/08/2025|20/08/2025||||")]
        with self.assertRaises(DossierImportFailed):
            run(csv_bytes(bad), actor=self.admin)
        record = DossierImport.objects.get()
        assert record.mapped == 0 and not Dossier.objects.exists()

    def test_a_keeper_of_the_former_units_only_may_not_write_to_the_new_one(self):
        # The city's Home Affairs keeps the former wards, not the new ward under the province.
        with self.assertRaises(DossierImportFailed) as raised:
            run(csv_bytes(ROWS[:1]), actor=self.home_affairs)
        assert raised.exception.errors[0].row == 2
        # … but may still send the former ward's own, earlier dossiers.
        result = run(csv_bytes(ROWS[3:4]), actor=self.home_affairs)
        assert (result.created, result.mapped) == (1, 0)

    def test_a_pushed_batch_counts_them_too(self):
        record = dict(
            zip(
                [
                    "code",
                    "procedure_code",
                    "procedure_name",
                    "unit",
                    "channel",
                    "received_at",
                    "due_at",
                ],
                [
                    "API.1",
                    "1.001612",
                    "Đăng ký khai sinh",
                    "X18070",
                    "trực tuyến",
                    "2025-08-15T08:30:00+07:00",
                    "2025-08-20",
                ],
                strict=True,
            )
        )
        result = import_dossier_records(actor=self.admin, records=[record], source="API")
        assert result.mapped == 1
        assert Dossier.objects.get(code="API.1").org_unit_id == self.ward.pk
