"""Time entries from the (sandbox) portal into `time_entries`: batches, cursors, reconciliation."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import requests
from sqlalchemy import select

from b24app.bitrix.gateway import PortalGateway
from b24app.reporting.time_sync import sync_time, tasks_active_in
from b24app.storage.database import Database
from b24app.storage.schema import time_entries, users
from b24sandbox.portal import SandboxPortal
from handlers.records import TaskRecord
from rules.types import TaskId, TaskState
from tests.billing.conftest import MEMBER, at


def stored(db: Database) -> dict[int, tuple[int, int, str]]:
    with db.begin() as conn:
        rows = conn.execute(select(time_entries).where(time_entries.c.member_id == MEMBER)).all()
    return {r.entry_id: (r.task_id, r.seconds, r.comment) for r in rows}


def rest(portal: SandboxPortal, method: str, params: list[Any]) -> Any:
    answer = requests.post(portal.webhook_url(1) + method, json=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def ids(task_ids: list[int]) -> list[TaskId]:
    return [TaskId(t) for t in task_ids]


def test_fifty_tasks_per_batch_request(
    db: Database, portal: SandboxPortal, gateway: PortalGateway
) -> None:
    tasks = [portal.create_task(1, f"Задача {i}", responsible_id=1) for i in range(120)]
    for task_id in tasks:
        portal.add_time(1, task_id, 600, f"работа {task_id}", created_date=at(10))
    portal.reset_log()
    done: list[int] = []
    report = sync_time(db, gateway, MEMBER, ids(tasks), progress=done.append)
    assert (report.batches, report.fetched, report.added) == (3, 120, 120)
    assert done == [50, 50, 20]  # the progress bar moves per batch
    assert len(portal.requests_for("batch")) == 3
    assert [len(r.sub_methods) for r in portal.requests_for("batch")] == [50, 50, 20]
    assert len(stored(db)) == 120


def test_a_task_with_more_than_a_page(
    db: Database, portal: SandboxPortal, gateway: PortalGateway
) -> None:
    task = portal.create_task(1, "Большая", responsible_id=1)
    made = [portal.add_time(1, task, 60 * i, created_date=at(1 + i % 28)) for i in range(1, 121)]
    done: list[int] = []
    report = sync_time(db, gateway, MEMBER, ids([task]), progress=done.append)
    assert (report.batches, report.fetched) == (3, 120)  # 50, 50, 20: each page a later batch
    assert done == [0, 0, 1]  # the task is done when its last page came
    assert sorted(stored(db)) == made


def test_incremental_reads_only_new_entries_by_id(
    db: Database, portal: SandboxPortal, gateway: PortalGateway
) -> None:
    task = portal.create_task(1, "Задача", responsible_id=1)
    first = portal.add_time(1, task, 900, created_date=at(3))
    sync_time(db, gateway, MEMBER, ids([task]))
    second = portal.add_time(1, task, 1800, created_date=at(2))  # back-dated: an ID cursor sees it
    portal.reset_log()
    report = sync_time(db, gateway, MEMBER, ids([task]))
    assert (report.fetched, report.added) == (1, 1)
    sent = json.dumps(portal.requests_for("batch")[0].params, ensure_ascii=False)
    assert f"FILTER[%3EID]={first}&" in sent
    assert set(stored(db)) == {first, second}


def test_full_read_reconciles_changed_and_deleted_entries(
    db: Database, portal: SandboxPortal, gateway: PortalGateway
) -> None:
    task = portal.create_task(1, "Задача", responsible_id=1)
    keep, change, drop = (portal.add_time(1, task, 900, "было", created_date=at(3)) for _ in "abc")
    sync_time(db, gateway, MEMBER, ids([task]))
    rest(
        portal,
        "task.elapseditem.update",
        [task, change, {"SECONDS": 2700, "COMMENT_TEXT": "стало"}],
    )
    rest(portal, "task.elapseditem.delete", [task, drop])
    assert sync_time(db, gateway, MEMBER, ids([task])).fetched == 0  # an ID cursor cannot see it
    report = sync_time(db, gateway, MEMBER, ids([task]), full=True)
    assert (report.added, report.changed, report.deleted) == (0, 1, 1)
    assert stored(db) == {keep: (task, 900, "было"), change: (task, 2700, "стало")}


def test_disagreeing_portal_total_triggers_a_full_read(
    db: Database, portal: SandboxPortal, gateway: PortalGateway
) -> None:
    task = portal.create_task(1, "Задача", responsible_id=1)
    entry = portal.add_time(1, task, 900, created_date=at(3))
    sync_time(db, gateway, MEMBER, ids([task]))
    rest(portal, "task.elapseditem.update", [task, entry, {"SECONDS": 1200, "COMMENT_TEXT": ""}])
    same = sync_time(db, gateway, MEMBER, ids([task]), spent_minutes={TaskId(task): 15})
    assert same.changed == 0
    report = sync_time(db, gateway, MEMBER, ids([task]), spent_minutes={TaskId(task): 20})
    assert report.changed == 1
    assert stored(db)[entry][1] == 1200


def test_a_deleted_task_keeps_its_stored_entries(
    db: Database, portal: SandboxPortal, gateway: PortalGateway
) -> None:
    task = portal.create_task(1, "Задача", responsible_id=1)
    entry = portal.add_time(1, task, 900, created_date=at(3))
    sync_time(db, gateway, MEMBER, ids([task]))
    portal.delete_task(1, task)
    report = sync_time(db, gateway, MEMBER, ids([task]), full=True)
    assert report.gone == [task]
    assert not report.failed
    assert entry in stored(db)


def test_integrator_names_are_remembered(
    db: Database, portal: SandboxPortal, gateway: PortalGateway
) -> None:
    integrator = portal.add_user("Иван", "Интеграторов")
    task = portal.create_task(1, "Задача", responsible_id=integrator)
    portal.add_time(integrator, task, 900, created_date=at(3))
    sync_time(db, gateway, MEMBER, ids([task]))
    portal.reset_log()
    sync_time(db, gateway, MEMBER, ids([task]))
    assert portal.requests_for("user.get") == []  # known users are not asked for again
    with db.begin() as conn:
        row = conn.execute(select(users).where(users.c.user_id == integrator)).one()
    assert json.loads(row.data)["name"] == "Иван Интеграторов"


ACTIVE = [
    pytest.param({}, True, id="in-progress"),
    pytest.param({"deleted": True}, False, id="deleted"),
    pytest.param({"created_at": at(1, month=12)}, False, id="created-after-the-month"),
    pytest.param({"created_at": None}, True, id="created-unknown"),
    pytest.param(
        {"state": TaskState.CLOSED, "warranty_last_day": date(2026, 10, 31)},
        False,
        id="closed-before",
    ),
    pytest.param(
        {"state": TaskState.CLOSED, "warranty_last_day": date(2026, 11, 1)},
        True,
        id="closed-inside",
    ),
]


@pytest.mark.parametrize(("fields", "active"), ACTIVE)
def test_tasks_active_in_the_month(fields: dict[str, Any], active: bool) -> None:
    values: dict[str, Any] = {"created_at": at(1, month=10), **fields}
    record = TaskRecord(task_id=TaskId(5), **values)
    chosen = tasks_active_in([record], at(1, 0), at(1, 0, month=12))
    assert chosen == ([TaskId(5)] if active else [])
