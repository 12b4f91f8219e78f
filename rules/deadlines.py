"""п. 4.3: the term agreed in an estimate comment, turned into a task deadline."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rules.estimate import Term
from rules.worktime import WorkCalendar

MAX_SEARCH_DAYS = 400


def deadline_for_term(term: Term, approved_at: datetime, cal: WorkCalendar) -> datetime | None:
    """п. 4.3: counted from approval; ends at the close of the last working day of the term."""
    local = approved_at.astimezone(cal.tz)
    if term.until is not None:
        day = term.until
    elif term.working_days:
        day = local.date()
        for _ in range(term.working_days):
            day = _next_working_day(day, cal)
    elif term.calendar_days:
        day = local.date() + timedelta(days=term.calendar_days)
    else:
        return None
    return datetime.combine(day, cal.config.day_end, tzinfo=cal.tz)


def _next_working_day(day: date, cal: WorkCalendar) -> date:
    for _ in range(MAX_SEARCH_DAYS):
        day += timedelta(days=1)
        if cal.is_working_day(day):
            return day
    raise ValueError("no working day within a year: check the working calendar")


def describe_term(term: Term | None) -> str:
    """п. 4.3: the term as the integrator wrote it, in words («3 рабочих дня», «до 30.11.2026»)."""
    if term is None:
        return ""
    if term.until is not None:
        return f"до {term.until:%d.%m.%Y}"
    if term.working_days:
        return _days(term.working_days, "рабочий", "рабочих")
    if term.calendar_days:
        return _days(term.calendar_days, "календарный", "календарных")
    return ""


def _days(n: int, singular: str, plural: str) -> str:
    """«1 рабочий день», «3 рабочих дня», «5 рабочих дней»."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {singular} день"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} {plural} дня"
    return f"{n} {plural} дней"
