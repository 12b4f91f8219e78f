"""п. 3.1, 3.4, 3.5, 4.1, 4.3: an estimate as the regulation sees it, and what it decides about it:
rounding to the unit, the task's estimate field in minutes, whether the client must approve.

Reading an estimate out of a comment is rules.estimate_text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rules.regulation import RegulationConfig

UNREADABLE_NO_UNIT = "no_unit"  # «Оценка 3»
UNREADABLE_VAGUE = "vague"  # «Оценка: несколько часов»
UNREADABLE_TERM_ONLY = "term_only"  # «Оценка: срок 3 дня» and no amount of work


@dataclass(frozen=True, slots=True)
class Term:
    """п. 4.3: the agreed term: working or calendar days from approval, or a date."""

    working_days: int | None = None
    calendar_days: int | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    """п. 3.4, 4.1: minutes as written (None for «по факту»), the term, and how it was read."""

    raw_minutes: int | None
    by_actual_time: bool
    term: Term | None = None
    parts: tuple[int, ...] = ()  # a breakdown that was summed («анализ 30 мин, разработка 2 ч»)
    additional: bool = False  # п. 3.3: «ещё 2 часа» adds to the approved estimate
    day_minutes: int | None = None  # days were converted at this working-day length
    spent_minutes: int = 0  # time already spent, mentioned beside the estimate, left out
    is_range: bool = False  # «2–3 часа»: the upper bound was taken


@dataclass(frozen=True, slots=True)
class Unreadable:
    """п. 4.1: a comment that states an estimate the app cannot read; nothing is accepted."""

    reason: str  # UNREADABLE_*
    fragment: str  # the words it could not read, for the question to the integrator


def round_up_minutes(minutes: int, unit: int) -> int:
    """п. 3.1: round up to a multiple of the unit (15 min), never less than one unit."""
    if minutes <= 0:
        return unit
    return -(-minutes // unit) * unit


def whole_minutes(seconds: int) -> int:
    """п. 3.1: seconds as whole minutes, rounded up (a started minute counts)."""
    return -(-seconds // 60)


def minutes_from_seconds(seconds: int | None) -> int | None:
    """п. 4.1: the task's TIME_ESTIMATE (seconds) in whole minutes, rounded up; None when unset."""
    if not seconds or seconds <= 0:
        return None
    return whole_minutes(seconds)


def needs_approval(
    estimate: Estimate, rounded_minutes: int | None, config: RegulationConfig
) -> bool:
    """п. 3.4, 3.5: «по факту» or a rounded estimate above 60 min needs the client's approval."""
    if estimate.by_actual_time or rounded_minutes is None:
        return True
    return rounded_minutes > config.auto_accept_max_minutes
