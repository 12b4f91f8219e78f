"""§11 limits: the per-portal leaky bucket and the per-method operating-time budget."""

from __future__ import annotations

import threading
from collections import defaultdict

from b24sandbox.clock import Clock
from b24sandbox.errors import RestError

WINDOW_BUCKETS = 10  # §11: ten one-minute buckets
BUCKET_SECONDS = 60.0


class LeakyBucket:
    """+1 per HTTP request, drains `rate`/s; a request that would pass `burst` gets 503."""

    def __init__(self, clock: Clock, rate: float, burst: int) -> None:
        self.clock = clock
        self.rate = rate
        self.burst = burst
        self.level = 0.0
        self._last = clock.now()
        self._lock = threading.Lock()

    def hit(self) -> None:
        with self._lock:
            now = self.clock.now()
            elapsed = max(0.0, now - self._last)  # the clock may be moved back (demo, tests)
            self.level = max(0.0, self.level - elapsed * self.rate)
            self._last = now
            if self.level + 1 > self.burst:
                # Rejected requests are not counted (chosen reading; the docs are silent).
                raise RestError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
            self.level += 1

    def reset(self) -> None:
        with self._lock:
            self.level = 0.0


MINIMAL_FIX_TIME = 0.1  # core: LoadLimiter::$minimalFixTime — shorter hits are not charged


class OperatingMeter:
    """Execution seconds per method summed over ten one-minute buckets.

    core: modules/rest/lib/engine/access/loadlimiter.php (LoadLimiter): a hit longer than 0.1 s
    is added to the bucket `intdiv(time(), 60)`; `is()` blocks a call when the sum of the last
    ten buckets exceeds the limit (checked BEFORE the call); `getResetTime()` is the expiry of
    the OLDEST non-empty bucket = the first call recorded in it + 600 s (when every bucket is
    empty, the current call's start + 600)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.limits: dict[str, float] = {}
        self._buckets: dict[str, dict[int, float]] = defaultdict(dict)
        self._first: dict[str, dict[int, float]] = defaultdict(dict)
        self._lock = threading.Lock()

    def _prune(self, method: str, now: float) -> dict[int, float]:
        current = int(now // BUCKET_SECONDS)
        buckets = self._buckets[method]
        for minute in [m for m in buckets if m <= current - WINDOW_BUCKETS]:
            del buckets[minute]
            self._first[method].pop(minute, None)
        return buckets

    def check(self, method: str) -> None:
        """§11: past the budget the next call of that method gets 429 OPERATION_TIME_LIMIT
        (core: CRestServer::processCall; the error answer has no `time` block)."""
        limit = self.limits.get(method)
        if limit is None:
            return
        with self._lock:
            now = self.clock.now()
            buckets = self._prune(method, now)
            if sum(buckets.values()) > limit:
                raise RestError(
                    429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."
                )

    def charge(self, method: str, seconds: float, *, force: bool = False) -> None:
        """Add one hit's execution time (hits of ≤ 0.1 s are free unless `force`)."""
        if seconds <= MINIMAL_FIX_TIME and not force:
            return
        with self._lock:
            now = self.clock.now()
            buckets = self._prune(method, now)
            minute = int(now // BUCKET_SECONDS)
            buckets[minute] = buckets.get(minute, 0.0) + seconds
            self._first[method].setdefault(minute, now)

    def operating(self, method: str) -> tuple[float, float | None]:
        """(accumulated seconds, Unix time when the oldest non-empty bucket drops out)."""
        with self._lock:
            now = self.clock.now()
            buckets = self._prune(method, now)
            if not buckets:
                return 0.0, None
            oldest = min(buckets)
            first = self._first[method].get(oldest, oldest * BUCKET_SECONDS)
            return sum(buckets.values()), first + WINDOW_BUCKETS * BUCKET_SECONDS
