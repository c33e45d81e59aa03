"""Directives (ý kiến chỉ đạo) pushed by the province's document-management system: a batch of
up to 5,000, one record per directive and responsible unit, checked and written by the file
import's own code (indicators.services.directives_push): all or nothing, keyed by number and
unit (a batch sent twice changes nothing), each error naming the record's index and field.
Who may push: whoever may import directives in the pages (MANAGE_INDICATORS), for the units
they keep."""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Router, Schema
from pydantic import BaseModel, Field

from cchc.api.auth import scoped
from cchc.api.problems import Problem, field_error
from cchc.core.imports import ImportFailed
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability
from cchc.indicators.services import MAX_PUSHED_DIRECTIVES, directives_push

router = Router(tags=["dossiers"])

NOT_RECORDER_MESSAGE = gettext_noop("This client's role may not record directives.")
REFUSED_MESSAGE = gettext_noop("The batch was refused; nothing was written. See errors.")


class DirectiveIn(BaseModel):
    """One directive for one responsible unit. Dates ISO 8601 (2026-01-31) or 31/01/2026."""

    number: str = Field(
        description="The directive's number, e.g. 34/TB-UBND; with the unit, the key"
    )
    issued_on: datetime.date | str = Field(description="When it was given")
    content: str = Field(description="What is to be done")
    deadline: datetime.date | str = Field(description="By when; not before it was given")
    unit: str = Field(description="The ward or commune: code, statistical code or name")
    completed_on: datetime.date | str | None = Field(
        None, description="When it was done; not before it was given, not in the future"
    )


class DirectiveBatchIn(BaseModel):
    items: list[DirectiveIn] = Field(
        description=f"At most {MAX_PUSHED_DIRECTIVES:,} records", max_length=MAX_PUSHED_DIRECTIVES
    )


class DirectiveBatchOut(Schema):
    added: int
    updated: int = Field(description="Already recorded for the unit (same number): now the batch's")


@router.post(
    "/batch", response=DirectiveBatchOut, auth=scoped("dossiers:write"), url_name="directive_batch"
)
def directive_batch(request: HttpRequest, payload: DirectiveBatchIn) -> DirectiveBatchOut:
    """Push a batch of directives: all are written, or none (422, each error with the record's
    index and field)."""
    if not user_has_capability(request.user, Capability.MANAGE_INDICATORS):
        raise Problem(403, NOT_RECORDER_MESSAGE, slug="forbidden")
    name = getattr(getattr(request, "auth", None), "name", "") or str(request.user)
    records = [
        {
            key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in item
        }
        for item in payload.items
    ]
    try:
        added, updated = directives_push(actor=request.user, records=records, source=f"API: {name}")
    except ImportFailed as failure:
        raise Problem(
            422,
            REFUSED_MESSAGE,
            slug="validation",
            errors=[
                field_error(item.row if item.row >= 0 else None, item.column, item.message)
                for item in failure.errors
            ],
        ) from None
    return DirectiveBatchOut(added=added, updated=updated)
