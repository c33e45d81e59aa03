import pytest
from django.urls import reverse

from cchc.accounts.models import Membership, User
from cchc.accounts.services import membership_add, user_create
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase


class UserListTests(BaseTestCase):
    url = reverse("accounts:user_list")

    def test_home_affairs_sees_the_city_users_but_not_other_provinces(self):
        stranger = user_create(actor=None, username="stranger", password=TEST_PASSWORD)
        membership_add(
            actor=None, user=stranger, role=Role.LEADER, org_unit=self.cast.other_province
        )
        self.login("home_affairs")
        response = self.client.get(self.url)
        usernames = {user.username for user in response.context["users"]}
        assert {"ward_officer", "outsider", "appraiser"} <= usernames
        assert "stranger" not in usernames
        assert "admin" not in usernames  # the admin's role is in the province, above the city

    def test_a_ward_officer_is_refused(self):
        self.login("ward_officer")
        assert self.client.get(self.url).status_code == 403

    def test_the_query_count_does_not_grow_with_users(self):
        self.login("admin")
        for number in range(30):
            user = user_create(actor=None, username=f"u{number}", password=TEST_PASSWORD)
            membership_add(actor=None, user=user, role=Role.UNIT_OFFICER, org_unit=self.cast.ward_b)
        # session, user, memberships (request.user), users, their memberships with units,
        # session save (savepoint, update, release)
        with self.assertNumQueries(8):
            self.client.get(self.url)


class UserCreateTests(BaseTestCase):
    url = reverse("accounts:user_create")

    def data(self, **changes: object) -> dict[str, object]:
        data: dict[str, object] = {
            "username": "canbo.moi",
            "full_name": "Nguyễn Văn Mới",
            "email": "",
            "job_title": "Công chức",
            "password1": "mat-khau-dai-2026",
            "password2": "mat-khau-dai-2026",
            "role": Role.UNIT_OFFICER,
            "org_unit": self.cast.ward_b.pk,
            "area_codes": "",
        }
        data.update(changes)
        return data

    def test_home_affairs_creates_an_officer_for_a_ward(self):
        self.login("home_affairs")
        response = self.client.post(self.url, self.data())
        assert response.status_code == 302
        user = User.objects.get(username="canbo.moi")
        assert user.check_password("mat-khau-dai-2026")
        assert user.role_set() == {Role.UNIT_OFFICER}

    def test_home_affairs_cannot_make_an_administrator_or_use_another_province(self):
        self.login("home_affairs")
        response = self.client.post(
            self.url, self.data(role=Role.SYSTEM_ADMIN, org_unit=self.cast.other_province.pk)
        )
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {"role", "org_unit"}
        assert not User.objects.filter(username="canbo.moi").exists()

    def test_a_username_with_a_space_is_explained_next_to_the_field(self):
        self.login("home_affairs")
        response = self.client.post(self.url, self.data(username="nguyen van b"))
        assert response.status_code == 400
        assert response.context["form"].errors["username"]

    def test_units_of_one_name_are_told_apart_in_the_role_form(self):
        # A walk: the province's coordinator saw two identical "Phường Trần Phú".
        from cchc.orgunits.services import org_unit_create

        org_unit_create(
            actor=None,
            code="X18100",
            name="Phường Trần Phú",
            kind="ward",
            parent=self.cast.province,
        )
        self.login("admin")
        page = self.client.get(self.url).content.decode()
        chooser = page.split('name="org_unit"', 1)[1].split("</select>", 1)[0]
        assert "Phường Trần Phú — Thành phố Hà Tĩnh" in chooser
        assert "Phường Trần Phú — Tỉnh Hà Tĩnh" in chooser

    def test_a_username_that_looks_like_another_is_refused(self):
        # A walk: "ＮＯＩＶＵ" (full-width) was stored as NOIVU beside noivu and logged in;
        # "nội.vu" and a Cyrillic "о" made other noivus to the eye.
        self.login("home_affairs")
        before = User.objects.count()
        for username, field_error in (
            ("ＷＡＲＤ_ＯＦＦＩＣＥＲ", "đã được sử dụng"),
            ("wаrd_officer", "không dấu"),  # a Cyrillic "а"
            ("nội.vu", "không dấu"),
        ):
            response = self.client.post(self.url, self.data(username=username))
            assert response.status_code == 400, username
            assert field_error in " ".join(response.context["form"].errors["username"]), username
        assert User.objects.count() == before
        # The service checks it too (a command, the demo; a review).
        from django.core.exceptions import ValidationError

        from cchc.accounts.services import user_create

        with pytest.raises(ValidationError):
            user_create(actor=None, username="nội.vu", password="mot-mat-khau-dai-2026")
        assert User.objects.count() == before

    def test_mismatched_passwords_and_a_taken_username_are_explained(self):
        self.login("home_affairs")
        response = self.client.post(self.url, self.data(username="ward_officer", password2="other"))
        assert set(response.context["form"].errors) == {"username", "password2"}

    def test_every_password_refusal_is_in_vietnamese(self):
        """ "This password is too short. It must contain at least 8 characters." showed in
        English: Django 6.1 reworded it and its Vietnamese catalogue has only the old words."""
        self.login("home_affairs")
        for password, expected in (
            ("x7$k", "Mật khẩu quá ngắn: cần ít nhất 8 ký tự."),
            ("12345678901", "Mật khẩu này hoàn toàn là số."),
            ("password123", "Mật khẩu này quá phổ biến."),
        ):
            response = self.client.post(self.url, self.data(password1=password, password2=password))
            assert response.status_code == 400
            errors = " ".join(sum(response.context["form"].errors.values(), []))
            assert expected in errors, errors
            assert "password" not in errors.lower(), errors

    def test_a_leader_is_refused(self):
        self.login("leader")
        assert self.client.post(self.url, self.data()).status_code == 403
        assert not User.objects.filter(username="canbo.moi").exists()


class MembershipTests(BaseTestCase):
    def test_a_role_must_fit_its_unit_and_area_codes_must_be_codes(self):
        self.login("home_affairs")
        url = reverse("accounts:membership_add", args=[self.ward_officer.pk])
        response = self.client.post(url, {"role": Role.UNIT_CHAIR, "org_unit": self.cast.agency.pk})
        assert response.status_code == 400
        assert response.context["form"].errors["org_unit"]
        response = self.client.post(
            url, {"role": Role.APPRAISER, "org_unit": self.cast.agency.pk, "area_codes": "1, -1"}
        )
        assert response.context["form"].errors["area_codes"]

    def test_ending_a_role_twice_or_ones_own_role_is_refused(self):
        self.login("home_affairs")
        membership = Membership.objects.get(user=self.ward_officer)
        url = reverse("accounts:membership_end", args=[membership.pk])
        self.client.post(url)
        response = self.client.post(url, follow=True)
        assert any(
            "đã kết thúc" in str(message) or "already" in str(message)
            for message in response.context["messages"]
        )
        own = Membership.objects.get(user=self.home_affairs)
        self.client.post(reverse("accounts:membership_end", args=[own.pk]))
        own.refresh_from_db()
        assert own.is_active

    def test_home_affairs_gives_and_ends_a_role(self):
        self.login("home_affairs")
        url = reverse("accounts:membership_add", args=[self.ward_officer.pk])
        response = self.client.post(url, {"role": Role.UNIT_CHAIR, "org_unit": self.cast.ward_a.pk})
        assert response.status_code == 302
        membership = Membership.objects.get(user=self.ward_officer, role=Role.UNIT_CHAIR)
        response = self.client.post(reverse("accounts:membership_end", args=[membership.pk]))
        assert response.status_code == 302
        membership.refresh_from_db()
        assert not membership.is_active and membership.ended_on is not None

    def test_giving_the_same_role_twice_is_explained(self):
        self.login("home_affairs")
        url = reverse("accounts:membership_add", args=[self.ward_officer.pk])
        response = self.client.post(
            url, {"role": Role.UNIT_OFFICER, "org_unit": self.cast.ward_a.pk}
        )
        assert response.status_code == 400
        assert response.context["form"].errors["role"]

    def test_an_officer_cannot_end_someone_elses_role(self):
        self.login("outsider")
        membership = Membership.objects.get(user=self.ward_officer)
        assert (
            self.client.post(reverse("accounts:membership_end", args=[membership.pk])).status_code
            == 403
        )
        membership.refresh_from_db()
        assert membership.is_active

    def test_home_affairs_cannot_end_a_role_outside_the_city(self):
        self.login("home_affairs")
        membership = Membership.objects.get(user=self.admin)
        assert (
            self.client.post(reverse("accounts:membership_end", args=[membership.pk])).status_code
            == 403
        )


class UnitChoiceOrderTests(BaseTestCase):
    def test_the_units_to_give_a_role_in_come_grouped_under_their_parent_in_their_order(self):
        """Walking the demo: the unit list read wards, then agencies, then more wards (the
        order the tree was built in)."""
        from cchc.accounts.selectors import org_units_for_membership
        from cchc.orgunits.services import org_unit_create

        late_ward = org_unit_create(
            actor=None,
            code="X18001",
            name="Phường Mới",
            kind="ward",
            parent=self.cast.city,
            sort_order=3,
        )
        OrgUnit = type(late_ward)
        OrgUnit.objects.filter(pk=self.cast.agency.pk).update(sort_order=100)
        OrgUnit.objects.filter(pk=self.cast.ward_a.pk).update(sort_order=1)
        OrgUnit.objects.filter(pk=self.cast.ward_b.pk).update(sort_order=2)
        units = list(org_units_for_membership(user=self.home_affairs))
        under_city = [u.name for u in units if u.parent_id == self.cast.city.pk]
        assert under_city == ["Phường Trần Phú", "Phường Nam Hà", "Phường Mới", "Phòng Tư pháp"]
        assert units[0] == self.cast.city  # the city before what is under it
