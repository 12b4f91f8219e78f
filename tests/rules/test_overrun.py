"""п. 3.1, 3.3: billable time and the overrun of an approved estimate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rules import overrun
from rules.billing import billed_minutes
from rules.overrun import OverrunDecision, OverrunLevel
from rules.regulation import RegulationConfig
from rules.types import TaskId, TimeEntry, UserId

WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _entries(*seconds: int) -> list[TimeEntry]:
    return [TimeEntry(i, TaskId(1), UserId(1), s, WHEN) for i, s in enumerate(seconds)]


BILLABLE = [
    pytest.param((), 15, 0, id="no-entries"),
    pytest.param((60,), 15, 15, id="one-minute-is-a-unit"),
    pytest.param((15 * 60,), 15, 15, id="exactly-a-unit"),
    pytest.param((15 * 60 + 1,), 15, 30, id="one-second-over"),
    pytest.param((600, 600, 600), 15, 45, id="each-entry-rounded"),
    pytest.param((0,), 15, 15, id="issue-0-second-entry-is-a-unit-as-on-the-bill"),
    pytest.param((-60,), 15, 0, id="negative-entry-is-not-time"),
    pytest.param((3600, 60), 30, 90, id="unit-30"),
]


@pytest.mark.parametrize(("seconds", "unit", "expected"), BILLABLE)
def test_billable_minutes(seconds: tuple[int, ...], unit: int, expected: int) -> None:
    assert overrun.billable_minutes(_entries(*seconds), unit) == expected


@pytest.mark.parametrize("seconds", [0, 1, 59, 60, 61, 899, 900, 901, 3600, 7201])
def test_overrun_and_bill_count_an_entry_alike(seconds: int) -> None:
    """Issue 13: one rounding rule for the overrun and the bill (rules.billing.billed_minutes)."""
    assert overrun.billable_minutes(_entries(seconds), 15) == billed_minutes(seconds, 15)


UNAPPROVED = [
    pytest.param((60, 60), None, (0, 0), id="nothing-approved-nothing-past"),
    pytest.param((60, 60), 120, (0, 0), id="exactly-the-estimate"),
    pytest.param((120, 30), 120, (0, 30), id="the-next-entry-is-past"),
    pytest.param((90, 60), 120, (0, 30), id="an-entry-crossing-the-estimate"),
    pytest.param((240, 30), 240, (0, 30), id="issue-demo-task-4"),
    pytest.param((0, 30), 0, (0, 30), id="zero-approved"),
    pytest.param((150,), 120, (30,), id="one-entry-past"),
]


@pytest.mark.parametrize(("billed", "approved", "expected"), UNAPPROVED)
def test_unapproved_parts(
    billed: tuple[int, ...], approved: int | None, expected: tuple[int, ...]
) -> None:
    assert overrun.unapproved_parts(billed, approved) == expected


OVERRUNS = [
    pytest.param(300, None, OverrunLevel.NONE, 0, id="by-actual"),
    pytest.param(0, 120, OverrunLevel.NONE, 0, id="nothing-spent"),
    pytest.param(90, 120, OverrunLevel.NONE, 75, id="75-percent"),
    pytest.param(95, 120, OverrunLevel.NONE, 79, id="just-under-80"),
    pytest.param(96, 120, OverrunLevel.WARNING, 80, id="exactly-80"),
    pytest.param(119, 120, OverrunLevel.WARNING, 99, id="99-percent"),
    pytest.param(120, 120, OverrunLevel.WARNING, 100, id="exactly-100-is-not-over"),
    pytest.param(121, 120, OverrunLevel.EXCEEDED, 100, id="one-minute-over"),
    pytest.param(135, 120, OverrunLevel.EXCEEDED, 112, id="one-unit-over"),
    pytest.param(15, 0, OverrunLevel.EXCEEDED, 100, id="zero-approved-with-time"),
    pytest.param(0, 0, OverrunLevel.NONE, 0, id="zero-approved-no-time"),
]


@pytest.mark.parametrize(("billable", "approved", "level", "percent"), OVERRUNS)
def test_decide_overrun(
    billable: int, approved: int | None, level: OverrunLevel, percent: int
) -> None:
    decision = overrun.decide_overrun(billable, approved, RegulationConfig())
    assert decision == OverrunDecision(level, billable, approved, percent, "3.3")


def test_warning_percent_from_config() -> None:
    config = RegulationConfig(overrun_warning_percent=50)
    assert overrun.decide_overrun(60, 120, config).level is OverrunLevel.WARNING
