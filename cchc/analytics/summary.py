"""What the dashboards read of a published round, computed once when it is published and kept
with it (`Round.published_summary`). A published round never changes; reading it live means
decoding every unit's per-area totals (3,321 units × 15 areas at a nation's scale) for the
heatmap's averages and the over-claim per area, and every published ranking of a trend.

    {"areas": {"<area id>": {"average": "82.5", "units": 3321, "mean_gap": "1.25",
                             "gap_percent": "2.1"}},
     "trend": {"<unit id>": ["85.25", "3.5", "150"]}}   # percent, gap, self-scored maximum

Decimals as strings, None where there is no figure. The areas are those of
`Heatmap.area_averages` and `Heatmap.area_gaps` over every unit; the trend is the published
ranking's own figures. A round published before summaries existed has none: its pages read
it live, as before."""

from decimal import Decimal
from typing import Any

from cchc.analytics.selectors import AreaGap, Heatmap, round_heatmap
from cchc.assessments.models import Round
from cchc.assessments.services.results import ResultRow
from cchc.assessments.services.results import decimal_text as _text
from cchc.assessments.services.results import text_decimal as _decimal


def round_summary(round_: Round, results: list[ResultRow]) -> dict[str, Any]:
    """The summary of a round being published with these results (its ranking, frozen with
    it): Decimals written as the frozen rows write them (`results.decimal_text`)."""
    heatmap = round_heatmap(round_)  # every unit, every area
    averages = heatmap.area_averages()
    gaps = heatmap.area_gaps()
    return {
        "areas": {
            str(area.pk): {
                "average": _text(average),
                "units": gap.units,
                "mean_gap": _text(gap.mean_gap),
                "gap_percent": _text(gap.gap_percent),
            }
            for area, average, gap in zip(heatmap.areas, averages, gaps, strict=True)
        },
        "trend": {
            str(row.org_unit_id): [_text(row.percent), _text(row.gap), _text(row.self_max)]
            for row in results
        },
    }


def frozen_areas(round_: Round) -> dict[str, Any] | None:
    """The published round's area figures, or None (not published, or published before
    summaries existed)."""
    if round_.status != Round.Status.PUBLISHED:
        return None
    return (round_.published_summary or {}).get("areas")


def area_figures(
    areas: dict[str, Any], heatmap: Heatmap
) -> tuple[list[Decimal | None], list[AreaGap]]:
    """The heatmap's averages and over-claim per area, as frozen (same order as its areas)."""
    averages, gaps = [], []
    for area in heatmap.areas:
        figures = areas.get(str(area.pk)) or {}
        averages.append(_decimal(figures.get("average")))
        gaps.append(
            AreaGap(
                area,
                _decimal(figures.get("mean_gap")),
                _decimal(figures.get("gap_percent")),
                figures.get("units", 0),
            )
        )
    return averages, gaps


def frozen_trend(
    round_: Round,
) -> dict[int, tuple[Decimal | None, Decimal | None, Decimal]] | None:
    """Per unit id: (percent, gap, self-scored maximum) as published; None without summary."""
    trend = (round_.published_summary or {}).get("trend")
    if trend is None:
        return None
    return {
        int(unit): (_decimal(percent), _decimal(gap), _decimal(self_max) or Decimal(0))
        for unit, (percent, gap, self_max) in trend.items()
    }
