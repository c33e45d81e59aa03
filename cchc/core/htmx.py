"""One view, two answers: the full page, or only the part htmx asked for. Views ask
`is_htmx(request)` (or let `render_page_or_partial` choose) and never read the `HX-Request`
header themselves: a history restore (htmx asking for a whole page it lost from its cache) is
not a partial request, and one place knows it (`tests/test_htmx_guard.py` keeps it so)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx made the request and wants a part of the page (not a history restore)."""
    htmx = getattr(request, "htmx", None)  # django_htmx.middleware.HtmxMiddleware sets it
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def render_page_or_partial(
    request: HttpRequest,
    page_template: str,
    partial_template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render the partial for htmx requests (that are not history restores), else the page."""
    template = partial_template if is_htmx(request) else page_template
    return render(request, template, context, status=status)
