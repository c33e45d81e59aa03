"""Run by tests/test_two_hosts.py in a process of its own, with DATABASE_URL naming a throw-away
primary and DATABASE_REPLICA_URL its streaming replica (STOP_REPLICA and START_REPLICA the
commands, JSON lists): two app hosts (gunicorn, each its own port) sharing the Redis cache and
those databases. First documents are issued from both hosts at once and an API user calls both
hosts past its per-minute limit; then officers save scores and readers read the portal and the
dashboard, spread over both hosts, while the replica is stopped, one host is killed (SIGKILL,
master and workers) and the replica is started again. A client of the dead host goes on with
the other (a load balancer's part; its session is in the database, so it stays logged in).
Prints one JSON object (the last line): what was acknowledged and what the database holds."""

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from typing import Any

os.environ.setdefault("LOAD_WARDS", "40")
# The hosts' key: this process writes the sessions they read.
os.environ["SECRET_KEY"] = "two-hosts-" + "k" * 50

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402

from cchc.accounts.models import User  # noqa: E402
from cchc.accounts.services import membership_add, user_create  # noqa: E402
from cchc.assessments.models import Score  # noqa: E402
from cchc.core.roles import Role  # noqa: E402
from cchc.documents.models import IssuedDocument  # noqa: E402
from cchc.inspections.services.planning import plan_get_or_create  # noqa: E402
from cchc.orgunits.models import OrgUnit  # noqa: E402
from tests.httpclient import HttpSession, start_gunicorn, wait_until_serving  # noqa: E402
from tests.reliability.test_load_faults import PLAN, Officer, build, inputs  # noqa: E402

SECONDS = float(os.environ.get("LOAD_SECONDS", "180"))  # at most
READERS = int(os.environ.get("LOAD_READERS", "120"))  # with 2 officers a ward: 200 in all
DOCUMENTS = 4  # plans of the city issued at once, alternately on both hosts
RATE_LIMIT = 30  # the API's calls a minute, per person, counted in the shared cache
THINK = (0.3, 1.0)  # seconds between one person's requests
WARM_UP = 2.0  # seconds of load before the first step
READS_AWAY = 25  # pages answered with the replica away (and again after the kill)
AFTER = 3.0  # seconds of load after the replica is back


class Hosts:
    """The live hosts' ports: a client whose host died moves to one still alive."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.dead: set[int] = set()

    def alive(self, port: int) -> int:
        return port if port not in self.dead else next(p for p in self.ports if p not in self.dead)


class FailOver(HttpSession):
    hosts: Hosts

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Any = None
    ) -> tuple[int, str]:
        self.port = self.hosts.alive(self.port)
        answer = super().request(method, path, body, headers)
        if answer[0] == 0 and method == "GET" and self.hosts.alive(self.port) != self.port:
            self.port = self.hosts.alive(self.port)  # a read is asked again elsewhere
            answer = super().request(method, path, body, headers)
        return answer


class LoadOfficer(FailOver, Officer):
    saved = 0  # saves acknowledged (Officer.acked keeps the last of each criterion)

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        status, text = super().post_form(path, fields)
        if status == 200 and 'data-testid="saved-' in text:
            self.saved += 1
        return status, text


def logged_in(session: HttpSession, user: User) -> None:
    """The cookies of a login, without the password hasher's second of CPU per person."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    session.cookies[settings.SESSION_COOKIE_NAME] = store.session_key or ""
    session.cookies[settings.CSRF_COOKIE_NAME] = secrets.token_hex(16)


def person(username: str, role: Role, unit: OrgUnit) -> User:
    user = user_create(actor=None, username=username, password=secrets.token_hex(16))
    membership_add(actor=None, user=user, role=role, org_unit=unit)
    return user


def main() -> dict[str, Any]:
    people, criteria = build()
    city = OrgUnit.objects.get(code="LT-TP")
    leader = person("lt-leader", Role.LEADER, city)
    coordinator = person("lt-coordinator", Role.HOME_AFFAIRS, city)
    callers = [person(f"lt-api-{n}", Role.LEADER, city) for n in range(2)]
    plans = [
        plan_get_or_create(actor=None, organiser=city, year=2030 + n).pk for n in range(DOCUMENTS)
    ]
    ward_codes = list(OrgUnit.objects.filter(kind="ward").values_list("code", flat=True))

    environment = {
        "DATABASE_REPLICA_MAX_LAG": "5",
        "DATABASE_REPLICA_CHECK_SECONDS": "1",
        "DATABASE_CONN_MAX_AGE": "0",
        "CACHE_URL": os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": f"cchc-two-hosts-{secrets.token_hex(4)}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "API_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
        "AXES_ENABLED": "0",
    }
    servers = [
        start_gunicorn(
            workers=2,
            options=["--timeout", "30", "--graceful-timeout", "1"],
            log_level="critical",
            environment=environment,
        )
        for _host in range(2)
    ]
    ports = [port for _server, port in servers]
    hosts = Hosts(ports)
    FailOver.hosts = hosts
    results: dict[str, Any] = {"ports": ports}
    try:
        for port in ports:
            wait_until_serving(port)
        officers = []
        for index, (who, assessment, side) in enumerate(people):
            username = str(who)  # build() annotates its people loosely
            officer = LoadOfficer(ports[index % 2], username)
            logged_in(officer, User.objects.get(username=username))
            officers.append((officer, assessment, side))
        readers = []
        for index in range(READERS):
            reader = FailOver(ports[index % 2])
            if index % 6 == 0:  # a leader reading the dashboard; the others the portal
                logged_in(reader, leader)
            readers.append(reader)

        go, stop = threading.Event(), threading.Event()
        began = time.monotonic()
        reads: list[tuple[float, float, int, str]] = []  # (start, end, status, path), answered
        lock = threading.Lock()

        def officer_work(officer: LoadOfficer, assessment: int, side: str) -> None:
            chooser = random.Random(officer.username)  # noqa: S311 - a pause, not a secret
            n = 0
            go.wait()
            while not stop.is_set():
                n += 1
                for code in PLAN[side]:
                    officer.save(assessment, criteria[code], n)
                    stop.wait(chooser.uniform(*THINK))

        def reader_work(index: int, reader: FailOver) -> None:
            chooser = random.Random(index)  # noqa: S311 - which page, not a secret
            go.wait()
            while not stop.is_set():
                if index % 6 == 0:
                    path = "/overview/"
                else:
                    path = chooser.choice(
                        ["/", "/xep-hang/", f"/don-vi/{chooser.choice(ward_codes)}/"]
                    )
                started = time.monotonic() - began
                status, _text = reader.request("GET", path)
                with lock:
                    reads.append((started, time.monotonic() - began, status, path))
                stop.wait(chooser.uniform(*THINK))

        issued: list[int] = []

        def issue_documents() -> None:
            clients = []
            for port in ports:
                client = FailOver(port)
                logged_in(client, coordinator)
                clients.append(client)
            barrier = threading.Barrier(DOCUMENTS)
            today = timezone.localdate().isoformat()

            def one(index: int, plan: int) -> None:
                barrier.wait()
                status, _text = clients[index % 2].post_form(
                    f"/documents/issue/inspection_plan/{plan}/",
                    {"signer_name": "Nguyễn Văn A", "issued_on": today},
                )
                with lock:
                    issued.append(status)

            threads = [threading.Thread(target=one, args=pair) for pair in enumerate(plans)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        api_statuses: list[int] = []

        def call_the_api() -> None:
            # Within one minute's window of the limit: asked again by another person if the
            # minute turned during the calls.
            for caller in callers:
                window = time.time() // 60
                client = HttpSession(ports[0])
                logged_in(client, caller)
                api_statuses[:] = []
                for n in range(RATE_LIMIT + 20):
                    client.port = ports[n % 2]
                    api_statuses.append(client.request("GET", "/api/v1/frameworks/")[0])
                if time.time() // 60 == window:
                    return

        timeline: dict[str, float] = {}

        def now() -> float:
            return time.monotonic() - began

        def answered_since(second: float) -> int:
            with lock:
                return sum(1 for read in reads if read[0] >= second)

        def until(enough: Any, at_most: float) -> None:
            """Wait (the load going on) until enough() or at_most seconds."""
            deadline = time.monotonic() + at_most
            while not enough() and time.monotonic() < deadline:
                time.sleep(0.2)

        def conductor() -> None:
            try:
                conduct()
            finally:  # a step that failed ends the load too
                go.set()
                stop.set()

        def conduct() -> None:
            # Each step waits for the last one's effect, not for a clock: a busy machine only
            # makes the run longer.
            # Before the load (a PDF takes seconds of a worker): documents from both hosts at
            # once, and the API alternately on both.
            steps = [
                threading.Thread(target=issue_documents),
                threading.Thread(target=call_the_api),
            ]
            for step in steps:
                step.start()
            for step in steps:
                step.join()
            timeline["load_starting"] = now()
            go.set()
            stop.wait(WARM_UP)
            timeline["replica_stopping"] = now()
            subprocess.run(json.loads(os.environ["STOP_REPLICA"]), check=True, capture_output=True)
            timeline["replica_stopped"] = now()
            until(lambda: answered_since(timeline["replica_stopped"]) >= READS_AWAY, 20)
            server = servers[1][0]
            workers = subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
            hosts.dead.add(ports[1])
            for pid in [server.pid, *map(int, workers)]:
                os.kill(pid, signal.SIGKILL)
            timeline["host_killed"] = now()
            results["killed_workers"] = len(workers)
            killed_at = timeline["host_killed"]
            until(lambda: answered_since(killed_at) >= READS_AWAY, 20)
            timeline["replica_starting"] = now()
            subprocess.run(json.loads(os.environ["START_REPLICA"]), check=True, capture_output=True)
            timeline["replica_started"] = now()
            stop.wait(AFTER)
            stop.set()

        threads = [threading.Thread(target=officer_work, args=o) for o in officers]
        threads += [threading.Thread(target=reader_work, args=r) for r in enumerate(readers)]
        conducting = threading.Thread(target=conductor)
        threads.append(conducting)
        for thread in threads:
            thread.start()
        conducting.join(timeout=SECONDS)  # the conductor ends the load when its steps are done
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        results["seconds"] = time.monotonic() - began
        results["timeline"] = timeline
        # The replica is back: the surviving host's readiness says so again within seconds.
        probe = HttpSession(ports[0])
        deadline = time.monotonic() + 15
        replica = "?"
        while time.monotonic() < deadline:
            status, text = probe.request("GET", "/health/ready")
            replica = json.loads(text)["checks"].get("replica", "?") if status == 200 else "?"
            if replica == "ok":
                break
            time.sleep(0.5)
        results["replica_after"] = replica
    finally:
        for server, _port in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=20)

    # Every acknowledged save is in the database (its value, or a later attempt's), once.
    lost: list[str] = []
    acknowledged = 0
    for officer, assessment, _side in officers:
        for code, n in officer.acked.items():
            acknowledged += 1
            scores = list(Score.objects.filter(assessment_id=assessment, criterion=criteria[code]))
            stored = {key: str(value) for key, value in scores[0].inputs.items()} if scores else {}
            later = [m for m in officer.attempts[code] if m >= n]
            if len(scores) != 1 or not any(stored == inputs(code, m) for m in later):
                lost.append(f"{officer.username} {code} {n}: {stored}")
    numbers = list(
        IssuedDocument.objects.filter(issuer=city, kind="inspection_plan").values_list(
            "number", flat=True
        )
    )
    away = (timeline["replica_stopped"], timeline["replica_starting"])
    results.update(
        officers=len(officers),
        readers=len(readers),
        saves_attempted=sum(len(a) for o, _a, _s in officers for a in o.attempts.values()),
        saves_acknowledged=sum(o.saved for o, _a, _s in officers),
        last_saves_checked=acknowledged,
        lost=lost,
        issue_statuses=issued,
        numbers=sorted(numbers),
        api_statuses=api_statuses,
        reads=len(reads),
        reads_failed=[r for r in reads if r[2] != 200],
        reads_while_replica_away=[r[2] for r in reads if away[0] <= r[0] and r[1] <= away[1]],
        cut_off=sum(o.errors for o, _a, _s in officers) + sum(r.errors for r in readers),
    )
    return results


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
