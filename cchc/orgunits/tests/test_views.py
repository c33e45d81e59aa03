from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cchc.core.testing import BaseTestCase
from cchc.core.versioning import version_token
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create, org_unit_update


def form_data(unit: OrgUnit, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": unit.code,
        "gso_code": unit.gso_code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "active_from": "",
        "active_to": "",
        "sort_order": unit.sort_order,
        "version": version_token(unit),
    }
    data.update(changes)
    return data


class UnitListTests(BaseTestCase):
    url = reverse("orgunits:unit_list")

    def test_every_logged_in_role_sees_the_tree(self):
        self.login("ward_officer")
        response = self.client.get(self.url)
        assert response.status_code == 200
        assert "Phường Trần Phú" in response.content.decode()

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get(self.url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    def test_filtering_by_kind_and_name(self):
        self.login("leader")
        response = self.client.get(self.url, {"kind": "ward", "q": "Nam"})
        content = response.content.decode()
        assert "Phường Nam Hà" in content
        assert "Phường Trần Phú" not in content

    def test_units_are_listed_as_a_tree_with_siblings_in_their_order(self):
        org_unit_create(
            actor=None, code="Z1", name="Xã Z", kind="commune", parent=self.cast.city, sort_order=1
        )
        self.login("leader")
        names = [unit.name for unit in self.client.get(self.url).context["units"]]
        assert names == [
            "Tỉnh Hà Tĩnh",
            "Thành phố Hà Tĩnh",
            "Phòng Tư pháp",
            "Phường Nam Hà",
            "Phường Trần Phú",
            "Xã Z",
            "Tỉnh Nghệ An",
        ]

    def test_the_query_count_does_not_grow_with_units(self):
        self.login("home_affairs")
        for number in range(40):
            org_unit_create(
                actor=None,
                code=f"N{number}",
                name=f"Xã {number}",
                kind="commune",
                parent=self.cast.city,
            )
        # session, user, memberships, units with their parents; then the rolling session
        # expiry saves the session (savepoint, update, release)
        with self.assertNumQueries(7):
            response = self.client.get(self.url)
        assert response.status_code == 200

    def test_the_geojson_feed_has_one_feature_per_unit(self):
        self.login("leader")
        # session, user, memberships, units with parents, session save (3)
        with self.assertNumQueries(7):
            response = self.client.get(reverse("orgunits:unit_export_geojson"))
        assert len(response.json()["features"]) == OrgUnit.objects.count()


class UnitEditTests(BaseTestCase):
    def test_home_affairs_renames_a_ward_of_the_city(self):
        self.login("home_affairs")
        url = reverse("orgunits:unit_edit", args=[self.cast.ward_a.pk])
        response = self.client.post(
            url, form_data(self.cast.ward_a, name="Phường Trần Phú (mới)", parent=self.cast.city.pk)
        )
        assert response.status_code == 302
        assert OrgUnit.objects.get(pk=self.cast.ward_a.pk).name == "Phường Trần Phú (mới)"

    def test_home_affairs_cannot_edit_a_unit_outside_the_city(self):
        self.login("home_affairs")
        response = self.client.get(
            reverse("orgunits:unit_edit", args=[self.cast.other_province.pk])
        )
        assert response.status_code == 403

    def test_a_ward_officer_cannot_edit_even_their_own_ward(self):
        self.login("ward_officer")
        response = self.client.post(
            reverse("orgunits:unit_edit", args=[self.cast.ward_a.pk]),
            form_data(self.cast.ward_a, name="X"),
        )
        assert response.status_code == 403
        assert OrgUnit.objects.get(pk=self.cast.ward_a.pk).name == "Phường Trần Phú"

    def test_an_empty_name_is_refused_next_to_the_field(self):
        self.login("home_affairs")
        url = reverse("orgunits:unit_edit", args=[self.cast.ward_a.pk])
        response = self.client.post(
            url, form_data(self.cast.ward_a, name="", parent=self.cast.city.pk)
        )
        assert response.status_code == 400
        assert response.context["form"].errors["name"]

    def test_saving_the_city_unchanged_keeps_it_under_the_province(self):
        # The province is outside a city coordinator's part of the tree, but stays the parent.
        self.login("home_affairs")
        url = reverse("orgunits:unit_edit", args=[self.cast.city.pk])
        form = self.client.get(url).context["form"]
        data = {
            name: "" if form[name].value() is None else form[name].value() for name in form.fields
        }
        response = self.client.post(url, data)
        assert response.status_code == 302, response.context["form"].errors
        assert OrgUnit.objects.get(pk=self.cast.city.pk).parent == self.cast.province

    def test_home_affairs_cannot_move_a_unit_to_the_top_of_the_tree(self):
        self.login("home_affairs")
        url = reverse("orgunits:unit_edit", args=[self.cast.ward_a.pk])
        response = self.client.post(url, form_data(self.cast.ward_a, parent=""))
        assert response.status_code == 400
        assert OrgUnit.objects.get(pk=self.cast.ward_a.pk).parent == self.cast.city

    def test_a_stale_form_shows_the_other_persons_values_and_overwrites_nothing(self):
        self.login("home_affairs")
        stale = form_data(self.cast.ward_a, name="Mine", parent=self.cast.city.pk)
        org_unit_update(
            actor=self.admin, org_unit=OrgUnit.objects.get(pk=self.cast.ward_a.pk), name="Theirs"
        )
        response = self.client.post(
            reverse("orgunits:unit_edit", args=[self.cast.ward_a.pk]), stale
        )
        assert response.status_code == 400
        assert response.context["conflict"].name == "Theirs"
        assert 'data-testid="conflict"' in response.content.decode()
        assert OrgUnit.objects.get(pk=self.cast.ward_a.pk).name == "Theirs"
        # Having seen their values, saving again (knowingly) goes through.
        again = dict(stale, version=response.context["form"]["version"].value())
        assert (
            self.client.post(
                reverse("orgunits:unit_edit", args=[self.cast.ward_a.pk]), again
            ).status_code
            == 302
        )
        assert OrgUnit.objects.get(pk=self.cast.ward_a.pk).name == "Mine"


class UnitCreateTests(BaseTestCase):
    url = reverse("orgunits:unit_create")

    def test_home_affairs_adds_a_commune_to_the_city(self):
        self.login("home_affairs")
        data = {
            "code": "X18112",
            "gso_code": "18112",
            "name": "Xã Thạch Bình",
            "kind": "commune",
            "parent": self.cast.city.pk,
            "sort_order": 0,
        }
        response = self.client.post(self.url, data)
        assert response.status_code == 302
        assert OrgUnit.objects.get(code="X18112").parent == self.cast.city

    def test_home_affairs_must_place_a_new_unit_in_the_tree(self):
        self.login("home_affairs")
        data = {"code": "Z", "name": "Tỉnh Z", "kind": "province", "parent": "", "sort_order": 0}
        response = self.client.post(self.url, data)
        assert response.status_code == 400
        assert response.context["form"].errors["parent"]

    def test_a_kind_that_does_not_fit_its_parent_is_explained(self):
        self.login("home_affairs")
        data = {
            "code": "Z",
            "name": "Tỉnh Z",
            "kind": "province",
            "parent": self.cast.ward_a.pk,
            "sort_order": 0,
        }
        response = self.client.post(self.url, data)
        assert response.status_code == 400
        assert (
            "không thể đặt trực thuộc" in response.content.decode()
            or response.context["form"].errors["parent"]
        )
        assert not OrgUnit.objects.filter(code="Z").exists()

    def test_home_affairs_cannot_add_under_another_province(self):
        self.login("home_affairs")
        data = {
            "code": "Z",
            "name": "Z",
            "kind": "commune",
            "parent": self.cast.other_province.pk,
            "sort_order": 0,
        }
        response = self.client.post(self.url, data)
        assert response.status_code == 400
        assert not OrgUnit.objects.filter(code="Z").exists()

    def test_an_inspector_is_refused(self):
        self.login("inspector")
        assert self.client.get(self.url).status_code == 403


class UnitImportViewTests(BaseTestCase):
    url = reverse("orgunits:unit_import")

    def test_an_admin_imports_a_csv(self):
        self.login("admin")
        upload = SimpleUploadedFile(
            "units.csv", b"code,name,kind,parent_code\nX1,Xa 1,commune,H436\n", "text/csv"
        )
        response = self.client.post(self.url, {"file": upload})
        assert response.status_code == 302
        assert OrgUnit.objects.filter(code="X1").exists()

    def test_errors_are_listed_by_row_and_nothing_is_written(self):
        self.login("admin")
        upload = SimpleUploadedFile(
            "units.csv",
            b"code,name,kind,parent_code\nX1,Xa 1,commune,H436\nX2,,commune,H436\n",
            "text/csv",
        )
        response = self.client.post(self.url, {"file": upload})
        assert response.status_code == 400
        assert 'data-testid="import-errors"' in response.content.decode()
        assert not OrgUnit.objects.filter(code="X1").exists()

    def test_a_wrong_file_type_is_refused_by_the_form(self):
        self.login("admin")
        upload = SimpleUploadedFile("units.exe", b"MZ", "application/octet-stream")
        response = self.client.post(self.url, {"file": upload})
        assert response.status_code == 400
        assert response.context["form"].errors["file"]

    def test_home_affairs_cannot_import(self):
        self.login("home_affairs")
        assert self.client.get(self.url).status_code == 403
