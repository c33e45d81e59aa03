"""Every response carries its request's id (a proxy's, when it is a plain token) and every log
line written while answering it carries the same id, as one JSON object a line."""

import io
import json
import logging
import re
from unittest import mock

import pytest
from django.conf import settings

from cchc.core.logs import JsonFormatter, RequestIdFilter, request_id


@pytest.fixture
def health_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("cchc.core.health")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_a_request_without_an_id_gets_one(client):
    first = client.get("/health/live")["X-Request-ID"]
    second = client.get("/health/live")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("7f3c2a9e1b4d4e0f8a6b5c4d3e2f1a0b", True),  # nginx's $request_id
        ("lb-01:req.42_x", True),
        ("x" * 65, False),
        ("id with spaces", False),
        ('id"}, {"level": "forged', False),
    ],
)
def test_a_proxys_id_is_kept_when_it_is_a_plain_token(client, given, kept):
    answered = client.get("/health/live", headers={"X-Request-ID": given})["X-Request-ID"]
    assert (answered == given) is kept
    if not kept:
        assert re.fullmatch(r"[0-9a-f]{32}", answered)


@pytest.mark.django_db
def test_a_line_logged_while_answering_carries_the_requests_id_as_json(client, health_log):
    with mock.patch("cchc.core.health.cache") as broken:
        broken.set.side_effect = ConnectionError("redis refused")
        response = client.get("/health/ready", headers={"X-Request-ID": "probe-17"})
    assert response.status_code == 503
    lines = [json.loads(line) for line in health_log.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "probe-17"
    assert line["level"] == "WARNING"
    assert line["logger"] == "cchc.core.health"
    assert line["message"] == "Health check cache failed."
    assert "ConnectionError: redis refused" in line["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert request_id() == "-"  # the id ends with its request


def test_production_logs_are_json_lines_through_the_id_filter():
    console = settings.LOGGING["handlers"]["console"]
    assert console["formatter"] == ("text" if settings.DEBUG else "json")
    assert console["filters"] == ["request_id"]
    record = logging.LogRecord("cchc", logging.INFO, __file__, 1, "Lưu %s", ("điểm",), None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["message"] == "Lưu điểm"
