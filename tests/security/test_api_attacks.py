"""Attacks on the integration API that its own tests did not try: a cursor crafted by hand
(values of the wrong type for the list's sort key) and a body over the request size limit.
Each is a clear problem in the caller's language, never a 500 that logs a traceback."""

import base64
import json

import pytest
from django.core.cache import cache
from django.test import override_settings

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


class BodyTooLargeTests(BaseTestCase):
    def setUp(self):
        cache.clear()

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
    def test_a_body_over_the_limit_is_413_in_vietnamese(self):
        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        record = {"code": "x", "unit": "X18070", "received_at": "2026-01-05"}
        body = json.dumps({"items": [record], "padding": "x" * (128 * 1024)})
        with self.assertNoLogs("cchc.api", level="ERROR"):
            response = self.client.post(
                "/api/v1/dossiers/batch",
                body,
                content_type="application/json",
                headers=bearer(token, "vi"),
            )
        assert response.status_code == 413, response.content
        assert response["Content-Type"].startswith("application/problem+json")
        assert "quá lớn" in response.json()["detail"]


class HugeBatchTests(BaseTestCase):
    """A walk: a 5 MB body of 1.75 million empty records, from a ward officer's client, took
    13 GB and 60–88 s to refuse, one error after another (a 402 MB answer)."""

    def setUp(self):
        cache.clear()

    def test_a_batch_over_its_limit_is_refused_at_once_and_briefly(self):
        from cchc.api.problems import MAX_LISTED_ERRORS
        from cchc.indicators.importers import MAX_PUSHED_RECORDS

        _client, token = make_client(self.cast, scopes=["dossiers:write"])
        body = json.dumps({"items": [{}] * (MAX_PUSHED_RECORDS + 1)})
        for url in ("/api/v1/dossiers/batch", "/api/v1/directives/batch"):
            response = self.client.post(
                url, body, content_type="application/json", headers=bearer(token, "vi")
            )
            assert response.status_code == 422, response.content
            errors = response.json()["errors"]
            assert len(errors) <= MAX_LISTED_ERRORS
            assert len(response.content) < 50_000
        # Within the limit, every record wrong: the first errors only.
        body = json.dumps({"items": [{}] * 2000})
        response = self.client.post(
            "/api/v1/dossiers/batch", body, content_type="application/json", headers=bearer(token)
        )
        assert response.status_code == 422
        assert len(response.json()["errors"]) == MAX_LISTED_ERRORS


class AssessmentOracleTests(BaseTestCase):
    """An attacker's walk: asking a round for a unit the client may not read answered "the
    round holds no assessment of this unit" when there was none, and the generic 404 when
    there was one: which units a round assesses showed through."""

    def setUp(self):
        cache.clear()

    def test_a_unit_not_read_gets_one_answer_whether_or_not_it_is_assessed(self):
        from cchc.assessments.tests.factories import make_round
        from cchc.orgunits.services import org_unit_create

        round_ = make_round(self.cast)  # wards A and B
        elsewhere = org_unit_create(
            actor=None, code="X18100", name="Phường Ngoài", kind="ward", parent=self.cast.province
        )
        _client, token = make_client(
            self.cast, unit="ward_a", role=Role.UNIT_OFFICER, scopes=["rounds:read"]
        )
        answers = []
        for unit in (self.cast.ward_b.code, elsewhere.code):
            response = self.client.get(
                f"/api/v1/rounds/{round_.pk}/units/{unit}", headers=bearer(token, "vi")
            )
            answers.append((response.status_code, response.json()["detail"]))
        assert answers[0] == answers[1] and answers[0][0] == 404, answers
        # Its own unit, not in a round: said so.
        other = make_round(self.cast, units=[self.cast.ward_b], name="Khác")
        response = self.client.get(
            f"/api/v1/rounds/{other.pk}/units/{self.cast.ward_a.code}", headers=bearer(token, "vi")
        )
        assert response.status_code == 404
