"""/metrics: Prometheus' text format, only for a scraper with the token or from an allowed
address; requests by view and status, latency by view, committed saves, the task queue's depth
and the dossier imports, read from the database."""

import re

import pytest
from django.db import transaction
from django.tasks import task
from django.test import override_settings
from prometheus_client import REGISTRY

from cchc.assessments.services import score_save
from cchc.assessments.tests.factories import assessment_of, make_round
from cchc.core.metrics import count_save
from cchc.core.testing import BaseTestCase
from cchc.frameworks.models import Criterion

TOKEN = "s3cret-scraper-token"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


@task
def waiting_task() -> None:
    """Queued by the test, never run."""


def scrape(client, **headers):
    return client.get("/metrics", headers=headers)


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_ADDRESSES=[])
def test_only_a_scraper_with_the_token_reads_the_metrics(client):
    assert scrape(client).status_code == 404
    assert scrape(client, Authorization="Bearer wrong").status_code == 404
    assert scrape(client, Authorization=f"Bearer {TOKEN}x").status_code == 404
    response = scrape(client, Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_ADDRESSES=["10.1.2.0/24"])
def test_or_one_connecting_from_an_allowed_network_never_a_forwarded_address(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.3.9").status_code == 404
    forged = client.get("/metrics", REMOTE_ADDR="203.0.113.4", HTTP_X_FORWARDED_FOR="10.1.2.9")
    assert forged.status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_are_counted_by_view_and_status_and_timed_by_view(client):
    ok = {"view": "health-live", "method": "GET", "status": "200"}
    before = sample("cchc_requests_total", **ok)
    timed = sample("cchc_request_duration_seconds_count", view="health-live")
    missing = sample("cchc_requests_total", view="unmatched", method="GET", status="404")
    client.get("/health/live")
    client.get("/health/live")
    client.get("/no-such-page/at-all/")
    assert sample("cchc_requests_total", **ok) == before + 2
    assert sample("cchc_request_duration_seconds_count", view="health-live") == timed + 2
    assert (
        sample("cchc_requests_total", view="unmatched", method="GET", status="404") == missing + 1
    )
    text = scrape(client, Authorization=f"Bearer {TOKEN}").content.decode()
    assert re.search(
        r'^cchc_requests_total\{method="GET",status="200",view="health-live"\} \d', text, re.M
    )
    assert 'cchc_request_duration_seconds_bucket{le="0.005",view="health-live"}' in text


@pytest.mark.django_db(transaction=True)
@override_settings(METRICS_TOKEN=TOKEN, TASKS=DB_TASKS)
def test_the_queue_depth_and_imports_are_read_from_the_database(client):
    waiting_task.enqueue()
    waiting_task.enqueue()
    text = scrape(client, Authorization=f"Bearer {TOKEN}").content.decode()
    assert 'cchc_task_queue_depth{queue="default"} 2.0' in text
    assert "# TYPE cchc_dossier_imports gauge" in text


class SaveCountTests(BaseTestCase):
    def test_a_committed_save_counts_and_a_rolled_back_one_does_not(self):
        before = sample("cchc_saves_total", kind="self_assessment")
        round_ = make_round(self.cast)
        assessment = assessment_of(round_, self.cast.ward_a)
        criterion = Criterion.objects.get(framework=round_.framework, code="1.1")
        with self.captureOnCommitCallbacks(execute=True):
            score_save(
                actor=None, assessment=assessment, criterion=criterion, data={"answer": "yes"}
            )
        assert sample("cchc_saves_total", kind="self_assessment") == before + 1
        with self.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    count_save("self_assessment")
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
        assert sample("cchc_saves_total", kind="self_assessment") == before + 1
