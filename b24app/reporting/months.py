"""Months as the reports name them: "2026-11", and its first and last moment in a time zone."""

from __future__ import annotations

from datetime import datetime, tzinfo


def parse_month(text: str) -> tuple[int, int]:
    """ "2026-11" → (2026, 11)."""
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"month must look like 2026-11, got {text!r}") from None
    if not (1 <= month <= 12 and 2000 <= year <= 9999):
        raise ValueError(f"month must look like 2026-11, got {text!r}")
    return year, month


def month_range(year: int, month: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) in the calendar's zone."""
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=tz), datetime(*nxt, 1, tzinfo=tz)
