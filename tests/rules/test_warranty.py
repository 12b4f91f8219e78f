"""п. 3.2, 5.1, 5.2: the 14-day warranty window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rules import warranty
from rules.regulation import RegulationConfig
from rules.remarks import Remark
from rules.warranty import AfterDelivery, WarrantyDecision, WarrantyWindow

MSK = timezone(timedelta(hours=3))
DONE_AT = datetime(2026, 11, 20, 23, 30, tzinfo=MSK)  # 20:30 UTC, still the 20th in Moscow
LAST_DAY = date(2026, 12, 4)
CLOSES_AT = datetime(2026, 12, 5, 0, 0, tzinfo=MSK)


def test_window_counts_local_calendar_days() -> None:
    assert warranty.warranty_window(DONE_AT, RegulationConfig()) == WarrantyWindow(
        done_at=DONE_AT, last_day=LAST_DAY, closes_at=CLOSES_AT
    )


def test_window_length_from_config() -> None:
    window = warranty.warranty_window(DONE_AT, RegulationConfig(warranty_days=7))
    assert (window.last_day, window.closes_at) == (
        date(2026, 11, 27),
        datetime(2026, 11, 28, tzinfo=MSK),
    )


COMMENTS = [
    pytest.param(DONE_AT + timedelta(minutes=5), True, True, False, id="right-after"),
    pytest.param(
        datetime(2026, 12, 4, 23, 59, 59, tzinfo=MSK), True, True, False, id="last-second"
    ),
    pytest.param(
        datetime(2026, 12, 4, 20, 59, tzinfo=UTC), True, True, False, id="last-minute-in-utc"
    ),
    pytest.param(CLOSES_AT, True, False, True, id="exactly-at-closes-at"),
    pytest.param(datetime(2026, 12, 4, 21, 0, tzinfo=UTC), True, False, True, id="closes-in-utc"),
    pytest.param(CLOSES_AT + timedelta(days=3), True, False, True, id="late"),
    pytest.param(CLOSES_AT, False, False, False, id="late-without-new-task"),
]


@pytest.mark.parametrize(("comment_at", "create", "in_window", "new_task"), COMMENTS)
def test_a_defect_after_done(
    comment_at: datetime, create: bool, in_window: bool, new_task: bool
) -> None:
    config = RegulationConfig(create_task_for_late_comment=create)
    window = warranty.warranty_window(DONE_AT, config)
    decision = warranty.decide_client_comment_after_done(window, comment_at, Remark.DEFECT, config)
    action = AfterDelivery.REWORK if in_window else AfterDelivery.NEW_TASK
    assert decision == WarrantyDecision(action, in_window, new_task, LAST_DAY, "3.2")


IN_WINDOW = DONE_AT + timedelta(days=2)
LATE = CLOSES_AT + timedelta(days=2)
REMARKS = [
    # Issue 13: thanks reopened the task as free rework.
    pytest.param(Remark.THANKS, IN_WINDOW, False, AfterDelivery.NOTHING, id="issue-thanks"),
    pytest.param(Remark.ACCEPTANCE, IN_WINDOW, False, AfterDelivery.NOTHING, id="acceptance"),
    pytest.param(Remark.QUESTION, IN_WINDOW, False, AfterDelivery.ASK_INTEGRATOR, id="question"),
    pytest.param(Remark.UNCLEAR, IN_WINDOW, False, AfterDelivery.ASK_INTEGRATOR, id="unclear"),
    pytest.param(Remark.DEFECT, IN_WINDOW, False, AfterDelivery.REWORK, id="defect"),
    # Issue 13: after the client accepted the task in Bitrix24 a defect is a new task.
    pytest.param(Remark.DEFECT, IN_WINDOW, True, AfterDelivery.NEW_TASK, id="issue-accepted"),
    pytest.param(Remark.THANKS, IN_WINDOW, True, AfterDelivery.NOTHING, id="accepted-thanks"),
    pytest.param(Remark.THANKS, LATE, False, AfterDelivery.NOTHING, id="late-thanks"),
    pytest.param(Remark.QUESTION, LATE, False, AfterDelivery.ASK_INTEGRATOR, id="late-question"),
]


@pytest.mark.parametrize(("remark", "comment_at", "accepted", "action"), REMARKS)
def test_remark_after_done(
    remark: Remark, comment_at: datetime, accepted: bool, action: AfterDelivery
) -> None:
    config = RegulationConfig()
    window = warranty.warranty_window(DONE_AT, config)
    decision = warranty.decide_client_comment_after_done(
        window, comment_at, remark, config, accepted=accepted
    )
    assert decision.action is action
    assert decision.create_new_task is (action is AfterDelivery.NEW_TASK)


WINDOW_OVER = [
    pytest.param(CLOSES_AT - timedelta(microseconds=1), False, id="just-before"),
    pytest.param(CLOSES_AT, True, id="exactly-at"),
    pytest.param(CLOSES_AT + timedelta(seconds=1), True, id="after"),
]


@pytest.mark.parametrize(("now", "expected"), WINDOW_OVER)
def test_is_window_over(now: datetime, expected: bool) -> None:
    window = warranty.warranty_window(DONE_AT, RegulationConfig())
    assert warranty.is_window_over(window, now) is expected


def test_promised_window_keeps_the_day_the_client_was_told() -> None:
    told = date(2026, 12, 10)
    window = warranty.promised_window(DONE_AT, told, RegulationConfig())
    assert (window.last_day, window.closes_at) == (told, datetime(2026, 12, 11, tzinfo=MSK))
    assert warranty.promised_window(DONE_AT, LAST_DAY, RegulationConfig()).last_day == LAST_DAY
    assert warranty.promised_window(DONE_AT, None, RegulationConfig()).last_day == LAST_DAY
