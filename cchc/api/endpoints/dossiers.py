"""Dossier records pushed by the province's one-stop-shop software: a batch of up to 5,000 per
request, checked and written by the file import's own code (indicators.importers.
import_dossier_records), all or nothing, keyed by the dossier's code (sending a batch twice
changes nothing), with the same row errors as the file import, each naming the record's index
and its field. Who may push: whoever may import dossiers in the pages (MANAGE_INDICATORS), for
the units they keep."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Router, Schema
from pydantic import BaseModel, Field

from cchc.api.auth import scoped
from cchc.api.problems import Problem, field_error
from cchc.core.permissions import user_has_capability
from cchc.core.roles import Capability
from cchc.indicators.importers import (
    MAX_PUSHED_RECORDS,
    DossierImportFailed,
    import_dossier_records,
)

router = Router(tags=["dossiers"])

NOT_IMPORTER_MESSAGE = gettext_noop("This client's role may not import dossiers.")
REFUSED_MESSAGE = gettext_noop("The batch was refused; nothing was written. See errors.")

Cell = str | int | bool | None


class DossierIn(BaseModel):
    """One dossier as the one-stop-shop software knows it. Dates: ISO 8601
    ("2026-01-05T08:30:00+07:00", or a date alone) or as the software writes them
    ("05/01/2026 08:30"). Words (channel, status) in Vietnamese or English, as in the file
    import (docs/formats/dossiers.md)."""

    code: Cell = Field(description="The dossier's code: the key; required")
    procedure_code: Cell = None
    procedure_name: Cell = None
    unit: Cell = Field(description="The unit's code, statistical code or name; required")
    channel: Cell = Field(None, description="trực tuyến / trực tiếp / bưu chính")
    received_at: Cell = Field(description="required")
    due_at: Cell = None
    finished_at: Cell = None
    status: Cell = None
    apology: Cell = Field(None, description="An apology letter was sent (late dossiers)")
    apology_on: Cell = None
    satisfaction: Cell = Field(None, description="1 to 5")


class DossierBatchIn(BaseModel):
    # Plain pydantic models, not ninja's Schema: its per-object root validator (for reading
    # Django objects) cost 40 % of a 5,000-record push.

    # Bounded before its records are checked: 1.75 million empty records had taken 13 GB and
    # 60 s to refuse one by one (an attacker's walk).
    items: list[DossierIn] = Field(
        description=f"At most {MAX_PUSHED_RECORDS:,} records", max_length=MAX_PUSHED_RECORDS
    )


class DossierBatchOut(Schema):
    import_id: int
    received: int
    created: int
    updated: int = Field(description="Codes already known: their values are now the batch's")
    mapped: int = Field(
        description="Records naming a unit ended by a reorganisation, written to its successor"
    )


@router.post(
    "/batch",
    response=DossierBatchOut,
    auth=scoped("dossiers:write"),
    url_name="dossier_batch",
)
def dossier_batch(request: HttpRequest, payload: DossierBatchIn) -> DossierBatchOut:
    """Push a batch of dossiers: all are written, or none (422, each error with the record's
    index and field)."""
    if not user_has_capability(request.user, Capability.MANAGE_INDICATORS):
        raise Problem(403, NOT_IMPORTER_MESSAGE, slug="forbidden")
    records: list[dict[str, Any]] = [item.__dict__ for item in payload.items]
    name = getattr(getattr(request, "auth", None), "name", "") or str(request.user)
    try:
        result = import_dossier_records(actor=request.user, records=records, source=f"API: {name}")
    except DossierImportFailed as failure:
        raise Problem(
            422,
            REFUSED_MESSAGE,
            slug="validation",
            errors=[
                field_error(item.row if item.row >= 0 else None, item.column, item.message)
                for item in failure.errors
            ],
        ) from None
    return DossierBatchOut(
        import_id=result.record.pk,
        received=result.rows_read,
        created=result.created,
        updated=result.updated,
        mapped=result.mapped,
    )
