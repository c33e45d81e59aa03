"""Prometheus metrics at /metrics (text exposition format), per app host.

Counted in each process by prometheus-client: requests by view, method and status; latency by
view (a histogram); scores saved (counted once committed). Under gunicorn every worker is a
process of its own: with PROMETHEUS_MULTIPROC_DIR set (an empty folder per host, emptied at
each start; config/gunicorn.py tells the library when a worker exits) the answer adds up
every worker of the host, as the library's multiprocess mode does. Read at each scrape from
the database, so the same on every host: background tasks waiting (the queue's depth, by
queue) and dossier imports by status.

Why prometheus-client and not counts in the shared cache: a request then costs no round trip
to Redis (a counter is a number in this process's memory, or in an mmap'ed file), and
Prometheus scrapes each host anyway and adds them up itself (`sum by (view)`).

Who may read it: a scraper presenting `Authorization: Bearer <METRICS_TOKEN>`, or one whose
connection comes from an address in METRICS_ALLOWED_ADDRESSES (addresses or networks, the
connection's own address, never a forwarded one). Neither set: nobody (404)."""

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "cchc_requests",
    "HTTP requests answered, by view, method and status",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "cchc_request_duration_seconds",
    "Time to answer a request, by view",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SAVES = Counter("cchc_saves", "Scores saved and committed, by kind", ["kind"])
# The method label takes these, anything else is "other": Django answers any method a caller
# makes up (405), and each distinct one would be a series kept for ever in every worker.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_save(kind: str) -> None:
    """Count a save once its transaction commits (a save rolled back is no save)."""
    transaction.on_commit(lambda: SAVES.labels(kind=kind).inc())


def view_label(request: HttpRequest) -> str:
    """The view's name (a bounded set), never the path (ids would make a series per row)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    """Counts and times every request. First in MIDDLEWARE, so the time is the whole answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        LATENCY.labels(view=view).observe(time.perf_counter() - started)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        return response


class DatabaseCollector(Collector):
    """What every host reads the same, from the database, at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        queue = GaugeMetricFamily(
            "cchc_task_queue_depth", "Background tasks waiting to run, by queue", labels=["queue"]
        )
        waiting = DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("pk"))
        for row in waiting.order_by("queue_name"):
            queue.add_metric([row["queue_name"]], row["n"])
        yield queue
        imports = GaugeMetricFamily(
            "cchc_dossier_imports", "Dossier imports by status", labels=["status"]
        )
        for status, count in _import_counts():
            imports.add_metric([status], count)
        yield imports


def _import_counts() -> list[tuple[str, int]]:
    """Dossier imports by status. Read through the app registry: core may not import the
    indicators app (docs/architecture.md), and the figure is only read here."""
    model: Any = apps.get_model("indicators", "DossierImport")
    rows = model.objects.values("status").annotate(n=Count("pk")).order_by("status")
    return [(row["status"], row["n"]) for row in rows]


def allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    networks = getattr(settings, "METRICS_ALLOWED_ADDRESSES", [])
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def host_registry() -> CollectorRegistry:
    """This host's counters: every gunicorn worker's in multiprocess mode, else this process's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, SAVES):
            registry.register(collector)
    return registry


def exposition() -> bytes:
    registry = host_registry()
    registry.register(DatabaseCollector())
    return generate_latest(registry)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
