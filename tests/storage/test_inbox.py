"""Inbox claims on SQLite and PostgreSQL: concurrent workers on separate engines, leases."""

from __future__ import annotations

import threading
from collections import Counter

from b24app.bitrix.events import InboxEvent
from b24app.storage.database import Database
from b24app.storage.inbox import DONE, FAILED, PENDING, PROCESSING, Inbox

COALESCED = "u:" + "a" * 64


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def put(inbox: Inbox, count: int, first: int = 0) -> None:
    for n in range(first, first + count):
        inbox.put(
            InboxEvent(dedup_key=f"k{n}", member_id="m", name="ONTASKADD", task_id=n, source="t")
        )


def test_workers_on_separate_engines_claim_every_row_once(db: Database, db_url: str) -> None:
    put(Inbox(db), 300)
    claimed: Counter[int] = Counter()
    guard = threading.Lock()
    start = threading.Barrier(4)

    def work(name: str) -> None:
        engine = Database(db_url)  # an instance of its own: its own pool and connections
        inbox = Inbox(engine)
        start.wait()
        while items := inbox.claim(name, limit=7):
            with guard:
                claimed.update(item.id for item in items)
            for item in items:
                inbox.finish(item.id)
        engine.dispose()

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 300
    assert set(claimed.values()) == {1}
    assert Inbox(db).stats()["done"] == 300


def test_claim_returns_oldest_first_in_id_order(db: Database) -> None:
    inbox = Inbox(db)
    put(inbox, 5)
    assert [i.id for i in inbox.claim("w", 3)] == [1, 2, 3]
    assert [i.id for i in inbox.claim("w", 3)] == [4, 5]


def test_a_dead_claimers_rows_return_after_the_lease(db_url: str) -> None:
    clock = Clock()
    db = Database(db_url, clock=clock)
    db.create_schema()
    inbox = Inbox(db, lease_seconds=10)
    put(inbox, 3)
    dead = inbox.claim("dead", 2)
    assert [i.attempts for i in dead] == [1, 1]
    clock.now += 9
    assert [i.id for i in inbox.claim("alive", 10)] == [3]  # leased rows are not taken
    clock.now += 2
    taken_over = inbox.claim("alive", 10)
    assert [(i.id, i.attempts) for i in taken_over] == [(1, 2), (2, 2)]
    rows = {r["id"]: r for r in inbox.list_rows()}
    assert {r["claimed_by"] for r in rows.values()} == {"alive"}
    assert {r["status"] for r in rows.values()} == {PROCESSING}
    db.dispose()


def test_coalesced_key_is_freed_once_and_fits(db: Database) -> None:
    inbox = Inbox(db)
    assert inbox.put(
        InboxEvent(dedup_key=COALESCED, member_id="m", name="ONTASKUPDATE", task_id=7, source="t")
    )
    first = inbox.claim("w", 1)[0]
    assert inbox.put(
        InboxEvent(  # a change while the first update is processed is queued again
            dedup_key=COALESCED, member_id="m", name="ONTASKUPDATE", task_id=7, source="t"
        )
    )
    inbox.fail(first, "boom", retry_after=0)
    assert {i.id for i in inbox.claim("w", 10)} == {1, 2}
    keys = {r["id"]: r["dedup_key"] for r in inbox.list_rows()}
    assert keys == {1: f"{COALESCED}:1", 2: f"{COALESCED}:2"}  # not "…:1:1" after the retry


def test_finished_rows_are_not_claimed_again(db: Database) -> None:
    inbox = Inbox(db, lease_seconds=0.0)
    put(inbox, 2)
    for item in inbox.claim("w", 10):
        inbox.finish(item.id)
    assert inbox.claim("w", 10) == []
    assert {r["status"] for r in inbox.list_rows()} == {DONE}
    put(inbox, 1, first=2)
    assert [r["status"] for r in inbox.list_rows(PENDING)] == [PENDING]


def test_transient_failures_never_park_an_event(db: Database) -> None:
    """An outage of any length: the event waits (≤ 5 min between tries) and is never parked."""
    clock = Clock()
    database = Database(db.url, clock=clock)
    inbox = Inbox(database, max_attempts=3)
    put(inbox, 2)
    for _ in range(10):
        for item in inbox.claim("w", 10):
            inbox.fail(item, "portal unreachable", transient=(item.id == 1))
        clock.now += 3600
    statuses = {r["id"]: (r["status"], r["attempts"]) for r in inbox.list_rows()}
    assert statuses[1] == (PENDING, 10)
    assert statuses[2][0] == FAILED  # a real error parks after max_attempts
    assert max(r["next_attempt_at"] for r in inbox.list_rows(PENDING)) <= clock.now + 300 - 3600
    database.dispose()


def test_workers_that_stop_beating_lose_their_claims_at_once(db: Database) -> None:
    clock = Clock()
    database = Database(db.url, clock=clock)
    inbox = Inbox(database, lease_seconds=300.0)
    put(inbox, 1)
    inbox.heartbeat("dead")
    assert [i.id for i in inbox.claim("dead", 10)] == [1]
    inbox.heartbeat("alive")
    assert inbox.claim("alive", 10) == []  # the claimer still beats: its row stays its own
    clock.now += 31  # no beat for longer than the worker lease; the row lease is still 300 s
    inbox.heartbeat("alive")
    assert [i.id for i in inbox.claim("alive", 10)] == [1]
    assert inbox.release_claims_of_dead_workers() == 0  # "alive" holds it and beats
    database.dispose()
