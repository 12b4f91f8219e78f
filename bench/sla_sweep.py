"""SLA sweep cost: how long check_sla_clocks takes over N open clocks, and how many REST requests.

Run by hand (not in CI):  python bench/sla_sweep.py [--clocks 10000]

The portal side is the real PortalGateway and BitrixClient (batching, query building, request
counting in CallStats) over a transport that answers every command at once, so the figures are
the app's own cost plus the request count; on a real portal add the network and the rate limit
(about 2 requests a second after a burst of 50). Storage is SQLite in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.gateway import PortalGateway
from b24app.bitrix.transport import Transport
from b24app.config.settings import Settings
from b24app.services import Services
from b24app.storage.schema import clocks, tasks
from handlers.records import TaskRecord, record_to_json
from rules.regulation import AppConfig
from rules.types import TaskId, TaskState, UserId
from rules.worktime import ClockMode, add_duration
from scheduler.sla import CLAIM_LIMIT, check_sla_clocks

MSK = ZoneInfo("Europe/Moscow")
MEMBER = "bench"
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=MSK)  # a Wednesday
SUPERVISORS = (UserId(900), UserId(901))


class InstantTransport(Transport):
    """Answers `batch` with a result for every command; counts commands per request."""

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []
        self.windows = {}  # the operating-time windows BitrixClient keeps per endpoint

    def post(self, endpoint: str, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        cmd = params.get("cmd") or {}
        self.batch_sizes.append(len(cmd))
        return {"result": {"result": dict.fromkeys(cmd, 1), "result_error": {}}, "time": {}}

    def close(self) -> None:
        pass


def _services(data_dir: Path, transport: InstantTransport) -> Services:
    holder: list[Services] = []

    def gateway(member_id: str) -> PortalGateway:
        client = BitrixClient(transport, "https://bench.example/rest/1/x/", None)
        client.stats = holder[0].stats
        return PortalGateway(client, 1)

    services = Services(
        Settings(data_dir=data_dir),
        AppConfig(supervisor_ids=SUPERVISORS),
        clock=NOW.timestamp,
        gateway_factory=gateway,
    )
    holder.append(services)
    services.portals.save_install(
        member_id=MEMBER,
        domain="bench.example",
        client_endpoint="https://bench.example/rest/",
        server_endpoint="",
        application_token="bench",  # noqa: S106 - a stand-in portal, no secret
        user_id=1,
        mode="app",
    )
    return services


def _seed(services: Services, count: int, started: Callable[[int], datetime]) -> None:
    """`count` tasks awaiting an estimate, each with an open 8-working-hour estimate clock."""
    cal = services.calendar
    task_rows, clock_rows = [], []
    for i in range(count):
        task_id = 10_000 + i
        record = TaskRecord(
            task_id=TaskId(task_id),
            state=TaskState.AWAITING_ESTIMATE,
            title=f"Задача {task_id}",
            responsible_id=100 + i % 20,
        )
        task_rows.append(
            {
                "member_id": MEMBER,
                "task_id": task_id,
                "state": record.state.value,
                "title": record.title,
                "responsible_id": record.responsible_id,
                "updated_at": 0.0,
                "record": json.dumps(record_to_json(record), ensure_ascii=False),
            }
        )
        start = started(i)
        clock_rows.append(
            {
                "member_id": MEMBER,
                "task_id": task_id,
                "kind": "estimate",
                "mode": ClockMode.WORKING_HOURS.value,
                "total_minutes": 480,
                "started_at": start.timestamp(),
                "due_at": add_duration(start, 480, cal).timestamp(),
                "remind_at": add_duration(start, 360, cal).timestamp(),
                "source": f"bench-{i}",
            }
        )
    with services.db.begin() as conn:
        conn.execute(insert(tasks), task_rows)
        conn.execute(insert(clocks), clock_rows)


def run(name: str, count: int, started: Callable[[int], datetime]) -> None:
    """Ticks until one finds nothing to do; the last (empty) tick is the steady-state cost."""
    with tempfile.TemporaryDirectory() as tmp:
        transport = InstantTransport()
        services = _services(Path(tmp), transport)
        _seed(services, count, started)
        sent, seconds = 0, list[float]()
        while len(seconds) < 1000:
            begin = time.perf_counter()
            written = check_sla_clocks(services)
            seconds.append(time.perf_counter() - begin)
            sent += written
            if written == 0:
                break
        work = seconds[:-1]
        stats = services.stats
        print(
            f"{name}: {count} open clocks; {len(work)} ticks with work, {sent} notifications, "
            f"{stats.requests} REST requests ({stats.by_method.get('batch', 0)} batch, at most "
            f"{max(transport.batch_sizes, default=0)} commands each); "
            + (f"work {sum(work):.2f} s (slowest tick {max(work):.2f} s); " if work else "")
            + f"empty tick {seconds[-1] * 1000:.1f} ms"
        )
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clocks", type=int, default=10_000)
    count = parser.parse_args().clocks
    minute = timedelta(minutes=1)
    tuesday = NOW - timedelta(days=1)
    # None due: every clock started within the last hour (8 working hours each).
    run("quiet", count, lambda i: NOW - (i % 60) * minute)

    def mixed(i: int) -> datetime:
        if i < count // 100:
            return tuesday + 120 * minute  # Tue 14:00: reminder Wed 11:00, due Wed 13:00
        if i < count // 50:
            return tuesday  # Tue 12:00: due Wed 11:00
        return NOW - (i % 60) * minute

    run("steady (1 % reminders + 1 % breaches due)", count, mixed)
    friday = NOW - timedelta(days=5)
    run(f"after downtime (all breached; {CLAIM_LIMIT} per tick)", count, lambda i: friday)


if __name__ == "__main__":
    main()
