"""/health/live and /health/ready: JSON, no login, 503 only when this host cannot serve, and no
detail beyond each check's name and outcome."""

import datetime
import json
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import DatabaseError, OperationalError
from django.test import override_settings
from django.utils import timezone

from cchc.core import health
from cchc.core.models import WorkerHeartbeat

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def answer(client, path):
    response = client.get(path)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_live_answers_without_touching_the_database(client):
    # Without the django_db mark any query fails the test.
    assert answer(client, "/health/live") == (200, {"status": "ok"})


@pytest.mark.django_db
def test_ready_checks_database_cache_and_storage(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    status, body = answer(client, "/health/ready")
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "storage": "ok",
            "replica": "skipped",
            "workers": "skipped",
        },
    }
    assert not any((tmp_path / "health").iterdir())  # the probe's file is gone


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "target", "failure"),
    [
        ("database", "cchc.core.health.connections", DatabaseError("connection refused 10.0.0.5")),
        ("cache", "cchc.core.health.cache", ConnectionError("redis 10.0.0.6:6379 refused")),
        ("storage", "cchc.core.health.default_storage", PermissionError("/srv/media read-only")),
    ],
)
def test_a_host_that_cannot_serve_answers_503_without_saying_why(
    client, name, target, failure, caplog
):
    broken = mock.MagicMock()
    broken.__getitem__.return_value.cursor.side_effect = failure
    broken.set.side_effect = failure
    broken.save.side_effect = failure
    with mock.patch(target, broken):
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "fail"
    assert body["checks"][name] == "fail"
    assert [outcome for check, outcome in body["checks"].items() if check != name].count(
        "fail"
    ) == 0
    assert "10.0.0" not in response.content.decode()
    assert "/srv" not in response.content.decode()
    assert f"Health check {name} failed" in caplog.text  # the reason is in the log


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS, WORKER_HEARTBEAT_STALE=60)
def test_workers_silent_too_long_make_the_host_degraded_not_out_of_service(client):
    status, body = answer(client, "/health/ready")
    assert (status, body["status"], body["checks"]["workers"]) == (200, "degraded", "fail")
    health.beat("host-a:17")
    status, body = answer(client, "/health/ready")
    assert (status, body["status"], body["checks"]["workers"]) == (200, "ok", "ok")
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - datetime.timedelta(seconds=61))
    assert answer(client, "/health/ready")[1]["checks"]["workers"] == "fail"


def seen_at(worker):
    """When `worker` last beat, or None. SQLite's shared in-memory test database locks a whole
    table while the beating thread writes it and answers a reader at once with "database table
    is locked" (no busy wait, unlike a file database): the reader tries again."""
    for _n in range(200):
        try:
            return (
                WorkerHeartbeat.objects.filter(worker=worker)
                .values_list("seen_at", flat=True)
                .first()
            )
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.01)
    raise AssertionError(f"the heartbeat table stayed locked: {worker}")


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_beats_while_it_runs():
    stop = health.start_heartbeat("host-b:1", every=0.05)
    try:
        for _n in range(100):
            if seen_at("host-b:1") is not None:
                break
            stop.wait(0.05)
        first = seen_at("host-b:1")
        assert first is not None
        for _n in range(100):
            stop.wait(0.05)
            if seen_at("host-b:1") > first:
                break
        assert seen_at("host-b:1") > first
    finally:
        stop.set()


@pytest.mark.django_db
@mock.patch("cchc.core.health.replica_configured", return_value=True)
def test_a_replica_too_far_behind_or_away_is_reported(_configured, client, settings):
    settings.DATABASE_REPLICA_MAX_LAG = 10
    with mock.patch("cchc.core.health.replica_lag", return_value=3.0):
        assert answer(client, "/health/ready")[1]["checks"]["replica"] == "ok"
    with mock.patch("cchc.core.health.replica_lag", return_value=11.0):
        status, body = answer(client, "/health/ready")
    assert (status, body["status"], body["checks"]["replica"]) == (200, "degraded", "fail")
    with mock.patch("cchc.core.health.replica_lag", side_effect=DatabaseError("down")):
        assert answer(client, "/health/ready")[1]["checks"]["replica"] == "fail"


def test_the_old_app_health_view_stays_for_the_benchmarks(client):
    assert client.get("/app/health/").content == b"ok"


def test_cache_check_fails_when_the_cache_loses_what_it_was_given():
    with mock.patch.object(cache, "get", return_value=None):
        assert health.check_cache() == "fail"
