"""Template helpers for figures that come from the data."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from cchc.core.points import format_decimal
from cchc.indicators.selectors import source_link

register = template.Library()


@register.simple_tag
def data_link(criterion: Any, assessment: Any) -> str:
    """The rows behind a data-fed criterion's figure, for this unit and round's period."""
    round_ = assessment.round
    return source_link(
        criterion.data_source,
        unit_id=assessment.org_unit_id,
        year=round_.year,
        period=round_.period,
    )


@register.filter
def inputs_text(inputs: dict[str, Any] | None) -> str:
    """ "95/100", "1.234/1.300", "3" or "4,3": a data source's figure as people read it."""
    if not inputs:
        return ""
    if "numerator" in inputs:
        try:
            return "/".join(
                format_decimal(Decimal(str(inputs[part]))) for part in ("numerator", "denominator")
            )
        except (InvalidOperation, ValueError):
            return f"{inputs['numerator']}/{inputs['denominator']}"
    value = inputs.get("count", inputs.get("value", ""))
    try:
        return format_decimal(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
