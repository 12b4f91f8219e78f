"""Build the working-time calendar from the `holidays` package and the shortened-day table.

The calendar never stops the app (REGULATION.md, "Working time"): a year the shortened-day table
(rules.preholiday) does not cover gets its public holidays and moved days from `holidays` alone,
without shortened pre-holiday days; `b24app check` and `/healthz` warn from
TABLE_WARNING_DAYS before the table ends, so someone adds the next year in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

from rules import preholiday
from rules.regulation import CalendarConfig
from rules.worktime import HolidayTable, WorkCalendar

TABLE_WARNING_DAYS = 60


def build_holiday_table(years: Iterable[int]) -> HolidayTable:
    """Russian days off, moved working days and shortened days for `years`.

    `holidays` knows RU holidays for any year, including the substituted days off of each
    year's Постановление, and exposes the matching working Saturdays as `weekend_workdays`
    (documented attribute "Working days moved to weekends"). It has no shortened pre-holiday
    days: those come from rules.preholiday for the years it has (`table_years`), and a year past
    it is counted without them rather than not at all.
    """
    wanted = frozenset(years)
    if not wanted:
        return HolidayTable()
    ru = holidays.country_holidays("RU", years=sorted(wanted))
    table_years = wanted & preholiday.COVERED_YEARS
    return HolidayTable(
        days_off=frozenset(day for day in ru if day.year in wanted),
        working_days=frozenset(day for day in ru.weekend_workdays if day.year in wanted),
        shortened_days=preholiday.shortened_days(table_years),
        covered_years=wanted,
        table_years=table_years,
    )


def build_calendar(config: CalendarConfig, years: Iterable[int]) -> WorkCalendar:
    """Working time: the portal's calendar; without public holidays no table is loaded."""
    if not config.use_public_holidays:
        return WorkCalendar(config, HolidayTable())
    return WorkCalendar(config, build_holiday_table(years))


def table_end() -> date:
    """The last day the shortened-day table covers."""
    return date(max(preholiday.COVERED_YEARS), 12, 31)


def calendar_warning(today: date, config: CalendarConfig) -> str | None:
    """A warning from TABLE_WARNING_DAYS before the shortened-day table ends (None before)."""
    if not config.use_public_holidays:
        return None
    end = table_end()
    if today < end - timedelta(days=TABLE_WARNING_DAYS):
        return None
    when = "ended" if today > end else "ends"
    return (
        f"the shortened pre-holiday table (rules/preholiday.py, version "
        f"{preholiday.TABLE_VERSION}) {when} on {end.isoformat()}: later years use the public "
        "holidays from the `holidays` package without shortened days; add the next year's "
        "production calendar"
    )


def calendar_health(today: date, config: CalendarConfig) -> dict[str, str | None]:
    """For /healthz: the table's last day and the warning, if one is due."""
    return {"table_ends": table_end().isoformat(), "warning": calendar_warning(today, config)}
