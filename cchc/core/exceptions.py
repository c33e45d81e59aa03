from typing import Any


class ConflictError(Exception):
    """Someone else changed the object since it was read; nothing was saved."""

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.current = current
