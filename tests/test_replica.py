"""The read replica with a real PostgreSQL streaming replica (config/routers.py, issue 22).

A throw-away primary (initdb, pg_ctl) on a free port, its replica made with PostgreSQL's own
pg_basebackup -R on another, CCHC migrated on the primary; then tests/replica_requests.py, in
its own process with DATABASE_URL and DATABASE_REPLICA_URL naming them, asks the pages and
records which server answered each query. About 30 s, most of it `migrate`.

PostgreSQL only: skipped on the SQLite pass (so CI runs it once, in its PostgreSQL pass) and
when PostgreSQL's server programs are not installed (REQUIRE_REPLICA=1 makes that a failure).
PG_BIN names their folder; else the newest /usr/lib/postgresql/*/bin."""

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup", "createdb")
SERVER_OPTIONS = "-c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica"

pytestmark = pytest.mark.replica


def server_programs() -> Path | None:
    folders = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    folders += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(Path(f).parent.name)
    )[::-1]
    for folder in folders:
        if all((Path(folder) / program).is_file() for program in PROGRAMS):
            return Path(folder)
    return None


def skip(reason: str) -> None:
    if os.environ.get("REQUIRE_REPLICA") == "1":
        pytest.fail(f"REQUIRE_REPLICA=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def replica_pair() -> Iterator[dict[str, Any]]:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("The replica's test runs in the PostgreSQL pass (DATABASE_URL=postgres://…).")
    programs = server_programs()
    if programs is None:
        skip("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed.")
    assert programs is not None
    # The server refuses to run as root: as root, run it as the postgres account.
    as_server: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            skip("running as root and there is no postgres account to run the servers as.")
        as_server = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="cchc-replica-"))
    if as_server:
        os.chown(folder, account.pw_uid, account.pw_gid)
    primary, standby = free_port(), free_port()
    data = {"primary": folder / "primary", "standby": folder / "standby"}

    def run(*command: str | Path) -> None:
        subprocess.run([*as_server, *map(str, command)], check=True, capture_output=True)

    def start_command(name: str, port: int) -> list[str]:
        options = f"-p {port} -k {folder} {SERVER_OPTIONS}"
        log = folder / f"{name}.log"
        pg_ctl = [str(programs / "pg_ctl"), "-D", str(data[name]), "-l", str(log), "-w"]
        return [*as_server, *pg_ctl, "-o", options, "start"]

    def start(name: str, port: int) -> None:
        subprocess.run(start_command(name, port), check=True, capture_output=True)

    def stop(name: str) -> list[str]:
        return [*as_server, str(programs / "pg_ctl"), "-D", str(data[name]), "-m", "fast", "stop"]

    try:
        run(
            programs / "initdb",
            *("-D", data["primary"], "-U", "postgres", "--auth=trust", "--no-sync"),
            *("-E", "UTF8", "--locale=C.UTF-8"),
        )
        start("primary", primary)
        run(programs / "createdb", "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres", "cchc")
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("CACHE_URL", "REDIS_URL", "DATABASE_REPLICA_URL", "PYTEST_ADDOPTS")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            PYTHONPATH=str(ROOT),
            DEBUG="1",
            ALLOWED_HOSTS="testserver",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{primary}/cchc",
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        run(
            programs / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary), "-U", "postgres"),
            *("-D", data["standby"], "-R", "-X", "stream", "--checkpoint=fast"),
        )
        start("standby", standby)
        env.update(
            DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{standby}/cchc",
            DATABASE_REPLICA_MAX_LAG="1",
            DATABASE_REPLICA_CHECK_SECONDS="600",  # the script says when to check again
            STOP_REPLICA=json.dumps(stop("standby")),
            START_REPLICA=json.dumps(start_command("standby", standby)),  # the two-host test
        )
        yield env
    finally:
        for name in ("standby", "primary"):
            with contextlib.suppress(subprocess.CalledProcessError):
                if (data[name] / "postmaster.pid").exists():
                    subprocess.run(stop(name)[:-3] + ["-m", "immediate", "stop"], check=True)
        shutil.rmtree(folder, ignore_errors=True)


def only_who_asks(queries: list[str]) -> bool:
    """The session and the user: read (by the middleware) before the view is known."""
    return all('"django_session"' in q or 'FROM "accounts_user"' in q for q in queries)


def test_reading_pages_read_the_replica_and_never_a_stale_one(replica_pair):
    finished = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "replica_requests.py")],
        cwd=ROOT,
        env=replica_pair,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    results = json.loads(finished.stdout.strip().splitlines()[-1])

    # A dashboard and the portal read the replica; who asks (session, user) the primary.
    dashboard = results["dashboard"]
    assert dashboard["status"] == 200
    assert len(dashboard["replica"]) >= 3, dashboard
    assert only_who_asks(dashboard["primary"]), "\n".join(dashboard["primary"])
    assert results["portal"]["status"] == 200
    assert results["portal"]["replica"], results["portal"]
    # A page not in the policy reads the primary only.
    assert results["home"]["status"] == 200
    assert results["home"]["replica"] == [] and results["home"]["primary"]

    # In one request: a read, a write, the read after it (replay paused: the replica has not
    # got the row) goes to the primary and finds it.
    step = results["write_then_read"]
    assert step["before"] is False and step["before_on_replica"] == 1
    assert step["after"] is True
    assert len(step["replica"]) == 1
    assert any(q.startswith("INSERT") for q in step["primary"])
    assert any(q.startswith("SELECT") for q in step["primary"])

    # After a POST the browser reads the primary for a while (by default MAX_LAG + CHECK
    # seconds: here 1 + 600): its redirect shows its write.
    assert results["post"] == {"status": 302, "pin_seconds": 601}
    after_post = results["after_post"]
    assert after_post["status"] == 200 and after_post["english"], after_post
    assert after_post["replica"] == []

    # A replica more than DATABASE_REPLICA_MAX_LAG behind is skipped, and said so by health.
    assert results["lagging"]["status"] == 200 and results["lagging"]["english"]
    assert results["lagging"]["replica"] == []
    assert results["lagging_health"] == "fail"
    # Caught up again: read again, and it has the officer's language now.
    assert results["caught_up"]["replica"] and results["caught_up"]["english"]

    # Stopped: the page that found it gone is answered from the primary, then it is skipped.
    for name in ("stopped_unnoticed", "stopped_known", "stopped_checked", "portal_stopped"):
        assert results[name]["status"] == 200, (name, results[name])
        assert results[name]["replica"] == [], (name, results[name])
        assert results[name]["seconds"] < 5, (name, results[name])
    assert results["stopped_unnoticed"]["english"]
