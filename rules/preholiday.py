"""Russian shortened pre-holiday working days (one hour shorter), a versioned table."""

from __future__ import annotations

from datetime import date

# Bump TABLE_VERSION whenever a date is added or corrected, and add the year to COVERED_YEARS
# only once its whole production calendar is known: a year outside COVERED_YEARS makes the
# working-time calendar raise CalendarNotCovered instead of silently guessing.
TABLE_VERSION = "2026.1"

# Article 95 of the Labour Code shortens by one hour the working day immediately before a
# non-working public holiday (art. 112); a day before a moved day off is not shortened.
# Which working day counts as "immediately before" is decided by the production calendar
# (Минтруд) that follows each year's Постановление Правительства о переносе выходных дней:
SHORTENED_DAYS: dict[int, tuple[date, ...]] = {
    # Постановление «О переносе выходных дней в 2024 году» (consultant.ru LAW_455140);
    # production calendar: 248 working days, 1979 h at 40 h/week.
    # The working Saturday 2024-12-28 is a full day (it replaces Monday 2024-12-30).
    2024: (
        date(2024, 2, 22),
        date(2024, 3, 7),
        date(2024, 5, 8),
        date(2024, 6, 11),
        date(2024, 11, 2),  # working Saturday before 3 (Sun) and 4 November
    ),
    # Постановление «О переносе выходных дней в 2025 году» (consultant.ru LAW_481586);
    # 247 working days, 1972 h.
    # 2025-05-07 and 2025-12-30 are full days: 8 May and 31 December are moved days off.
    2025: (
        date(2025, 3, 7),
        date(2025, 4, 30),
        date(2025, 6, 11),
        date(2025, 11, 1),  # working Saturday before 2 (Sun), 3 (moved) and 4 November
    ),
    # Постановление «О переносе выходных дней в 2026 году» (consultant.ru LAW_515170);
    # 247 working days, 1972 h.
    # 2026-02-20 and 2026-03-06 are full days (a weekend lies between them and the holiday).
    2026: (
        date(2026, 4, 30),
        date(2026, 5, 8),
        date(2026, 6, 11),
        date(2026, 11, 3),
    ),
    # The 2027 moves (20.02 → 22.02, 02.01 → 05.11, 03.01 → 31.12) are from the 2027
    # Постановление as the `holidays` package cites it (consultant.ru LAW_544706); the shortened
    # days follow the pattern of 2021 (same weekday layout, working Saturday 2021-02-20 shortened)
    # and of 2025-11-01. Check them against Минтруд's 2027 production calendar when it is out.
    2027: (
        date(2027, 2, 20),  # working Saturday before 21 (Sun), 22 (moved) and 23 February
        date(2027, 4, 30),
        date(2027, 6, 11),
        date(2027, 11, 3),
    ),
}

COVERED_YEARS: frozenset[int] = frozenset(SHORTENED_DAYS)


def shortened_days(years: frozenset[int] | set[int] | tuple[int, ...]) -> frozenset[date]:
    """Working time: the shortened pre-holiday days of the given years that the table covers."""
    return frozenset(day for year in years for day in SHORTENED_DAYS.get(year, ()))
