"""Geometry of the package-hours chart, drawn by the template as inline SVG (no JS, no CDN).

Server-side SVG keeps the page working with no internet and no script, passes a strict CSP,
prints and screenshots as it is, and every label in it is escaped by Jinja like any other text.
"""

from __future__ import annotations

from dataclasses import dataclass

CHART_WIDTH = 640
LABEL_WIDTH = 180
BAR_HEIGHT = 22
ROW_HEIGHT = 40
TOP = 8


@dataclass(frozen=True, slots=True)
class UsageBar:
    """One client's row: package hours used (inside), overflow past the package, the quota."""

    client: str
    package: str
    included_minutes: int
    used_minutes: int  # inside the package
    overflow_minutes: int  # billed at п. 6.2 rates
    y: float = 0.0
    used_width: float = 0.0
    overflow_width: float = 0.0
    quota_width: float = 0.0

    @property
    def percent(self) -> int:
        if not self.included_minutes:
            return 0
        return self.used_minutes * 100 // self.included_minutes


@dataclass(frozen=True, slots=True)
class UsageChart:
    """Rows laid out on one scale (the largest of any quota or any usage)."""

    bars: tuple[UsageBar, ...]
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return TOP * 2 + ROW_HEIGHT * len(self.bars)

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - 90  # room for the "12:30 / 10:00" text


def layout(bars: list[UsageBar]) -> UsageChart:
    """Scale every bar to the plot width; a row with nothing at all stays empty."""
    chart = UsageChart(())
    scale_max = max(
        [max(b.included_minutes, b.used_minutes + b.overflow_minutes) for b in bars] + [1]
    )
    unit = chart.plot_width / scale_max
    placed = tuple(
        UsageBar(
            client=b.client,
            package=b.package,
            included_minutes=b.included_minutes,
            used_minutes=b.used_minutes,
            overflow_minutes=b.overflow_minutes,
            y=TOP + i * ROW_HEIGHT,
            used_width=round(b.used_minutes * unit, 1),
            overflow_width=round(b.overflow_minutes * unit, 1),
            quota_width=round(b.included_minutes * unit, 1),
        )
        for i, b in enumerate(bars)
    )
    return UsageChart(placed)
