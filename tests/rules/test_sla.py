"""п. 4.1, 1.2: one rule sizes every SLA clock, with the client's own regulation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from rules.regulation import CalendarConfig, RegulationConfig
from rules.sla import ESTIMATE, REACTION, ClockPlan, clock_length, plan_clock
from rules.worktime import ClockMode, HolidayTable, WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar(CalendarConfig(), HolidayTable(covered_years=frozenset({2026})))
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)


def msk(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, 11, d, h, mi, tzinfo=MSK)


PLANS = [
    pytest.param(
        ESTIMATE, RegulationConfig(), 480, ClockMode.WORKING_HOURS, "4.1", msk(23, 16), msk(23, 18),
        id="estimate-default-8h-reminder-75",
    ),
    pytest.param(
        ESTIMATE, RegulationConfig(estimate_sla_working_minutes=120), 120,
        ClockMode.WORKING_HOURS, "4.1", msk(23, 11, 30), msk(23, 12), id="issue-client-override-2h",
    ),
    pytest.param(
        ESTIMATE, RegulationConfig(estimate_sla_working_minutes=10, sla_reminder_percent=75), 10,
        ClockMode.WORKING_HOURS, "4.1", msk(23, 10, 8), msk(23, 10, 10),
        id="reminder-rounds-up-7.5-to-8",
    ),
    pytest.param(
        REACTION, RegulationConfig(), 1440, ClockMode.WORKING_DAYS, "1.2", msk(24, 4), msk(24, 10),
        id="reaction-default-24h-of-working-days",
    ),
    pytest.param(
        REACTION, RegulationConfig(reaction_sla_hours=4, sla_reminder_percent=50), 240,
        ClockMode.WORKING_DAYS, "1.2", msk(23, 12), msk(23, 14), id="reaction-override",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "reg", "total", "mode", "clause", "remind", "due"), PLANS)
def test_plan_clock(
    kind: str,
    reg: RegulationConfig,
    total: int,
    mode: ClockMode,
    clause: str,
    remind: datetime,
    due: datetime,
) -> None:
    assert plan_clock(kind, MONDAY_10, reg, CAL) == ClockPlan(
        kind, clause, MONDAY_10, total, mode, remind, due
    )


def test_reaction_clock_skips_the_weekend() -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=MSK)
    plan = plan_clock(REACTION, friday, RegulationConfig(), CAL)
    assert plan.due_at == datetime(2026, 11, 30, 15, 0, tzinfo=MSK)
    assert plan.due_at.date() != date(2026, 11, 28)


def test_unknown_clock_kind_fails_loudly() -> None:
    with pytest.raises(ValueError, match="unknown clock kind"):
        clock_length("warranty", RegulationConfig())
