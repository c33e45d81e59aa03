"""Shared set-up for benchmarks: a throw-away SQLite database (or DATABASE_URL), Django ready,
a timer that reports the median, and bench/results.json merging."""

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# A benchmark's exit status when it ran but its figure is over its limit (1: it failed to run).
OVER_LIMIT = 3
RESULTS = ROOT / "bench" / "results.json"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like: no query log slowing the figures down, no HTTPS redirect for the test client.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["STATIC_MANIFEST"] = "0"  # no collectstatic for a benchmark
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="cchc-bench-")
        os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def median_seconds(action: Callable[[], Any], repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def report(name: str, figures: dict[str, Any]) -> None:
    """Print one benchmark's figures and merge them into bench/results.json."""
    print(f"{name}:")
    for key, value in figures.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"  {key:<40} {shown}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = figures
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))


def page_figures(client: Any, url: str, params: dict[str, Any]) -> tuple[float, int]:
    """Server time (median of 3) and query count of one page through Django's test client."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    count = len(queries)  # now: the next request's start clears the log
    return median_seconds(lambda: client.get(url, params), repeat=3), count
