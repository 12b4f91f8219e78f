"""Effects: what a handler wants done, as data. Only b24app.applier performs them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from handlers.records import TaskRecord
from rules.sla import ClockPlan
from rules.types import TaskId, UserId


@dataclass(frozen=True, slots=True)
class AddComment:
    """Write a task comment (task.commentitem.add works on both task cards)."""

    key: str
    task_id: TaskId
    text: str


@dataclass(frozen=True, slots=True)
class UpdateTask:
    """Set task fields: the rounded estimate, the agreed deadline."""

    key: str
    task_id: TaskId
    time_estimate_minutes: int | None = None
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class TaskAction:
    """A status action: start, complete, renew, defer."""

    key: str
    task_id: TaskId
    action: str


@dataclass(frozen=True, slots=True)
class Notify:
    """A personal notification in the portal (im.notify.system.add)."""

    key: str
    user_id: UserId
    text: str
    task_id: int = 0


@dataclass(frozen=True, slots=True)
class CreateTask:
    """A new task for the client (a late defect report is a new task, п. 3.2)."""

    key: str
    origin_task_id: TaskId
    title: str
    description: str
    created_by: UserId
    responsible_id: UserId
    group_id: int = 0


@dataclass(frozen=True, slots=True)
class WatchTask:
    """Make the app's user an auditor of the task (tasks.task.startwatch adds the caller), so
    it can read the task chat: auditors are chat members and have read rights."""

    key: str
    task_id: TaskId


@dataclass(frozen=True, slots=True)
class SaveTask:
    """Store the task's regulation record (always applied, after the portal writes)."""

    record: TaskRecord


@dataclass(frozen=True, slots=True)
class Audit:
    """One decision for the audit log: what, why (clause), triggered by what."""

    task_id: TaskId
    decision: str
    clause: str
    trigger: str
    from_state: str = ""
    to_state: str = ""
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StartClock:
    """Start an SLA clock (п. 4.1 estimate, п. 1.2 reaction), sized by the handler.

    Every number comes from rules.sla.plan_clock with the client's own regulation; the applier
    stores them as given (STYLE §8.4).
    """

    task_id: TaskId
    kind: str
    started_at: datetime
    source: str
    due_at: datetime
    remind_at: datetime
    total_minutes: int
    mode: str  # rules.worktime.ClockMode value
    clause: str

    @classmethod
    def planned(cls, task_id: TaskId, plan: ClockPlan, source: str) -> StartClock:
        return cls(
            task_id=task_id,
            kind=plan.kind,
            started_at=plan.started_at,
            source=source,
            due_at=plan.due_at,
            remind_at=plan.remind_at,
            total_minutes=plan.total_minutes,
            mode=plan.mode.value,
            clause=plan.clause,
        )


@dataclass(frozen=True, slots=True)
class StopClock:
    """Stop the open SLA clocks of a kind on a task."""

    task_id: TaskId
    kind: str
    at: datetime


PortalWrite = AddComment | UpdateTask | TaskAction | Notify | CreateTask | WatchTask
Effect = PortalWrite | SaveTask | Audit | StartClock | StopClock
