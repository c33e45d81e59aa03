"""Run by tests/test_replica.py in a process of its own, with DATABASE_URL naming a throw-away
primary and DATABASE_REPLICA_URL its streaming replica: asks CCHC's pages what a reader would
and records which server answered each query. Prints one JSON object (the last line).

STOP_REPLICA is the command (a JSON list) that stops the replica's server. The replica's lag is
checked only when this script says so (DATABASE_REPLICA_CHECK_SECONDS is large; HEALTH.forget()
asks again), so each step knows what the process believes."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from cchc.core.health import check_replica  # noqa: E402
from cchc.core.models import WorkerHeartbeat  # noqa: E402
from cchc.core.testing import build_cast  # noqa: E402
from config.routers import CURRENT, HEALTH, PIN_COOKIE, Route  # noqa: E402

LAG_CHECK = "pg_is_in_recovery"  # the router's own question to the replica, not a page's


def sql(alias: str, query: str, params: list[Any] | None = None) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchone()[0]


def caught_up() -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    lsn = sql("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + 20
    while not sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
        if time.monotonic() > deadline:
            raise RuntimeError("The replica did not catch up in 20 s.")
        time.sleep(0.05)


@contextmanager
def answered() -> Iterator[dict[str, list[str]]]:
    """The queries each server answered (succeeded) inside the block, lag checks left out."""
    seen: dict[str, list[str]] = {"default": [], "replica": []}

    def recorder(alias: str) -> Any:
        def wrapper(execute: Any, query: str, params: Any, many: bool, context: Any) -> Any:
            result = execute(query, params, many, context)
            if LAG_CHECK not in query:
                seen[alias].append(query)
            return result

        return wrapper

    with (
        connections["default"].execute_wrapper(recorder("default")),
        connections["replica"].execute_wrapper(recorder("replica")),
    ):
        yield seen


def get(client: Client, url: str, **extra: Any) -> dict[str, Any]:
    started = time.monotonic()
    with answered() as seen:
        response = client.get(url, **extra)
    return {
        "status": response.status_code,
        "primary": seen["default"],
        "replica": seen["replica"],
        "english": b'<html lang="en"' in response.content,
        "seconds": time.monotonic() - started,
    }


def main() -> dict[str, Any]:
    results: dict[str, Any] = {}
    cast = build_cast()
    dashboard = reverse("analytics:overview")
    officer = Client()
    officer.force_login(cast.leader)
    reader = Client()
    caught_up()
    HEALTH.forget()

    results["dashboard"] = get(officer, dashboard)
    results["portal"] = get(reader, reverse("portal:home"))
    results["home"] = get(officer, reverse("core:home"))  # not a reading page

    # A write, then a read of it, in one request: the read goes where the write went.
    sql("replica", "SELECT pg_wal_replay_pause()::text")
    token = CURRENT.set(Route(replica_ok=True))
    try:
        with answered() as seen:
            before = WorkerHeartbeat.objects.filter(worker="probe").exists()
            before_on_replica = len(seen["replica"])
            WorkerHeartbeat.objects.create(worker="probe", seen_at=timezone.now())
            after = WorkerHeartbeat.objects.filter(worker="probe").exists()
    finally:
        CURRENT.reset(token)
    results["write_then_read"] = {
        "before": before,
        "after": after,
        "before_on_replica": before_on_replica,
        "replica": seen["replica"],
        "primary": seen["default"],
    }

    # Redirect after POST, replay still paused: the officer's next page shows their own write
    # (the language they chose), so it must not come from the replica.
    posted = officer.post(reverse("accounts:language_set"), {"language": "en", "next": dashboard})
    results["post"] = {
        "status": posted.status_code,
        "pin_seconds": posted.cookies[PIN_COOKIE]["max-age"]
        if PIN_COOKIE in posted.cookies
        else None,
    }
    results["after_post"] = get(officer, dashboard)
    officer.cookies.pop(PIN_COOKIE)  # the pin's seconds are over

    # The replica lags (replay paused, the primary wrote since): skipped once the process checks.
    time.sleep(float(os.environ["DATABASE_REPLICA_MAX_LAG"]) + 0.5)
    HEALTH.forget()
    results["lagging"] = get(officer, dashboard)
    results["lagging_health"] = check_replica()
    sql("replica", "SELECT pg_wal_replay_resume()::text")
    caught_up()
    HEALTH.forget()
    results["caught_up"] = get(officer, dashboard)  # in English now, from the replica

    # The replica stops while this process still thinks it fine: the page is answered anyway.
    subprocess.run(json.loads(os.environ["STOP_REPLICA"]), check=True, capture_output=True)
    results["stopped_unnoticed"] = get(officer, dashboard)
    results["stopped_known"] = get(officer, dashboard)
    HEALTH.forget()
    results["stopped_checked"] = get(officer, dashboard)
    results["portal_stopped"] = get(reader, reverse("portal:home"))
    return results


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
