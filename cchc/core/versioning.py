"""Optimistic locking: a form carries the version it was read at; a stale save is refused."""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exceptions import ConflictError

STALE_EDIT_MESSAGE = gettext_noop(
    "Someone else saved this record after you opened it. Nothing was overwritten: "
    "review their values below and save again."
)


def version_token(instance: models.Model) -> str:
    """Return the version token of a BaseModel row: its last-changed time, to the microsecond."""
    return instance.updated_at.isoformat()  # type: ignore[attr-defined]


def check_version(*, instance: models.Model, expected_version: str | None) -> None:
    """Raise ConflictError when the row was changed after expected_version was read."""
    if expected_version is None:
        return
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if version_token(current) != expected_version:
        raise ConflictError(_(STALE_EDIT_MESSAGE), current=current)
