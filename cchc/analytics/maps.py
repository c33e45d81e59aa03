"""What the map can colour the units by, with the legend of each measure. The colours are
the product's palette (`frameworks/palette.py`; static/css/base.css holds the same values for
tables and charts; a test keeps the two equal)."""

from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cchc.analytics.selectors import BUCKETS, Heatmap
from cchc.assessments.models import Round
from cchc.assessments.services.results import round_results, shared_published_rows
from cchc.core.dates import COLUMN_PLACES, format_points
from cchc.frameworks.palette import PALETTE
from cchc.frameworks.selectors import bands_of
from cchc.indicators.selectors import overdue_rates
from cchc.inspections.models import CONCLUDED_STATUSES, RemediationAction

MEASURES = (
    ("band", gettext_lazy("Band")),
    ("score", gettext_lazy("Score (%)")),
    ("overdue", gettext_lazy("Overdue dossiers (%)")),
    ("remediation", gettext_lazy("Open remediation actions")),
)
# Lower is better for these two: (upper bound exclusive, palette key, legend).
OVERDUE_STEPS = (
    (Decimal(2), "excellent", "< 2%"),
    (Decimal(5), "good", "2–< 5%"),
    (Decimal(10), "fair", "5–< 10%"),
    (Decimal(20), "average", "10–< 20%"),
    (None, "weak", "≥ 20%"),
)
REMEDIATION_STEPS = (
    (1, "excellent", "0"),
    (3, "fair", "1–2"),
    (6, "average", "3–5"),
    (None, "weak", "≥ 6"),
)


def _step(value: Any, steps: tuple[tuple[Any, str, str], ...]) -> str:
    for bound, key, _label in steps:
        if bound is None or value < bound:
            return key
    return "none"


def legends(round_: Round | None) -> dict[str, list[tuple[str, str]]]:
    """Per measure: (colour, label) lines of its legend."""
    band_lines = (
        [(PALETTE.get(b.colour, PALETTE["none"]), b.name) for b in bands_of(round_.framework)]
        if round_ is not None
        else []
    )
    floors = [f"≥ {floor}%" for floor, _key in BUCKETS]
    score_lines = [
        (PALETTE[key], label) for (_floor, key), label in zip(BUCKETS, floors, strict=True)
    ] + [(PALETTE["weak"], f"< {BUCKETS[-1][0]}%")]
    none = (PALETTE["none"], str(_("No figure")))
    return {
        "band": [*band_lines, none],
        "score": [*score_lines, none],
        "overdue": [(PALETTE[key], label) for _b, key, label in OVERDUE_STEPS] + [none],
        "remediation": [(PALETTE[key], label) for _b, key, label in REMEDIATION_STEPS],
    }


def unit_measures(
    heatmap: Heatmap, round_: Round, *, own_unit_ids: set[int] | None = None
) -> dict[int, dict[str, dict[str, str]]]:
    """Per unit id: {measure: {"colour", "text"}}. A unit reader gets the band and score of
    every unit (published results) and the other measures of its own unit only."""
    # The band is the results' (one definition): a unit the ranking leaves unclassified (not
    # submitted, its appraisal not complete, a round not yet appraised) has none on the map.
    # The map had classified every unit from the heatmap's figures, self-scores included.
    results = shared_published_rows(round_) or round_results(round_)
    bands = {row.org_unit_id: (row.band, row.band_colour) for row in results if row.band}
    unit_ids = [row.unit_id for row in heatmap.rows]
    rates = overdue_rates(unit_ids, round_.year, round_.period)
    open_actions = dict(
        RemediationAction.objects.filter(
            owner_id__in=unit_ids, recommendation__inspection__status__in=CONCLUDED_STATUSES
        )
        .exclude(status=RemediationAction.Status.VERIFIED)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
        .order_by()
    )
    result: dict[int, dict[str, dict[str, str]]] = {}
    for row in heatmap.rows:
        unit_id = row.unit_id
        band, colour = bands.get(unit_id, ("", ""))
        measures = {
            "band": {
                "colour": PALETTE.get(colour, PALETTE["none"]),
                "text": band or _("No figure"),
            },
            "score": {
                "colour": PALETTE[row.bucket],
                "text": f"{format_points(row.percent, COLUMN_PLACES)}%"
                if row.percent is not None
                else "—",
            },
        }
        if own_unit_ids is None or unit_id in own_unit_ids:
            rate = rates.get(unit_id)
            measures["overdue"] = {
                "colour": PALETTE[_step(rate, OVERDUE_STEPS)]
                if rate is not None
                else PALETTE["none"],
                "text": f"{format_points(rate, COLUMN_PLACES)}%" if rate is not None else "—",
            }
            actions = open_actions.get(unit_id, 0)
            measures["remediation"] = {
                "colour": PALETTE[_step(actions, REMEDIATION_STEPS)],
                "text": str(actions),
            }
        result[unit_id] = measures
    return result
