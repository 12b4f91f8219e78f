"""Issue 9: three `b24app serve` processes on one PostgreSQL database, one of them SIGKILLed.

The portal (the sandbox, in this process) knows 1 000 tasks; their ONTASKADD events are posted
round-robin to the three instances, as a load balancer would. Every worker claims from the
shared inbox. Instance 0 starts first, so it holds the scheduler lease; it is frozen (SIGSTOP)
at a moment it holds claimed rows, and killed. Then: every task has exactly one acceptance
comment, every inbox row is done, only the killed instance's claimed rows ran twice (taken over
after their lease), and another instance took the scheduler lease over.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import text

from b24app.storage.crypto import generate_key
from b24app.storage.database import Database
from b24sandbox.portal import SandboxPortal
from scheduler.runner import LEASE_SECONDS
from tests.e2e.conftest import GOOD_TEXT, GOOD_TITLE, ServeProcess, people
from tests.storage.databases import pg_schema, pg_unavailable
from tests.waiting import wait_until

log = logging.getLogger(__name__)

TASKS = 1000
INBOX_LEASE_SECONDS = 15.0  # well above one batch's processing time, so live claims never expire


def done_count(db: Database) -> int:
    return scalar(db, "SELECT count(*) FROM inbox WHERE status = 'done'")


def scalar(db: Database, sql: str, **params: object) -> int:
    with db.begin() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)


def scheduler_holder(db: Database) -> str:
    with db.begin() as conn:
        row = conn.execute(text("SELECT holder FROM leases WHERE name = 'scheduler'")).first()
    return "" if row is None else str(row.holder)


def claimed_by(db: Database, pid: int) -> set[int]:
    """Rows the process has claimed and not finished."""
    with db.begin() as conn:
        rows = conn.execute(
            text("SELECT id FROM inbox WHERE status = 'processing' AND claimed_by LIKE :pid"),
            {"pid": f"{pid}-%"},
        ).all()
    return {r.id for r in rows}


def post_events(portal: SandboxPortal, urls: list[str], tasks: list[int]) -> None:
    """ONTASKADD of every task, round-robin over the instances, from a few keep-alive clients."""
    token, member = portal.application_token, portal.member_id

    def send(share: list[int]) -> None:
        with requests.Session() as session:
            for n, task in enumerate(share):
                body = urlencode(
                    {
                        "event": "ONTASKADD",
                        "event_handler_id": "1",
                        "data[FIELDS_BEFORE]": "undefined",
                        "data[FIELDS_AFTER][ID]": str(task),
                        "ts": str(int(time.time())),
                        "auth[domain]": portal.domain,
                        "auth[member_id]": member,
                        "auth[application_token]": token,
                    }
                )
                answer = session.post(
                    f"{urls[n % len(urls)]}/b24/events",
                    data=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    timeout=30,
                )
                assert answer.json() == {"status": "queued"}

    senders = [threading.Thread(target=send, args=(tasks[n::6],)) for n in range(6)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()


def freeze_holding_claims(db: Database, pid: int) -> set[int]:
    """SIGSTOP the process at a moment it holds claimed rows; returns them (it stays frozen)."""
    for _ in range(200):
        os.kill(pid, signal.SIGSTOP)
        time.sleep(0.05)  # let an in-flight commit land
        held = claimed_by(db, pid)
        if held:
            return held
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("the instance never held claimed rows")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_three_instances_process_each_event_once_and_survive_a_kill(tmp_path: Path) -> None:
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
    with pg_schema() as url, SandboxPortal(rate_limit=None) as portal:
        env = {
            "B24APP_DATABASE_URL": url,
            "B24APP_ENCRYPTION_KEYS": generate_key(),  # one key for every instance
            "B24APP_INBOX_LEASE_SECONDS": str(INBOX_LEASE_SECONDS),
            "B24APP_CATCHUP_INTERVAL_SECONDS": "1",  # the leader renews its lease every second
            "B24APP_REQUESTS_PER_SECOND": "1000",  # the sandbox has no rate limit here
            "B24APP_BURST": "1000",
        }
        apps = [ServeProcess(tmp_path / f"i{n}", portal, **env) for n in range(3)]
        for app in apps:
            app.log.parent.mkdir()
        db = Database(url)
        try:
            run(portal, apps, db)
        finally:
            for app in apps:
                app.stop()
            db.dispose()


def run(portal: SandboxPortal, apps: list[ServeProcess], db: Database) -> None:
    first = apps[0].start()  # creates the empty database's schema, then takes the lease
    assert first.proc is not None
    pids = [first.proc.pid]
    wait_until(
        lambda: scheduler_holder(db).startswith(f"{pids[0]}-"),
        timeout=15,
        what="the scheduler lease",
    )
    for app in apps[1:]:
        app.start()
        assert app.proc is not None
        pids.append(app.proc.pid)
    log.info("3 instances up")
    integrator, client = people(portal)
    tasks = [
        portal.create_task(client, f"{GOOD_TITLE} {n}", GOOD_TEXT, responsible_id=integrator)
        for n in range(TASKS)
    ]
    portal.install_app(f"{apps[1].url}/b24/install", f"{apps[1].url}/b24/app")
    with portal.core.lock:  # this test posts the events itself (the portal sends one at a time,
        portal.core.state.bindings.clear()  # and would echo each app comment back as an event)
    log.info("%d tasks created, app installed", TASKS)
    post_events(portal, [app.url for app in apps], tasks)
    log.info("%d events acknowledged; %d done", TASKS, done_count(db))
    wait_until(lambda: done_count(db) >= TASKS // 4, timeout=90, what="a quarter processed")
    stolen = freeze_holding_claims(db, pids[0])
    apps[0].kill()
    killed_at = time.monotonic()
    assert scheduler_holder(db).startswith(f"{pids[0]}-")

    log.info("killed instance 0 holding %d claimed rows; %d done", len(stolen), done_count(db))
    wait_until(
        lambda: scheduler_holder(db).split("-")[0] in {str(pids[1]), str(pids[2])},
        timeout=LEASE_SECONDS + 10,
        what="another instance took the scheduler over",
    )
    taken_over_after = time.monotonic() - killed_at
    log.info("scheduler taken over after %.1f s; %d done", taken_over_after, done_count(db))
    unfinished = "SELECT count(*) FROM inbox WHERE status IN ('pending', 'processing')"
    wait_until(lambda: scalar(db, unfinished) == 0, timeout=120, what="the inbox drained")
    log.info("drained %.1f s after the kill", time.monotonic() - killed_at)

    accepted = acceptance_comments(portal)
    assert {task: accepted.get(task, 0) for task in tasks} == dict.fromkeys(tasks, 1)
    check_inbox(db, stolen, pids)
    assert taken_over_after <= LEASE_SECONDS + 5
    assert scalar(db, "SELECT count(*) FROM leases WHERE name LIKE 'refresh:%' AND until > 0") == 0


def acceptance_comments(portal: SandboxPortal) -> Counter[int]:
    """Acceptance comments the app (REST runs as user 1) wrote, per task: one pass."""
    with portal.core.lock:
        return Counter(
            c.task_id
            for c in portal.core.state.comments.values()
            if c.author_id == 1 and "передана интегратору" in c.message
        )


def check_inbox(db: Database, stolen: set[int], pids: list[int]) -> None:
    with db.begin() as conn:
        rows = conn.execute(text("SELECT id, event, status, attempts, claimed_by FROM inbox")).all()
    assert {r.status for r in rows} <= {"done", "ignored"}
    assert sum(r.event == "ONTASKADD" for r in rows) == TASKS
    by_instance = {pid: sum(r.claimed_by.startswith(f"{pid}-") for r in rows) for pid in pids}
    assert all(by_instance.values()), by_instance  # all three workers took part
    retried = {r.id for r in rows if r.attempts > 1}
    assert retried == stolen  # only the killed claimer's rows ran twice: none were lost
    survivors = (f"{pids[1]}-", f"{pids[2]}-")
    assert all(r.claimed_by.startswith(survivors) for r in rows if r.id in stolen)
