"""gunicorn's settings for an app host: `gunicorn -c config/gunicorn.py config.wsgi`.

With PROMETHEUS_MULTIPROC_DIR set (an empty folder, emptied before each start), every worker
writes its metrics there and /metrics adds them up (cchc/core/metrics.py); a worker that exits
is marked so, so its live figures (none yet: CCHC keeps counters and histograms) are dropped."""

import os

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))


def child_exit(server: object, worker: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
