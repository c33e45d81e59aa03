"""Charts drawn on the server as SVG: no chart library, nothing to load, nothing that breaks
offline or under the strict CSP. This module computes the geometry; the templates in
analytics/charts/ draw it (escaped like any template). Every mark carries its value as text
(`tip`, shown on hover and keyboard focus by static/js/charts.js, and as an SVG <title>) and,
where there is one, the page it drills down to (`href`). Each chart is printed with its table.

Colours are palette keys (`tone`), one stylesheet maps them: the classification bands keep
one palette across tables, charts, the map and documents."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 640


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at least `value` (axes end on round figures)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


@dataclass
class Bar:
    label: str
    value: float
    text: str  # the value as people read it: "12", "85,25%"
    tip: str
    tone: str
    href: str = ""
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0

    @property
    def baseline(self) -> float:
        return self.y + self.height * 0.75

    @property
    def end(self) -> float:
        return self.x + self.width + 6


@dataclass
class BarChart:
    """Horizontal bars, one per row: the label on the left, the value at the bar's end."""

    title: str
    bars: list[Bar]
    label_width: int = 210
    row_height: int = 26
    width: int = WIDTH

    def __post_init__(self) -> None:
        top = max((bar.value for bar in self.bars), default=0) or 1
        room = self.width - self.label_width - 70
        for index, bar in enumerate(self.bars):
            bar.x = self.label_width
            bar.y = index * self.row_height + 4
            bar.height = self.row_height - 8
            bar.width = max(1.5, room * bar.value / top) if bar.value else 0

    @property
    def height(self) -> int:
        return len(self.bars) * self.row_height + 8

    @property
    def max_chars(self) -> int:
        """Labels longer than their column are cut (the tip and the table have them whole)."""
        return max(8, int(self.label_width / 7))


@dataclass
class Point:
    x: float
    y: float
    tip: str
    href: str = ""


@dataclass
class Series:
    name: str
    tone: str
    points: list[Point] = field(default_factory=list)
    dashed: bool = False

    @property
    def path(self) -> str:
        """Polyline points, broken where a value is missing (a new run starts)."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass
class Tick:
    y: float
    text: str
    right: str = ""  # the second axis' figure, where the chart has one


@dataclass
class AxisLabel:
    x: float
    text: str


@dataclass
class LineChart:
    """Series over shared categories (months, rounds), the y axis from 0 to a round figure."""

    title: str
    categories: list[str]
    series: list[Series]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = 240
    left: int = 48
    bottom: int = 26
    category_x: list[float] = field(default_factory=list)

    @property
    def axis(self) -> list[AxisLabel]:
        return [
            AxisLabel(x, text) for x, text in zip(self.category_x, self.categories, strict=True)
        ]

    @property
    def right_edge(self) -> int:
        return self.width - 8

    @property
    def label_y(self) -> int:
        return self.height - 8


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Decimal | None], Sequence[str], bool]],
    *,
    unit: str = "",
    hrefs: Sequence[str] = (),
    series_hrefs: Sequence[Sequence[str]] = (),
) -> LineChart:
    """`series`: (name, tone, values, tips, dashed); a None value leaves a gap in the line.
    A point links to `hrefs` (one per category), or to its own series' (`series_hrefs`, one
    list per series) when the series are different rows (this year's month, last year's)."""
    chart = LineChart(title=title, categories=list(categories), series=[], ticks=[])
    values = [float(v) for _n, _t, row, _tips, _d in series for v in row if v is not None]
    top = nice_ceiling(max(values, default=0))
    plot_top, plot_bottom = 10, chart.height - chart.bottom
    plot_width = chart.width - chart.left - 16
    step = plot_width / max(1, len(categories) - 1) if len(categories) > 1 else 0
    chart.category_x = [
        chart.left + 8 + index * step if len(categories) > 1 else chart.left + plot_width / 2
        for index in range(len(categories))
    ]

    def y_of(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * value / top

    for fraction in (0, 0.25, 0.5, 0.75, 1):
        figure = top * fraction
        text = f"{figure:g}".replace(".", ",") + unit
        chart.ticks.append(Tick(y_of(figure), text))
    for number, (name, tone, row, tips, dashed) in enumerate(series):
        line = Series(name=name, tone=tone, dashed=dashed)
        links = series_hrefs[number] if number < len(series_hrefs) else hrefs
        for index, value in enumerate(row):
            if value is None:
                continue
            line.points.append(
                Point(
                    chart.category_x[index],
                    y_of(float(value)),
                    tips[index],
                    links[index] if index < len(links) else "",
                )
            )
        chart.series.append(line)
    return chart


@dataclass
class Column:
    label: str
    value: int
    tip: str
    href: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class ParetoChart:
    """Columns in decreasing order and the cumulative share as a line on a 0–100 % axis."""

    title: str
    columns: list[Column]
    cumulative: Series
    ticks: list[Tick]
    width: int = WIDTH
    height: int = 260
    left: int = 40
    right: int = 44
    bottom: int = 26

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def label_y(self) -> int:
        return self.height - 8

    @property
    def axis(self) -> list[AxisLabel]:
        return [
            AxisLabel(column.x + column.width / 2, str(index))
            for index, column in enumerate(self.columns, start=1)
        ]


def pareto_chart(
    title: str, rows: Sequence[tuple[str, int, Decimal, str, str]], *, share_tip: str
) -> ParetoChart:
    """`rows`: (label, count, cumulative percent, tip, href), largest first. `share_tip` is a
    format string with {label} and {percent} for the cumulative line's points."""
    chart = ParetoChart(title=title, columns=[], cumulative=Series("", "line"), ticks=[])
    top = nice_ceiling(max((count for _l, count, _c, _t, _h in rows), default=0))
    plot_top, plot_bottom = 10, chart.height - chart.bottom
    plot_width = chart.width - chart.left - chart.right
    slot = plot_width / max(1, len(rows))
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = plot_bottom - (plot_bottom - plot_top) * fraction
        chart.ticks.append(
            Tick(y, f"{top * fraction:g}".replace(".", ","), f"{int(fraction * 100)}%")
        )
    for index, (label, count, cumulative, tip, href) in enumerate(rows):
        height = (plot_bottom - plot_top) * count / top
        x = chart.left + index * slot + slot * 0.15
        chart.columns.append(
            Column(label, count, tip, href, x, plot_bottom - height, slot * 0.7, height)
        )
        chart.cumulative.points.append(
            Point(
                x + slot * 0.35,
                plot_bottom - (plot_bottom - plot_top) * float(cumulative) / 100,
                share_tip.format(label=label, percent=f"{cumulative:g}".replace(".", ",")),
            )
        )
    return chart


@dataclass
class Sparkline:
    points: list[Point]
    width: int = 96
    height: int = 24

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def last(self) -> Point | None:
        return self.points[-1] if self.points else None


def sparkline(values: Sequence[Decimal | None], tips: Sequence[str]) -> Sparkline:
    """A unit's percent across rounds, scaled to its own range (±2 points) so that a change
    shows; missing rounds are skipped."""
    line = Sparkline(points=[])
    known = [float(v) for v in values if v is not None]
    if not known:
        return line
    low, high = min(known) - 2, max(known) + 2
    step = (line.width - 6) / max(1, len(values) - 1)
    for index, value in enumerate(values):
        if value is None:
            continue
        y = line.height - 3 - (line.height - 6) * (float(value) - low) / (high - low)
        line.points.append(Point(3 + index * step, y, tips[index]))
    return line
