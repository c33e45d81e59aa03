"""`manage.py worker`: django-tasks-db's worker (`db_worker`, every option the same) that also
writes a heartbeat every few seconds, which /health/ready reads (cchc.core.health)."""

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from cchc.core.health import start_heartbeat, worker_id


class Command(DbWorkerCommand):
    help = "Run a background worker (django-tasks-db's db_worker) that reports its heartbeat"

    def handle(self, *args: Any, **options: Any) -> None:
        stop = start_heartbeat(options.get("worker_id") or worker_id())
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
