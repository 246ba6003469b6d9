"""Server-side SVG charts: the geometry of bar and line charts, computed here from plain
numbers; templates/plots.html draws it. No script, no library: a chart is a picture that the
page refreshes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 520, 160
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 10, 22  # room for the axis labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # shown on hover


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # a class of inspector.css: the line's colour
    points: str  # "x,y x,y ..."
    dots: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    title: str
    unit: str
    top: float  # the value at the top of the plot
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    empty: str | None = None  # what to say when there is nothing to draw

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM


def nice_top(value: float) -> float:
    """A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if value <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop ends at 10


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _y_ticks(top: float) -> list[Tick]:
    inner = HEIGHT - BOTTOM - TOP
    return [Tick(TOP + inner * (1 - share), _label(top * share)) for share in (0, 0.5, 1)]


def bar_chart(title: str, unit: str, values: Sequence[float], titles: Sequence[str],
              x_labels: Sequence[tuple[int, str]]) -> Chart:
    """Bars for `values` (oldest first), hover `titles`, and labels at some bar indexes."""
    top = nice_top(max(values, default=0))
    chart = Chart(title, unit, top, y_ticks=_y_ticks(top))
    if not values:
        chart.empty = "nothing yet"
        return chart
    inner_w = chart.plot_right - LEFT
    inner_h = chart.plot_bottom - TOP
    step = inner_w / len(values)
    gap = 1.0 if step > 3 else 0.0
    for index, (value, text) in enumerate(zip(values, titles, strict=True)):
        height = inner_h * value / top
        chart.bars.append(Bar(round(LEFT + index * step, 2), round(chart.plot_bottom - height, 2),
                              round(max(step - gap, 0.5), 2), round(height, 2), text))
    chart.x_ticks = [Tick(round(LEFT + (i + 0.5) * step, 2), text) for i, text in x_labels]
    return chart


def line_chart(title: str, unit: str, series: Sequence[tuple[str, str, Sequence[float | None]]],
               x_labels: Sequence[tuple[int, str]], count: int) -> Chart:
    """Lines over `count` slots; a None value leaves a gap (no requests in that slot)."""
    highest = max((v for _, _, values in series for v in values if v is not None), default=0)
    top = nice_top(highest)
    chart = Chart(title, unit, top, y_ticks=_y_ticks(top))
    inner_w = chart.plot_right - LEFT
    inner_h = chart.plot_bottom - TOP
    step = inner_w / max(count, 1)
    for name, css, values in series:
        points = []
        dots = []
        for index, value in enumerate(values):
            if value is None:
                continue
            x = round(LEFT + (index + 0.5) * step, 2)
            y = round(chart.plot_bottom - inner_h * value / top, 2)
            points.append(f"{x},{y}")
            dots.append((x, y, f"{name} {value:.1f} {unit}"))
        chart.lines.append(Line(name, css, " ".join(points), dots))
    if not any(line.dots for line in chart.lines):
        chart.empty = "no requests in this window"
    chart.x_ticks = [Tick(round(LEFT + (i + 0.5) * step, 2), text) for i, text in x_labels]
    return chart
