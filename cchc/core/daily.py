"""What the daily run does (`manage.py send_reminders`, or its task on a worker's scheduler).

Apps register their daily jobs in AppConfig.ready() (`register_daily_job`), as they register
their home panels: core imports none of them, and the reminders of rounds (assessments) need
not import the escalation of overdue remediation actions (inspections), which sits above them."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DailyJob:
    run: Callable[[], int]  # does the day's work, returns how many things it did
    label: str  # what the count counts, for the command's output ("reminders")


DAILY_JOBS: list[DailyJob] = []


def register_daily_job(run: Callable[[], int], label: str) -> None:
    if all(job.run is not run for job in DAILY_JOBS):
        DAILY_JOBS.append(DailyJob(run, label))


def run_daily_jobs() -> list[tuple[DailyJob, int]]:
    """Run every registered job in the order the apps registered them (INSTALLED_APPS)."""
    return [(job, job.run()) for job in DAILY_JOBS]
