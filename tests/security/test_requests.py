"""Requests an attacker would forge: every state-changing URL without its CSRF token, the
session kept across a login, and the headers every page carries."""

import pytest
from django.test import Client
from django.urls import reverse

from cchc.core.testing import BaseTestCase
from tests.test_permission_matrix import CASES

pytestmark = pytest.mark.security

POSTS = [case for case in CASES if case.method == "post"]


class CsrfTests(BaseTestCase):
    def test_every_state_changing_url_refuses_a_request_without_its_token(self):
        """Logged in as the administrator (who may do almost everything) and as nobody."""
        refused = []
        for persona in ("admin", None):
            client = Client(enforce_csrf_checks=True)
            if persona:
                client.force_login(getattr(self, persona))
            for case in POSTS:
                url = reverse(case.url_name, kwargs=case.kwargs(self.cast))
                response = client.post(url, case.data)
                if response.status_code != 403:
                    refused.append(f"{case.url_name} as {persona}: {response.status_code}")
        assert refused == [], refused
        assert len(POSTS) > 60  # the matrix names every POST of the product

    def test_a_login_rotates_the_session(self):
        client = Client()
        client.get(reverse("accounts:login"))
        before = client.cookies.get("sessionid")
        from cchc.core.testing import TEST_PASSWORD

        client.post(
            reverse("accounts:login"), {"username": "ward_officer", "password": TEST_PASSWORD}
        )
        after = client.cookies["sessionid"].value
        assert after and (before is None or before.value != after)


class HeaderTests(BaseTestCase):
    def test_pages_carry_the_security_headers(self):
        for url in ("/", reverse("accounts:login"), "/tin-tuc/"):
            response = self.client.get(url)
            assert response["X-Frame-Options"] == "DENY", url
            assert response["X-Content-Type-Options"] == "nosniff", url
            assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
            policy = response["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
            assert "frame-ancestors 'none'" in policy, url
