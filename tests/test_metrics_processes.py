"""Under gunicorn each worker is a process: with PROMETHEUS_MULTIPROC_DIR, /metrics adds up the
requests every worker of the host answered, those of a worker that has exited included."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COUNT = """
import django; django.setup()
from cchc.core.metrics import LATENCY, REQUESTS
for _n in range({n}):
    REQUESTS.labels(view="portal:home", method="GET", status="200").inc()
    LATENCY.labels(view="portal:home").observe(0.02)
"""
READ = """
import django; django.setup()
from prometheus_client import generate_latest
from cchc.core.metrics import host_registry
print(generate_latest(host_registry()).decode())
"""


def run(script: str, folder: Path) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def test_the_workers_of_a_host_are_added_up(tmp_path):
    run(COUNT.format(n=3), tmp_path)  # a worker that answered 3 requests, then exited
    run(COUNT.format(n=4), tmp_path)  # another
    text = run(READ, tmp_path)
    assert 'cchc_requests_total{method="GET",status="200",view="portal:home"} 7.0' in text
    assert 'cchc_request_duration_seconds_count{view="portal:home"} 7.0' in text
