"""The API speaks the language the request asks for, whatever the session's.

The pages follow the user's chosen language (accounts.middleware.UserLanguageMiddleware);
an API call follows its Accept-Language: Vietnamese when it asks for vi first, English
otherwise (a calling system that says nothing reads English). A URL under /api/v1/ that
matches no operation (a negative id, a misspelt path) is answered as the API's own 404
problem, not the pages' HTML 404.

Text with the NUL character (\\u0000 in a JSON body, %00 in the address) is refused here as a
422 problem before anything reads it: PostgreSQL cannot store it in text, and no value of the
product holds it (SQLite would have stored it, PostgreSQL answered 500)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from cchc.api.problems import CONTENT_TYPE, NOT_FOUND_MESSAGE, field_error, problem_response
from cchc.core.imports import NUL_MESSAGE

API_NAMESPACE = "api"
API_PREFIX = "/api/v1/"
BODY_METHODS = {"POST", "PUT", "PATCH"}


def holds_nul(request: HttpRequest) -> bool:
    """The address or the body (as JSON writes it) holds the NUL character."""
    if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.method not in BODY_METHODS:
        return False
    try:
        return b"\\u0000" in request.body
    except RequestDataTooBig:
        return False  # refused as too large by the API's own handler (413)


def api_language(request: HttpRequest) -> str:
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        language = code.lower().split("-")[0]
        if language in ("vi", "en"):
            return language
    return "en"


class ApiLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX) and holds_nul(request):
            with translation.override(api_language(request)):
                message = _(NUL_MESSAGE)
                errors = [field_error(None, "", message)]
                return problem_response(request, 422, message, slug="validation", errors=errors)
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path_info.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith(CONTENT_TYPE)
        ):
            with translation.override(api_language(request)):
                return problem_response(request, 404, _(NOT_FOUND_MESSAGE))
        return response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        match = request.resolver_match
        if match is not None and API_NAMESPACE in match.namespaces:
            language = api_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
