"""The portal's leaky bucket shared by every app instance, kept in the database.

Bitrix24 counts requests per portal (and per source address), not per process: with several
instances each one's own throttle (b24app.bitrix.limits.LeakyBucket) would let them together send
N × 2 requests a second. With PostgreSQL (the multi-instance set-up) every REST request first
takes a place in this bucket, in one short transaction that locks the portal's row, so all
instances together stay under the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from b24app.storage.database import Database
from b24app.storage.schema import kv

KEY = "rest_bucket"
MAX_WAITS = 1000


class SharedRateGate:
    """+1 per request, drains `rate` a second, never above `burst`, across processes."""

    def __init__(
        self,
        db: Database,
        member_id: str,
        rate: float,
        burst: int,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.member_id = member_id
        self.rate = rate
        self.burst = burst
        self.sleep = sleep
        self.clock = clock

    def __call__(self) -> float:
        """Wait for a place in the bucket; returns the seconds waited."""
        waited = 0.0
        for _ in range(MAX_WAITS):
            wait = self._try_take()
            if wait <= 0:
                return waited
            self.sleep(wait)
            waited += wait
        raise TimeoutError("the shared request bucket stayed full")

    def _try_take(self) -> float:
        """Take a place now (0.0) or say how long until one frees up.

        The clock is read once the row is locked, and the stamp never goes back: a time read
        before waiting for another instance's lock (or a host whose clock is behind) would
        drain the time between the two stamps twice and let requests through early."""
        where = (kv.c.member_id == self.member_id) & (kv.c.key == KEY)
        try:
            with self.db.begin() as conn:
                query = select(kv.c.value).where(where)
                if not self.db.is_sqlite:
                    query = query.with_for_update()
                row = conn.execute(query).first()
                now = self.clock()
                if row is None:
                    conn.execute(
                        insert(kv).values(member_id=self.member_id, key=KEY, value=f"1:{now}")
                    )
                    return 0.0
                level, last = (float(part) for part in str(row.value).split(":"))
                now = max(now, last)
                level = max(0.0, level - (now - last) * self.rate)
                if level + 1 > self.burst:
                    return (level + 1 - self.burst) / self.rate
                conn.execute(update(kv).where(where).values(value=f"{level + 1}:{now}"))
                return 0.0
        except IntegrityError:
            return 0.01  # another instance created the row at the same moment: read it again
