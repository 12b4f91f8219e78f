"""п. 3.2: warranty expiry closes done tasks once; п. 3.1, 3.3: logged time is re-read by timer."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from b24app.worker import Worker
from handlers.effects import AddComment, TaskAction
from rules.regulation import AppConfig
from rules.types import TaskFacts, TaskId, TaskState, UserId
from scheduler.sla import expire_warranties, refresh_time_entries
from tests.fakes import FakeBitrix
from tests.scheduler.conftest import (
    INTEGRATOR,
    MEMBER,
    MONDAY,
    MSK,
    App,
    MovingClock,
    with_regulation,
)

DONE_AT = datetime(2026, 3, 2, 15, 0, tzinfo=MSK)
LAST_DAY = date(2026, 3, 16)  # 14 calendar days after delivery


def done_task(app: App, task_id: int, **fields: object) -> None:
    values: dict[str, object] = {
        "state": TaskState.DONE,
        "done_at": DONE_AT,
        "warranty_last_day": LAST_DAY,
        "last_status": 4,
    }
    values.update(fields)
    app.task(task_id, **values)


def test_warranty_expiry_closes_once(app: App, clock: MovingClock, portal: FakeBitrix) -> None:
    done_task(app, 301)
    clock.set(datetime(2026, 3, 16, 23, 59, tzinfo=MSK))
    assert expire_warranties(app.services) == 0
    clock.set(datetime(2026, 3, 17, 0, 0, tzinfo=MSK))
    assert expire_warranties(app.services) == 1
    assert expire_warranties(app.services) == 0
    clock.move(days=3)
    assert expire_warranties(app.services) == 0
    record = app.services.task_store(MEMBER).get_task(TaskId(301))
    assert record is not None
    assert record.state is TaskState.CLOSED
    [comment] = portal.written
    assert isinstance(comment, AddComment)
    assert "закончился 16 марта 2026; задача закрыта (п. 3.2)" in comment.text
    [entry] = app.history(301)
    assert (entry["from_state"], entry["to_state"], entry["clause"]) == ("done", "closed", "3.2")
    assert entry["decision"] == "warranty_expired"


@pytest.mark.parametrize(
    ("complete", "last_status", "actions"),
    [
        pytest.param(False, 4, [], id="config-off"),
        pytest.param(True, 4, ["complete"], id="config-on-awaiting-control"),
        pytest.param(True, 5, [], id="config-on-already-complete"),
    ],
)
def test_complete_task_only_where_config_says(
    tmp_path: Path,
    config: AppConfig,
    clock: MovingClock,
    complete: bool,
    last_status: int,
    actions: list[str],
) -> None:
    portal = FakeBitrix()
    config = with_regulation(config, complete_task_on_warranty_end=complete)
    app = App(tmp_path, config, clock, portal)
    done_task(app, 302, last_status=last_status)
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=MSK))
    assert expire_warranties(app.services) == 1
    assert [w.action for w in portal.written if isinstance(w, TaskAction)] == actions
    app.services.close()


def test_the_promised_last_day_wins_over_a_changed_config(app: App, clock: MovingClock) -> None:
    """The client was told «до 9 марта включительно»: the window closes after that day."""
    done_task(app, 303, warranty_last_day=date(2026, 3, 9))
    clock.set(datetime(2026, 3, 9, 23, 0, tzinfo=MSK))
    assert expire_warranties(app.services) == 0
    clock.set(datetime(2026, 3, 10, 0, 0, tzinfo=MSK))
    assert expire_warranties(app.services) == 1


def test_tasks_outside_done_are_left_alone(app: App, clock: MovingClock) -> None:
    app.task(304, state=TaskState.IN_PROGRESS)
    done_task(app, 305, deleted=True)
    clock.set(datetime(2026, 4, 1, 9, 0, tzinfo=MSK))
    assert expire_warranties(app.services) == 0


def test_time_refresh_queues_one_update_per_task_in_work(app: App, portal: FakeBitrix) -> None:
    """One read of logged minutes for all open tasks (estimation time and time logged after the
    delivery count too, issue 13); an update only where they changed."""
    for task_id, spent in ((401, 30), (402, 45), (403, 15), (404, 60), (405, 10), (407, 20)):
        portal.task(
            TaskFacts(
                TaskId(task_id),
                "x",
                "",
                UserId(503),
                UserId(INTEGRATOR),
                MONDAY,
                time_spent_minutes=spent,
            )
        )
    app.task(401, state=TaskState.IN_PROGRESS)
    app.task(402, state=TaskState.REESTIMATE)
    app.task(403, state=TaskState.AWAITING_ESTIMATE)
    app.task(404, state=TaskState.DONE)
    app.task(405, state=TaskState.IN_PROGRESS, deleted=True)
    app.task(407, state=TaskState.IN_PROGRESS, time_spent_minutes=20)  # nothing new logged
    app.task(408, state=TaskState.CLOSED)
    reads = portal.reads
    assert refresh_time_entries(app.services) == 4
    assert portal.reads == reads + 1
    assert refresh_time_entries(app.services) == 0  # still waiting: task updates coalesce
    rows = app.services.inbox.list_rows("pending")
    assert sorted((r["task_id"], r["event"], r["source"]) for r in rows) == [
        (401, "ONTASKUPDATE", "timer"),
        (402, "ONTASKUPDATE", "timer"),
        (403, "ONTASKUPDATE", "timer"),
        (404, "ONTASKUPDATE", "timer"),
    ]


def test_time_refresh_runs_the_update_handler_and_catches_an_overrun(
    app: App, clock: MovingClock, portal: FakeBitrix
) -> None:
    """No event comes for a time entry: the timer's update re-reads it; 75 min > 60 → п. 3.3."""
    portal.user(INTEGRATOR, "Иван Интеграторов", extranet=False)
    portal.user(503, "Анна Клиентова", extranet=True)
    facts = TaskFacts(
        task_id=TaskId(406),
        title="Добавить поле ИНН в карточку компании",
        description="Поле ИНН в карточке компании, обязательное.",
        created_by=UserId(503),
        responsible_id=UserId(INTEGRATOR),
        created_at=MONDAY,
        status=3,
    )
    portal.task(facts)
    app.task(406, state=TaskState.IN_PROGRESS, estimate_minutes=60, title=facts.title)
    worker = Worker(app.services)
    portal.log_time(406, INTEGRATOR, 30 * 60, MONDAY)
    assert refresh_time_entries(app.services) == 1
    worker.drain_all()
    record = app.services.task_store(MEMBER).get_task(TaskId(406))
    assert record is not None
    assert (record.state, record.billable_minutes) == (TaskState.IN_PROGRESS, 30)
    clock.move(minutes=15)
    portal.log_time(406, INTEGRATOR, 40 * 60, clock.at)
    assert refresh_time_entries(app.services) == 1  # the earlier row was taken: a new one
    worker.drain_all()
    record = app.services.task_store(MEMBER).get_task(TaskId(406))
    assert record is not None
    assert (record.state, record.billable_minutes) == (TaskState.REESTIMATE, 75)
    assert any("п. 3.3" in text for text in portal.comments_on(406))
