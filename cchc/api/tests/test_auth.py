"""Who may call: a client's token (missing, bad, expired, revoked: 401 problem, in Vietnamese
when asked), its scopes (403), a person's session (CSRF on changes), and the rate limit."""

import datetime

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cchc.accounts.models import User
from cchc.api.models import IntegrationClient
from cchc.api.services import client_revoke
from cchc.api.tests.helpers import bearer, make_client
from cchc.core.models import AuditEvent
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase

UNITS = "/api/v1/units/"


class TokenTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    def assert_problem(self, response, status, detail_part=""):
        assert response.status_code == status, response.content
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        assert set(body) >= {"type", "title", "status", "detail", "instance"}
        assert detail_part in body["detail"], body["detail"]
        return body

    def test_no_token_no_session_is_401(self):
        body = self.assert_problem(self.client.get(UNITS), 401, "Bearer")
        assert body["instance"] == UNITS

    def test_no_token_in_vietnamese(self):
        response = self.client.get(UNITS, headers={"Accept-Language": "vi"})
        self.assert_problem(response, 401, "Gửi mã")

    def test_bad_tokens_are_401(self):
        client, token = make_client(self.cast)
        for wrong in ("nonsense", "cchc_", f"cchc_{client.key_id}_wrong", token + "x", "cchc_x_y"):
            response = self.client.get(UNITS, headers=bearer(wrong))
            self.assert_problem(response, 401, "not valid")
        response = self.client.get(UNITS, headers={"Authorization": f"Basic {token}"})
        self.assert_problem(response, 401)

    def test_good_token_reads_and_marks_last_use_once_a_minute(self):
        client, token = make_client(self.cast)
        assert self.client.get(UNITS, headers=bearer(token)).status_code == 200
        first = IntegrationClient.objects.get(pk=client.pk).last_used_at
        assert first is not None
        self.client.get(UNITS, headers=bearer(token))
        assert IntegrationClient.objects.get(pk=client.pk).last_used_at == first

    def test_revoked_client_is_401_in_vietnamese(self):
        client, token = make_client(self.cast)
        client_revoke(actor=self.admin, client=client)
        response = self.client.get(UNITS, headers=bearer(token, "vi"))
        self.assert_problem(response, 401, "thu hồi")
        response = self.client.get(UNITS, headers=bearer(token, "en"))
        self.assert_problem(response, 401, "revoked")

    def test_expired_client_is_401(self):
        client, token = make_client(
            self.cast, expires_at=timezone.now() + datetime.timedelta(hours=1)
        )
        IntegrationClient.objects.filter(pk=client.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        self.assert_problem(self.client.get(UNITS, headers=bearer(token)), 401, "expired")
        self.assert_problem(self.client.get(UNITS, headers=bearer(token, "vi")), 401, "hết hạn")

    def test_missing_scope_is_403(self):
        _client, token = make_client(self.cast, scopes=["frameworks:read"])
        body = self.assert_problem(self.client.get(UNITS, headers=bearer(token)), 403)
        assert "units:read" in body["detail"]

    def test_service_user_cannot_log_in_and_is_named_in_the_audit(self):
        client, _token = make_client(self.cast, name="Hệ thống một cửa")
        user = User.objects.get(pk=client.user_id)
        assert user.is_service and not user.has_usable_password()
        assert str(user) == "API: Hệ thống một cửa"
        response = self.client.post(
            reverse("accounts:login"), {"username": user.username, "password": ""}
        )
        assert "_auth_user_id" not in self.client.session
        assert response.status_code == 200
        client_revoke(actor=user, client=client)
        event = AuditEvent.objects.filter(action="integration_client.revoke").get()
        assert event.actor_username == "API: Hệ thống một cửa"

    def test_service_user_holds_one_role_only(self):
        from django.core.exceptions import ValidationError

        from cchc.accounts.services import membership_add

        client, _token = make_client(self.cast)
        with self.assertRaises(ValidationError):
            membership_add(
                actor=self.admin, user=client.user, role=Role.LEADER, org_unit=self.cast.city
            )


class SessionTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    def test_session_reads_without_api_scopes(self):
        self.login("ward_officer")
        response = self.client.get(UNITS)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"

    def test_logged_in_without_role_is_403(self):
        self.login("no_role")
        response = self.client.get(UNITS)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"


class RateLimitTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    @override_settings(API_RATE_LIMIT_PER_MINUTE=3)
    def test_over_the_limit_is_429_with_retry_after(self):
        _client, token = make_client(self.cast)
        for _ in range(3):
            assert self.client.get(UNITS, headers=bearer(token)).status_code == 200
        response = self.client.get(UNITS, headers=bearer(token, "vi"))
        assert response.status_code == 429
        assert response["Content-Type"] == "application/problem+json"
        assert 1 <= int(response["Retry-After"]) <= 60
        assert "phút" in response.json()["detail"]
        # Another client has its own budget.
        _other, other_token = make_client(self.cast, name="Khác")
        assert self.client.get(UNITS, headers=bearer(other_token)).status_code == 200

    @override_settings(API_RATE_LIMIT_PER_MINUTE=2)
    def test_a_session_is_limited_per_person(self):
        self.login("leader")
        assert self.client.get(UNITS).status_code == 200
        assert self.client.get(UNITS).status_code == 200
        assert self.client.get(UNITS).status_code == 429
