"""Attacks on people's accounts found by a walk of account management: a coordinator gave
themselves Leader, Inspector and a ward's chair; another city's coordinator, keeping one of a
person's roles, redirected all of that person's notices to their own address."""

import pytest
from django.urls import reverse

from cchc.accounts.models import Membership, User
from cchc.accounts.services import membership_add
from cchc.core.roles import Role
from cchc.core.testing import TEST_PASSWORD, BaseTestCase
from cchc.orgunits.services import org_unit_create


class OwnRoleTests(BaseTestCase):
    def test_a_keeper_cannot_give_themselves_a_role(self):
        self.login("home_affairs")
        url = reverse("accounts:membership_add", args=[self.home_affairs.pk])
        for role, unit in (
            (Role.LEADER, self.cast.city),
            (Role.INSPECTOR, self.cast.city),
            (Role.UNIT_CHAIR, self.cast.ward_a),
        ):
            response = self.client.post(url, {"role": role, "org_unit": unit.pk})
            assert response.status_code == 400
            assert "không thể tự giao vai trò" in response.content.decode()
        roles = set(
            Membership.objects.filter(user=self.home_affairs, is_active=True).values_list(
                "role", flat=True
            )
        )
        assert roles == {Role.HOME_AFFAIRS}
        # Their own page offers neither the form nor an "End this role" they may not use.
        page = self.client.get(
            reverse("accounts:user_detail", args=[self.home_affairs.pk])
        ).content.decode()
        assert reverse("accounts:membership_add", args=[self.home_affairs.pk]) not in page
        assert "membership_end" not in page and "/end/" not in page
        # Another keeper may.
        self.login("admin")
        response = self.client.post(url, {"role": Role.LEADER, "org_unit": self.cast.city.pk})
        assert response.status_code == 302


class SharedPersonTests(BaseTestCase):
    def test_a_keeper_of_one_of_a_persons_roles_cannot_redirect_their_notices(self):
        other_city = org_unit_create(
            actor=None, code="H437", name="Thị xã Hồng Lĩnh", kind="city", parent=self.cast.province
        )
        other_ward = org_unit_create(
            actor=None, code="X18100", name="Phường Bắc Hồng", kind="ward", parent=other_city
        )
        keeper = User.objects.create_user(username="noivu.hl", password=TEST_PASSWORD)
        membership_add(actor=None, user=keeper, role=Role.HOME_AFFAIRS, org_unit=other_city)
        # The city's ward officer also works for the other city's ward.
        membership_add(
            actor=None, user=self.ward_officer, role=Role.UNIT_OFFICER, org_unit=other_ward
        )
        self.client.force_login(keeper)
        page = self.client.get(reverse("accounts:user_detail", args=[self.ward_officer.pk]))
        body = page.content.decode()
        assert page.status_code == 200
        assert 'data-testid="user-email-form"' not in body
        ends = body.count("btn-outline-danger")
        assert ends == 1  # the role in their city only
        response = self.client.post(
            reverse("accounts:user_email", args=[self.ward_officer.pk]),
            {"email": "attacker@evil.example"},
        )
        assert response.status_code == 403
        self.ward_officer.refresh_from_db()
        assert self.ward_officer.email != "attacker@evil.example"
        # Their roles are in two cities: the administrator sets it.
        self.login("admin")
        response = self.client.post(
            reverse("accounts:user_email", args=[self.ward_officer.pk]),
            {"email": "canbo@hatinh.gov.vn"},
        )
        self.ward_officer.refresh_from_db()
        assert self.ward_officer.email == "canbo@hatinh.gov.vn"


class AuditTrailScopeTests(BaseTestCase):
    """The trail followed the actor's current roles: another city's coordinator read a shared
    person's actions in this city, and a person's actions vanished from their own city's trail
    once their role there ended (a walk). An event of a unit is now read by that unit's
    keepers."""

    def test_a_units_events_are_read_by_its_keepers_only(self):
        from cchc.accounts.services import membership_end
        from cchc.core.audit import audit_record

        other_city = org_unit_create(
            actor=None, code="H437", name="Thị xã Hồng Lĩnh", kind="city", parent=self.cast.province
        )
        other_ward = org_unit_create(
            actor=None, code="X18100", name="Phường Bắc Hồng", kind="ward", parent=other_city
        )
        keeper = User.objects.create_user(username="noivu.hl", password=TEST_PASSWORD)
        membership_add(actor=None, user=keeper, role=Role.HOME_AFFAIRS, org_unit=other_city)
        there = membership_add(
            actor=None, user=self.ward_officer, role=Role.UNIT_OFFICER, org_unit=other_ward
        )
        audit_record(actor=self.ward_officer, action="test.here", target=self.cast.ward_a)
        audit_record(actor=self.ward_officer, action="test.there", target=other_ward)
        url = reverse("core:audit_list")

        def actions(user):
            self.client.force_login(user)
            return {e.action for e in self.client.get(url).context["page"].object_list}

        assert "test.here" not in actions(keeper) and "test.there" in actions(keeper)
        assert "test.here" in actions(self.home_affairs)
        assert "test.there" not in actions(self.home_affairs)
        # Their role in this city ends: what they did here stays in this city's trail.
        from cchc.accounts.models import Membership

        here = Membership.objects.get(
            user=self.ward_officer, org_unit=self.cast.ward_a, role=Role.UNIT_OFFICER
        )
        membership_end(actor=None, membership=here)
        assert "test.here" in actions(self.home_affairs)
        assert there.is_active


class PasswordResetTests(BaseTestCase):
    """The lockout page sends a person to the Home Affairs office for a new password, which
    had no way to give one outside Django's admin (a walk)."""

    def test_a_keeper_gives_a_person_a_new_password_and_only_theirs(self):
        from django.test import Client

        person = Client()
        person.force_login(self.ward_officer)
        self.login("home_affairs")
        url = reverse("accounts:user_password", args=[self.ward_officer.pk])
        page = self.client.get(reverse("accounts:user_detail", args=[self.ward_officer.pk]))
        assert 'data-testid="password-reset"' in page.content.decode()
        refused = self.client.post(url, {"password1": "short", "password2": "short"})
        assert refused.status_code == 400 and "Mật khẩu quá ngắn" in refused.content.decode()
        new = "mot-mat-khau-moi-2026"
        response = self.client.post(url, {"password1": new, "password2": new})
        assert response.status_code == 302
        self.ward_officer.refresh_from_db()
        assert self.ward_officer.check_password(new)
        # Their open session ended; the trail says it was done, never the password.
        assert person.get(reverse("core:home")).status_code == 302
        from cchc.core.models import AuditEvent

        event = AuditEvent.objects.get(action="user.set_password")
        assert new not in str(event.before) + str(event.after)
        # Not one's own (that is the own page's, with the old password), not a person of
        # another tree, not by a leader.
        own = reverse("accounts:user_password", args=[self.home_affairs.pk])
        assert self.client.post(own, {"password1": new, "password2": new}).status_code == 403
        self.login("leader")
        assert self.client.post(url, {"password1": new, "password2": new}).status_code == 403
        other_city = org_unit_create(
            actor=None, code="H437", name="Thị xã Hồng Lĩnh", kind="city", parent=self.cast.province
        )
        keeper = User.objects.create_user(username="noivu.hl", password=TEST_PASSWORD)
        membership_add(actor=None, user=keeper, role=Role.HOME_AFFAIRS, org_unit=other_city)
        self.client.force_login(keeper)
        assert self.client.post(
            url, {"password1": "x" * 20, "password2": "x" * 20}
        ).status_code in (
            403,
            404,
        )


class AccountOfAKeeperTests(BaseTestCase):
    """A review: the province's coordinator, keeping the province where the administrator's
    role sits, could give the administrator a new password (and so reach Django's admin)."""

    def test_a_keeper_answers_for_no_administrator_and_no_fellow_keeper(self):
        province_keeper = User.objects.create_user(username="noivu.tinh", password=TEST_PASSWORD)
        membership_add(
            actor=None, user=province_keeper, role=Role.HOME_AFFAIRS, org_unit=self.cast.province
        )
        fellow = User.objects.create_user(username="noivu.tinh2", password=TEST_PASSWORD)
        membership_add(actor=None, user=fellow, role=Role.HOME_AFFAIRS, org_unit=self.cast.province)
        new = "mot-mat-khau-moi-2026"
        self.client.force_login(province_keeper)
        for target in (self.admin, fellow):
            url = reverse("accounts:user_password", args=[target.pk])
            response = self.client.post(url, {"password1": new, "password2": new})
            assert response.status_code in (403, 404), target
            target.refresh_from_db()
            assert not target.check_password(new), target
            email = reverse("accounts:user_email", args=[target.pk])
            assert self.client.post(email, {"email": "x@evil.example"}).status_code in (403, 404)
        # The service refuses it too, whoever calls it.
        from django.core.exceptions import PermissionDenied

        from cchc.accounts.services import user_set_password

        with pytest.raises(PermissionDenied):
            user_set_password(actor=province_keeper, user=self.admin, password=new)
        # A keeper below (the city's) is theirs to answer for.
        url = reverse("accounts:user_password", args=[self.home_affairs.pk])
        assert self.client.post(url, {"password1": new, "password2": new}).status_code == 302
        self.home_affairs.refresh_from_db()
        assert self.home_affairs.check_password(new)


class VisitRecordsInTheTrailTests(BaseTestCase):
    """A review: a visit's records were filed under the inspected ward, so the keepers of the
    ward read the team's draft findings of a visit organised above them."""

    def test_a_visits_records_belong_to_the_organiser_of_its_plan(self):
        from cchc.core.models import AuditEvent
        from cchc.inspections.models import Inspection
        from cchc.inspections.services import findings
        from cchc.inspections.tests.factories import approved_inspection, to_status

        inspection = to_status(self.cast, approved_inspection(self.cast), "visiting")
        inspection = Inspection.objects.select_related("plan").get(pk=inspection.pk)
        findings.finding_create(
            actor=self.appraiser,
            inspection=inspection,
            kind="shortcoming",
            topic="iso",
            area="Duy trì",
            text="DRAFT-SECRET",
            severity="minor",
        )
        event = AuditEvent.objects.get(action="finding.create")
        assert event.unit_id == inspection.plan.organiser_id != self.cast.ward_a.pk
