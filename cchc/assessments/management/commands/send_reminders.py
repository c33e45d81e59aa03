"""manage.py send_reminders — remind units of deadlines in 3 days and in 1 day, once each,
and escalate remediation actions past their deadline (once per action and deadline): every
daily job the apps registered (core/daily.py; assessments the reminders, inspections the
escalation).

Run it daily (cron, a systemd timer, or the send_reminders task on a database worker)."""

from typing import Any

from django.core.management.base import BaseCommand

from cchc.core.daily import run_daily_jobs


class Command(BaseCommand):
    help = "Send the due deadline reminders (each only once)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = run_daily_jobs()
        self.stdout.write(", ".join(f"{count} {job.label}" for job, count in done))
