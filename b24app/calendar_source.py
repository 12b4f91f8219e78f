"""Build the working-time calendar from the `holidays` package and the shortened-day table."""

from __future__ import annotations

from collections.abc import Iterable

import holidays

from rules import preholiday
from rules.regulation import CalendarConfig
from rules.worktime import HolidayTable, WorkCalendar


def build_holiday_table(years: Iterable[int]) -> HolidayTable:
    """Russian days off and moved working days for `years`; only table-covered years count.

    `holidays` knows RU holidays for any year, including the substituted days off of each
    year's Постановление, and exposes the matching working Saturdays as `weekend_workdays`
    (documented attribute "Working days moved to weekends"). It has no shortened pre-holiday
    days, so a year is covered only when rules.preholiday has it too; for other years the
    calendar raises CalendarNotCovered instead of guessing.
    """
    covered = frozenset(year for year in years if year in preholiday.COVERED_YEARS)
    if not covered:
        return HolidayTable()
    ru = holidays.country_holidays("RU", years=sorted(covered))
    return HolidayTable(
        days_off=frozenset(day for day in ru if day.year in covered),
        working_days=frozenset(day for day in ru.weekend_workdays if day.year in covered),
        shortened_days=preholiday.shortened_days(covered),
        covered_years=covered,
    )


def build_calendar(config: CalendarConfig, years: Iterable[int]) -> WorkCalendar:
    """Working time: the portal's calendar; without public holidays no table is loaded."""
    if not config.use_public_holidays:
        return WorkCalendar(config, HolidayTable())
    return WorkCalendar(config, build_holiday_table(years))
