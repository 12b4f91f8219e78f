"""п. 3.1, 3.3: billable time against the approved estimate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rules.billing import billed_minutes
from rules.regulation import RegulationConfig
from rules.types import TimeEntry


class OverrunLevel(StrEnum):
    """п. 3.3: how far the billable time has gone towards the approved estimate."""

    NONE = "none"
    WARNING = "warning"
    EXCEEDED = "exceeded"


@dataclass(frozen=True, slots=True)
class OverrunDecision:
    """п. 3.3: the level reached, with the minutes and percent behind it."""

    level: OverrunLevel
    billable_minutes: int
    approved_minutes: int | None
    percent: int
    clause: str = "3.3"


def billable_minutes(entries: Iterable[TimeEntry], unit: int) -> int:
    """п. 3.1: each time entry billed as the bill does (rules.billing.billed_minutes), summed."""
    return sum(billed_minutes(entry.seconds, unit) for entry in entries if entry.seconds >= 0)


def unapproved_parts(billed: Sequence[int], approved: int | None) -> tuple[int, ...]:
    """п. 3.3: per entry in time order, its minutes past the approved estimate (None: nothing
    was approved with a limit — «по факту», or no approval yet — so nothing is past it)."""
    if approved is None:
        return tuple(0 for _ in billed)
    parts, total = [], 0
    for minutes in billed:
        before = total
        total += minutes
        parts.append(max(0, total - max(approved, before)))
    return tuple(parts)


def decide_overrun(
    billable: int, approved: int | None, config: RegulationConfig
) -> OverrunDecision:
    """п. 3.3: warn at 80 % of the approved estimate; more than 100 % means re-estimate."""
    if approved is None:  # п. 3.4: «по факту» has nothing to overrun
        return OverrunDecision(OverrunLevel.NONE, billable, None, 0)
    if approved <= 0:
        level = OverrunLevel.EXCEEDED if billable > 0 else OverrunLevel.NONE
        return OverrunDecision(level, billable, approved, 100 if billable > 0 else 0)
    percent = billable * 100 // approved
    if billable > approved:
        level = OverrunLevel.EXCEEDED
    elif billable * 100 >= config.overrun_warning_percent * approved:
        level = OverrunLevel.WARNING
    else:
        level = OverrunLevel.NONE
    return OverrunDecision(level, billable, approved, percent)
