"""Attacks on the integration API that its own tests did not try: a cursor crafted by hand
(values of the wrong type for the list's sort key) and a body over the request size limit.
Each is a clear problem in the caller's language, never a 500 that logs a traceback."""

import base64
import json

import pytest
from django.core.cache import cache

from cchc.api.tests.helpers import bearer, make_client
from cchc.core.roles import Role
from cchc.core.testing import BaseTestCase

pytestmark = pytest.mark.security


def crafted(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


class CraftedCursorTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    def test_a_cursor_of_the_wrong_types_is_refused_as_a_cursor(self):
        _client, token = make_client(
            self.cast, unit="ward_a", role=Role.UNIT_OFFICER, scopes=["units:read", "rounds:read"]
        )
        for url in ("/api/v1/units/", "/api/v1/rounds/", "/api/v1/open/rounds/"):
            for values in (["x", "not a number"], [None, None], [1, "2026-13-45"]):
                response = self.client.get(
                    url, {"cursor": crafted(values)}, headers=bearer(token, "vi")
                )
                assert response.status_code == 422, (url, values, response.content)
                body = response.json()
                assert body["errors"][0]["field"] == "cursor"
                assert "con trỏ" in body["detail"].lower(), body
