"""Behaviour with 10 000 open tasks: per-event cost, catch-up, health endpoints, memory.

    python -m bench.open_tasks [--open 10000] [--events 30]

The portal holds `--open` client tasks and the app's database the same tasks awaiting an
estimate (seeded directly, as after months of use). Then a running `b24app serve` sees new
tasks, comments on old ones and updates, and the numbers must not depend on `--open`.
(The SLA sweep over open clocks has its own benchmark: bench/sla_sweep.py.)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from b24app.config.settings import Settings
from b24app.services import Services
from b24app.storage.schema import tasks
from b24sandbox.portal import SandboxPortal
from bench.common import AppProcess, World, http_get, percentile, wait_processed
from handlers.records import TaskRecord, record_to_json
from rules.regulation import AppConfig
from rules.types import TaskId, TaskState


def seed(portal: SandboxPortal, world: World, data_dir: Path, count: int) -> list[int]:
    """`count` tasks on the portal (before install: no events) and in the app's database."""
    ids = [
        portal.create_task(
            world.client_id,
            f"Открытая задача №{n}",
            "текст",
            responsible_id=1,
            group_id=world.group_id,
        )
        for n in range(count)
    ]
    services = Services(Settings(data_dir=data_dir), AppConfig())
    rows = [
        {
            "member_id": portal.member_id,
            "task_id": task_id,
            "state": TaskState.AWAITING_ESTIMATE.value,
            "client": "",
            "title": f"Открытая задача №{task_id}",
            "responsible_id": 1,
            "updated_at": 0.0,
            "record": json.dumps(
                record_to_json(
                    TaskRecord(TaskId(task_id), TaskState.AWAITING_ESTIMATE, responsible_id=1)
                ),
                ensure_ascii=False,
            ),
        }
        for task_id in ids
    ]
    with services.db.begin() as conn:
        conn.execute(insert(tasks), rows)
    services.close()
    return ids


def timed_get(url: str, times: int = 20) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        http_get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 50)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(tmp: Path, count: int, events: int) -> list[str]:
    portal = SandboxPortal(rate_limit=(2.0, 50)).start()
    app = AppProcess(portal, tmp, env={"B24APP_CATCHUP_INTERVAL_SECONDS": "60"})
    try:
        world = World.create(portal)
        started = time.monotonic()
        old = seed(portal, world, tmp, count)
        seeded = time.monotonic() - started
        app.start()
        app.install()
        portal.reset_log()
        started = time.monotonic()
        for n in range(events):
            world.add_task(count + n)
        assert wait_processed(world, app, events * 3 + 60)  # noqa: S101 - a benchmark check
        new_wall = time.monotonic() - started
        new_requests = portal.count() - portal.count("oauth.token")
        portal.reset_log()
        for task_id in old[:events]:
            portal.add_comment(world.client_id, task_id, "Когда будет оценка?")
        portal.wait_idle(60)
        time.sleep(3)
        deadline = time.monotonic() + events * 3 + 60
        while (
            time.monotonic() < deadline
            and app.query("SELECT count(*) FROM inbox WHERE status IN ('pending', 'processing')")[
                0
            ][0]
        ):
            time.sleep(0.2)
        old_requests = portal.count() - portal.count("oauth.token")
        assert app.proc is not None  # noqa: S101
        rows = [
            f"| open tasks (portal and app) | {count} (seeded in {seeded:.0f} s) |",
            f"| {events} new tasks: wall time, REST requests | {new_wall:.1f} s, "
            f"{new_requests} ({new_requests / events:.2f} per task) |",
            f"| {events} comments on old open tasks: REST requests | {old_requests} "
            f"({old_requests / events:.2f} per comment) |",
            f"| /healthz p50 | {timed_get(app.url + '/healthz'):.1f} ms |",
            f"| /metrics p50 | {timed_get(app.url + '/metrics'):.1f} ms |",
            f"| app memory (RSS) | {rss_mb(app.proc.pid):.0f} MB |",
            f"| database file | {app.db_path.stat().st_size / 1e6:.1f} MB |",
        ]
    finally:
        app.close()
        portal.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-open-") as tmp:
        rows = run(Path(tmp), args.open, args.events)
    print("| measure | value |\n|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
