from typing import Any

from django.db.models import QuerySet

from cchc.notifications.models import Notification


def notification_list_for_user(*, user: Any) -> QuerySet[Notification]:
    """Return the user's own notifications, newest first (nobody reads another's inbox)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")
