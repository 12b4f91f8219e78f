"""Scheduler tests: real SQLite storage and applier, FakeBitrix as the portal, time that moves."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from b24app.bitrix.gateway import PortalGateway
from b24app.config.settings import Settings
from b24app.services import Services
from handlers.effects import Notify, StartClock, StopClock
from handlers.records import TaskRecord
from rules.regulation import AppConfig
from rules.sla import plan_clock
from rules.types import TaskId, TaskState, UserId
from tests.fakes import FakeBitrix

MSK = ZoneInfo("Europe/Moscow")
MEMBER = "a223c6b3710f85df22e9377d6c4f7553"
INTEGRATOR, SUPERVISORS = 17, (900, 901)
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=MSK)  # an ordinary working Monday


class MovingClock:
    """The injected clock: tests move time instead of sleeping."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at.timestamp()

    def move(self, **delta: float) -> None:
        self.at += timedelta(**delta)

    def set(self, at: datetime) -> None:
        self.at = at


class App:
    """One app process: Services on a shared SQLite file, talking to a shared fake portal."""

    def __init__(self, db_dir: Path, config: AppConfig, clock: MovingClock, portal: Any) -> None:
        self.clock = clock
        self.portal = portal
        self.services = Services(
            Settings(data_dir=db_dir),
            config,
            clock=clock,
            gateway_factory=lambda member_id: cast(PortalGateway, portal),
        )
        self.services.portals.save_install(
            member_id=MEMBER,
            domain="acme.bitrix24.ru",
            client_endpoint="https://acme.bitrix24.ru/rest/",
            server_endpoint="",
            application_token="app-token",
            user_id=1,
            mode="app",
        )

    def task(self, task_id: int, **fields: Any) -> TaskRecord:
        values: dict[str, Any] = {
            "task_id": TaskId(task_id),
            "state": TaskState.AWAITING_ESTIMATE,
            "title": f"Задача {task_id}",
            "responsible_id": INTEGRATOR,
        }
        values.update(fields)
        record = TaskRecord(**values)
        self.services.task_store(MEMBER).save(record, [], shadow=False)
        return record

    def start(self, task_id: int, kind: str = "estimate", at: datetime = MONDAY) -> None:
        """The applier opens the clock exactly as it does for a handler's StartClock."""
        plan = plan_clock(kind, at, self.services.config.regulation, self.services.calendar)
        effect = StartClock.planned(TaskId(task_id), plan, source=f"test-{kind}")
        self.services.applier_for(MEMBER, None).apply([effect])

    def stop(self, task_id: int, kind: str = "estimate") -> None:
        effect = StopClock(TaskId(task_id), kind, self.clock.at)
        self.services.applier_for(MEMBER, None).apply([effect])

    def clock_row(self, task_id: int) -> dict[str, Any]:
        from sqlalchemy import select

        from b24app.storage.schema import clocks

        with self.services.db.begin() as conn:
            row = conn.execute(select(clocks).where(clocks.c.task_id == task_id)).one()
        return dict(row._mapping)

    def history(self, task_id: int) -> list[dict[str, Any]]:
        return self.services.task_store(MEMBER).history(task_id)


def notifies(portal: FakeBitrix) -> list[Notify]:
    return [w for w in portal.written if isinstance(w, Notify)]


def with_regulation(config: AppConfig, **changes: Any) -> AppConfig:
    return dataclasses.replace(config, regulation=dataclasses.replace(config.regulation, **changes))


@pytest.fixture
def config() -> AppConfig:
    return AppConfig(supervisor_ids=tuple(UserId(u) for u in SUPERVISORS))


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(MONDAY)


@pytest.fixture
def portal() -> FakeBitrix:
    return FakeBitrix()


@pytest.fixture
def app(tmp_path: Path, config: AppConfig, clock: MovingClock, portal: FakeBitrix) -> Iterator[App]:
    one = App(tmp_path, config, clock, portal)
    yield one
    one.services.close()
