"""Geometry of the package-hours bars, drawn by the template as plain HTML (no JS, no CDN).

Each client's bar is on its own scale — the larger of its package and its use — so a client
over its package shows a red tail past its own quota mark, whatever the other clients' sizes.
Widths are percents of the card, so the bars fit the frame at any width.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UsageBar:
    """One client's row: package hours used (inside), overflow past the package, the quota."""

    client: str
    package: str
    included_minutes: int
    used_minutes: int  # inside the package
    overflow_minutes: int  # billed at п. 6.2 rates
    used_width: float = 0.0  # percent of the bar
    overflow_width: float = 0.0
    quota_width: float = 0.0

    @property
    def percent(self) -> int | None:
        """Hours used, overflow included, as a percent of the client's own package."""
        if not self.included_minutes:
            return None
        return (self.used_minutes + self.overflow_minutes) * 100 // self.included_minutes

    @property
    def over(self) -> bool:
        return self.overflow_minutes > 0


@dataclass(frozen=True, slots=True)
class UsageChart:
    """One bar per client, each on its own scale."""

    bars: tuple[UsageBar, ...]


def layout(bars: list[UsageBar]) -> UsageChart:
    """Scale every bar to 100 % of the larger of its quota and its use."""
    placed = []
    for b in bars:
        scale = max(b.included_minutes, b.used_minutes + b.overflow_minutes, 1)
        placed.append(
            UsageBar(
                client=b.client,
                package=b.package,
                included_minutes=b.included_minutes,
                used_minutes=b.used_minutes,
                overflow_minutes=b.overflow_minutes,
                used_width=round(b.used_minutes * 100 / scale, 1),
                overflow_width=round(b.overflow_minutes * 100 / scale, 1),
                quota_width=round(b.included_minutes * 100 / scale, 1),
            )
        )
    return UsageChart(tuple(placed))
