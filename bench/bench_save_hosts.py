"""Saves a second with one app host and with two (issue 22): the generator's officers
(BENCH_SCALE=city|province|nation) saving a ratio criterion of their own unit's open-round
assessment over real HTTP, as bench_save_http does, at 32 officers at once — first all against
one gunicorn (4 workers), then spread over two gunicorn on two ports (4 workers each) that share
the database (on SQLite the same file) and, when the local Redis answers, the cache. Prints the
saves a second of each and the ratio two hosts ÷ one host.

A city has 15 wards, so 15 officers: there the 32 sessions are the officers logged in more than
once, each session saving its own criterion (no two on the same score, which would be refused as
stale). On SQLite one file takes one writer at a time: the ratio is expected near 1 whatever the
hosts; it means something with DATABASE_URL (PostgreSQL) and hosts on their own machines."""

import os
import secrets
import socket
import sys

import generate
from bench_save_http import SECONDS, Officer, measure  # sets Django up as it loads
from common import report
from django.conf import settings
from django.db import connection

from cchc.frameworks.models import Criterion
from tests.httpclient import start_gunicorn, wait_until_serving

OFFICERS = 32
WORKERS = 4  # per host, as bench_save_http
RATIO_ITEMS = (1, 4, 7, 10)  # generate.framework_text: item % 3 == 1 is a ratio criterion


class Session(Officer):
    """An officer's session saving one criterion: the fields are named by its prefix here."""

    prefix = ""

    def status_of(self, path: str, fields: dict[str, str]) -> int:
        return super().status_of(path, {self.prefix + k: v for k, v in fields.items()})


def shared_cache() -> dict[str, str]:
    """The hosts' cache: CACHE_URL if set, else the local Redis if it answers (one key prefix
    for both hosts, as one installation), else each process's own memory."""
    if os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL"):
        return {}
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        return {}
    return {
        "CACHE_URL": "redis://127.0.0.1:6379/0",
        "CACHE_KEY_PREFIX": f"bench-hosts-{secrets.token_hex(4)}",
    }


def sessions(data: generate.Dataset, port: int) -> list[tuple[Officer, str]]:
    """OFFICERS sessions on one host, each with its own (unit, criterion). Each officer logs in
    once: the session lives in the shared database, so its cookie serves every session of that
    officer and on either host."""
    people = data.officers
    codes = [f"{area}.{item}" for area in range(2, 16) for item in RATIO_ITEMS]
    criteria = dict(
        Criterion.objects.filter(framework=data.open_round.framework, code__in=codes).values_list(
            "code", "pk"
        )
    )
    cookies: dict[str, dict[str, str]] = {}
    chosen: list[tuple[Officer, str]] = []
    for k in range(OFFICERS):
        username, assessment = people[k % len(people)]
        criterion = criteria[codes[k // len(people)]]
        session = Session(port)
        if username in cookies:
            session.cookies = dict(cookies[username])
            session.versions = {}
        else:
            session.login_or_fail(username)
            cookies[username] = dict(session.cookies)
        session.prefix = f"c{criterion}-"
        chosen.append((session, f"/rounds/assessments/{assessment}/criteria/{criterion}/score/"))
    return chosen


def spread(chosen: list[tuple[Officer, str]], ports: list[int]) -> list[tuple[Officer, str]]:
    """Session k on host k mod hosts, each saving once there (the version it now has, and a
    warm worker) before the measure."""
    for k, (session, path) in enumerate(chosen):
        session.port = ports[k % len(ports)]
        session.status_of(path, fields(0))
    return chosen


def fields(n: int) -> dict[str, str]:
    return {"numerator": str(n % 5), "denominator": "4"}


def hosts(count: int, workers: int, environment: dict[str, str]) -> list:
    servers = [start_gunicorn(workers=workers, environment=environment) for _n in range(count)]
    for _server, port in servers:
        wait_until_serving(port)
    return servers


def stop(servers: list) -> None:
    for server, _port in servers:
        server.terminate()
    for server, _port in servers:
        server.wait(timeout=10)


def main() -> int:
    data = generate.dataset()
    cache = shared_cache()
    environment = {
        "AXES_ENABLED": "0",
        "SQLITE_PATH": str(settings.DATABASES["default"]["NAME"])
        if connection.vendor == "sqlite"
        else "",
        **cache,
    }
    connection.close()  # the servers write; this process only reads the dataset
    figures: dict[str, object] = {
        "server": f"gunicorn, {WORKERS} workers a host",
        "database": connection.vendor,
        "cache": "redis" if cache or os.environ.get("CACHE_URL") else "local",
        "units": len(data.units),
        "officers_at_once": OFFICERS,
        "seconds": SECONDS,
    }
    rate: dict[str, float] = {}
    servers = hosts(2, WORKERS, environment)
    try:
        ports = [port for _server, port in servers]
        chosen = sessions(data, ports[0])
        for count in (1, 2):
            measured = measure(spread(chosen, ports[:count]), fields, 200)
            rate[f"{count} hosts"] = measured["per_second"]
            for key, value in measured.items():
                figures[f"hosts_{count}_{key}"] = value
    finally:
        stop(servers)
    # The control: one host with both hosts' workers. On one machine a second host adds
    # workers, not cores: the same gain here says the gain was the workers.
    servers = hosts(1, 2 * WORKERS, environment)
    try:
        measured = measure(spread(chosen, [servers[0][1]]), fields, 200)
        rate["1 host, doubled"] = measured["per_second"]
        for key, value in measured.items():
            figures[f"one_host_{2 * WORKERS}_workers_{key}"] = value
    finally:
        stop(servers)
    figures["two_hosts_vs_one"] = rate["2 hosts"] / rate["1 hosts"]
    figures[f"one_host_{2 * WORKERS}_workers_vs_one"] = rate["1 host, doubled"] / rate["1 hosts"]
    if connection.vendor == "sqlite":
        figures["note"] = (
            "SQLite: one database file takes one writer at a time, so the database, not the "
            "hosts, is the bottleneck and a second host is expected to give about 1x; what it "
            "gains or loses here, on one machine, is workers (compare one host with as many), "
            "not hosts. The ratio means something with DATABASE_URL (PostgreSQL)"
        )
    report(f"save_hosts_{data.scale}_{connection.vendor}", figures)
    if any(value for key, value in figures.items() if key.endswith("_unexpected")):
        print("Some saves were not answered 200 with the saved score.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
