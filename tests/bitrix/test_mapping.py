"""Bitrix24 records → the app's types: dates in the portal's zone, statuses by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from b24app.bitrix.mapping import portal_datetime, task_facts, task_status, time_entry
from rules.types import TaskStatus

MSK = ZoneInfo("Europe/Moscow")

DATES = [
    pytest.param(
        "2026-11-02T09:30:00", datetime(2026, 11, 2, 9, 30, tzinfo=MSK), id="naive-is-portal"
    ),
    pytest.param(
        "2026-11-02T09:30:00+03:00",
        datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=3))),
        id="offset-kept",
    ),
    pytest.param("2026-11-02T06:30:00Z", datetime(2026, 11, 2, 6, 30, tzinfo=UTC), id="utc"),
    pytest.param("", None, id="empty"),
    pytest.param("вчера", None, id="not-a-date"),
    pytest.param(1762065000, None, id="not-a-string"),
]


@pytest.mark.parametrize(("value", "expected"), DATES)
def test_portal_datetime(value: object, expected: datetime | None) -> None:
    assert portal_datetime(value, MSK) == expected


def test_naive_dates_of_a_task_and_a_time_entry_are_in_the_portal_zone() -> None:
    task = task_facts({"id": "7", "createdDate": "2026-11-02T09:30:00"}, MSK)
    entry = time_entry({"ID": "1", "CREATED_DATE": "2026-11-02T09:30:00"}, MSK)
    assert task.created_at.utcoffset() == timedelta(hours=3)
    assert entry.created_at == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


STATUSES = [
    pytest.param("5", TaskStatus.COMPLETED, id="completed"),
    pytest.param(4, TaskStatus.SUPPOSEDLY_COMPLETED, id="awaiting-control"),
    pytest.param(None, TaskStatus.PENDING, id="absent-is-pending"),
    pytest.param("9", 9, id="undocumented-stays-a-number"),
]


@pytest.mark.parametrize(("value", "expected"), STATUSES)
def test_task_status(value: object, expected: int) -> None:
    status = task_status(value)
    assert status == expected
    assert type(status) is type(expected)
