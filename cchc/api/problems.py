"""Errors as RFC 9457 problem details (`application/problem+json`).

Every refusal of the API is one of these: {"type", "title", "status", "detail", "instance"},
plus "errors" ([{"index", "field", "message"}]) when input was refused. `detail` is in the
language the request asked for (Accept-Language; Vietnamese when it says vi, English
otherwise: cchc.api.middleware activates it), so messages are translated when the response
is made. An endpoint refuses by raising `Problem` (or Django's Http404/PermissionDenied and a
service's ValidationError, which `install_handlers` turns into problems too); no handler ever
shows a traceback.
"""

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("cchc.api")

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:cchc:problem:"

TITLES = {
    400: gettext_noop("Bad request"),
    401: gettext_noop("Authentication required"),
    403: gettext_noop("Forbidden"),
    404: gettext_noop("Not found"),
    405: gettext_noop("Method not allowed"),
    409: gettext_noop("Conflict"),
    413: gettext_noop("Request too large"),
    422: gettext_noop("Invalid input"),
    429: gettext_noop("Too many requests"),
    500: gettext_noop("Server error"),
}
NOT_FOUND_MESSAGE = gettext_noop("Nothing here, or you may not read it.")
FORBIDDEN_MESSAGE = gettext_noop("You may not do this.")
INVALID_MESSAGE = gettext_noop("Some values were refused; see errors.")
SERVER_ERROR_MESSAGE = gettext_noop(
    "Something went wrong on the server. It was recorded; try again later."
)
TOO_LARGE_MESSAGE = gettext_noop(
    "The request is too large (at most {size}): send the records in smaller batches."
)
UNAUTHORIZED_MESSAGE = gettext_noop(
    "Send a client token (Authorization: Bearer cchc_…) or sign in."
)


class ProblemOut(Schema):
    """What every refusal looks like (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str


class FieldErrorOut(Schema):
    index: int | None
    field: str
    message: str


class ValidationProblemOut(ProblemOut):
    errors: list[FieldErrorOut]


class Problem(Exception):
    """A refusal. `message` is an English msgid (gettext_noop) translated when the answer is
    made, with `params` formatted into it ({name}); `errors` are already-worded items."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        slug: str = "",
        params: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.slug = slug
        self.params = params or {}
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    slug: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{slug}" if slug else "about:blank",
        "title": _(TITLES.get(status, TITLES[400])),
        "status": status,
        "detail": detail,
        "instance": request.get_full_path(),
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_error(index: int | None, field: str, message: str) -> dict[str, Any]:
    return {"index": index, "field": field, "message": message}


def errors_of_validation(error: DjangoValidationError, index: int | None = None) -> list[dict]:
    """A service's ValidationError as the problem's `errors` (field "" for the whole item)."""
    if hasattr(error, "error_dict"):
        return [
            field_error(index, "" if name == "__all__" else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [field_error(index, "", message) for message in error.messages]


# Pydantic's refusals in the caller's language, by their type (its own words are English);
# a type not listed keeps pydantic's message.
INPUT_MESSAGES = {
    "missing": gettext_noop("This value is required."),
    "string_type": gettext_noop("Write this value as text."),
    "int_type": gettext_noop("Write a whole number."),
    "int_parsing": gettext_noop("Write a whole number."),
    "int_from_float": gettext_noop("Write a whole number."),
    "bool_type": gettext_noop("Write true or false."),
    "bool_parsing": gettext_noop("Write true or false."),
    "list_type": gettext_noop("Write a list ([…])."),
    "dict_type": gettext_noop("Write an object ({…})."),
    "model_type": gettext_noop("Write an object ({…})."),
    "model_attributes_type": gettext_noop("Write an object ({…})."),
    "date_parsing": gettext_noop("Write a date as 2026-01-31."),
    "date_from_datetime_parsing": gettext_noop("Write a date as 2026-01-31."),
    "datetime_parsing": gettext_noop("Write a date and time as 2026-01-31T08:30:00+07:00."),
    "greater_than_equal": gettext_noop("Write a number of at least {ge}."),
    "less_than_equal": gettext_noop("Write a number of at most {le}."),
    "string_too_long": gettext_noop("Write at most {max_length} characters."),
    "too_long": gettext_noop("At most {max_length} items."),
    "literal_error": gettext_noop("Write one of: {expected}."),
    "enum": gettext_noop("Write one of: {expected}."),
    "json_invalid": gettext_noop("The body is not JSON."),
}


def _input_message(item: dict[str, Any]) -> str:
    message = INPUT_MESSAGES.get(str(item.get("type", "")))
    if message is None:
        return str(item.get("msg", ""))
    context = {str(key): value for key, value in (item.get("ctx") or {}).items()}
    if "expected" in context:
        # pydantic joins the choices in English ("'draft', 'open' or 'published'").
        context["expected"] = str(context["expected"]).replace("' or '", "', '")
    try:
        return _(message).format(**context)
    except (KeyError, IndexError, ValueError):
        return str(item.get("msg", ""))


# The names pydantic adds to a location for each member of a union ("code" → "code", "str").
UNION_TAGS = frozenset({"str", "int", "bool", "float", "none", "dict", "list", "decimal", "date"})


# A refusal names at most this many errors (a body of a million bad records answered 674 MB).
MAX_LISTED_ERRORS = 100


def _ninja_errors(error: NinjaValidationError) -> list[dict[str, Any]]:
    """One error per item and field: a value refused by every member of a union (text, a
    number or true/false) is named once, with the first member's words; the first
    MAX_LISTED_ERRORS only."""
    items: list[dict[str, Any]] = []
    seen: set[tuple[int | None, str]] = set()
    for item in error.errors:
        if len(items) >= MAX_LISTED_ERRORS:
            break
        location = [str(part) for part in item.get("loc", ())]
        # loc: ("query", "limit") or ("body", "payload", "items", 3, "code", "str").
        numbers = [part for part in item.get("loc", ()) if isinstance(part, int)]
        names = [
            part
            for part in location[1:]
            if not part.isdigit() and part not in UNION_TAGS and "[" not in part
        ]
        key = (numbers[0] if numbers else None, names[-1] if names else "")
        if key in seen:
            continue
        seen.add(key)
        items.append(field_error(key[0], key[1], _input_message(item)))
    return items


def install_handlers(api: NinjaAPI) -> None:
    """Every exception an endpoint may raise, as a problem."""

    def on_problem(request: HttpRequest, exc: Any) -> HttpResponse:
        detail = _(exc.message).format(**exc.params) if exc.params else _(exc.message)
        return problem_response(
            request, exc.status, detail, slug=exc.slug, errors=exc.errors, headers=exc.headers
        )

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 404, _(NOT_FOUND_MESSAGE))

    def on_forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(request, 403, _(FORBIDDEN_MESSAGE), slug="forbidden")

    def on_unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            request,
            401,
            _(UNAUTHORIZED_MESSAGE),
            slug="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="cchc"'},
        )

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        # ninja's own refusals are English: the one a client meets (a body that is not JSON)
        # is said in the caller's language.
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return problem_response(request, 400, _(INPUT_MESSAGES["json_invalid"]), slug="json")
        return problem_response(request, exc.status_code, str(exc))

    def on_invalid_input(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            request, 422, _(INVALID_MESSAGE), slug="validation", errors=_ninja_errors(exc)
        )

    def on_refused(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = errors_of_validation(exc)
        detail = errors[0]["message"] if len(errors) == 1 else _(INVALID_MESSAGE)
        return problem_response(request, 422, detail, slug="validation", errors=errors)

    def on_too_large(request: HttpRequest, exc: Any) -> HttpResponse:
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE: the caller's mistake,
        # not the server's (it was a 500 logging a traceback).
        size = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        detail = _(TOO_LARGE_MESSAGE).format(size=size)
        return problem_response(request, 413, detail, slug="too-large")

    def on_server_error(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s", request.path, exc_info=exc)
        return problem_response(request, 500, _(SERVER_ERROR_MESSAGE))

    api.add_exception_handler(Problem, on_problem)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(NinjaValidationError, on_invalid_input)
    api.add_exception_handler(DjangoValidationError, on_refused)
    api.add_exception_handler(RequestDataTooBig, on_too_large)
    api.add_exception_handler(Exception, on_server_error)
