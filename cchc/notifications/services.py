"""Sending notifications: one row per recipient, written in the recipient's language, and an
e-mail queued after the transaction commits (so a rolled-back change sends nothing)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from cchc.notifications.models import Notification
from cchc.notifications.tasks import email_notification

BATCH = 500  # rows an INSERT writes


@dataclass(frozen=True)
class Message:
    """One notice to some users: `compose(user)` gives (title, body) in the user's language;
    a `dedupe_key` sends it to each user once, ever."""

    users: Iterable[Any]
    kind: str
    compose: Callable[[Any], tuple[str, str]]
    url: str = ""
    dedupe_key: str = ""


# Keys asked about in one query (SQLite's statements take at most 32,766 parameters).
KEYS_PER_QUERY = 500


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    compose: Callable[[Any], tuple[str, str]],
    url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Notify each user once; `compose(user)` returns (title, body) in the user's language."""
    return notify_all([Message(users, kind, compose, url, dedupe_key)])


def notify_all(messages: Iterable[Message]) -> list[Notification]:
    """Send every message to its active users, each user once per message and once ever per
    dedupe key; return the notifications written (one another process wrote at the same moment
    comes back too, without its id: once is enough either way). The same few statements for
    one user or a country's (which were a query, a savepoint and an INSERT per user, inside the
    caller's transaction): one query for the keys already sent, the INSERTs in batches, and
    one query for the rows to e-mail, queued after the commit."""
    wanted: list[tuple[Any, Message]] = []
    for message in messages:
        active = {user.pk: user for user in message.users if user is not None and user.is_active}
        wanted.extend((user, message) for user in active.values())
    keys = sorted({message.dedupe_key for _user, message in wanted if message.dedupe_key})
    # Read by key alone, the people compared here: a country's people in one IN list would
    # pass SQLite's 32,766 parameters.
    sent: set[tuple[int, str]] = set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        sent.update(
            Notification.objects.filter(
                dedupe_key__in=keys[start : start + KEYS_PER_QUERY]
            ).values_list("user_id", "dedupe_key")
        )
    keyed: list[Notification] = []
    unkeyed: list[Notification] = []
    for user, message in wanted:
        if message.dedupe_key:
            if (user.pk, message.dedupe_key) in sent:
                continue
            sent.add((user.pk, message.dedupe_key))
        with translation.override(user.language or None):
            title, body = message.compose(user)
        notification = Notification(
            user=user,
            kind=message.kind,
            title=title[:255],
            body=body,
            url=message.url,
            dedupe_key=message.dedupe_key,
        )
        (keyed if message.dedupe_key else unkeyed).append(notification)
    if not keyed and not unkeyed:
        return []  # every one told already (a daily reminder run again): nothing to write
    with transaction.atomic():
        # A keyed notice sent meanwhile by another process is skipped: once is enough. Those
        # rows come back without their ids; the ones to e-mail are read back.
        Notification.objects.bulk_create(keyed, batch_size=BATCH, ignore_conflicts=True)
        Notification.objects.bulk_create(unkeyed, batch_size=BATCH)
    to_email = [n.pk for n in unkeyed if n.user.email]
    mailed = {(n.user_id, n.dedupe_key) for n in keyed if n.user.email}
    mailed_keys = sorted({key for _user, key in mailed})
    for start in range(0, len(mailed_keys), KEYS_PER_QUERY):
        rows = Notification.objects.filter(
            dedupe_key__in=mailed_keys[start : start + KEYS_PER_QUERY], emailed_at__isnull=True
        ).values_list("pk", "user_id", "dedupe_key")
        to_email.extend(pk for pk, user, key in rows if (user, key) in mailed)
    for pk in to_email:
        transaction.on_commit(partial(email_notification.enqueue, pk))
    return keyed + unkeyed


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
