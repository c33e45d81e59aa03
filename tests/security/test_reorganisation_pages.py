"""Who may reorganise units (issue 20): the keepers of the tree it touches, or the system
administrator. Every refusal writes nothing; the apply step checks the spec again, so a
preview taken by one user, or edited on the way, gives no more than the applier keeps."""

import base64

from django.urls import reverse

from cchc.accounts.services import membership_add, user_create
from cchc.core.roles import Role
from cchc.core.testing import PERSONAS, TEST_PASSWORD, BaseTestCase
from cchc.orgunits.models import OrgUnit, Reorganisation, UnitChange

URL = reverse("orgunits:reorganisation")
INTO_PROVINCE = "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới\nX18070,P25,Phường Thành Sen,phường,T42\nX18073,P25,,,\n"
INSIDE_CITY = "Mã đơn vị cũ,Mã đơn vị mới,Tên mới,Loại mới,Mã cha mới\nX18070,P25,Phường Thành Sen,phường,H436\n"
OTHER_PROVINCE = "Mã đơn vị cũ,Tên mới\nT40,Tỉnh Nghệ An mới\n"


def apply_data(text: str) -> dict[str, str]:
    return {
        "name": "NQ",
        "effective_on": "2025-07-01",
        "file_name": "nq.csv",
        "content": base64.b64encode(text.encode()).decode(),
        "apply": "1",
    }


def preview_data(text: str) -> dict[str, str]:
    return {"name": "NQ", "effective_on": "2025-07-01", "rows": text}


class ReorganisationPermissionTests(BaseTestCase):
    def assert_nothing_written(self) -> None:
        assert not Reorganisation.objects.exists()
        assert not UnitChange.objects.exists()
        assert not OrgUnit.objects.filter(code="P25").exists()
        assert not OrgUnit.objects.filter(active_to__isnull=False).exists()

    def test_only_keepers_reach_the_page_preview_and_apply(self):
        refused = [p for p in PERSONAS if p not in ("admin", "home_affairs")]
        for persona in refused:
            self.login(persona)
            assert self.client.get(URL).status_code == 403, persona
            assert self.client.post(URL, preview_data(INSIDE_CITY)).status_code == 403, persona
            assert self.client.post(URL, apply_data(INSIDE_CITY)).status_code == 403, persona
        self.client.logout()
        response = self.client.post(URL, apply_data(INSIDE_CITY))
        assert response.status_code == 302 and "login" in response["Location"]
        self.assert_nothing_written()

    def test_a_city_keeper_cannot_end_the_city_wards_into_the_province(self):
        self.login("home_affairs")
        response = self.client.post(URL, preview_data(INTO_PROVINCE))
        assert response.status_code == 400
        assert "Bạn không quản lý “Tỉnh Hà Tĩnh”" in response.content.decode()
        response = self.client.post(URL, apply_data(INTO_PROVINCE))
        assert response.status_code == 400
        self.assert_nothing_written()

    def test_a_city_keeper_cannot_touch_another_province(self):
        self.login("home_affairs")
        response = self.client.post(URL, apply_data(OTHER_PROVINCE))
        assert response.status_code == 400
        assert OrgUnit.objects.get(code="T40").name == "Tỉnh Nghệ An"
        self.assert_nothing_written()

    def test_the_keeper_of_the_province_applies_it(self):
        keeper = user_create(actor=None, username="noivu.tinh", password=TEST_PASSWORD)
        membership_add(actor=None, user=keeper, role=Role.HOME_AFFAIRS, org_unit=self.cast.province)
        self.client.force_login(keeper)
        response = self.client.post(URL, apply_data(INTO_PROVINCE))
        assert response.status_code == 302
        assert OrgUnit.objects.get(code="P25").parent_id == self.cast.province.pk
        # but not the other province
        response = self.client.post(URL, apply_data(OTHER_PROVINCE))
        assert response.status_code == 400

    def test_a_reorganisation_page_is_read_only_by_readers_of_its_units(self):
        self.login("admin")
        self.client.post(URL, apply_data(INSIDE_CITY))
        reorganisation = Reorganisation.objects.get()
        detail = reverse("orgunits:reorganisation_detail", args=[reorganisation.pk])
        for persona, status in (("leader", 200), ("outsider", 404), ("portal_editor", 404)):
            self.login(persona)
            assert self.client.get(detail).status_code == status, persona
