"""Who a visitor is, without keeping who they are: a random cookie, and the address hashed with
a random salt drawn each day and deleted after two (so no address is stored, and once the salt
is gone a stored hash cannot be traced back to one).

Page views are counted in the shared cache (an atomic increment per page and day: every app
host counts into the same keys), never with a database write in the request, and added to the
database every FLUSH_SECONDS by whichever host takes the flush first (an atomic
`views = views + n`). A host that dies loses nothing that it counted: the counts are in the
cache, not in its memory. So the totals read on any host agree."""

import hashlib
import logging
import secrets
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, cache
from django.core.cache.backends.redis import RedisCache
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


def _count_key(day: str, path: str) -> str:
    return f"portal:visits:{day}:{hashlib.sha256(path.encode()).hexdigest()[:24]}"


FLUSH_LOCK = "portal:visits:flushing"
COUNT_TIMEOUT = 3 * 24 * 3600  # counts not flushed within three days are dropped


class Buffer:
    """Page views not yet written, in the shared cache, and this host's recent visitors.

    The counts live in `store` (Django's cache: Redis shared by every host in production,
    each process's own memory on a laptop). What stays in this process is only which keys it has
    counted into (so that its flush knows what to take) and the visitors it is to mark as
    online; a visitor is marked once a minute by whichever host sees them first."""

    def __init__(self, store: BaseCache | None = None) -> None:
        self.store = store if store is not None else cache
        self.lock = threading.Lock()
        self.keys: set[tuple[str, str]] = set()  # (day, path) this host has counted into
        self.due: dict[str, float] = {}  # visitors to write at the next flush
        self.flushed = time.monotonic()
        self.purged: object = None  # the day address hashes were last cleared

    def _add(self, day: str, path: str, count: int) -> None:
        key = _count_key(day, path)
        self.store.add(key, 0, timeout=COUNT_TIMEOUT)
        try:
            self.store.incr(key, count)
        except ValueError:  # evicted between add and incr
            self.store.set(key, count, timeout=COUNT_TIMEOUT)

    def _count_in_redis(self, day: str, path: str, seen: str) -> bool | None:
        """The two increments and the visitor's mark in one round trip to Redis (a pipeline:
        INCR creates a missing key at 0, so no add first); None when the store is not Redis.
        Returns whether the visitor is first seen this minute."""
        client_of = getattr(getattr(self.store, "_cache", None), "get_client", None)
        if not isinstance(self.store, RedisCache) or client_of is None:
            return None
        keys = [self.store.make_and_validate_key(_count_key(day, name)) for name in ("", path)]
        mark = self.store.make_and_validate_key(seen)
        pipe = client_of(mark, write=True).pipeline(transaction=False)
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, COUNT_TIMEOUT)
        pipe.set(mark, 1, nx=True, ex=SEEN_EVERY_SECONDS)
        return bool(pipe.execute()[-1])

    def count(self, path: str, visitor: str) -> None:
        day = timezone.localdate().isoformat()
        seen = f"portal:seen:{visitor}"
        first_this_minute = self._count_in_redis(day, path, seen)
        if first_this_minute is None:
            self._add(day, "", 1)
            self._add(day, path, 1)
            first_this_minute = self.store.add(seen, 1, timeout=SEEN_EVERY_SECONDS)
        now = time.monotonic()
        with self.lock:
            self.keys.update(((day, ""), (day, path)))
            if first_this_minute:
                self.due[visitor] = now
            flush = now - self.flushed >= FLUSH_SECONDS
        if flush:
            self.flush()

    def pending(self) -> int:
        """Views counted on any host today and yesterday and not yet in the database."""
        today = timezone.localdate()
        keys = [_count_key(day.isoformat(), "") for day in (today, today - timedelta(days=1))]
        return sum(int(n) for n in self.store.get_many(keys).values())

    def flush(self) -> None:
        """Take the counts of every key this host has counted into (other hosts' views of the
        same pages included) and add them to the database; one host at a time (a lock in the
        cache, which expires if its holder dies). If the database refuses (locked, away), the
        counts go back into the cache for the next time, and the page is not harmed."""
        with self.lock:
            keys = sorted(self.keys)
            due, self.due = self.due, {}
            self.flushed = time.monotonic()
        if not self.store.add(FLUSH_LOCK, 1, timeout=60):
            with self.lock:  # another host is flushing: these visitors go next time
                self.due.update(due)
            return
        try:
            names = {_count_key(day, path): (day, path) for day, path in keys}
            found = self.store.get_many(list(names))
            views: dict[tuple[str, str], int] = {}
            for name, count in found.items():
                if int(count) > 0:
                    # Take what was read; views counted meanwhile stay for the next flush.
                    self.store.decr(name, int(count))
                    views[names[name]] = int(count)
            with self.lock:  # a day's keys are forgotten once that day has nothing pending
                today = timezone.localdate().isoformat()
                self.keys -= {key for key in keys if key[0] != today and key not in views}
            if not views and not due:
                return
            try:
                self._write(views, due)
            except DatabaseError:
                logger.warning(
                    "Visit counts not written now; kept for the next flush.", exc_info=True
                )
                for (day, path), count in views.items():
                    self._add(day, path, count)
                with self.lock:
                    self.due.update(due)
        finally:
            self.store.delete(FLUSH_LOCK)

    def _write(self, views: dict[tuple[str, str], int], due: dict[str, float]) -> None:
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
    """Total visits (written, and counted on any host but not yet written) and visitors online
    now."""
    total = VisitDay.objects.filter(path="").aggregate(total=Sum("views"))["total"] or 0
    since = timezone.now() - timedelta(minutes=ONLINE_MINUTES)
    online = OnlineVisitor.objects.filter(last_seen__gte=since).count()
    return {"total": total + BUFFER.pending(), "online": max(online, 1)}
