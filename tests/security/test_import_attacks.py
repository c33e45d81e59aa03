"""A dossier import may change only the dossiers of the units its importer keeps. A walk: the
city's coordinator imported a row with the code of a province ward's dossier and the city's
ward as its unit; the dossier moved to the city's ward with the city's figures, and the
province's ward lost it from its counts (through the page and through the API)."""

import io

import pytest

from cchc.accounts.models import User
from cchc.accounts.services import membership_add
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase
from cchc.indicators.importers import import_dossiers
from cchc.indicators.models import Dossier, DossierImport
from cchc.indicators.tests.test_importers import csv_bytes
from cchc.orgunits.services import org_unit_create


def row(code, unit, name):
    return [code, "1.001612", name, unit, "Trực tuyến", "15/01/2025 08:30", "17/01/2025",
            "16/01/2025 10:00", "Đã giải quyết", "", "", "5"]  # fmt: skip


class ForeignDossierTests(BaseTestCase):
    def setUp(self):
        self.province_ward = org_unit_create(
            actor=None,
            code="X18100",
            name="Phường Thành Sen",
            kind="ward",
            parent=self.cast.province,
        )
        self.province_keeper = User.objects.create_user(
            username="noivu.tinh", password=TEST_PASSWORD
        )
        membership_add(
            actor=None,
            user=self.province_keeper,
            role=Role.HOME_AFFAIRS,
            org_unit=self.cast.province,
        )
        import_dossiers(
            actor=self.province_keeper,
            stream=io.BytesIO(csv_bytes([row("PROV-0001", "X18100", "Của tỉnh")])),
            file_name="tinh.csv",
        )

    def test_a_code_of_another_units_dossier_is_refused_and_the_dossier_kept(self):
        from cchc.core.imports import ImportFailed

        attack = csv_bytes([row("PROV-0001", "X18070", "hijacked")])
        with pytest.raises(ImportFailed) as failed:
            import_dossiers(actor=self.home_affairs, stream=io.BytesIO(attack), file_name="tp.csv")
        assert "không thuộc phạm vi bạn quản lý" in str(failed.value.errors[0])
        kept = Dossier.objects.get(code="PROV-0001")
        assert (kept.org_unit_id, kept.procedure_name) == (self.province_ward.pk, "Của tỉnh")
        # Keeping the valid rows: that one is rejected, the others written.
        result = import_dossiers(
            actor=self.home_affairs,
            stream=io.BytesIO(
                csv_bytes([row("PROV-0001", "X18070", "hijacked"), row("TP-1", "X18070", "Mới")])
            ),
            file_name="tp.csv",
            mode=DossierImport.Mode.VALID_ONLY,
        )
        assert (result.created, result.updated, result.rejected) == (1, 0, 1)
        assert Dossier.objects.get(code="PROV-0001").procedure_name == "Của tỉnh"
        # The province, keeping both, may correct it.
        import_dossiers(
            actor=self.province_keeper,
            stream=io.BytesIO(csv_bytes([row("PROV-0001", "X18100", "Sửa")])),
            file_name="tinh2.csv",
        )
        assert Dossier.objects.get(code="PROV-0001").procedure_name == "Sửa"

    def test_through_the_api_too(self):
        self.client.force_login(self.home_affairs)
        response = self.client.post(
            "/api/v1/dossiers/batch",
            data={
                "items": [
                    {
                        "code": "PROV-0001",
                        "unit": "X18070",
                        "procedure_code": "1.001612",
                        "procedure_name": "hijacked",
                        "channel": "online",
                        "received_at": "2025-01-15T08:30:00",
                        "due_at": "2025-01-17",
                        "status": "Đã giải quyết",
                    }
                ]
            },
            content_type="application/json",
        )
        assert response.status_code in (400, 422), response.content
        assert "PROV-0001" in response.content.decode(), response.content
        kept = Dossier.objects.get(code="PROV-0001")
        assert (kept.org_unit_id, kept.procedure_name) == (self.province_ward.pk, "Của tỉnh")
