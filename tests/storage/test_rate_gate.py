"""§11: the portal's leaky bucket shared by several app instances through the database."""

from __future__ import annotations

import threading
import time

from b24app.storage.database import Database
from b24app.storage.rate_gate import SharedRateGate


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def test_burst_then_the_drain_rate(db: Database) -> None:
    fake = FakeTime()
    gate = SharedRateGate(db, "m", rate=2.0, burst=5, sleep=fake.sleep, clock=fake.clock)
    waits = [gate() for _ in range(9)]
    assert waits[:5] == [0.0] * 5  # the burst goes at once
    assert sum(waits[5:]) == 2.0  # then one request every 1/2 s
    assert fake.slept == 2.0


def test_a_clock_behind_the_last_stamp_drains_nothing(db: Database) -> None:
    """An instance whose clock is behind the stamp another one wrote (read before it waited
    for the lock, or a host's clock behind) must not move the stamp back: the next request
    would get the time between the two stamps drained twice."""
    fake = FakeTime()
    ahead = SharedRateGate(db, "m", rate=2.0, burst=2, sleep=fake.sleep, clock=fake.clock)
    behind = SharedRateGate(
        db, "m", rate=2.0, burst=2, sleep=fake.sleep, clock=lambda: fake.now - 1.0
    )
    assert ahead() == 0.0
    assert behind() == 0.0  # the bucket is full now (2 of 2)
    assert ahead() == 0.5  # a place frees up in 1/2 s, not at once


def test_instances_share_one_bucket(db: Database, db_url: str) -> None:
    """Three instances (own engines) sending at once stay within burst + rate × time."""
    rate, burst, per_instance = 40.0, 5, 10
    sent: list[float] = []
    guard = threading.Lock()
    start = threading.Barrier(3)

    def instance() -> None:
        engine = Database(db_url)
        gate = SharedRateGate(engine, "m", rate=rate, burst=burst)
        start.wait()
        for _ in range(per_instance):
            gate()
            with guard:
                sent.append(time.monotonic())
        engine.dispose()

    threads = [threading.Thread(target=instance) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 30
    elapsed = max(sent) - min(sent)
    assert elapsed >= (30 - burst) / rate * 0.9  # 0.625 s at least; separate buckets: ~0 s
