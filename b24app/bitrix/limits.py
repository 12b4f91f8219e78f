"""How hard the client pushes: our retry policy and counters, each method's operating-time window
(docs limits.md) and the leaky bucket kept on our side."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# An operating-time block shorter than this is waited out in place; a longer one goes back to
# the inbox with its retry time (a block can last up to 10 minutes: docs limits.md).
OPERATING_WAIT_IN_PLACE_SECONDS = 5.0

# A person is waiting for a page: a portal read behind it either answers within this or the
# page goes on without it («Битрикс24 не ответил», names from what is stored). Without a bound,
# fast-bitrix24's own connection retries (~17 s) times the worker's attempts kept the settings
# page of a portal that was down loading for 50 s. Bitrix answers such reads in well under 1 s.
INTERACTIVE_CALL_TIMEOUT_SECONDS = 4.0


@dataclass(slots=True)
class RetryPolicy:
    """How hard to try before giving the error back to the inbox (which retries later)."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        jitter = 0.5 + random.random() / 2  # noqa: S311 - jitter, not security
        return float(min(self.max_delay, self.base_delay * 2**attempt) * jitter)


# One try for a page's reads: fast-bitrix24 already retries a 5xx or a dropped connection
# inside the call, and a person would rather see the page without the portal's answer.
INTERACTIVE_RETRY = RetryPolicy(attempts=1)


@dataclass(slots=True)
class CallStats:
    """Counters for /metrics and the benchmarks."""

    requests: int = 0
    batch_commands: int = 0
    retries: int = 0
    rate_limited: int = 0
    rate_limit_wait_seconds: float = 0.0
    shared_throttle_wait_seconds: float = 0.0  # waits for the bucket shared by all instances
    refreshes: int = 0
    errors: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


class OperatingWindows:
    """docs limits.md: each method of an app has an operating-time budget over ten one-minute
    buckets; past it the method answers 429 OPERATION_TIME_LIMIT, with no `time` block, until
    the oldest bucket drops. The answer to wait for is `operating_reset_at` of the method's last
    successful response; without one, the next bucket (a minute). Kept per portal endpoint and
    method, in the portal's clock turned into ours (`reset_at - time.start` of that answer)."""

    FALLBACK_SECONDS = 60.0
    MAX_SECONDS = 600.0

    def __init__(self) -> None:
        self._reset_at: dict[str, float] = {}  # local monotonic time the window frees up
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def observe(self, method: str, time_block: Any) -> None:
        """A successful answer of `method`: remember when its oldest bucket drops."""
        if not isinstance(time_block, dict):
            return
        reset_at = _float(time_block.get("operating_reset_at"))
        portal_now = _float(time_block.get("start")) or _float(time_block.get("finish"))
        if not reset_at or not portal_now:
            return
        ahead = min(max(reset_at - portal_now, 0.0), self.MAX_SECONDS)
        with self._lock:
            self._reset_at[method] = time.monotonic() + ahead

    def block(self, method: str) -> float:
        """`method` answered OPERATION_TIME_LIMIT: blocked until its reset; returns seconds."""
        now = time.monotonic()
        with self._lock:
            reset = self._reset_at.get(method, 0.0)
            until = reset if reset > now + 0.5 else now + self.FALLBACK_SECONDS
            self._blocked_until[method] = until
            self._reset_at.pop(method, None)  # used once: blocked again → the next bucket
        return until - now

    def wait_for(self, methods: list[str]) -> tuple[float, str]:
        """Seconds until every one of `methods` may be called again, and the blocking one."""
        now = time.monotonic()
        with self._lock:
            waits = [(self._blocked_until.get(m, 0.0) - now, m) for m in methods]
        wait, method = max(waits, default=(0.0, ""))
        return (wait, method) if wait > 0 else (0.0, "")


class LeakyBucket:
    """§11's bucket, kept on our side: +1 per request, drains `rate`/s, never above `burst`.

    fast-bitrix24's own throttle lets two waiting callers (the worker and a scheduler job)
    wake together and send at once, which overflows a full bucket (bench/end_to_end.py saw
    34 QUERY_LIMIT_EXCEEDED in 200 tasks). This one is taken under a lock on the loop thread.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.level = 0.0
        self.waited = 0.0
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            now = time.monotonic()
            self.level = max(0.0, self.level - (now - self._last) * self.rate)
            self._last = now
            if self.level + 1 > self.burst:
                wait = (self.level + 1 - self.burst) / self.rate
                self.waited += wait
                await asyncio.sleep(wait)
                self.level = max(0.0, self.level - wait * self.rate)
                self._last = time.monotonic()
            self.level += 1


def _float(value: Any) -> float:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return 0.0
