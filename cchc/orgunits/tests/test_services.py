import pytest
from django.core.exceptions import ValidationError

from cchc.core.exceptions import ConflictError
from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create, org_unit_update


class OrgUnitServiceTests(BaseTestCase):
    def test_it_places_a_new_unit_under_its_parent(self):
        unit = org_unit_create(
            actor=self.admin, code="X1", name="Xã Một", kind="commune", parent=self.cast.city
        )
        assert unit.path == f"{self.cast.city.path}{unit.pk}/"
        assert unit.depth == self.cast.city.depth + 1

    def test_moving_a_unit_moves_everything_under_it(self):
        org_unit_update(actor=self.admin, org_unit=self.cast.city, parent=self.cast.other_province)
        ward = OrgUnit.objects.get(pk=self.cast.ward_a.pk)
        assert ward.path.startswith(self.cast.other_province.path)
        assert ward.depth == 2

    def test_it_refuses_a_parent_that_makes_a_loop(self):
        with pytest.raises(ValidationError) as error:
            org_unit_update(actor=self.admin, org_unit=self.cast.city, parent=self.cast.ward_a)
        assert "parent" in error.value.message_dict

    def test_it_refuses_a_stale_edit_and_keeps_the_newer_value(self):
        stale_version = version_token(self.cast.ward_a)
        org_unit_update(
            actor=self.admin, org_unit=OrgUnit.objects.get(pk=self.cast.ward_a.pk), name="First"
        )
        with pytest.raises(ConflictError) as conflict:
            org_unit_update(
                actor=self.home_affairs,
                org_unit=OrgUnit.objects.get(pk=self.cast.ward_a.pk),
                expected_version=stale_version,
                name="Second",
            )
        assert conflict.value.current.name == "First"
        assert OrgUnit.objects.get(pk=self.cast.ward_a.pk).name == "First"

    def test_two_active_units_cannot_share_a_gso_code(self):
        with pytest.raises(ValidationError):
            org_unit_create(actor=self.admin, code="dup", gso_code="18070", name="Dup", kind="ward")

    def test_an_ended_unit_frees_its_gso_code_for_the_unit_that_replaces_it(self):
        import datetime

        org_unit_update(
            actor=self.admin, org_unit=self.cast.ward_b, active_to=datetime.date(2025, 6, 30)
        )
        unit = org_unit_create(
            actor=self.admin,
            code="X18073-2025",
            gso_code="18073",
            name="Phường Thành Sen",
            kind="ward",
            parent=self.cast.province,
        )
        assert unit.gso_code == "18073"

    def test_a_kind_must_fit_its_parent(self):
        with pytest.raises(ValidationError) as error:
            org_unit_create(
                actor=self.admin, code="P", name="P", kind="ward", parent=self.cast.ward_a
            )
        assert "parent" in error.value.message_dict
        with pytest.raises(ValidationError):
            org_unit_create(actor=self.admin, code="Q", name="Q", kind="commune")

    def test_it_refuses_an_end_before_the_start(self):
        import datetime

        with pytest.raises(ValidationError):
            org_unit_create(
                actor=self.admin,
                code="bad",
                name="Bad",
                kind="ward",
                active_from=datetime.date(2025, 7, 1),
                active_to=datetime.date(2025, 6, 30),
            )
