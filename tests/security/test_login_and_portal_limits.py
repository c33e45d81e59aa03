"""Guessing and robots behind the documented proxy: the login lockout counts by username and
the client's real address (the one function that decides it), so nobody locks someone
else's account; the verification code cannot be read by a generic script and anonymous
requests cannot fill the database with codes; a feedback code cannot be looked up without
limit, and a lookup shows only what may be shown."""

from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from cchc.core.addresses import client_address
from cchc.core.testing import TEST_PASSWORD, BaseTestCase

PROXY = "10.0.0.1"  # the proxy the application sees every request come from
CLIENT_A = "198.51.100.7"
CLIENT_B = "203.0.113.9"


def through_proxy(client_ip: str, forged: str = "") -> dict[str, str]:
    """What a request looks like behind one proxy that appends the client's address."""
    forwarded = f"{forged}, {client_ip}" if forged else client_ip
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


@override_settings(TRUSTED_PROXY_HOPS=1, AXES_FAILURE_LIMIT=5)
class LoginLockoutBehindProxyTests(BaseTestCase):
    url = reverse("accounts:login")

    def attempt(self, client_ip: str, password: str, forged: str = ""):
        return self.client_class(**through_proxy(client_ip, forged)).post(
            self.url, {"username": "ward_chair", "password": password}
        )

    def test_failures_from_one_client_lock_that_client_not_the_user_everywhere(self):
        statuses = [self.attempt(CLIENT_A, "wrong").status_code for _n in range(5)]
        assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
        # The real user, from another address behind the same proxy, still gets in.
        assert self.attempt(CLIENT_B, TEST_PASSWORD).status_code == 302
        # The guesser is locked out, even with the right password.
        locked = self.attempt(CLIENT_A, TEST_PASSWORD)
        assert locked.status_code == 429
        assert 'data-testid="locked-out"' in locked.content.decode()

    def test_a_forged_forwarded_address_does_not_lock_its_owner(self):
        # The guesser writes B's address into X-Forwarded-For; the proxy appends A's own.
        for _n in range(5):
            self.attempt(CLIENT_A, "wrong", forged=CLIENT_B)
        assert self.attempt(CLIENT_B, TEST_PASSWORD).status_code == 302
        assert self.attempt(CLIENT_A, TEST_PASSWORD, forged=CLIENT_B).status_code == 429

    def test_the_lockout_and_the_portal_read_the_address_from_one_function(self):
        from axes.helpers import get_client_ip_address

        from cchc.portal import visitors

        request = RequestFactory().get("/", **through_proxy(CLIENT_A, forged=CLIENT_B))
        assert settings.AXES_CLIENT_IP_CALLABLE == "cchc.core.addresses.client_address"
        assert get_client_ip_address(request) == client_address(request) == CLIENT_A
        assert visitors.client_address is client_address
