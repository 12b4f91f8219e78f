"""The task store in memory, behind the same protocol as the database one (TaskStorage).

Replay folds a handler's effects into it instead of a throw-away database, and handler tests
give it to the handlers as their store. Same answers as b24app.storage.task_store.TaskStore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from b24app.storage.task_store import (
    EFFECT_DONE,
    EFFECT_SHADOW,
    EFFECT_STARTED,
    TASK_REQUEST,
    EffectMark,
    audit_row,
    text_digest,
)
from b24app.storage.task_store import OwnWrite as AppWrite
from handlers.effects import Audit
from handlers.records import TaskRecord
from rules.types import CommentFacts, TaskFacts, TaskId, TaskState


@dataclass(frozen=True, slots=True)
class OwnWrite:
    task_id: int
    kind: str
    object_id: int
    digest: str


@dataclass(frozen=True, slots=True)
class MemoryEffect:
    kind: str
    task_id: int
    status: str
    result: str


class MemoryTaskStore:
    """TaskStorage for one portal, in dicts and lists; `clock` stamps the audit rows."""

    def __init__(self, member_id: str, clock: Callable[[], float] = lambda: 0.0) -> None:
        self.member_id = member_id
        self.clock = clock
        self.tasks: dict[int, TaskRecord] = {}
        self.effects: dict[str, MemoryEffect] = {}
        self.own_writes: list[OwnWrite] = []
        self.audit: list[dict[str, Any]] = []

    # -- reads (TaskStoreReader) ---------------------------------------------------------------
    def get_task(self, task_id: TaskId) -> TaskRecord | None:
        return self.tasks.get(task_id)

    def is_own_comment(self, task_id: TaskId, comment: CommentFacts) -> bool:
        kind = "message" if comment.is_chat_message else "comment"
        digest = text_digest(comment.text)
        return any(
            w.task_id == task_id
            and ((w.kind == kind and w.object_id == comment.comment_id) or w.digest == digest)
            for w in self.own_writes
        )

    def is_own_comment_id(self, task_id: TaskId, object_id: int) -> bool:
        return bool(object_id) and any(
            (w.task_id, w.kind, w.object_id) == (task_id, "comment", object_id)
            for w in self.own_writes
        )

    def has_effect(self, key: str) -> bool:
        return self.effect_status(key) in (EFFECT_DONE, EFFECT_SHADOW)

    def company_has_tasks(self, client: str, *, except_task: TaskId) -> bool:
        return any(r.client == client and t != except_task for t, r in self.tasks.items())

    def needs_regulation_summary(self, client: str, *, except_task: TaskId) -> bool:
        prefix = f"summary:{client}:"
        own = f"{prefix}{except_task}"  # this task's own, left unfinished: planned again
        posted = any(
            key.startswith(prefix)
            and key != own
            and e.status in (EFFECT_DONE, EFFECT_SHADOW, EFFECT_STARTED)
            for key, e in self.effects.items()
        )
        if not posted and own in self.effects:
            return True
        accepted = any(
            r.client == client
            and t != except_task
            and r.state not in (TaskState.NEW, TaskState.NEEDS_INFO)
            for t, r in self.tasks.items()
        )
        return not posted and not accepted

    def origin_of_app_task(self, task: TaskFacts) -> TaskId | None:
        digest = text_digest(f"{task.title}\n{task.description}")
        found = (w.task_id for w in self.own_writes if (w.kind, w.digest) == (TASK_REQUEST, digest))
        origin = next(found, None)
        return None if origin is None else TaskId(origin)

    def list_tasks(self, states: list[str] | None = None) -> list[TaskRecord]:
        records = sorted(self.tasks.values(), key=lambda r: r.task_id)
        return [r for r in records if not states or r.state.value in states]

    def history(self, task_id: int) -> list[dict[str, Any]]:
        return [dict(row) for row in self.audit if row["task_id"] == task_id]

    # -- writes (what the effect applier does) -------------------------------------------------
    def effect_status(self, key: str) -> str | None:
        effect = self.effects.get(key)
        return None if effect is None else effect.status

    def effect_statuses(self, keys: Iterable[str]) -> dict[str, str]:
        return {key: self.effects[key].status for key in keys if key in self.effects}

    def log_effects(self, marks: Sequence[EffectMark], own: Sequence[AppWrite] = ()) -> None:
        for mark in marks:
            self.mark_effect(mark.key, mark.kind, mark.task_id, mark.status, mark.result)
        for write in own:
            self.record_own_write(write.task_id, write.kind, write.object_id, write.text)

    def mark_effect(self, key: str, kind: str, task_id: int, status: str, result: str = "") -> None:
        self.effects[key] = MemoryEffect(kind, task_id, status, result)

    def record_own_write(self, task_id: int, kind: str, object_id: int, text: str = "") -> None:
        digest = text_digest(text) if text else ""
        self.own_writes.append(OwnWrite(task_id, kind, object_id, digest))

    def record_task_request(self, origin_task_id: int, title: str, description: str) -> None:
        self.record_own_write(origin_task_id, TASK_REQUEST, 0, f"{title}\n{description}")

    def save(
        self,
        record: TaskRecord | None,
        entries: list[Audit],
        *,
        shadow: bool,
        marks: Sequence[EffectMark] = (),
        own: Sequence[AppWrite] = (),
    ) -> None:
        self.log_effects(marks, own)
        now = self.clock()
        if record is not None:
            self.tasks[record.task_id] = record
        for entry in entries:
            row = audit_row(self.member_id, entry, now, shadow=shadow)
            self.audit.append({"id": len(self.audit) + 1, **row})


@dataclass(slots=True)
class MemoryClocks:
    """ClockWriter in memory: the clocks a handler started and stopped, in order."""

    started: list[dict[str, Any]] = field(default_factory=list)
    stopped: list[tuple[int, str, datetime]] = field(default_factory=list)

    def start(self, **clock: Any) -> bool:
        self.started.append(clock)
        return True

    def stop(self, task_id: int, kind: str, at: datetime) -> int:
        self.stopped.append((task_id, kind, at))
        return 1
