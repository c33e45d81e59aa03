"""Saving a score over real HTTP on the project's real server (gunicorn, 4 workers, DEBUG off)
at 1, 8 and 32 concurrent officers, each on their own unit's assessment of the generator's open
round (150 criteria declared; BENCH_SCALE=city|province|nation): p50, p95 and throughput,
against an empty POST through the same server and middleware (POST /app/health/, answered 405
by the view after the session, CSRF and authentication checks). The database is the throw-away
SQLite of the benchmarks, or DATABASE_URL."""

import re
import statistics
import sys
import threading
import time

import generate
from common import report, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from cchc.frameworks.models import Criterion  # noqa: E402
from tests.httpclient import HttpSession, start_gunicorn, wait_until_serving  # noqa: E402

LEVELS = (1, 8, 32)
SECONDS = 4.0


class Officer(HttpSession):
    def login_or_fail(self, username: str) -> None:
        assert self.login(username, generate.PASSWORD), username
        self.versions: dict[str, str] = {}

    def status_of(self, path: str, fields: dict[str, str]) -> int:
        """The answer's status; a score save sends the version its last answer gave (as the
        page does: a save without it is refused as stale) and counts as 200 only when saved."""
        prefix = next((key[: key.index("-") + 1] for key in fields if "-" in key), "")
        if prefix:
            fields = {**fields, prefix + "version": self.versions.get(path, "")}
        status, text = self.post_form(path, fields)
        if prefix:
            found = re.search(rf'name="{prefix}version" value="([^"]*)"', text or "")
            if found:
                self.versions[path] = found.group(1)
            if status == 200 and 'data-testid="saved-' not in (text or ""):
                return 409  # answered, but refused as stale: not a save
        return status


def measure(officers: list[tuple[Officer, str]], fields_of, expected: int) -> dict[str, float]:
    """Latencies of every request for SECONDS, each officer in its own thread; and how many
    answers were not the `expected` status."""
    latencies: list[float] = []
    unexpected = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def run(officer: Officer, path: str) -> None:
        n = 0
        mine = []
        while time.perf_counter() < stop:
            n += 1
            started = time.perf_counter()
            if officer.status_of(path, fields_of(n)) != expected:
                unexpected[0] += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=pair) for pair in officers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "per_second": len(latencies) / elapsed,
        "unexpected": unexpected[0],
    }


def in_process(username: str, assessment: int | str, criterion: Criterion) -> dict[str, float]:
    """One save through Django's test client, without the server: its queries (the session's
    own included) and its median time, beside an empty POST's."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cchc.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    path = f"/rounds/assessments/{assessment}/criteria/{criterion.pk}/score/"
    prefix = f"c{criterion.pk}-"
    version = [""]

    def save(n: int) -> None:
        fields = {prefix + "numerator": str(n % 5), prefix + "denominator": "4"}
        text = client.post(
            path, {**fields, prefix + "version": version[0]}, headers={"HX-Request": "true"}
        ).content.decode()
        found = re.search(rf'name="{prefix}version" value="([^"]*)"', text)
        version[0] = found.group(1) if found else ""

    save(0)
    save(1)  # the version is the one the last answer gave; the session was written at login
    with CaptureQueriesContext(connection) as queries:
        save(2)
    count = len(queries)  # now: the next request's start clears the log
    timings = []
    for n in range(40):
        started = time.perf_counter()
        save(n)
        timings.append(time.perf_counter() - started)
    empty = []
    for _n in range(40):
        started = time.perf_counter()
        client.post("/app/health/", {})
        empty.append(time.perf_counter() - started)
    return {
        "save_in_process_ms": 1000 * statistics.median(timings),
        "save_queries": count,
        "empty_post_in_process_ms": 1000 * statistics.median(empty),
    }


def main() -> int:
    data = generate.dataset()
    people = data.officers
    levels = sorted({min(level, len(people)) for level in LEVELS})  # a city has 15 wards
    # A ratio criterion of the second area: numerator and denominator.
    criterion = Criterion.objects.get(framework=data.open_round.framework, code="2.1")
    alone = in_process(*people[0], criterion)
    server, port = start_gunicorn(
        workers=4,
        environment={
            "AXES_ENABLED": "0",
            "SQLITE_PATH": str(settings.DATABASES["default"]["NAME"])
            if connection.vendor == "sqlite"
            else "",
        },
    )
    figures: dict[str, object] = {
        "server": "gunicorn, 4 workers",
        "database": connection.vendor,
        "units": len(data.units),
        **alone,
    }
    try:
        wait_until_serving(port)
        officers = []
        for username, assessment in people:
            officer = Officer(port)
            officer.login_or_fail(username)
            officers.append((officer, assessment))
        prefix = f"c{criterion.pk}-"
        for officer, assessment in officers:  # the version each page would show, read once
            officer.status_of(
                f"/rounds/assessments/{assessment}/criteria/{criterion.pk}/score/",
                {prefix + "numerator": "1", prefix + "denominator": "4"},
            )
        for level in levels:
            chosen = officers[:level]
            save = measure(
                [(o, f"/rounds/assessments/{a}/criteria/{criterion.pk}/score/") for o, a in chosen],
                lambda n: {prefix + "numerator": str(n % 5), prefix + "denominator": "4"},
                200,
            )
            empty = measure([(o, "/app/health/") for o, _a in chosen], lambda n: {}, 405)
            for key, value in save.items():
                figures[f"save_{level}_{key}"] = value
            for key, value in empty.items():
                figures[f"empty_post_{level}_{key}"] = value
            figures[f"save_vs_empty_{level}"] = save["per_second"] / empty["per_second"]
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(f"save_http_{data.scale}_{connection.vendor}", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
