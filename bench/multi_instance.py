"""Several instances (issue 9): ack and end-to-end throughput, 1/2/4 on PostgreSQL vs 1 on SQLite.

    python -m bench.multi_instance [--acks 3000] [--tasks 600] [--instances 1,2,4]

Each row starts its own `b24app serve` processes on a fresh database (an SQLite file, or a new
PostgreSQL schema on postgresql://postgres@127.0.0.1:5432/postgres) and a sandbox portal in this
process without a rate limit. ONTASKADD forms are posted round-robin over the instances by 16
keep-alive clients, as fast as they are answered:

- ack: workers off (B24APP_WORKER_ENABLED=0), `--acks` events: acknowledged events per second
  (parse, verify the application token, one INSERT, answer).
- end to end: workers on, `--tasks` tasks the portal knows: from the first POST until every
  event is done and every task has its one acceptance comment (2 REST requests per event).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from sqlalchemy import text

from b24app.storage.database import Database
from b24sandbox.portal import SandboxPortal
from bench.common import AppProcess, World, app_comments

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SENDERS = 16
FAST_CLIENT = {"B24APP_REQUESTS_PER_SECOND": "10000", "B24APP_BURST": "10000"}


@dataclass(frozen=True)
class Row:
    database: str
    instances: int
    acks_per_second: float
    events: int
    seconds: float

    def line(self) -> str:
        return (
            f"| {self.database} | {self.instances} | {self.acks_per_second:.0f} | {self.events} "
            f"| {self.seconds:.1f} | {self.events / self.seconds:.1f} |"
        )


@contextlib.contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'shared.sqlite3'}"
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@contextlib.contextmanager
def instances(
    portal: SandboxPortal, url: str, count: int, tmp: Path, **env: str
) -> Iterator[list[AppProcess]]:
    settings = {"B24APP_DATABASE_URL": url, **FAST_CLIENT, **env}
    apps = [
        AppProcess(portal, tmp / f"i{n}-{uuid.uuid4().hex[:6]}", env=settings, relay=False)
        for n in range(count)
    ]
    try:
        for app in apps:
            app.start()
        apps[0].install()
        with portal.core.lock:  # the bench posts the events; no echo of the app's own comments
            portal.core.state.bindings.clear()
        yield apps
    finally:
        for app in apps:
            app.close()


def event_body(portal: SandboxPortal, task_id: int) -> str:
    return urlencode(
        {
            "event": "ONTASKADD",
            "event_handler_id": "1",
            "data[FIELDS_BEFORE]": "undefined",
            "data[FIELDS_AFTER][ID]": str(task_id),
            "ts": str(int(time.time())),
            "auth[domain]": portal.domain,
            "auth[member_id]": portal.member_id,
            "auth[application_token]": portal.application_token,
        }
    )


def post_all(ports: list[int], bodies: list[str]) -> float:
    """Post every body (sender i talks to instance i mod n); returns the wall seconds."""
    failures: list[int] = []

    def sender(index: int) -> None:
        port = ports[index % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        for body in bodies[index::SENDERS]:
            conn.request("POST", "/b24/events", body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                failures.append(answer.status)
        conn.close()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} events not acknowledged: {failures[:5]}")
    return time.perf_counter() - start


def measure_acks(kind: str, count: int, events: int, tmp: Path) -> float:
    with (
        SandboxPortal(rate_limit=None) as portal,
        database(kind, tmp / "ack") as url,
        instances(portal, url, count, tmp, B24APP_WORKER_ENABLED="0") as apps,
    ):
        bodies = [event_body(portal, 1_000_000 + n) for n in range(events)]
        wall = post_all([a.port for a in apps], bodies)
    return events / wall


def measure_end_to_end(kind: str, count: int, tasks: int, tmp: Path) -> float:
    with SandboxPortal(rate_limit=None) as portal, database(kind, tmp / "e2e") as url:
        world = World.create(portal)
        ids = [world.add_task(n, good=True) for n in range(tasks)]
        with instances(portal, url, count, tmp) as apps:
            db = Database(url)
            bodies = [event_body(portal, task) for task in ids]
            start = time.perf_counter()
            post_all([a.port for a in apps], bodies)
            while not finished(db, portal, ids):
                time.sleep(0.05)
            wall = time.perf_counter() - start
            db.dispose()
    return wall


def finished(db: Database, portal: SandboxPortal, ids: list[int]) -> bool:
    with db.begin() as conn:
        busy = conn.execute(
            text("SELECT count(*) FROM inbox WHERE status IN ('pending', 'processing')")
        ).scalar()
    if busy:
        return False
    comments = app_comments(portal)
    return all(comments.get(task) == 1 for task in ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--acks", type=int, default=3000, help="events for the ack test")
    parser.add_argument("--tasks", type=int, default=600, help="tasks for the end-to-end test")
    parser.add_argument("--instances", default="1,2,4", help="PostgreSQL instance counts")
    args = parser.parse_args()
    plan = [("sqlite", 1)] + [("postgresql", int(n)) for n in args.instances.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-multi-") as tmp:
        for kind, count in plan:
            acks = measure_acks(kind, count, args.acks, Path(tmp))
            wall = measure_end_to_end(kind, count, args.tasks, Path(tmp))
            rows.append(Row(kind, count, acks, args.tasks, wall))
            print(rows[-1].line(), flush=True)
    print(f"\n{os.cpu_count()} CPUs; load average at the end: {os.getloadavg()[0]:.1f}")
    print("| database | instances | acks/s | events | end to end s | events/s |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(row.line() for row in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
