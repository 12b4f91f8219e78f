"""Billing report tests: real SQLite storage; the sandbox portal for the REST side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.gateway import PortalGateway
from b24app.bitrix.limits import RetryPolicy
from b24app.bitrix.transport import Transport
from b24app.reporting.billing import MonthReport, build_month_report
from b24app.storage.database import Database
from b24app.storage.schema import audit, time_entries, users
from b24app.storage.task_store import TaskStore
from b24sandbox.portal import SandboxPortal
from handlers.records import TaskRecord
from rules.regulation import AppConfig, ChatOption, ClientCompany, ContractPeriod, PackageKind
from rules.types import TaskId, TaskState, UserId

MSK = ZoneInfo("Europe/Moscow")
MEMBER = "billing-member"
ROMASHKA, LYUTIK, IVANOV = "ООО Ромашка", "ООО Лютик", "ИП Иванов"
CLIENT_USER, INTEGRATOR, SECOND_INTEGRATOR = 503, 17, 18

CLIENTS = (
    ClientCompany(
        name=ROMASHKA,
        group_ids=(11,),
        user_ids=(UserId(CLIENT_USER),),
        responsible_ids=(UserId(CLIENT_USER),),
        contracts=(ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),),
    ),
    ClientCompany(
        name=LYUTIK,
        group_ids=(12,),
        responsible_ids=(UserId(600),),
        integrator_ids=(UserId(SECOND_INTEGRATOR),),
        contracts=(ContractPeriod(PackageKind.ADVANCED, date(2026, 1, 1)),),
        chat=ChatOption(enabled=True, users=20, price_tiers=((50, 500_000),)),
    ),
    ClientCompany(name=IVANOV, group_ids=(13,)),
)
CONFIG = AppConfig(clients=CLIENTS)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'billing.sqlite3'}")
    database.create_schema()
    yield database
    database.dispose()


def add_task(db: Database, task_id: int, client: str, title: str = "", **fields: Any) -> TaskRecord:
    record = TaskRecord(
        task_id=TaskId(task_id),
        state=fields.pop("state", TaskState.IN_PROGRESS),
        client=client,
        title=title or f"Задача {task_id}",
        created_at=fields.pop("created_at", at(1, month=10)),
        **fields,
    )
    TaskStore(db, MEMBER).save(record, [], shadow=False)
    return record


def add_entry(
    db: Database, entry_id: int, task_id: int, seconds: int, when: datetime, user: int = INTEGRATOR
) -> None:
    with db.begin() as conn:
        conn.execute(
            insert(time_entries).values(
                member_id=MEMBER,
                entry_id=entry_id,
                task_id=task_id,
                user_id=user,
                seconds=seconds,
                created_at=when.timestamp(),
                comment="",
            )
        )


def add_audit(db: Database, task_id: int, decision: str, when: datetime, **details: Any) -> None:
    with db.begin() as conn:
        conn.execute(
            insert(audit).values(
                member_id=MEMBER,
                task_id=task_id,
                at=when.timestamp(),
                decision=decision,
                details=json.dumps(details, ensure_ascii=False),
            )
        )


def add_user(db: Database, user_id: int, name: str) -> None:
    with db.begin() as conn:
        conn.execute(
            insert(users).values(
                member_id=MEMBER,
                user_id=user_id,
                data=json.dumps({"name": name}, ensure_ascii=False),
                fetched_at=0.0,
            )
        )


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    with SandboxPortal(rate_limit=None) as sandbox:
        yield sandbox


@pytest.fixture
def gateway(portal: SandboxPortal) -> Iterator[PortalGateway]:
    transport = Transport(requests_per_second=1000.0, burst=1000)
    client = BitrixClient(
        transport, portal.webhook_url(1), None, retry=RetryPolicy(attempts=2, base_delay=0.01)
    )
    yield PortalGateway(client, 1)
    close_transport(transport)


def close_transport(transport: Transport) -> None:
    transport.close()
    # LoopThread.stop() stops its asyncio loop but leaves it open: ResourceWarning at exit
    transport._loop.loop.close()


def seed_november(db: Database) -> MonthReport:
    """Two clients' month: package, urgent and regular time, warranty, an overrun."""
    add_user(db, 17, "Иван Интеграторов")
    add_task(db, 1, ROMASHKA, "Настроить воронку продаж")
    add_task(db, 2, ROMASHKA, "Срочно: упал обмен с 1С", urgent=True)
    add_task(db, 3, LYUTIK, "Доработка отчёта", rework_since=at(20))
    add_entry(db, 1, 1, 9 * 3600 + 45 * 60, at(2))  # 585 of the 600 package minutes
    add_entry(db, 2, 2, 40 * 60 + 1, at(3))  # 41 → 45 min: 15 in the package, 30 urgent
    add_entry(db, 3, 1, 20 * 60, at(4))  # 30 min regular
    add_entry(db, 4, 3, 3600, at(21))  # warranty
    add_audit(db, 1, "regulation_acknowledged", at(3), company=ROMASHKA)
    add_audit(db, 1, "overrun", at(4), billable_minutes=630, approved_minutes=600)
    return build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)
