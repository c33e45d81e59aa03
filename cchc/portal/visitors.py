"""Who a visitor is, without keeping who they are: a random cookie, and the address hashed with
a random salt drawn each day and deleted after two (so no address is stored, and once the salt
is gone a stored hash cannot be traced back to one). Page views are counted in each server's
memory and added to the database every FLUSH_SECONDS (an atomic `views = views + n`: several
servers add up correctly)."""

import hashlib
import logging
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone

from cchc.core.addresses import client_address
from cchc.portal.models import (
    Comment,
    CountedRequest,
    DailySalt,
    Feedback,
    OnlineVisitor,
    Rating,
    VisitDay,
)

logger = logging.getLogger(__name__)

COOKIE = "cchc_visitor"
COOKIE_AGE = 365 * 24 * 3600
FLUSH_SECONDS = 30
ONLINE_MINUTES = 5
SEEN_EVERY_SECONDS = 60


_SALTS: dict[str, str] = {}


def _salt() -> str:
    """Today's random salt, shared by every server through the database."""
    day = timezone.localdate()
    cached = _SALTS.get(day.isoformat())
    if cached:
        return cached
    salt, _created = DailySalt.objects.get_or_create(
        day=day, defaults={"value": secrets.token_hex(32)}
    )
    _SALTS.clear()
    _SALTS[day.isoformat()] = salt.value
    return salt.value


def address_hash(request: HttpRequest) -> str:
    """Today's hash of the visitor's address."""
    return hashlib.sha256(f"{_salt()}|{client_address(request)}".encode()).hexdigest()


def visitor_token(request: HttpRequest) -> tuple[str, bool]:
    """The visitor's cookie token, and whether it is new (then the response sets it)."""
    token = request.COOKIES.get(COOKIE, "")
    if len(token) == 32 and all(c in "0123456789abcdef" for c in token):
        return token, False
    return secrets.token_hex(16), True


def visitor_key(token: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}|visitor|{token}".encode()).hexdigest()


class Buffer:
    """This server's page views and recent visitors, not yet written."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: Counter[tuple[str, str]] = Counter()
        self.seen: dict[str, float] = {}  # visitor → when this server last wrote it
        self.due: dict[str, float] = {}  # visitors to write at the next flush
        self.flushed = time.monotonic()
        self.purged: object = None  # the day address hashes were last cleared

    def count(self, path: str, visitor: str) -> None:
        day = timezone.localdate().isoformat()
        now = time.monotonic()
        with self.lock:
            self.views[(day, "")] += 1
            self.views[(day, path)] += 1
            if now - self.seen.get(visitor, 0) >= SEEN_EVERY_SECONDS:
                self.seen[visitor] = now
                self.due[visitor] = now
            if len(self.seen) > 50_000:
                self.seen.clear()
            flush = now - self.flushed >= FLUSH_SECONDS
        if flush:
            self.flush()

    def pending(self) -> int:
        with self.lock:
            return sum(n for (_day, path), n in self.views.items() if path == "")

    def flush(self) -> None:
        """Add the buffered counts to the database. If the database refuses (locked, away),
        the counts go back into the buffer for the next time, and the page is not harmed."""
        with self.lock:
            views, self.views = self.views, Counter()
            due, self.due = self.due, {}
            self.flushed = time.monotonic()
        if not views and not due:
            return
        try:
            self._write(views, due)
        except DatabaseError:
            logger.warning("Visit counts not written now; kept for the next flush.", exc_info=True)
            with self.lock:
                self.views.update(views)
                self.due.update(due)

    def _write(self, views: Counter[tuple[str, str]], due: dict[str, float]) -> None:
        now = timezone.now()
        with transaction.atomic():
            for (day, path), count in views.items():
                updated = VisitDay.objects.filter(day=day, path=path).update(
                    views=F("views") + count
                )
                if not updated:
                    _, created = VisitDay.objects.get_or_create(
                        day=day, path=path, defaults={"views": count}
                    )
                    if not created:
                        VisitDay.objects.filter(day=day, path=path).update(views=F("views") + count)
            for visitor in due:
                OnlineVisitor.objects.update_or_create(visitor=visitor, defaults={"last_seen": now})
            OnlineVisitor.objects.filter(last_seen__lt=now - timedelta(hours=1)).delete()
            # Once the rate limits no longer need them, address hashes and their salts go.
            today = timezone.localdate()
            if self.purged != today:
                DailySalt.objects.filter(day__lt=today - timedelta(days=1)).delete()
                old = now - timedelta(days=1)
                Comment.objects.filter(created_at__lt=old).exclude(visitor="").update(visitor="")
                Feedback.objects.filter(created_at__lt=old).exclude(visitor="").update(visitor="")
                Rating.objects.filter(created_at__lt=old).exclude(address="").update(address="")
                CountedRequest.objects.filter(created_at__lt=old).delete()
                self.purged = today


BUFFER = Buffer()


def statistics() -> dict[str, Any]:
    """Total visits (written and this server's pending ones) and visitors online now."""
    total = VisitDay.objects.filter(path="").aggregate(total=Sum("views"))["total"] or 0
    since = timezone.now() - timedelta(minutes=ONLINE_MINUTES)
    online = OnlineVisitor.objects.filter(last_seen__gte=since).count()
    return {"total": total + BUFFER.pending(), "online": max(online, 1)}
