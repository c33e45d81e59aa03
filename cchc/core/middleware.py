"""A refusal inside a view is CCHC's own page, in the user's language, in development too.

With DEBUG on, Django answers an Http404 with its technical page (in English, listing the
project's URL patterns), which is what a user trying the demo (`make run`) met on every record
not theirs to see, and on any address that matches no URL (a mistyped portal link). Here both
go to the project's handler404 whatever DEBUG is; a developer who wants Django's list of URL
patterns sets TECHNICAL_404=1. A 500 still gets Django's traceback in development. A
PermissionDenied already goes to handler403 in both modes.

An address that only receives a form (a rating, a save), opened in the browser, answers 405
with an empty body: a blank white page. A browser asking for a page gets one saying what
happened; a program (the API's clients, which ask for JSON) keeps the bare answer."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf

from cchc.core.refusals import refusal_page


class RefusalPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        unresolved = (
            response.status_code == 404 and getattr(request, "resolver_match", None) is None
        )
        if unresolved and settings.DEBUG and not getattr(settings, "TECHNICAL_404", False):
            return self._not_found(request, Resolver404({"path": request.path}))
        if (
            response.status_code == 405
            and request.method in ("GET", "HEAD")
            and not response.content
            and "text/html" in request.headers.get("Accept", "")
        ):
            page = refusal_page(request, "405.html", 405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Http404):
            return None
        return self._not_found(request, exception)

    @staticmethod
    def _not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
        handler: Callable[..., HttpResponse] = get_resolver(get_urlconf()).resolve_error_handler(
            404
        )
        return handler(request, exception)
