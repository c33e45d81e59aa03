"""Optimistic locking: a form carries the version it was read at; a stale save is refused."""

from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cchc.core.exceptions import ConflictError

STALE_EDIT_MESSAGE = gettext_noop(
    "Someone else saved this record after you opened it, so nothing was saved. Their values "
    "are shown here; your changes are still in the form. Save again to replace theirs."
)


def version_token(instance: models.Model) -> str:
    """Return the version token of a BaseModel row: its last-changed time, to the microsecond."""
    return instance.updated_at.isoformat()  # type: ignore[attr-defined]


def form_take_current_version(form: Any, current: models.Model, field: str) -> None:
    """After a conflict, let the next save (made knowingly) go through: the form now carries
    the version the user has just been shown."""
    data = form.data.copy()
    data[field] = version_token(current)
    form.data = data


def check_version(*, instance: models.Model, expected_version: str | None) -> None:
    """Raise ConflictError when the row was changed after expected_version was read."""
    if expected_version is None:
        return
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if version_token(current) != expected_version:
        raise ConflictError(_(STALE_EDIT_MESSAGE), current=current)
