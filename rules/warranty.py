"""п. 3.2, 5.1, 5.2: the 14-day window after delivery and client comments that come after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from rules.regulation import RegulationConfig
from rules.remarks import Remark


class AfterDelivery(StrEnum):
    """п. 3.2, 5.x: what a client comment on a delivered task leads to."""

    REWORK = "rework"  # a defect inside the window: back to work, not billed, the client told
    NOTHING = "nothing"  # thanks, acceptance: no reopen
    ASK_INTEGRATOR = "ask_integrator"  # a question or unclear: the integrator decides
    NEW_TASK = "new_task"  # a defect after the window: a separate task (п. 3.2)


@dataclass(frozen=True, slots=True)
class WarrantyWindow:
    """п. 3.2: delivery time, the last calendar day to report defects, and when that day ends."""

    done_at: datetime
    last_day: date
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class WarrantyDecision:
    """п. 3.2: a defect is rework in the window and a new task after it; thanks change nothing;
    anything unsure goes to the integrator (REGULATION.md, "When in doubt, ask")."""

    action: AfterDelivery
    in_window: bool
    create_new_task: bool
    last_day: date
    clause: str = "3.2"


def warranty_window(done_at: datetime, config: RegulationConfig) -> WarrantyWindow:
    """п. 3.2, 5.2: the window lasts warranty_days calendar days after the local delivery date."""
    last_day = done_at.date() + timedelta(days=config.warranty_days)
    closes_at = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=done_at.tzinfo)
    return WarrantyWindow(done_at=done_at, last_day=last_day, closes_at=closes_at)


def promised_window(
    done_at: datetime, last_day_told: date | None, config: RegulationConfig
) -> WarrantyWindow:
    """п. 3.2: the window the client was told about (its last day), even if the config changed
    since; without a told day, the one the config gives."""
    window = warranty_window(done_at, config)
    if last_day_told is None or last_day_told == window.last_day:
        return window
    shift = last_day_told - window.last_day
    return WarrantyWindow(done_at, last_day_told, window.closes_at + shift)


def is_window_over(window: WarrantyWindow, now: datetime) -> bool:
    """п. 3.2: the window is over from the midnight that ends its last day."""
    return now >= window.closes_at


def decide_client_comment_after_done(
    window: WarrantyWindow,
    comment_at: datetime,
    remark: Remark,
    config: RegulationConfig,
    *,
    accepted: bool = False,
) -> WarrantyDecision:
    """п. 3.2: a defect inside the window reopens the work; later (or once the client accepted
    the task in Bitrix24) it is a separate task; thanks change nothing; the rest is asked."""
    in_window = not accepted and not is_window_over(window, comment_at)
    if remark is Remark.DEFECT:
        action = AfterDelivery.REWORK if in_window else AfterDelivery.NEW_TASK
    elif remark in (Remark.THANKS, Remark.ACCEPTANCE):
        action = AfterDelivery.NOTHING
    else:
        action = AfterDelivery.ASK_INTEGRATOR
    return WarrantyDecision(
        action=action,
        in_window=in_window,
        create_new_task=action is AfterDelivery.NEW_TASK and config.create_task_for_late_comment,
        last_day=window.last_day,
    )
