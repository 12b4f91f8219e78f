"""Working-time calendar and SLA clocks: minutes that count under the regulation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from rules.regulation import CalendarConfig

# A clock that finds no working day in this many consecutive days has a broken calendar.
_MAX_IDLE_DAYS = 370
_ONE_DAY = timedelta(days=1)


class ClockMode(StrEnum):
    """How an SLA clock counts time."""

    WORKING_HOURS = "working_hours"  # п. 4.1: only minutes inside the working day
    WORKING_DAYS = "working_days"  # п. 1.2: every minute of a working day's 24 hours


class CalendarNotCovered(Exception):  # noqa: N818 - the name the callers catch
    """The holiday table does not cover the year asked about: fail loudly, never guess."""

    def __init__(self, year: int) -> None:
        super().__init__(f"the holiday calendar does not cover {year}")
        self.year = year


@dataclass(frozen=True, slots=True)
class HolidayTable:
    """Public days off, moved working days and shortened days of the years it covers."""

    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()  # moved working Saturdays and the like
    shortened_days: frozenset[date] = frozenset()  # pre-holiday days, one hour shorter
    covered_years: frozenset[int] = frozenset()
    table_years: frozenset[int] = frozenset()  # years whose shortened days are known


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working time (REGULATION.md, "Working time"): the config plus the public holiday table."""

    config: CalendarConfig
    holidays: HolidayTable

    @property
    def tz(self) -> ZoneInfo:
        """The portal's time zone (ZoneInfo caches instances per key)."""
        return ZoneInfo(self.config.timezone)

    def is_working_day(self, day: date) -> bool:
        """Working time: config days beat the public table, which beats the weekly pattern."""
        cfg = self.config
        if day in cfg.days_off:
            return False
        if day in cfg.working_days:
            return True
        if cfg.use_public_holidays:
            if day.year not in self.holidays.covered_years:
                raise CalendarNotCovered(day.year)
            if day in self.holidays.days_off:
                return False
            if day in self.holidays.working_days:
                return True
        return day.weekday() in cfg.workdays

    def working_window(
        self, day: date, mode: ClockMode = ClockMode.WORKING_HOURS
    ) -> tuple[datetime, datetime] | None:
        """Working time: the counted part of a day as aware datetimes, None on a day off."""
        if not self.is_working_day(day):
            return None
        tz = self.tz
        if mode is ClockMode.WORKING_DAYS:
            return datetime.combine(day, time(), tz), datetime.combine(day + _ONE_DAY, time(), tz)
        start = datetime.combine(day, self.config.day_start, tz)
        end = datetime.combine(day, self.config.day_end, tz)
        if self.config.use_public_holidays and day in self.holidays.shortened_days:
            end = max(start, end - timedelta(minutes=self.config.shortened_pre_holiday_minutes))
        return start, end


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment.isoformat()}: working time needs a zone")


def _windows(
    cal: WorkCalendar, first: date, mode: ClockMode
) -> Iterator[tuple[datetime, datetime]]:
    """Windows of the working days from `first` on, in UTC (so differences are real minutes)."""
    day, idle = first, 0
    while idle < _MAX_IDLE_DAYS:
        window = cal.working_window(day, mode)
        day += _ONE_DAY
        if window is None:
            idle += 1
            continue
        idle = 0
        yield window[0].astimezone(UTC), window[1].astimezone(UTC)
    raise ValueError(f"no working day in {_MAX_IDLE_DAYS} days after {first.isoformat()}")


def add_duration(
    start: datetime, minutes: int, cal: WorkCalendar, mode: ClockMode = ClockMode.WORKING_HOURS
) -> datetime:
    """п. 4.1, 1.2: the instant `minutes` of working time after `start` (Fri 16:00 → Mon 15:00)."""
    _require_aware(start)
    if minutes < 0:
        raise ValueError(f"negative duration {minutes}")
    at = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    windows = _windows(cal, start.astimezone(cal.tz).date(), mode)
    while True:
        begin, end = next(windows)
        begin = max(begin, at)
        if begin >= end:
            continue
        if remaining <= end - begin:
            return (begin + remaining).astimezone(cal.tz)
        remaining -= end - begin


def elapsed_minutes(
    start: datetime, end: datetime, cal: WorkCalendar, mode: ClockMode = ClockMode.WORKING_HOURS
) -> int:
    """п. 4.1, 1.2: whole working minutes between two instants (0 when end <= start)."""
    _require_aware(start, end)
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    day, last = lo.astimezone(cal.tz).date(), hi.astimezone(cal.tz).date()
    total = timedelta()
    while day <= last:
        window = cal.working_window(day, mode)
        if window is not None:
            begin, finish = window[0].astimezone(UTC), window[1].astimezone(UTC)
            total += max(timedelta(), min(finish, hi) - max(begin, lo))
        day += _ONE_DAY
    return int(total.total_seconds()) // 60


def next_working_instant(
    at: datetime, cal: WorkCalendar, mode: ClockMode = ClockMode.WORKING_HOURS
) -> datetime:
    """Working time: `at` itself inside working time, else the start of the next working window."""
    return add_duration(at, 0, cal, mode)


@dataclass(frozen=True, slots=True)
class ClockStatus:
    """Where an SLA clock stands at `now` (the scheduler turns it into reminders and breaches)."""

    due_at: datetime
    remind_at: datetime
    elapsed_minutes: int
    total_minutes: int
    remaining_minutes: int
    is_due_for_reminder: bool  # the reminder point has passed (stays True once breached)
    is_breached: bool


def reminder_minutes(total_minutes: int, reminder_percent: int) -> int:
    """п. 4.1: when a clock reminds: `reminder_percent` of its length, rounded up to a minute."""
    return -(-total_minutes * reminder_percent // 100)


def clock_status(
    started_at: datetime,
    total_minutes: int,
    now: datetime,
    cal: WorkCalendar,
    mode: ClockMode,
    reminder_percent: int,
) -> ClockStatus:
    """п. 4.1, 1.2: due time, reminder time (percent rounded up to a minute) and state at `now`."""
    _require_aware(now)
    remind_minutes = reminder_minutes(total_minutes, reminder_percent)
    due_at = add_duration(started_at, total_minutes, cal, mode)
    remind_at = add_duration(started_at, remind_minutes, cal, mode)
    elapsed = elapsed_minutes(started_at, now, cal, mode)
    return ClockStatus(
        due_at=due_at,
        remind_at=remind_at,
        elapsed_minutes=elapsed,
        total_minutes=total_minutes,
        remaining_minutes=max(0, total_minutes - elapsed),
        is_due_for_reminder=now >= remind_at,
        is_breached=now >= due_at,
    )
