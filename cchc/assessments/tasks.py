from django.tasks import task

from cchc.core.daily import run_daily_jobs


@task
def send_reminders_task() -> int:
    """The scheduled form of `manage.py send_reminders` (run daily by a worker's scheduler):
    every registered daily job (core/daily.py), the deadline reminders first."""
    return sum(count for _job, count in run_daily_jobs())
