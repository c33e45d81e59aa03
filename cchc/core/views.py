import sys

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cchc.core import selectors
from cchc.core.dashboard import panels_for_user
from cchc.core.exceptions import BadInput, Refused
from cchc.core.forms import AuditFilterForm
from cchc.core.htmx import render_page_or_partial
from cchc.core.permissions import capability_required
from cchc.core.refusals import refusal_page
from cchc.core.roles import Capability

AUDIT_PAGE_SIZE = 50


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    """Show each user the panels of their roles, and where they hold them."""
    user = request.user
    context = {
        "memberships": user.active_memberships,  # type: ignore[union-attr]
        "panels": panels_for_user(user),
    }
    return render(request, "core/home.html", context)


@capability_required(Capability.VIEW_AUDIT)
def audit_list_view(request: HttpRequest) -> HttpResponse:
    """Search the audit trail: who changed what, when, from which value to which."""
    form = AuditFilterForm(request.GET or None, object_types=selectors.audit_object_types())
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list_for_user(
        user=request.user,
        query=filters.get("q", ""),
        actor=filters.get("actor", ""),
        object_type=filters.get("object_type", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {"form": form, "page": page, "query_string": query_string.urlencode()}
    return render_page_or_partial(
        request, "core/audit_list.html", "core/_audit_results.html", context
    )


@require_GET
def health_view(request: HttpRequest) -> HttpResponse:
    """Answer load balancers and `make run` that the app is up."""
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Only our own refusals carry a message for people; Django's (a bad host, a broken
    # upload) say nothing to the user beyond the page's own sentence.
    message = exception.message if isinstance(exception, BadInput) else ""
    return refusal_page(request, "400.html", 400, {"message": message})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = exception.message if isinstance(exception, Refused) else ""
    return refusal_page(request, "403.html", 403, {"message": message})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form whose page is out of date (opened before signing in again, or its cookie gone):
    nothing was saved; open the page again. Django's reason is for the log, not the user."""
    return refusal_page(request, "403_csrf.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return refusal_page(request, "404.html", 404)


# How long a page refused while the database was busy asks to wait (SQLite's one writer: a
# large import holds it for seconds, and a login at that moment waited past busy_timeout).
BUSY_RETRY_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page; 503 "busy, try again" when what failed was waiting for the database's
    lock (a login during a 150,000-row import was a bare server error). Called while the
    exception is handled: it is read from there."""
    # No context processors: the error may have come from them.
    from django.template import loader

    failure = sys.exc_info()[1]
    if isinstance(failure, OperationalError) and "locked" in str(failure):
        # This site's own path ("//elsewhere/" would be another site's address).
        context = {"seconds": BUSY_RETRY_SECONDS, "again": "/" + request.path.lstrip("/\\")}
        page = loader.get_template("503.html").render(context)
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
