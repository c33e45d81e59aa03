"""Property-based testing of every endpoint against the project's own OpenAPI document
(schemathesis, from the WSGI app: no network): no 5xx, every answer as the schema says —
the reads with a client holding every read scope, the writes with a city client holding every
scope (its batches are written or refused; its score saves refused, as a reader's are).
Bounded: API_FUZZ_EXAMPLES examples per endpoint (default 5), derandomized."""

import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cchc.api.models import ApiScope
from cchc.api.tests.helpers import make_client
from cchc.core.testing import build_cast

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))


@pytest.fixture
def connection_kept():
    """The WSGI app, called in-process, starts and ends each request by closing the database
    connection (close_old_connections on request_started and request_finished): on PostgreSQL
    that is the test's own transaction. Django's test client unhooks both for the same
    reason; so does this test."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(db):
    cast = build_cast()
    _client, token = make_client(cast)
    return token


@pytest.fixture
def writer_token(db):
    cast = build_cast()
    _client, token = make_client(
        cast, name="Mọi phạm vi", scopes=[scope.value for scope in ApiScope]
    )
    return token


@pytest.mark.django_db
def test_every_get_endpoint_answers_as_its_schema(token, connection_kept):
    fuzz(token, lambda schema: schema.include(method="GET"))


@pytest.mark.django_db
def test_every_write_endpoint_answers_as_its_schema(writer_token, connection_kept):
    fuzz(writer_token, lambda schema: schema.exclude(method="GET"))


def fuzz(token, choose):
    from config.wsgi import application

    cache.clear()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    failures = []
    operations = list(choose(schema).get_all_operations())
    assert operations, "no operation to check"
    for result in operations:
        operation = result.ok()

        def make_check(operation):
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def check(case):
                cache.clear()
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
                response = case.call()
                assert response.status_code < 500, (operation.label, response.text[:300])
                # An opaque cursor is a string to the schema, yet only a list's own is
                # accepted: random strings are refused with a 422 problem, as documented.
                case.validate_response(response, excluded_checks=[positive_data_acceptance])

            return check

        try:
            make_check(operation)()
        except Exception as error:  # collect every endpoint's failure, then report
            failures.append(f"{operation.label}: {error}"[:2000])
    assert not failures, "\n\n".join(failures)
