"""п. 3.2, 5.1, 5.2: the 14-day window after delivery and client comments that come after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from rules.regulation import RegulationConfig


@dataclass(frozen=True, slots=True)
class WarrantyWindow:
    """п. 3.2: delivery time, the last calendar day to report defects, and when that day ends."""

    done_at: datetime
    last_day: date
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class WarrantyDecision:
    """п. 3.2: a client comment on a done task is rework in the window, a new task after it."""

    in_window: bool
    create_new_task: bool
    last_day: date
    clause: str = "3.2"


def warranty_window(done_at: datetime, config: RegulationConfig) -> WarrantyWindow:
    """п. 3.2, 5.2: the window lasts warranty_days calendar days after the local delivery date."""
    last_day = done_at.date() + timedelta(days=config.warranty_days)
    closes_at = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=done_at.tzinfo)
    return WarrantyWindow(done_at=done_at, last_day=last_day, closes_at=closes_at)


def is_window_over(window: WarrantyWindow, now: datetime) -> bool:
    """п. 3.2: the window is over from the midnight that ends its last day."""
    return now >= window.closes_at


def decide_client_comment_after_done(
    window: WarrantyWindow, comment_at: datetime, config: RegulationConfig
) -> WarrantyDecision:
    """п. 3.2: inside the window the task goes back to work; later it is a separate task."""
    in_window = not is_window_over(window, comment_at)
    return WarrantyDecision(
        in_window=in_window,
        create_new_task=not in_window and config.create_task_for_late_comment,
        last_day=window.last_day,
    )
