"""What the public pages compute once and reuse: the published tables, a unit's page, the
map, the footer, and the front page whole.

Each entry carries the content's version. With a cache every host shares (Redis: production),
the version is a random token kept in that cache under VERSION_KEY and replaced by every write
that changes what the portal shows (content_changed, connected in apps.py to the saves and
deletes of rounds, articles, inspections, documents, the portal's settings and links): at the
write, and again when its transaction commits, so a page built meanwhile from the old rows is
not kept either. Reading it costs one cache read, read with the page itself.

With each process's own memory (a laptop, the tests) another process's write could not reach
this process's token, so the version is computed from the database on every request (three
aggregates, as before) and the front page is not kept whole: exact, and slower."""

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

from cchc.assessments.models import Round
from cchc.documents.models import IssuedDocument
from cchc.inspections.models import Inspection, RemediationAction
from cchc.orgunits.models import OrgUnit
from cchc.portal.models import Article, ArticlePhoto, PortalSettings, WebsiteLink

TIMEOUT = 600
VERSION_KEY = "portal:content-version"
# A page kept whole is rebuilt at least once a minute: scheduled articles appear at their minute,
# and the footer's visit figures (a counter) may be up to this old.
PAGE_SECONDS = 60
FIGURES_SECONDS = 30  # the footer's visit total and visitors online, read by every portal page
CSRF_MARK = "\x00csrf\x00"
_CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def version_in_cache() -> bool:
    """Whether the version lives in a cache every process shares (PORTAL_VERSION_IN_CACHE, by
    default: a cache that is not each process's own memory, outside the tests)."""
    chosen = getattr(settings, "PORTAL_VERSION_IN_CACHE", None)
    if chosen is not None:
        return bool(chosen)
    backend = str(settings.CACHES["default"]["BACKEND"])
    local = backend.endswith(("LocMemCache", "DummyCache"))
    return not local and not getattr(settings, "TESTING", False)


def _database_version() -> str:
    parts = (
        Round.objects.filter(status=Round.Status.PUBLISHED).aggregate(v=Max("published_at"))["v"],
        Article.objects.aggregate(v=Max("updated_at"))["v"],
        # A conclusion notice issued (or issued again, replacing one) is a new document row.
        tuple(Inspection.objects.aggregate(v=Max("updated_at"), d=Max("documents__pk")).values()),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _new_version() -> str:
    """The version now; a cache that lost it (evicted, restarted) starts a new one, the same on
    every host (add: the first host's token wins)."""
    cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
    return str(cache.get(VERSION_KEY) or "")


def content_version() -> str:
    if not version_in_cache():
        return _database_version()
    return str(cache.get(VERSION_KEY) or "") or _new_version()


def _bump() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def content_changed(*, using: str = "default", **_signal: Any) -> None:
    """Something the portal shows changed: new keys for every page now, and again once the
    write commits (a page built in between read the rows before the commit)."""
    if not version_in_cache():
        return
    _bump()
    transaction.on_commit(_bump, using=using)


# Every model whose rows a portal page shows (a round's published table, an article, a unit's
# page with its inspections, notices and remediation, the footer's name and links). Any save or
# delete of one (services, commands, the admin, loaddata and restore) changes the version; the
# one queryset update on them (documents: the replaced notice's mark) comes with a new row.
SHOWN_MODELS = (
    Round,
    Article,
    ArticlePhoto,
    Inspection,
    IssuedDocument,
    RemediationAction,
    OrgUnit,
    PortalSettings,
    WebsiteLink,
)


def connect() -> None:
    for model in SHOWN_MODELS:
        uid = f"portal-content-{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}-delete")


def cached(name: str, build: Callable[[], Any], version: str | None = None) -> Any:
    key = f"portal:{version or content_version()}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value


def figures(compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The footer's visit figures: a counter, so up to FIGURES_SECONDS old where the version is
    shared (one cache read instead of a sum, a count and the pending counts); exact otherwise."""
    if not version_in_cache():
        return compute()
    value = cache.get_or_set("portal:visit-figures", compute, FIGURES_SECONDS)
    return value if isinstance(value, dict) else compute()


def _may_keep(request: HttpRequest) -> bool:
    """A page is kept whole, and served kept, only as every visitor sees it: a GET without a
    query, with no message waiting for this visitor (len() reads without taking them)."""
    if request.method not in ("GET", "HEAD") or request.GET or not version_in_cache():
        return False
    return len(messages.get_messages(request)) == 0


def page(request: HttpRequest, name: str, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `name` kept whole in the visitor's language, read with the version in one
    cache read; its ETag answers a conditional GET with 304 (nothing rendered, no query). Kept
    with its form's CSRF token left out and put back for each visitor (theirs, from their
    cookie)."""
    if not _may_keep(request):
        return render()
    key = f"portal:page:{name}:{get_language()}"
    minute = timezone.now().strftime("%Y%m%d%H%M")
    found = cache.get_many([VERSION_KEY, key])
    version = str(found.get(VERSION_KEY) or "") or _new_version()
    kept = found.get(key)
    if kept is not None and kept[0] == (version, minute):
        _, etag, body, content_type = kept
    else:
        response = render()
        if response.status_code != 200 or response.streaming:
            return response
        text = _CSRF_FIELD.sub(rf"\g<1>{CSRF_MARK}\g<2>", response.content.decode())
        body = text.encode()
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        content_type = response["Content-Type"]
        cache.set(key, ((version, minute), etag, body, content_type), PAGE_SECONDS)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        answer: HttpResponse = HttpResponseNotModified()
    else:
        answer = HttpResponse(
            body.replace(CSRF_MARK.encode(), get_token(request).encode()),
            content_type=content_type,
        )
    answer["ETag"] = etag
    # Each visitor's copy holds their CSRF token: kept by their browser only, asked again each
    # time (a 304 while the page is the same).
    patch_cache_control(answer, private=True, no_cache=True)
    patch_vary_headers(answer, ("Cookie", "Accept-Language"))
    return answer
