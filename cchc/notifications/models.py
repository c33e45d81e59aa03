from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cchc.core.models import BaseModel


class Notification(BaseModel):
    """A message to one user, in their language, in the inbox and by e-mail."""

    class Kind(models.TextChoices):
        ROUND_OPENED = "round_opened", _("Round opened")
        DEADLINE_SOON = "deadline_soon", _("Deadline soon")
        DEADLINES_CHANGED = "deadlines_changed", _("Deadlines changed")
        RETURNED = "returned", _("Returned for changes")
        QUESTION = "question", _("Question from an appraiser")
        ANSWER = "answer", _("Answer from a unit")
        APPRAISED = "appraised", _("Appraisal results")
        PUBLISHED = "published", _("Results published")
        INSPECTION_PLANNED = "inspection_planned", _("Inspection planned")
        DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested for an inspection")
        INSPECTION_CONCLUDED = "inspection_concluded", _("Inspection concluded")
        REMEDIATION_REPORTED = "remediation_reported", _("Remediation reported")
        REMEDIATION_REOPENED = "remediation_reopened", _("Remediation reopened")
        REMEDIATION_OVERDUE = "remediation_overdue", _("Remediation overdue")
        COMMENT_WAITING = "comment_waiting", _("A comment waits for moderation")
        FEEDBACK_RECEIVED = "feedback_received", _("Citizen feedback to answer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # The same reminder is sent once: e.g. "deadline_soon:3:42" for assessment 42, 3 days before.
    dedupe_key = models.CharField(max_length=120, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_sent_once",
            ),
        ]
        indexes = [
            # The inbox: a user's newest notifications, unread first.
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title
