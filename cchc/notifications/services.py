"""Sending notifications: one row per recipient, written in the recipient's language, and an
e-mail queued after the transaction commits (so a rolled-back change sends nothing)."""

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cchc.notifications.models import Notification
from cchc.notifications.tasks import email_notification


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    compose: Callable[[Any], tuple[str, str]],
    url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Notify each user once; `compose(user)` returns (title, body) in the user's language."""
    created = []
    for user in {user.pk: user for user in users if user is not None and user.is_active}.values():
        if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
            continue
        with translation.override(user.language or None):
            title, body = compose(user)
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user,
                    kind=kind,
                    title=title[:255],
                    body=body,
                    url=url,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            continue  # sent meanwhile by another process: once is enough
        created.append(notification)
        if user.email:
            transaction.on_commit(partial(email_notification.enqueue, notification.pk))
    return created


def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user as read; return how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_settle(*, matter: str) -> int:
    """Mark read, for everyone told, the notifications of a matter someone has dealt with
    (their dedupe keys start with `matter`: a comment moderated by one editor no longer waits
    in the others' inboxes); how many."""
    return Notification.objects.filter(dedupe_key__startswith=matter, read_at__isnull=True).update(
        read_at=timezone.now()
    )
