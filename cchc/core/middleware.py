"""A refusal inside a view is CCHC's own page, in the user's language, in development too.

With DEBUG on, Django answers an Http404 with its technical page (in English, listing the
project's URL patterns), which is what a user trying the demo (`make run`) met on every record
not theirs to see. Here a view's Http404 goes to the project's handler404 whatever DEBUG is;
an address that matches no URL is refused before any view runs, so in development it still
gets Django's debug page, and a 500 still gets Django's traceback. A PermissionDenied already
goes to handler403 in both modes."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf


class RefusalPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Http404):
            return None
        handler: Callable[..., HttpResponse] = get_resolver(get_urlconf()).resolve_error_handler(
            404
        )
        return handler(request, exception)
