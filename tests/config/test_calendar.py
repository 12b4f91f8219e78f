"""The working-time calendar built from `holidays` and rules.preholiday."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from b24app.config.calendar import build_calendar, build_holiday_table, calendar_warning, table_end
from rules import preholiday
from rules.regulation import CalendarConfig
from rules.worktime import CalendarNotCovered, WorkCalendar, add_duration, next_working_instant

MSK = ZoneInfo("Europe/Moscow")
CAL = build_calendar(CalendarConfig(), range(2024, 2028))

DAY_ROWS = [
    pytest.param(date(2025, 11, 1), True, id="2025-11-01-working-saturday"),
    pytest.param(date(2025, 11, 3), False, id="2025-11-03-moved-day-off"),
    pytest.param(date(2024, 12, 28), True, id="2024-12-28-working-saturday"),
    pytest.param(date(2024, 12, 30), False, id="2024-12-30-moved-day-off"),
    pytest.param(date(2026, 1, 5), False, id="2026-01-05-new-year"),
    pytest.param(date(2026, 1, 9), False, id="2026-01-09-moved-day-off"),
    pytest.param(date(2026, 1, 12), True, id="2026-01-12-first-working-day"),
    pytest.param(date(2026, 3, 9), False, id="2026-03-09-observed"),
    pytest.param(date(2026, 5, 1), False, id="2026-05-01"),
    pytest.param(date(2027, 2, 20), True, id="2027-02-20-working-saturday"),
    pytest.param(date(2027, 2, 22), False, id="2027-02-22-moved-day-off"),
]


@pytest.mark.parametrize(("day", "expected"), DAY_ROWS)
def test_public_calendar(day: date, expected: bool) -> None:
    assert CAL.is_working_day(day) is expected


def year_norm(cal: WorkCalendar, year: int) -> tuple[int, int]:
    """Working days and the 40-hour-week norm (8 h a day, one hour less on shortened days)."""
    days = hours = 0
    day = date(year, 1, 1)
    while day.year == year:
        if cal.is_working_day(day):
            days += 1
            hours += 8 - (day in cal.holidays.shortened_days)
        day += timedelta(days=1)
    return days, hours


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        pytest.param(2024, (248, 1979), id="2024"),
        pytest.param(2025, (247, 1972), id="2025"),
        pytest.param(2026, (247, 1972), id="2026"),
    ],
)
def test_year_matches_the_official_production_calendar(
    year: int, expected: tuple[int, int]
) -> None:
    assert year_norm(CAL, year) == expected


def test_every_shortened_day_is_a_working_day_of_its_year() -> None:
    for year, days in preholiday.SHORTENED_DAYS.items():
        for day in days:
            assert day.year == year
            assert CAL.is_working_day(day), day


def test_holiday_start_counts_from_next_working_morning() -> None:
    start = datetime(2026, 1, 5, 10, tzinfo=MSK)
    assert next_working_instant(start, CAL) == datetime(2026, 1, 12, 9, tzinfo=MSK)
    assert add_duration(start, 480, CAL) == datetime(2026, 1, 12, 17, tzinfo=MSK)


def test_shortened_day_from_the_table() -> None:
    start = datetime(2025, 4, 30, 16, tzinfo=MSK)
    assert add_duration(start, 120, CAL) == datetime(2025, 5, 5, 10, tzinfo=MSK)


def test_years_past_the_shortened_table_use_the_holidays_package_alone() -> None:
    """Issue 13: the calendar never stops the app; past the table, no shortened days."""
    table = build_holiday_table([2023, 2026, 2031])
    assert table.covered_years == frozenset({2023, 2026, 2031})
    assert table.table_years == frozenset({2026})
    assert {day.year for day in table.shortened_days} == {2026}
    assert 2031 not in preholiday.COVERED_YEARS
    cal = build_calendar(CalendarConfig(), [2031])
    assert cal.is_working_day(date(2031, 3, 3)) is True
    assert cal.is_working_day(date(2031, 1, 1)) is False
    assert cal.is_working_day(date(2031, 5, 9)) is False
    start = datetime(2031, 3, 7, 16, tzinfo=MSK)  # the day before 8 March: full length here
    assert add_duration(start, 120, cal) == datetime(2031, 3, 7, 18, tzinfo=MSK)


def test_a_year_not_built_still_fails_loudly() -> None:
    cal = build_calendar(CalendarConfig(), [2031])
    with pytest.raises(CalendarNotCovered):
        cal.is_working_day(date(2040, 3, 3))


WARNINGS = [
    pytest.param(-61, None, id="61-days-before-quiet"),
    pytest.param(-60, "ends on", id="60-days-before-warns"),
    pytest.param(0, "ends on", id="last-day"),
    pytest.param(1, "ended on", id="after-the-end"),
]


@pytest.mark.parametrize(("offset", "expected"), WARNINGS)
def test_calendar_warning(offset: int, expected: str | None) -> None:
    end = table_end()
    assert end == date(max(preholiday.COVERED_YEARS), 12, 31)
    warning = calendar_warning(end + timedelta(days=offset), CalendarConfig())
    if expected is None:
        assert warning is None
    else:
        assert warning is not None
        assert f"{expected} {end.isoformat()}" in warning


def test_no_warning_without_public_holidays() -> None:
    config = CalendarConfig(use_public_holidays=False)
    assert calendar_warning(date(2029, 6, 1), config) is None


def test_no_years_gives_an_empty_table() -> None:
    assert build_holiday_table([]).covered_years == frozenset()


def test_without_public_holidays_no_table_is_loaded() -> None:
    cal = build_calendar(CalendarConfig(use_public_holidays=False), [2026])
    assert cal.holidays.covered_years == frozenset()
    assert cal.is_working_day(date(2026, 1, 5))
    assert cal.is_working_day(date(2031, 3, 3))
