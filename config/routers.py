"""Reading pages from the PostgreSQL streaming replica (issue 22; docs/operations.md, "The read
replica").

Installed only when DATABASE_REPLICA_URL names a replica (config/settings.py). Then:

- A request reads from the replica only when it is a GET or HEAD of a view named in
  REPLICA_READ_VIEWS (the policy: dashboards, the portal, exports), its browser has not just
  posted (the PIN_COOKIE, set for DATABASE_REPLICA_PIN_SECONDS after any POST, PUT, PATCH or
  DELETE, so the page a redirect-after-POST shows has its own write), and the replica is
  available (below). Everything else reads the primary: other views, every write, commands,
  tasks, the shell.
- The first write of a request (any save, update, delete, get_or_create, select_for_update:
  what Django routes through db_for_write) pins the request to the primary, and so does an
  open transaction on the primary: every later read of that request sees the write.
- The replica is available when it answers and is at most DATABASE_REPLICA_MAX_LAG seconds
  behind; that is checked at most once every DATABASE_REPLICA_CHECK_SECONDS in each process
  and kept. A reading page whose query fails on the replica (it went away between two checks)
  marks it away and is answered again from the primary, once.
- Sessions, the login lockout and verification codes are always read from the primary: they
  must be exact on the request after they change, whichever browser sends it.
"""

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

from cchc.core.health import REPLICA, replica_lag

logger = logging.getLogger(__name__)

PRIMARY = "default"
# The policy: names of views (namespace:name; `*` matches any) whose GET may read the replica.
# A page named here may show data up to DATABASE_REPLICA_MAX_LAG seconds old to a reader who
# did not just write it; a page whose reader must see what others just did is not named here.
REPLICA_READ_VIEWS: tuple[str, ...] = (
    # The dashboards and their exports (the reminder is a POST: primary).
    "analytics:*",
    # The public portal (its forms are POSTs: primary; captcha is a write: see below).
    "portal:home",
    "portal:articles",
    "portal:article",
    "portal:ranking",
    "portal:ranking_round",
    "portal:unit",
    "portal:map",
    "portal:map_data",
    "portal:document",
    "portal:photo",
    "portal:feedback_answers",
    # Exports of whole tables.
    "assessments:results_export",
    "frameworks:framework_export_xlsx",
    "frameworks:framework_export_csv",
    "inspections:checklist_export",
    "orgunits:unit_export_csv",
    "orgunits:unit_export_geojson",
)
# Read from the primary always (app labels): what must be exact on the very next request.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "captcha"})
SAFE_METHODS = frozenset({"GET", "HEAD"})
PIN_COOKIE = "cchc_primary"


def replica_view(view_name: str | None) -> bool:
    """Whether the view of this name may read from the replica (REPLICA_READ_VIEWS)."""
    return bool(view_name) and any(
        fnmatchcase(view_name or "", pattern) for pattern in REPLICA_READ_VIEWS
    )


@dataclass
class Route:
    """Where the current request reads: set by ReplicaRoutingMiddleware, one per request."""

    replica_ok: bool = False  # a reading page of the policy, GET, not just after a POST
    pinned: bool = False  # it wrote: every later read goes to the primary
    used_replica: bool = False
    view: tuple[Callable[..., HttpResponse], tuple[Any, ...], dict[str, Any]] | None = field(
        default=None, repr=False
    )


# No request (a command, a task, the shell): None, and everything goes to the primary.
CURRENT: ContextVar[Route | None] = ContextVar("cchc_db_route", default=None)


class ReplicaHealth:
    """This process's idea of whether the replica may be read, checked at most every
    DATABASE_REPLICA_CHECK_SECONDS (its lag, or that it answers at all)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at: float | None = None
        self.ok = False

    def available(self) -> bool:
        now = time.monotonic()
        checked_at = self.checked_at
        if checked_at is not None and now - checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS:
            return self.ok
        with self.lock:
            if self.checked_at == checked_at:  # no other thread checked meanwhile
                self.set(self.check(), now)
        return self.ok

    def check(self) -> bool:
        try:
            lag = replica_lag(REPLICA)
        except DatabaseError:
            logger.warning("The read replica does not answer; reading from the primary.")
            connections[REPLICA].close()
            return False
        if lag > settings.DATABASE_REPLICA_MAX_LAG:
            logger.warning("The read replica is %.1f s behind; reading from the primary.", lag)
            return False
        return True

    def set(self, ok: bool, at: float | None = None) -> None:
        if ok and not self.ok and self.checked_at is not None:
            logger.info("The read replica is back; reading pages read from it again.")
        self.ok = ok
        self.checked_at = time.monotonic() if at is None else at

    def mark_away(self) -> None:
        with self.lock:
            self.set(False)

    def forget(self) -> None:
        """Check again on the next read (tests; a change of configuration)."""
        with self.lock:
            self.checked_at = None
            self.ok = False


HEALTH = ReplicaHealth()


def read_alias() -> str:
    route = CURRENT.get()
    if (
        route is None
        or not route.replica_ok
        or route.pinned
        or REPLICA not in settings.DATABASES
        or connections[PRIMARY].in_atomic_block  # a transaction reads what it wrote
        or not HEALTH.available()
    ):
        return PRIMARY
    route.used_replica = True
    return REPLICA


def pin_to_primary() -> None:
    route = CURRENT.get()
    if route is not None:
        route.pinned = True


class ReplicaRouter:
    """Django's database router (DATABASE_ROUTERS): the decision is read_alias()."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if model._meta.app_label in PRIMARY_ONLY_APPS:  # type: ignore[attr-defined]
            return PRIMARY
        return read_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        pin_to_primary()
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: same rows, same ids

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY  # the replica replays the primary's schema


class ReplicaRoutingMiddleware:
    """Gives each request its Route, and the pin cookie after a request that may write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if REPLICA not in settings.DATABASES:
            return self.get_response(request)
        token = CURRENT.set(Route())
        try:
            response = self.get_response(request)
        finally:
            CURRENT.reset(token)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        route = CURRENT.get()
        if route is None:
            return None
        match = request.resolver_match
        route.replica_ok = (
            request.method in SAFE_METHODS
            and PIN_COOKIE not in request.COOKIES
            and replica_view(match.view_name if match else None)
        )
        route.view = (view, args, kwargs)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        """A reading page that failed on the replica (gone since the last check) is answered
        again from the primary, once."""
        route = CURRENT.get()
        if (
            route is None
            or not route.used_replica
            or route.pinned
            or route.view is None
            or not isinstance(exception, OperationalError | InterfaceError)
        ):
            return None
        logger.warning("A reading page failed on the read replica; answered from the primary.")
        HEALTH.mark_away()
        with suppress(DatabaseError):  # already broken: closing it is all that is left
            connections[REPLICA].close()
        route.pinned = True
        view, args, kwargs = route.view
        return view(request, *args, **kwargs)
