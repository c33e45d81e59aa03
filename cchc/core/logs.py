"""Logs as JSON lines, each carrying the id of the request it was written in.

RequestIdMiddleware takes the request's X-Request-ID when a proxy in front set one (nginx:
`proxy_set_header X-Request-ID $request_id;`) and it is a plain token, or makes one; it keeps it
for the request's duration (a context variable: threads and async tasks each see their own)
and returns it in the response's X-Request-ID. RequestIdFilter puts it on every record
(`-` outside a request) and JsonFormatter writes one JSON object a line: time, level, logger,
message, request_id, and the traceback when there is one. LOG_FORMAT=text gives the plain
lines of development (the default with DEBUG)."""

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
NO_REQUEST = "-"
# What a proxy's id may look like: letters, digits and - _ . : (nginx's are 32 hex digits), at
# most 64 of them. Anything else is replaced, so no one writes into the logs through it.
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default=NO_REQUEST)


def request_id() -> str:
    """The id of the request being answered, or '-'."""
    return current_request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        value = given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = current_request_id.set(value)
        request.request_id = value  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
