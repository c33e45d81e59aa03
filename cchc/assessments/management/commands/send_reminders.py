"""manage.py send_reminders — remind units of deadlines in 3 days and in 1 day, once each,
and escalate remediation actions past their deadline (once per action and deadline).

Run it daily (cron, a systemd timer, or the send_reminders task on a database worker)."""

from typing import Any

from django.core.management.base import BaseCommand

from cchc.assessments.services.notices import send_deadline_reminders


class Command(BaseCommand):
    help = "Send the due deadline reminders (each only once)."

    def handle(self, *args: Any, **options: Any) -> None:
        from cchc.inspections.services.findings import escalate_overdue

        sent = send_deadline_reminders()
        escalated = escalate_overdue()
        self.stdout.write(f"{sent} reminders, {escalated} overdue remediation actions escalated")
