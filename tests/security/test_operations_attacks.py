"""Attacks on the operations endpoints: /metrics and /health/*. A caller from the Internet
chooses the request's method, path and headers; none of them may grow what a host keeps in
memory (a Prometheus series per distinct value) or read what only the scraper reads."""

import uuid

import pytest
from django.test import override_settings
from prometheus_client import REGISTRY

pytestmark = pytest.mark.security

TOKEN = "s3cret-scraper-token"


def series_with(value: str) -> list[str]:
    return [
        f"{metric.name}{sample.labels}"
        for metric in REGISTRY.collect()
        for sample in metric.samples
        if value in sample.labels.values()
    ]


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_a_made_up_http_method_is_counted_as_other_not_as_a_new_series(client):
    """Django answers any method (405 here); each distinct one was a label value, so a loop
    of random methods made series without end in every worker (and its multiprocess file)."""
    methods = [f"X{uuid.uuid4().hex[:12].upper()}" for _ in range(3)]
    before = REGISTRY.get_sample_value(
        "cchc_requests_total", {"view": "health-live", "method": "other", "status": "405"}
    )
    for method in methods:
        assert client.generic(method, "/health/live").status_code == 405
    for method in methods:
        assert series_with(method) == [], method
    after = REGISTRY.get_sample_value(
        "cchc_requests_total", {"view": "health-live", "method": "other", "status": "405"}
    )
    assert after == (before or 0.0) + 3
    # The methods a browser or a client sends keep their own series.
    client.get("/health/live")
    assert REGISTRY.get_sample_value(
        "cchc_requests_total", {"view": "health-live", "method": "GET", "status": "200"}
    )


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_ADDRESSES=["127.0.0.1", "10.0.0.0/8"])
def test_a_forwarded_address_or_a_lowercase_scheme_does_not_open_the_metrics(client):
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    for headers in (
        {"HTTP_X_FORWARDED_FOR": "127.0.0.1"},
        {"HTTP_X_REAL_IP": "10.0.0.1"},
        {"HTTP_FORWARDED": "for=127.0.0.1"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": f"Bearer {TOKEN[:-1]}"},
    ):
        assert client.get("/metrics", **outside, **headers).status_code == 404, headers
    ready = client.get("/health/ready", **outside)
    assert set(ready.json()) <= {"status", "checks"}, ready.json()
