"""Billing report at scale: N clients × M time entries on a sandbox portal → sync → report.

    python -m bench.report_scale                         # 1 000 clients × 50 entries, 5 tasks each
    python -m bench.report_scale --tasks-per-client 1    # 50 entries on one task per client
    python -m bench.report_scale --no-portal             # entries straight into SQLite: report only

Prints the REST requests (HTTP requests and batch sub-calls, counted by the sandbox) and the
wall time of: the full sync (`sync-time`), an incremental sync with nothing new, building the
month's report from SQLite, and rendering it in every format. Run by hand; the figures go to
BENCHMARKS.md ("Billing report"). `--no-portal` writes the same entries straight into the
database (no sandbox, no sync): the report and render figures in seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.errors import BitrixError
from b24app.bitrix.gateway import PortalGateway
from b24app.bitrix.limits import CallStats, RetryPolicy
from b24app.bitrix.transport import Transport
from b24app.reporting.billing import build_month_report
from b24app.reporting.render import render
from b24app.reporting.time_sync import sync_time
from b24app.storage.database import Database
from b24app.storage.schema import time_entries, users
from b24app.storage.task_store import TaskStore
from b24sandbox.portal import SandboxPortal
from handlers.records import TaskRecord
from rules.regulation import AppConfig, ClientCompany, ContractPeriod, PackageKind
from rules.types import TaskId, TimeEntry

MSK = ZoneInfo("Europe/Moscow")
MEMBER = "bench"


class TimedGateway(PortalGateway):
    """Adds up the time spent waiting for the portal (the sandbox's own cost is not the app's)."""

    rest_seconds = 0.0

    def time_entries_after(
        self, cursors: Mapping[TaskId, int]
    ) -> tuple[dict[TaskId, list[TimeEntry]], dict[TaskId, BitrixError]]:
        started = time.perf_counter()
        try:
            return super().time_entries_after(cursors)
        finally:
            self.rest_seconds += time.perf_counter() - started


def _timed(label: str, started: float) -> float:
    took = time.perf_counter() - started
    print(f"{label:<44} {took:8.2f} s")
    return took


def seed(portal: SandboxPortal, db: Database, args: argparse.Namespace) -> list[TaskId]:
    integrators = [portal.add_user("Интегратор", str(i)) for i in range(10)]
    store = TaskStore(db, MEMBER)
    task_ids: list[TaskId] = []
    per_task = args.entries // args.tasks_per_client
    for c in range(args.clients):
        for t in range(args.tasks_per_client):
            who = integrators[(c + t) % len(integrators)]
            task = portal.create_task(1, f"Клиент {c} задача {t}", responsible_id=who)
            store.save(
                TaskRecord(TaskId(task), client=f"Клиент {c}", title=f"Задача {t}", urgent=t == 0),
                [],
                shadow=False,
            )
            for e in range(per_task):
                when = datetime(2026, 11, 1 + (e % 28), 9 + e % 9, e % 60, tzinfo=MSK)
                portal.add_time(who, task, 300 + 97 * e + c, "работа", created_date=when)
            task_ids.append(TaskId(task))
    return task_ids


def seed_database(db: Database, args: argparse.Namespace) -> None:
    """The same clients, tasks and entries as `seed`, written straight into SQLite."""
    store = TaskStore(db, MEMBER)
    per_task = args.entries // args.tasks_per_client
    rows: list[dict[str, object]] = []
    task_id = 0
    for c in range(args.clients):
        for t in range(args.tasks_per_client):
            task_id += 1
            record = TaskRecord(
                TaskId(task_id), client=f"Клиент {c}", title=f"Задача {t}", urgent=t == 0
            )
            store.save(record, [], shadow=False)
            for e in range(per_task):
                when = datetime(2026, 11, 1 + (e % 28), 9 + e % 9, e % 60, tzinfo=MSK)
                rows.append(
                    {
                        "member_id": MEMBER,
                        "entry_id": len(rows) + 1,
                        "task_id": task_id,
                        "user_id": 1 + (c + t) % 10,
                        "seconds": 300 + 97 * e + c,
                        "created_at": when.timestamp(),
                        "comment": "работа",
                    }
                )
    with db.begin() as conn:
        conn.execute(insert(time_entries), rows)
        conn.execute(
            insert(users),
            [
                {
                    "member_id": MEMBER,
                    "user_id": u,
                    "data": f'{{"name": "Интегратор {u}"}}',
                    "fetched_at": 0.0,
                }
                for u in range(1, 11)
            ],
        )


def report_steps(db: Database, config: AppConfig) -> None:
    """Build the month's report from the database and render it in every format."""
    started = time.perf_counter()
    report = build_month_report(db, config, MEMBER, 2026, 11, MSK)
    _timed("build_month_report (SQLite → rules → model)", started)
    lines = sum(len(c.details) for c in report.clients)
    print(f"    {len(report.clients)} clients, {lines} detail lines")
    for fmt in ("csv", "json", "table", "xlsx"):
        started = time.perf_counter()
        body = render(report, fmt)
        _timed(f"render {fmt} ({len(body) // 1024} KiB)", started)


def run_without_portal(args: argparse.Namespace, config: AppConfig) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        db.create_schema()
        started = time.perf_counter()
        seed_database(db, args)
        _timed(f"seed {args.clients * args.entries} entries into SQLite", started)
        report_steps(db, config)
        db.dispose()


def run(args: argparse.Namespace) -> None:
    config = AppConfig(
        clients=tuple(
            ClientCompany(
                f"Клиент {c}",
                contracts=(ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),),
            )
            for c in range(args.clients)
        )
    )
    if args.no_portal:
        run_without_portal(args, config)
        return
    with tempfile.TemporaryDirectory() as tmp, SandboxPortal(rate_limit=None) as portal:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        db.create_schema()
        started = time.perf_counter()
        task_ids = seed(portal, db, args)
        _timed(f"seed {len(task_ids)} tasks, {args.clients * args.entries} entries", started)
        transport = Transport(requests_per_second=1000.0, burst=1000)
        stats = CallStats()
        client = BitrixClient(
            transport, portal.webhook_url(1), None, retry=RetryPolicy(), stats=stats
        )
        gateway = TimedGateway(client, 1)
        for label, full in (
            ("full sync (sync-time)", True),
            ("incremental sync, nothing new", False),
        ):
            portal.reset_log()
            before = (stats.requests, stats.batch_commands)
            started = time.perf_counter()
            gateway.rest_seconds = 0.0
            result = sync_time(db, gateway, MEMBER, task_ids, full=full)
            took = _timed(label, started)
            print(
                f"    {result.summary()}; HTTP requests {stats.requests - before[0]} "
                f"(sandbox saw {portal.count()}), sub-calls {stats.batch_commands - before[1]}; "
                f"waiting for REST {gateway.rest_seconds:.2f} s, "
                f"app {took - gateway.rest_seconds:.2f} s"
            )
        report_steps(db, config)
        transport.close()
        db.dispose()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=50, help="time entries per client")
    parser.add_argument("--tasks-per-client", type=int, default=5)
    parser.add_argument(
        "--no-portal", action="store_true", help="seed SQLite directly: the report steps only"
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
