"""One view, two templates: the full page, or only its partial for an htmx request."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page_or_partial(
    request: HttpRequest,
    page_template: str,
    partial_template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render the partial for htmx requests (that are not history restores), else the page."""
    htmx = getattr(request, "htmx", None)
    is_partial = bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]
    template = partial_template if is_partial else page_template
    return render(request, template, context, status=status)
