"""п. 4.1, 1.2: an SLA clock planned once, with the client's own regulation.

The handler calls `plan_clock` and carries the result in its StartClock effect; the message that
announces the due time and the row the scheduler watches come from this one call, so a client's
override of a clock length changes both (STYLE §8.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rules.regulation import RegulationConfig
from rules.worktime import ClockMode, WorkCalendar, add_duration, reminder_minutes

ESTIMATE = "estimate"  # п. 4.1: the integrator's estimate, in working hours
REACTION = "reaction"  # п. 1.2: a reaction to a contract client's comment, on working days
CLAUSES = {ESTIMATE: "4.1", REACTION: "1.2"}


@dataclass(frozen=True, slots=True)
class ClockPlan:
    """A clock's length, how it counts, and when it reminds and falls due."""

    kind: str
    clause: str
    started_at: datetime
    total_minutes: int
    mode: ClockMode
    remind_at: datetime
    due_at: datetime


def clock_length(kind: str, reg: RegulationConfig) -> tuple[int, ClockMode, str]:
    """п. 4.1: 8 working hours; п. 1.2: 24 hours of working days (both from the config)."""
    if kind == ESTIMATE:
        return reg.estimate_sla_working_minutes, ClockMode.WORKING_HOURS, clause_of(kind)
    if kind == REACTION:
        return reg.reaction_sla_hours * 60, ClockMode.WORKING_DAYS, clause_of(kind)
    raise ValueError(f"unknown clock kind {kind!r}")


def clause_of(kind: str) -> str:
    """The clause a clock of this kind keeps: п. 4.1 the estimate, п. 1.2 the reaction."""
    return CLAUSES[kind]


def plan_clock(
    kind: str, started_at: datetime, reg: RegulationConfig, cal: WorkCalendar
) -> ClockPlan:
    """п. 4.1, 1.2: due time, and the reminder at `sla_reminder_percent` rounded up to a minute."""
    total, mode, clause = clock_length(kind, reg)
    remind_minutes = reminder_minutes(total, reg.sla_reminder_percent)
    return ClockPlan(
        kind=kind,
        clause=clause,
        started_at=started_at,
        total_minutes=total,
        mode=mode,
        remind_at=add_duration(started_at, remind_minutes, cal, mode),
        due_at=add_duration(started_at, total, cal, mode),
    )
