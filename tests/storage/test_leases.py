"""Leases on SQLite and PostgreSQL: one holder at a time, takeover, the scheduler's leader."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from b24app.storage.database import Database
from b24app.storage.schema import leases
from scheduler.runner import LEASE_NAME, LEASE_SECONDS, Leader, guarded


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_one_holder_until_it_expires_or_releases(db_url: str) -> None:
    clock = Clock()
    db = Database(db_url, clock=clock)
    db.create_schema()
    assert db.try_lease("job", "a", 30)
    assert not db.try_lease("job", "b", 30)
    clock.now += 20
    assert db.try_lease("job", "a", 30)  # renewed: now until +50
    clock.now += 29
    assert not db.try_lease("job", "b", 30)
    clock.now += 2
    assert db.try_lease("job", "b", 30)  # a died: b takes over
    assert not db.try_lease("job", "a", 30)
    db.release_lease("job", "b")
    assert db.try_lease("job", "a", 30)
    db.dispose()


@pytest.mark.parametrize(
    ("held_for", "winners"),
    [
        pytest.param(None, 1, id="no-row-yet"),  # the insert race
        pytest.param(-1.0, 1, id="expired"),  # the takeover race
        pytest.param(30.0, 0, id="held"),
    ],
)
def test_racing_instances_get_at_most_one_lease(
    db: Database, db_url: str, held_for: float | None, winners: int
) -> None:
    if held_for is not None:
        db.try_lease("job", "old", held_for)
    engines = [Database(db_url) for _ in range(5)]
    won: list[str] = []
    start = threading.Barrier(len(engines))

    def race(engine: Database, holder: str) -> None:
        start.wait()
        if engine.try_lease("job", holder, 30):
            won.append(holder)

    threads = [threading.Thread(target=race, args=(e, f"h{n}")) for n, e in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert len(won) == winners


def test_only_the_leader_runs_jobs_and_another_takes_over(db_url: str) -> None:
    clock = Clock()
    engines = [Database(db_url, clock=clock) for _ in range(2)]
    engines[0].create_schema()
    runs: list[int] = []
    services = [SimpleNamespace(db=e) for e in engines]
    leaders = [Leader(s) for s in services]  # type: ignore[arg-type]
    ticks = [
        guarded(s, leader, lambda _s, n=n: runs.append(n), "job")  # type: ignore[arg-type,misc]
        for n, (s, leader) in enumerate(zip(services, leaders, strict=True))
    ]
    for _ in range(3):
        for tick in ticks:
            tick()
        clock.now += LEASE_SECONDS / 3
    assert runs == [0, 0, 0]
    assert lease_holder(engines[1]) == leaders[0].holder
    clock.now += LEASE_SECONDS  # instance 0 is killed and stops renewing: its lease runs out
    ticks[1]()
    ticks[1]()
    assert runs == [0, 0, 0, 1, 1]
    assert lease_holder(engines[0]) == leaders[1].holder
    for engine in engines:
        engine.dispose()


def lease_holder(db: Database) -> str:
    with db.begin() as conn:
        row = conn.execute(select(leases.c.holder).where(leases.c.name == LEASE_NAME)).one()
    return str(row.holder)
