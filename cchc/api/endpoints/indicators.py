"""Indicator figures per unit and period: what the indicators page shows, counted by the one
module that counts them (indicators.selectors.figures_for_units, each figure as defined in
indicators.figures), for the units that page lists to the caller
(orgunits.selectors.assessed_units_for_user: every ward and commune of a keeper's or reader's
tree, a unit's people their own) and with the page's capability (indicators.view)."""

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cchc.api.auth import scoped
from cchc.api.lookups import unit_for_ref
from cchc.api.pagination import Page, PageParams, paginate
from cchc.api.schemas import DecimalText, decimal_text
from cchc.core.permissions import require_capability
from cchc.core.roles import Capability
from cchc.indicators.selectors import Figures, figures_for_units
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.scope import under_q
from cchc.orgunits.selectors import assessed_units_for_user

router = Router(tags=["indicators"])


class FigureFilters(Schema):
    year: int = Field(ge=2000, le=2100)
    period: Literal["h1", "m9", "annual"] = Field(
        description="h1: January–June; m9: January–September; annual: the year"
    )
    unit: str | None = Field(
        None, max_length=50, description="A unit's code or id: that unit and every unit under it."
    )


class FiguresOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    year: int
    period: str
    received: int
    finished: int
    on_time: int
    late: int
    open_past_due: int
    overdue: int
    online: int
    late_with_apology: int
    rated: int
    satisfaction: DecimalText | None
    overdue_rate: DecimalText | None = Field(description="Percent of received dossiers")
    previous_overdue_rate: DecimalText | None = Field(description="Same period last year")
    overdue_change: DecimalText | None = Field(description="Percentage points (negative: better)")
    online_rate: DecimalText | None
    apology_rate: DecimalText | None
    on_time_rate: DecimalText | None
    directives_due: int
    directives_on_time: int
    directives_late: int
    directives_rate: DecimalText | None
    feedback_due: int
    feedback_on_time: int


COUNTS = (
    "received",
    "finished",
    "on_time",
    "late",
    "open_past_due",
    "overdue",
    "online",
    "late_with_apology",
    "rated",
    "directives_due",
    "directives_on_time",
    "directives_late",
    "feedback_due",
    "feedback_on_time",
)
RATES = (
    "satisfaction",
    "overdue_rate",
    "previous_overdue_rate",
    "overdue_change",
    "online_rate",
    "apology_rate",
    "on_time_rate",
    "directives_rate",
)


def figures_out(unit: OrgUnit, figures: Figures, year: int, period: str) -> FiguresOut:
    rates: dict[str, Decimal | None] = {name: getattr(figures, name) for name in RATES}
    return FiguresOut.model_validate(
        {
            "unit_id": unit.pk,
            "unit_code": unit.code,
            "unit_name": unit.name,
            "year": year,
            "period": period,
            **{name: getattr(figures, name) for name in COUNTS},
            **{name: decimal_text(value) for name, value in rates.items()},
        }
    )


@router.get(
    "/figures",
    response=Page[FiguresOut],
    auth=scoped("indicators:read"),
    url_name="indicator_figures",
)
def figure_list(
    request: HttpRequest, filters: Query[FigureFilters], page: Query[PageParams]
) -> dict:
    """Each ward's or commune's figures for the period, in the page's order: a page of units,
    then their figures counted together (a fixed number of queries whatever the rows)."""
    require_capability(request.user, Capability.VIEW_INDICATORS)
    units = assessed_units_for_user(request.user)
    if filters.unit:
        units = units.filter(under_q([unit_for_ref(request.user, filters.unit)]))
    result = paginate(units, page, order=("sort_order", "name"))
    found = figures_for_units([unit.pk for unit in result["items"]], filters.year, filters.period)
    result["items"] = [
        figures_out(unit, found[unit.pk], filters.year, filters.period) for unit in result["items"]
    ]
    return result
