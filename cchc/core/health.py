"""Whether this app host may take traffic, for load balancers and monitoring.

`/health/live`: the process answers (no database, no cache: a host whose database is away is
alive, and restarting it would not help). `/health/ready`: the host can serve, checked now:
the database answers, the cache keeps and returns a value, the storage of uploads takes a
file. Those three decide the status (200, or 503 when one fails). Two more are reported
without taking the host out of service, since every host shares them and the pages still work
without them: the read replica (when DATABASE_REPLICA_URL names one: away or more than
DATABASE_REPLICA_MAX_LAG seconds behind, and the reading pages go to the primary) and the
background workers (with the database task backend: some worker wrote its heartbeat within
WORKER_HEARTBEAT_STALE seconds). Then the answer's status is "degraded", still 200.

The answer names each check and says ok, fail or skipped, nothing else: no error text, no
address, no version. Why a check failed goes to the log."""

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cchc.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK, FAIL, SKIPPED = "ok", "fail", "skipped"
REPLICA = "replica"
HEARTBEAT_SECONDS = 15


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def replica_lag(alias: str = REPLICA) -> float:
    """Seconds the replica's data is behind the primary's (0 when it has replayed all it was
    sent). Raises DatabaseError when the replica cannot be reached."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:  # a stub replica in tests: reachable is enough
            cursor.execute("SELECT 1")
        return 0.0
    with connection.cursor() as cursor:
        # Nothing to replay: the replica has all the primary sent, however long ago.
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
            " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        row = cursor.fetchone()
    return float(row[0] or 0) if row else 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def check_replica() -> str:
    if not replica_configured():
        return SKIPPED
    return OK if replica_lag() <= settings.DATABASE_REPLICA_MAX_LAG else FAIL


def check_cache() -> str:
    key = f"health:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=30)
    read = cache.get(key)
    cache.delete(key)
    return OK if read == value else FAIL


def check_storage() -> str:
    name = default_storage.save(f"health/{secrets.token_hex(8)}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as handle:
            return OK if handle.read() == b"ok" else FAIL
    finally:
        default_storage.delete(name)


def uses_workers() -> bool:
    return "django_tasks_db" in settings.TASKS["default"]["BACKEND"]


def check_workers() -> str:
    if not uses_workers():
        return SKIPPED  # tasks run inside the request: no worker to wait for
    since = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE)
    return OK if WorkerHeartbeat.objects.filter(seen_at__gte=since).exists() else FAIL


DECISIVE: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
}
REPORTED: dict[str, Callable[[], str]] = {"replica": check_replica, "workers": check_workers}


def run_check(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception:  # any failure is a failed check; its detail goes to the log only
        logger.warning("Health check %s failed.", name, exc_info=True)
        return FAIL


def readiness() -> tuple[int, dict[str, object]]:
    """(HTTP status, the JSON answer) of /health/ready."""
    checks = {name: run_check(name, check) for name, check in {**DECISIVE, **REPORTED}.items()}
    if any(checks[name] == FAIL for name in DECISIVE):
        return 503, {"status": "fail", "checks": checks}
    degraded = any(checks[name] == FAIL for name in REPORTED)
    return 200, {"status": "degraded" if degraded else "ok", "checks": checks}


@never_cache
@require_GET
def live_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": OK})


@never_cache
@require_GET
def ready_view(request: HttpRequest) -> JsonResponse:
    status, answer = readiness()
    return JsonResponse(answer, status=status)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def beat(worker: str) -> None:
    """Write this worker's heartbeat now, and forget workers silent for a day."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": now})
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()


def start_heartbeat(worker: str, every: float = HEARTBEAT_SECONDS) -> threading.Event:
    """Beat every `every` seconds in a thread until the returned event is set (or the process
    ends): the worker is alive as long as its process is, even in a long task."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                beat(worker)
            except DatabaseError:
                logger.warning("Worker heartbeat not written.", exc_info=True)
            finally:
                connections.close_all()
            stop.wait(every)

    threading.Thread(target=run, name="cchc-heartbeat", daemon=True).start()
    time.sleep(0)  # let the first beat start
    return stop
