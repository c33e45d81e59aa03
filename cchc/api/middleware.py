"""The API speaks the language the request asks for, whatever the session's.

The pages follow the user's chosen language (accounts.middleware.UserLanguageMiddleware);
an API call follows its Accept-Language: Vietnamese when it asks for vi first, English
otherwise (a calling system that says nothing reads English)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

API_NAMESPACE = "api"


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
        return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        match = request.resolver_match
        if match is not None and API_NAMESPACE in match.namespaces:
            language = api_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
