import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """Speak the language a logged-in user chose, on every device they use. Visitors get
    Vietnamese unless they chose English with the switch (a cookie): the browser's own
    language is not a choice made for CCHC, so it is not followed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            language = user.language
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            known = dict(settings.LANGUAGES)
            language = chosen if chosen in known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return self.get_response(request)


# A session in use is written again (its expiry moved on) at most this often.
SESSION_REFRESH_SECONDS = 5 * 60
SESSION_REFRESHED_KEY = "_refreshed_at"


class SessionRefreshMiddleware:
    """Keep a session alive while it is used without writing it on every request.

    A session expires SESSION_COOKIE_AGE (8 hours) after it was last written. Writing it on
    every request (SESSION_SAVE_EVERY_REQUEST) cost three queries each time; instead a session
    is written again only when its last write is older than SESSION_REFRESH_SECONDS, or when
    the request changed it anyway (and then it is marked as refreshed too). So a session ends
    between 8 hours less 5 minutes and 8 hours after its last request, never later. Must come
    after SessionMiddleware, which saves what is marked modified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A visitor without a session is never given one here.
        if session is None or (
            settings.SESSION_COOKIE_NAME not in request.COOKIES and not session.modified
        ):
            return response
        refreshed = session.get(SESSION_REFRESHED_KEY)  # loads it, if the request did not
        if session.is_empty():  # signed out, or the session had expired
            return response
        now = int(time.time())
        if (
            session.modified  # written anyway: it counts as refreshed
            or not isinstance(refreshed, int)
            or not 0 <= now - refreshed < SESSION_REFRESH_SECONDS
        ):
            session[SESSION_REFRESHED_KEY] = now
        return response
