"""Cursor pagination: `?limit=` (1–500, default 100) and `?cursor=` (opaque), answered as
{"items": [...], "next": "<cursor or null>"}.

The cursor is the last row's sort key and id, JSON in URL-safe base64; the next page is the
rows after it in the same order (`(k1, k2, id) > (v1, v2, last id)` written as ORs, so any
database uses the index). No COUNT query, no OFFSET: a page of a nation's rows costs what the
first page does. One query per page: `limit + 1` rows are read to know whether there is a
next page.

    @router.get("/units/", response=Page[UnitOut], auth=scoped("units:read"))
    def unit_list(request, page: PageParams = Query(...)):
        units = org_unit_list_for_user(user=request.user)
        return paginate(units, page, order=("path",), item=unit_out)
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, Schema

from cchc.api.problems import Problem, field_error

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
BAD_CURSOR_MESSAGE = gettext_noop("The cursor is not one this list gave; start again without it.")


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page (≤ 500).")
    cursor: str | None = Field(None, max_length=500, description="`next` of the previous page.")


class Page[T](Schema):
    items: list[T]
    next: str | None = Field(description="The cursor of the next page; null on the last.")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise _bad_cursor() from error
    if not isinstance(values, list) or len(values) != size:
        raise _bad_cursor()
    if any(not isinstance(value, str | int | None) or isinstance(value, bool) for value in values):
        raise _bad_cursor()
    return values


def _bad_cursor() -> Problem:
    return Problem(
        422,
        BAD_CURSOR_MESSAGE,
        slug="validation",
        errors=[field_error(None, "cursor", _(BAD_CURSOR_MESSAGE))],
    )


def after_q(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `order` (each "field" or "-field", the last unique)."""
    condition = Q(pk__in=[])
    for position, key in enumerate(order):
        equal = {name.lstrip("-"): values[index] for index, name in enumerate(order[:position])}
        name = key.lstrip("-")
        step = {f"{name}__lt" if key.startswith("-") else f"{name}__gt": values[position]}
        condition |= Q(**equal, **step)
    return condition


def _key_of(row: Model, order: Sequence[str]) -> list[Any]:
    values = []
    for key in order:
        value: Any = row
        for part in key.lstrip("-").split("__"):
            value = getattr(value, part)
        if isinstance(value, Model):
            value = value.pk
        values.append(value if isinstance(value, int | str) or value is None else str(value))
    return values


def paginate(
    rows: QuerySet[Any],
    page: PageParams,
    *,
    order: Sequence[str],
    item: Callable[[Any], Any] = lambda row: row,
) -> dict[str, Any]:
    """One page of `rows` in `order` (the id is added as the tie-break), each row made an
    item by `item`. The sort keys must not be null (a null never compares)."""
    order = (*order, "pk")
    if page.cursor:
        values = decode_cursor(page.cursor, len(order))
        try:
            # A cursor made by hand may hold values its fields refuse (a word for an id, a
            # null): the lookup refuses them here, a refused cursor rather than a 500.
            rows = rows.filter(after_q(order, values))
        except (ValueError, TypeError, ValidationError) as error:
            raise _bad_cursor() from error
    found = list(rows.order_by(*order)[: page.limit + 1])
    more = len(found) > page.limit
    found = found[: page.limit]
    return {
        "items": [item(row) for row in found],
        "next": encode_cursor(_key_of(found[-1], order)) if more and found else None,
    }


def paginate_list(rows: list[Any], page: PageParams, *, key: Callable[[Any], Any]) -> dict:
    """A page of rows already in memory (a published ranking), in their order; the cursor is
    the position after the last row given, checked against the key of the row before it."""
    start = 0
    if page.cursor:
        position, last_key = decode_cursor(page.cursor, 2)
        if (
            not isinstance(position, int)
            or not 0 < position <= len(rows)
            or key(rows[position - 1]) != last_key
        ):
            raise _bad_cursor()
        start = position
    chunk = rows[start : start + page.limit]
    end = start + len(chunk)
    more = end < len(rows)
    return {
        "items": chunk,
        "next": encode_cursor([end, key(rows[end - 1])]) if more else None,
    }
