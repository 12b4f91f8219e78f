"""Handlers at their seam: `dispatch(event, facts) → Outcome`, no worker, database or applier.

Facts are what a handler may look at when the event arrives: the portal (tests.fakes.FakeBitrix),
the app's memory of the task (b24app.storage.task_memory.MemoryTaskStore, the same protocol as the
database store), the regulation and the time. The event is the normalised one the worker builds
from an inbox row (handlers.routing.HandlerEvent).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from b24app.config.calendar import build_calendar
from b24app.storage.task_memory import MemoryTaskStore
from handlers.context import HandlerContext
from handlers.effects import (
    AddComment,
    Audit,
    CreateTask,
    Effect,
    Notify,
    SaveTask,
    TaskAction,
    UpdateTask,
)
from handlers.records import TaskRecord
from handlers.registry import router
from handlers.routing import HandlerEvent, Outcome
from rules.regulation import AppConfig
from rules.types import TaskFacts, TaskId, TaskState, TaskStatus, UserId
from rules.worktime import WorkCalendar
from tests.fakes import FakeBitrix
from tests.handlers.conftest import (
    CLIENT,
    CLIENTS,
    GOOD_TEXT,
    GOOD_TITLE,
    INTEGRATOR,
    MEMBER,
    MSK,
    OTHER_CLIENT,
)

TASK = TaskId(4501)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)  # a Monday
CONFIG = AppConfig(clients=CLIENTS)


@functools.cache
def calendar() -> WorkCalendar:
    return build_calendar(CONFIG.calendar, range(2025, 2029))


@dataclass
class Facts:
    """The portal and the app's memory as they stand when the event arrives."""

    portal: FakeBitrix = field(default_factory=FakeBitrix)
    store: MemoryTaskStore = field(default_factory=lambda: MemoryTaskStore(MEMBER))
    config: AppConfig = CONFIG
    now: datetime = NOW


def dispatch(event: HandlerEvent, facts: Facts) -> Outcome:
    """The handler the router picks, given only the facts (source: the inbox row it came in)."""
    ctx = HandlerContext(
        member_id=MEMBER,
        config=facts.config,
        portal=facts.portal,
        store=facts.store,
        calendar=calendar(),
        now=facts.now,
        source="inbox:1",
    )
    return router.dispatch(event, ctx)


def portal_with_people() -> FakeBitrix:
    portal = FakeBitrix()
    portal.now = NOW
    portal.user(INTEGRATOR, "Иван Интеграторов", extranet=False)
    portal.user(CLIENT, "Анна Клиентова", extranet=True)
    portal.user(OTHER_CLIENT, "Пётр Клиентов", extranet=True)
    return portal


def task_facts(**changes: Any) -> TaskFacts:
    values: dict[str, Any] = {
        "task_id": TASK,
        "title": GOOD_TITLE,
        "description": GOOD_TEXT,
        "created_by": UserId(CLIENT),
        "responsible_id": UserId(INTEGRATOR),
        "created_at": NOW - timedelta(days=3),
        "group_id": 11,
        "status": TaskStatus.PENDING,
    }
    values.update(changes)
    return TaskFacts(**values)


def task_record(state: TaskState, **changes: Any) -> TaskRecord:
    """The app's record of TASK in `state`, as the earlier events left it."""
    values: dict[str, Any] = {
        "task_id": TASK,
        "state": state,
        "client": CLIENTS[0].name,
        "title": GOOD_TITLE,
        "created_by": CLIENT,
        "responsible_id": INTEGRATOR,
        "group_id": 11,
        "created_at": NOW - timedelta(days=3),
        "accepted_at": NOW - timedelta(days=3),
        "last_status": TaskStatus.PENDING,
    }
    values.update(changes)
    return TaskRecord(**values)


@dataclass(frozen=True, slots=True)
class Seen:
    """An Outcome as the tables compare it: what was decided and what would be written."""

    ignored: str
    decisions: tuple[str, ...]
    state: TaskState | None  # the record saved, None when nothing is saved
    writes: tuple[str, ...]  # portal writes: AddComment, UpdateTask(estimate=60), TaskAction(start)
    texts: tuple[str, ...]  # what the comments and notifications say


def seen(outcome: Outcome) -> Seen:
    saved = [e.record for e in outcome.effects if isinstance(e, SaveTask)]
    return Seen(
        ignored=outcome.ignored,
        decisions=tuple(e.decision for e in outcome.effects if isinstance(e, Audit)),
        state=saved[-1].state if saved else None,
        writes=tuple(w for w in map(_write_name, outcome.effects) if w),
        texts=tuple(
            e.text for e in outcome.effects if isinstance(e, AddComment | Notify) and e.text
        ),
    )


def _write_name(effect: Effect) -> str:
    if isinstance(effect, AddComment | Notify | CreateTask):
        return type(effect).__name__
    if isinstance(effect, TaskAction):
        return f"TaskAction({effect.action})"
    if isinstance(effect, UpdateTask):
        fields = [f"estimate={effect.time_estimate_minutes}"] * (
            effect.time_estimate_minutes is not None
        ) + ["deadline"] * (effect.deadline is not None)
        return f"UpdateTask({', '.join(fields)})"
    return ""
