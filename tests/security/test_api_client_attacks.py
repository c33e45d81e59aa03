"""Attacks on integration clients outside the API: the users pages, where a Home Affairs
coordinator keeps the accounts of the units under the city (a client's service user among
them), and the service every way of creating a client goes through (the administrator's
page, manage.py api_client_create)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cchc.accounts.models import Membership
from cchc.api.models import IntegrationClient
from cchc.api.tests.helpers import make_client
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase

pytestmark = pytest.mark.security


class ClientRoleTests(BaseTestCase):
    def setUp(self):
        self.client_row, _token = make_client(
            self.cast, unit="ward_a", role=Role.UNIT_OFFICER, scopes=["rounds:read"]
        )
        self.service_user = self.client_row.user

    def roles(self):
        return list(
            Membership.objects.filter(user=self.service_user, is_active=True).values_list(
                "role", "org_unit__code"
            )
        )

    def test_the_users_pages_never_change_a_clients_role(self):
        """A coordinator (not the administrator, who alone manages clients) ended the ward
        client's role and gave its account the city's Home Affairs role: the client's token
        then read and wrote the whole city while its page still said 'ward officer'."""
        membership = Membership.objects.get(user=self.service_user)
        for persona in ("home_affairs", "admin"):
            self.login(persona)
            ended = self.client.post(
                reverse("accounts:membership_end", args=[membership.pk]), follow=True
            )
            assert "hệ thống kết nối" in ended.content.decode(), persona
            added = self.client.post(
                reverse("accounts:membership_add", args=[self.service_user.pk]),
                {"role": Role.HOME_AFFAIRS, "org_unit": self.cast.city.pk},
            )
            assert added.status_code == 400, persona
            assert "hệ thống kết nối" in added.content.decode(), persona
            assert self.roles() == [(Role.UNIT_OFFICER, "X18070")], persona

    def test_no_client_is_a_system_administrator_whoever_creates_it(self):
        """The page's form leaves the role out; the service (and so manage.py
        api_client_create) took it, and such a client reads and writes every unit."""
        with pytest.raises(ValidationError):
            make_client(self.cast, name="Toàn quyền", role=Role.SYSTEM_ADMIN)
        assert not IntegrationClient.objects.filter(name="Toàn quyền").exists()

    def test_a_coordinator_neither_creates_nor_revokes_a_client(self):
        self.login("home_affairs")
        created = self.client.post(
            reverse("api_clients:client_create"),
            {
                "name": "X",
                "org_unit": self.cast.city.pk,
                "role": Role.HOME_AFFAIRS,
                "scopes": ["rounds:read"],
            },
        )
        assert created.status_code == 403
        revoked = self.client.post(reverse("api_clients:client_revoke", args=[self.client_row.pk]))
        assert revoked.status_code == 403
        self.client_row.refresh_from_db()
        assert self.client_row.revoked_at is None
        assert IntegrationClient.objects.count() == 1
