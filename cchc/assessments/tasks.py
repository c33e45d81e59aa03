from django.tasks import task

from cchc.assessments.services.notices import send_deadline_reminders


@task
def send_reminders_task() -> int:
    """The scheduled form of `manage.py send_reminders` (run daily by a worker's scheduler)."""
    from cchc.inspections.services.findings import escalate_overdue

    return send_deadline_reminders() + escalate_overdue()
