"""Types every endpoint shares: points and percents as decimal strings, never floats."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field

# "3.50", "-0.25": exact, as stored (a float would round 0.1 + 0.2).
DecimalText = Annotated[
    str,
    Field(pattern=r"^-?\d+(\.\d+)?$", examples=["3.50"], json_schema_extra={"format": "decimal"}),
]


def decimal_text(value: Decimal | None) -> str | None:
    """A Decimal as its exact text; None stays None."""
    return None if value is None else str(value)
