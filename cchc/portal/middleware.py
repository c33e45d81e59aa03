"""Counts the portal's page views into the servers' buffer (cchc.portal.visitors), never with a
write in the request, and gives a first-time visitor their cookie."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cchc.portal.visitors import BUFFER, COOKIE, COOKIE_AGE, visitor_key, visitor_token


class VisitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if (
            match is None
            or match.namespace != "portal"
            or request.method != "GET"
            # A 304 is the page read again from the browser's copy: a view too.
            or response.status_code not in (200, 304)
            or match.url_name in ("captcha", "map_data")
        ):
            return response
        token, new = visitor_token(request)
        name = match.url_name or ""
        path = f"article:{match.kwargs['slug']}" if name == "article" else name
        BUFFER.count(path[:200], visitor_key(token))
        if new and COOKIE not in response.cookies:
            response.set_cookie(
                COOKIE,
                token,
                max_age=COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
