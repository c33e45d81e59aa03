"""Calls per minute, per client (per person for a session), counted in Django's cache.

A fixed one-minute window: the first call of a minute adds the key (`cache.add`, atomic), every
call increments it (`cache.incr`, atomic on the shared caches). Over API_RATE_LIMIT_PER_MINUTE
the call is refused with 429 and Retry-After (seconds to the next minute). No database
query: the portal's limits count rows per address because they must survive a restart and
hold across servers without a shared cache; a call budget may reset with the cache."""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from cchc.api.problems import Problem

RATE_LIMIT_MESSAGE = gettext_noop(
    "Too many calls: at most {limit} a minute. Try again in {seconds} seconds."
)
WINDOW_SECONDS = 60


def rate_limit(identity: str) -> None:
    """Count one call of `identity` ("client:7", "user:12"); raise a 429 Problem over the limit."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"api-rate:{identity}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this call as the first
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    if count > limit:
        seconds = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        raise Problem(
            429,
            RATE_LIMIT_MESSAGE,
            slug="rate-limit",
            params={"limit": limit, "seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )
