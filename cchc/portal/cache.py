"""What the public pages compute once and reuse: the published tables, a unit's page, the
map. Each entry's key carries the content's version, read from the database on every request
(three aggregates; a document issued or issued again counts too): publishing or
unpublishing anything gives new keys, so no server ever shows a stale page, however many there
are and whatever cache they share."""

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models import Max

from cchc.assessments.models import Round
from cchc.inspections.models import Inspection
from cchc.portal.models import Article

TIMEOUT = 600


def content_version() -> str:
    parts = (
        Round.objects.filter(status=Round.Status.PUBLISHED).aggregate(v=Max("published_at"))["v"],
        Article.objects.aggregate(v=Max("updated_at"))["v"],
        # A conclusion notice issued (or issued again, replacing one) is a new document row.
        tuple(Inspection.objects.aggregate(v=Max("updated_at"), d=Max("documents__pk")).values()),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def cached(name: str, build: Callable[[], Any], version: str | None = None) -> Any:
    key = f"portal:{version or content_version()}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value
