"""Ids read from a query string or a posted form: one reading for every view. A value that is
not a plain number, or too large for any id the database holds, is a 400 in the user's
language, never a 500 (int("²") raises; 10**40 overflows SQLite and PostgreSQL)."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exceptions import BadInput

MAX_ID = 2**63 - 1  # the largest bigint, on SQLite and PostgreSQL alike
BAD_ID_MESSAGE = gettext_noop("“%(value)s” is not a valid id number.")


def id_param(data: Mapping[str, Any], name: str) -> int | None:
    """The id under `name` (None when absent or empty); BadInput when it is not an id."""
    text = str(data.get(name) or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise BadInput(_(BAD_ID_MESSAGE) % {"value": text[:20]})
    return int(text)
