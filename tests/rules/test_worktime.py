"""Working-time calendar and SLA clocks (REGULATION.md "Working time", п. 1.2, 4.1)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from rules import preholiday
from rules.regulation import CalendarConfig
from rules.worktime import (
    CalendarNotCovered,
    ClockMode,
    HolidayTable,
    WorkCalendar,
    add_duration,
    clock_status,
    elapsed_minutes,
    next_working_instant,
)

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")
KGD = ZoneInfo("Europe/Kaliningrad")
HOURS = ClockMode.WORKING_HOURS
DAYS = ClockMode.WORKING_DAYS

# The public days this file needs, as b24app.config.calendar builds them from `holidays`.
TABLE = HolidayTable(
    days_off=frozenset(
        [date(2025, 11, 3), date(2025, 11, 4), date(2025, 12, 31)]
        + [date(2026, 1, d) for d in range(1, 10)]
        + [date(2026, 5, 1), date(2026, 5, 11), date(2026, 12, 31)]
    ),
    working_days=frozenset([date(2025, 11, 1)]),
    shortened_days=preholiday.shortened_days(frozenset({2025, 2026})),
    covered_years=frozenset({2025, 2026}),
)
CAL = WorkCalendar(CalendarConfig(), TABLE)


def msk(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=MSK)


def cal_with(table: HolidayTable = TABLE, **config: object) -> WorkCalendar:
    return WorkCalendar(dataclasses.replace(CalendarConfig(), **config), table)  # type: ignore[arg-type]


ADD_ROWS = [
    pytest.param(CAL, msk(2026, 3, 13, 16), 480, HOURS, msk(2026, 3, 16, 15), id="fri-16-plus-8h"),
    pytest.param(CAL, msk(2026, 3, 13, 16), 120, HOURS, msk(2026, 3, 13, 18), id="ends-at-18"),
    pytest.param(CAL, msk(2026, 3, 12, 18), 60, HOURS, msk(2026, 3, 13, 10), id="start-at-18"),
    pytest.param(CAL, msk(2026, 3, 12, 9), 60, HOURS, msk(2026, 3, 12, 10), id="start-at-09"),
    pytest.param(CAL, msk(2026, 3, 12, 7), 60, HOURS, msk(2026, 3, 12, 10), id="before-09"),
    pytest.param(CAL, msk(2026, 1, 5, 10), 480, HOURS, msk(2026, 1, 12, 17), id="holiday-jan-5"),
    pytest.param(CAL, msk(2026, 5, 1, 12), 60, HOURS, msk(2026, 5, 4, 10), id="holiday-may-1"),
    pytest.param(CAL, msk(2026, 4, 30, 16), 120, HOURS, msk(2026, 5, 4, 10), id="shortened-day"),
    pytest.param(CAL, msk(2026, 4, 30, 16), 60, HOURS, msk(2026, 4, 30, 17), id="shortened-end"),
    pytest.param(CAL, msk(2025, 10, 31, 17), 120, HOURS, msk(2025, 11, 1, 10), id="work-sat"),
    pytest.param(CAL, msk(2026, 3, 13, 12), 1440, DAYS, msk(2026, 3, 16, 12), id="24h-weekend"),
    pytest.param(CAL, msk(2026, 4, 30, 12), 1440, DAYS, msk(2026, 5, 4, 12), id="24h-may-days"),
    pytest.param(CAL, msk(2026, 3, 14, 12), 60, DAYS, msk(2026, 3, 16, 1), id="24h-from-sat"),
    pytest.param(
        cal_with(working_days=(date(2026, 3, 14),)),
        msk(2026, 3, 13, 16),
        480,
        HOURS,
        msk(2026, 3, 14, 15),
        id="config-working-saturday",
    ),
    pytest.param(
        cal_with(days_off=(date(2026, 3, 16),)),
        msk(2026, 3, 13, 16),
        480,
        HOURS,
        msk(2026, 3, 17, 15),
        id="config-company-day-off",
    ),
    pytest.param(
        cal_with(days_off=(date(2025, 11, 1),)),
        msk(2025, 10, 31, 17),
        120,
        HOURS,
        msk(2025, 11, 5, 10),
        id="config-day-off-beats-public-working-day",
    ),
    pytest.param(
        cal_with(working_days=(date(2026, 5, 1),)),
        msk(2026, 4, 30, 16),
        120,
        HOURS,
        msk(2026, 5, 1, 10),
        id="config-working-day-beats-public-holiday",
    ),
    pytest.param(
        cal_with(HolidayTable(), use_public_holidays=False),
        msk(2026, 4, 30, 16),
        120,
        HOURS,
        msk(2026, 4, 30, 18),
        id="no-public-holidays-no-shortening",
    ),
    pytest.param(
        cal_with(timezone="Asia/Yekaterinburg"),
        datetime(2026, 3, 13, 11, tzinfo=UTC),
        480,
        HOURS,
        datetime(2026, 3, 16, 15, tzinfo=YEKT),
        id="yekaterinburg-start-in-utc",
    ),
    pytest.param(
        cal_with(timezone="Europe/Kaliningrad"),
        msk(2026, 3, 13, 17),
        480,
        HOURS,
        datetime(2026, 3, 16, 15, tzinfo=KGD),
        id="kaliningrad-start-in-moscow-time",
    ),
    pytest.param(CAL, msk(2026, 3, 13, 16), 0, HOURS, msk(2026, 3, 13, 16), id="zero-inside"),
    pytest.param(CAL, msk(2026, 3, 13, 19), 0, HOURS, msk(2026, 3, 16, 9), id="zero-outside"),
    pytest.param(CAL, msk(2026, 3, 2, 9), 5 * 540, HOURS, msk(2026, 3, 6, 18), id="whole-week"),
]


@pytest.mark.parametrize(("cal", "start", "minutes", "mode", "expected"), ADD_ROWS)
def test_add_duration(
    cal: WorkCalendar, start: datetime, minutes: int, mode: ClockMode, expected: datetime
) -> None:
    result = add_duration(start, minutes, cal, mode)
    assert result == expected
    assert result.tzinfo == cal.tz
    assert elapsed_minutes(start, result, cal, mode) == minutes


ELAPSED_ROWS = [
    pytest.param(CAL, msk(2026, 3, 13, 17), msk(2026, 3, 16, 10), HOURS, 120, id="night-weekend"),
    pytest.param(CAL, msk(2026, 3, 12, 12), msk(2026, 3, 13, 12), HOURS, 540, id="overnight"),
    pytest.param(CAL, msk(2026, 3, 13, 12), msk(2026, 3, 16, 12), DAYS, 1440, id="24h-weekend"),
    pytest.param(CAL, msk(2026, 3, 16, 12), msk(2026, 3, 13, 12), HOURS, 0, id="end-before-start"),
    pytest.param(CAL, msk(2026, 3, 13, 12), msk(2026, 3, 13, 12), HOURS, 0, id="same-instant"),
    pytest.param(CAL, msk(2026, 3, 14, 10), msk(2026, 3, 15, 17), HOURS, 0, id="weekend-only"),
    pytest.param(CAL, msk(2025, 12, 30, 17), msk(2026, 1, 12, 10), HOURS, 120, id="new-year"),
    pytest.param(
        CAL,
        msk(2026, 3, 13, 12, 0),
        datetime(2026, 3, 13, 9, 30, 59, tzinfo=UTC),
        HOURS,
        30,
        id="whole-minutes-and-mixed-zones",
    ),
    pytest.param(
        cal_with(
            HolidayTable(),
            timezone="Europe/Berlin",
            workdays=tuple(range(7)),
            use_public_holidays=False,
        ),
        datetime(2026, 3, 29, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2026, 3, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        DAYS,
        23 * 60,
        id="dst-day-has-23-hours",
    ),
]


@pytest.mark.parametrize(("cal", "start", "end", "mode", "expected"), ELAPSED_ROWS)
def test_elapsed_minutes(
    cal: WorkCalendar, start: datetime, end: datetime, mode: ClockMode, expected: int
) -> None:
    assert elapsed_minutes(start, end, cal, mode) == expected


NEXT_ROWS = [
    pytest.param(msk(2026, 3, 13, 9), HOURS, msk(2026, 3, 13, 9), id="at-09-itself"),
    pytest.param(msk(2026, 3, 13, 12, 7), HOURS, msk(2026, 3, 13, 12, 7), id="inside-itself"),
    pytest.param(msk(2026, 3, 13, 18), HOURS, msk(2026, 3, 16, 9), id="at-18-next-morning"),
    pytest.param(msk(2026, 1, 5, 10), HOURS, msk(2026, 1, 12, 9), id="holiday-next-morning"),
    pytest.param(msk(2026, 1, 5, 10), DAYS, msk(2026, 1, 12, 0), id="holiday-24h-midnight"),
    pytest.param(msk(2026, 4, 30, 17, 30), HOURS, msk(2026, 5, 4, 9), id="after-shortened-end"),
]


@pytest.mark.parametrize(("at", "mode", "expected"), NEXT_ROWS)
def test_next_working_instant(at: datetime, mode: ClockMode, expected: datetime) -> None:
    assert next_working_instant(at, CAL, mode) == expected


DAY_ROWS = [
    pytest.param(date(2025, 11, 1), True, id="moved-working-saturday-2025-11-01"),
    pytest.param(date(2025, 11, 3), False, id="moved-day-off"),
    pytest.param(date(2026, 1, 5), False, id="new-year-holiday"),
    pytest.param(date(2026, 3, 14), False, id="plain-saturday"),
    pytest.param(date(2026, 3, 13), True, id="plain-friday"),
]


@pytest.mark.parametrize(("day", "expected"), DAY_ROWS)
def test_is_working_day(day: date, expected: bool) -> None:
    assert CAL.is_working_day(day) is expected
    assert (CAL.working_window(day) is None) is not expected


def test_working_window_is_aware_in_portal_zone() -> None:
    assert CAL.working_window(date(2026, 4, 30)) == (msk(2026, 4, 30, 9), msk(2026, 4, 30, 17))
    assert CAL.working_window(date(2026, 4, 29), DAYS) == (msk(2026, 4, 29), msk(2026, 4, 30))


def test_shortening_never_inverts_the_window() -> None:
    cal = cal_with(shortened_pre_holiday_minutes=600)
    assert cal.working_window(date(2026, 4, 30)) == (msk(2026, 4, 30, 9), msk(2026, 4, 30, 9))


UNCOVERED_ROWS = [
    pytest.param(lambda: CAL.is_working_day(date(2030, 1, 10)), id="is-working-day"),
    pytest.param(lambda: add_duration(msk(2030, 1, 10, 10), 60, CAL), id="add-duration"),
    pytest.param(lambda: add_duration(msk(2026, 12, 30, 17), 120, CAL), id="runs-into-2027"),
    pytest.param(lambda: elapsed_minutes(msk(2026, 12, 30), msk(2027, 1, 11), CAL), id="elapsed"),
]


@pytest.mark.parametrize("call", UNCOVERED_ROWS)
def test_year_not_covered_fails_loudly(call: object) -> None:
    with pytest.raises(CalendarNotCovered, match="does not cover 20") as info:
        call()  # type: ignore[operator]
    assert info.value.year in {2027, 2030}


def test_year_not_covered_is_fine_without_public_holidays() -> None:
    cal = cal_with(HolidayTable(), use_public_holidays=False)
    assert add_duration(msk(2030, 1, 10, 10), 60, cal) == msk(2030, 1, 10, 11)


def test_clock_ends_on_the_last_covered_day_without_peeking_further() -> None:
    assert add_duration(msk(2026, 12, 30, 16), 120, CAL) == msk(2026, 12, 30, 18)
    assert elapsed_minutes(msk(2026, 12, 30, 16), msk(2026, 12, 30, 23), CAL) == 120


BAD_INPUT_ROWS = [
    pytest.param(lambda: add_duration(datetime(2026, 3, 13, 16), 60, CAL), "naive", id="naive"),  # noqa: DTZ001
    pytest.param(
        lambda: elapsed_minutes(msk(2026, 3, 13), datetime(2026, 3, 14), CAL),  # noqa: DTZ001
        "naive",
        id="naive-end",
    ),
    pytest.param(lambda: add_duration(msk(2026, 3, 13), -1, CAL), "negative", id="negative"),
    pytest.param(
        lambda: add_duration(
            msk(2026, 3, 13), 1, cal_with(HolidayTable(), workdays=(), use_public_holidays=False)
        ),
        "no working day",
        id="no-working-days",
    ),
]


@pytest.mark.parametrize(("call", "message"), BAD_INPUT_ROWS)
def test_bad_input_raises(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


STATUS_ROWS = [
    pytest.param(msk(2026, 3, 13, 17), 420, False, False, id="fresh"),
    pytest.param(msk(2026, 3, 16, 13), 120, True, False, id="reminder-at-75-percent"),
    pytest.param(msk(2026, 3, 16, 12, 59), 121, False, False, id="just-before-reminder"),
    pytest.param(msk(2026, 3, 16, 15), 0, True, True, id="breached-exactly-at-due"),
    pytest.param(msk(2026, 3, 20, 15), 0, True, True, id="long-breached"),
]


@pytest.mark.parametrize(("now", "remaining", "remind", "breached"), STATUS_ROWS)
def test_clock_status(now: datetime, remaining: int, remind: bool, breached: bool) -> None:
    status = clock_status(msk(2026, 3, 13, 16), 480, now, CAL, HOURS, 75)
    assert status.due_at == msk(2026, 3, 16, 15)
    assert status.remind_at == msk(2026, 3, 16, 13)  # 360 working minutes after the start
    assert status.total_minutes == 480
    assert status.elapsed_minutes == elapsed_minutes(msk(2026, 3, 13, 16), now, CAL)
    assert status.remaining_minutes == remaining
    assert (status.is_due_for_reminder, status.is_breached) == (remind, breached)


def test_clock_status_reaction_clock_in_working_days_mode() -> None:
    status = clock_status(msk(2026, 3, 13, 12), 24 * 60, msk(2026, 3, 16, 6), CAL, DAYS, 75)
    assert status.due_at == msk(2026, 3, 16, 12)
    assert status.remind_at == msk(2026, 3, 16, 6)
    assert (status.elapsed_minutes, status.remaining_minutes) == (1080, 360)
    assert status.is_due_for_reminder
    assert not status.is_breached


def test_clock_status_rounds_the_reminder_up_to_a_minute() -> None:
    status = clock_status(msk(2026, 3, 13, 9), 10, msk(2026, 3, 13, 9), CAL, HOURS, 75)
    assert status.remind_at == msk(2026, 3, 13, 9, 8)


def test_long_span_round_trips() -> None:
    start = msk(2026, 3, 2, 9)
    result = add_duration(start, 100 * 540, CAL)
    assert result.date() == date(2026, 7, 22)
    assert elapsed_minutes(start, result, CAL) == 100 * 540
