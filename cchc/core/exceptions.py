from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied


class ConflictError(Exception):
    """Someone else changed the object since it was read; nothing was saved."""

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.current = current


class BadInput(BadRequest):
    """A request no page of the product sends (an id that is not one, a score for a parent
    criterion): answered 400 with this message, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(PermissionDenied):
    """A page the user's roles do not open, for a reason they can act on (their agency
    appraises no criterion of the round): answered 403 with this message, in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
