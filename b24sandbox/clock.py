"""Injectable, advanceable clock and Bitrix24 date formatting for the sandbox portal."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

# Bitrix24 returns dates in the portal time zone (§14); the sandbox portal lives in Moscow time.
PORTAL_TZ = timezone(timedelta(hours=3))


class Clock:
    """Wall clock plus an offset that tests move forward with `advance`."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    @property
    def offset(self) -> float:
        return self._offset

    def set_offset(self, offset: float) -> None:
        with self._lock:
            self._offset = offset


def iso(ts: float | None) -> str | None:
    """§14: `YYYY-MM-DDThh:mm:ss±hh:mm` in the portal time zone."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, PORTAL_TZ).replace(microsecond=0).isoformat()


def parse_date(value: object) -> float | None:
    """Accept ISO 8601 (with or without offset), a date, or Bitrix's `DD.MM.YYYY [hh:mm:ss]`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=PORTAL_TZ).timestamp()
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PORTAL_TZ)
    return parsed.timestamp()


def utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()
