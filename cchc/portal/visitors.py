"""Who a visitor is, without keeping who they are: a random cookie, and the address hashed with
a salt that changes every day (so yesterday's hashes cannot be matched to today's, and no
address is stored). Page views are counted in each server's memory and added to the database
every FLUSH_SECONDS (an atomic `views = views + n`: several servers add up correctly)."""

import hashlib
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone

COOKIE = "cchc_visitor"
COOKIE_AGE = 365 * 24 * 3600
FLUSH_SECONDS = 30
ONLINE_MINUTES = 5
SEEN_EVERY_SECONDS = 60


def _salted(value: str) -> str:
    day = timezone.localdate().isoformat()
    return hashlib.sha256(f"{settings.SECRET_KEY}|{day}|{value}".encode()).hexdigest()


def address_hash(request: HttpRequest) -> str:
    """Today's hash of the visitor's address (behind a trusted proxy, the forwarded one)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1].strip()
    return _salted(address)


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
        from cchc.portal.models import OnlineVisitor, VisitDay

        with self.lock:
            views, self.views = self.views, Counter()
            due, self.due = self.due, {}
            self.flushed = time.monotonic()
        if not views and not due:
            return
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


BUFFER = Buffer()


def statistics() -> dict[str, Any]:
    """Total visits (written and this server's pending ones) and visitors online now."""
    from cchc.portal.models import OnlineVisitor, VisitDay

    total = VisitDay.objects.filter(path="").aggregate(total=Sum("views"))["total"] or 0
    since = timezone.now() - timedelta(minutes=ONLINE_MINUTES)
    online = OnlineVisitor.objects.filter(last_seen__gte=since).count()
    return {"total": total + BUFFER.pending(), "online": max(online, 1)}
