"""п. 4.3: terms from estimate comments become deadlines."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from b24app.config.calendar import build_calendar
from rules.deadlines import deadline_for_term, describe_term
from rules.estimate import Term
from rules.regulation import CalendarConfig

MSK = ZoneInfo("Europe/Moscow")
CAL = build_calendar(CalendarConfig(), [2025, 2026, 2027])


@pytest.mark.parametrize(
    ("term", "approved", "expected"),
    [
        pytest.param(
            Term(working_days=3),
            datetime(2026, 11, 23, 10, tzinfo=MSK),
            datetime(2026, 11, 26, 18, tzinfo=MSK),
            id="three-working-days-mon",
        ),
        pytest.param(
            Term(working_days=1),
            datetime(2026, 11, 27, 17, tzinfo=MSK),
            datetime(2026, 11, 30, 18, tzinfo=MSK),
            id="one-working-day-over-weekend",
        ),
        pytest.param(
            Term(working_days=2),
            datetime(2026, 11, 3, 12, tzinfo=MSK),
            datetime(2026, 11, 6, 18, tzinfo=MSK),
            id="skips-national-unity-day",
        ),
        pytest.param(
            Term(calendar_days=7),
            datetime(2026, 11, 23, 10, tzinfo=MSK),
            datetime(2026, 11, 30, 18, tzinfo=MSK),
            id="calendar-days",
        ),
        pytest.param(
            Term(until=date(2026, 11, 30)),
            datetime(2026, 11, 23, 10, tzinfo=MSK),
            datetime(2026, 11, 30, 18, tzinfo=MSK),
            id="until-date",
        ),
        pytest.param(Term(), datetime(2026, 11, 23, 10, tzinfo=MSK), None, id="empty-term"),
    ],
)
def test_deadline_for_term(term: Term, approved: datetime, expected: datetime | None) -> None:
    assert deadline_for_term(term, approved, CAL) == expected


def test_deadline_ends_at_configured_day_end() -> None:
    cal = build_calendar(CalendarConfig(day_end=time(17, 0)), [2026])
    got = deadline_for_term(Term(until=date(2026, 12, 1)), datetime(2026, 11, 2, tzinfo=MSK), cal)
    assert got == datetime(2026, 12, 1, 17, tzinfo=MSK)


@pytest.mark.parametrize(
    ("term", "text"),
    [
        pytest.param(None, "", id="none"),
        pytest.param(Term(), "", id="empty"),
        pytest.param(Term(until=date(2026, 11, 30)), "до 30.11.2026", id="until"),
        pytest.param(Term(working_days=1), "1 рабочий день", id="one"),
        pytest.param(Term(working_days=3), "3 рабочих дня", id="three"),
        pytest.param(Term(working_days=5), "5 рабочих дней", id="five"),
        pytest.param(Term(working_days=11), "11 рабочих дней", id="eleven"),
        pytest.param(Term(calendar_days=21), "21 календарный день", id="twenty-one"),
    ],
)
def test_describe_term(term: Term | None, text: str) -> None:
    assert describe_term(term) == text


def test_a_calendar_without_working_days_fails_loudly() -> None:
    cal = build_calendar(CalendarConfig(workdays=(), use_public_holidays=False), [2026])
    with pytest.raises(ValueError, match="no working day"):
        deadline_for_term(Term(working_days=1), datetime(2026, 11, 2, tzinfo=MSK), cal)
