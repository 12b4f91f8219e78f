"""The app's memory of tasks: regulation records, the audit log, effects done, own writes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, and_, insert, select, update

from b24app.storage.database import Database
from b24app.storage.schema import audit, effects, own_writes, tasks
from handlers.context import TaskStoreReader
from handlers.effects import Audit
from handlers.records import TaskRecord, record_from_json, record_to_json
from rules.comments import to_plain
from rules.types import CommentFacts, TaskFacts, TaskId, TaskState

EFFECT_STARTED, EFFECT_DONE, EFFECT_SHADOW = "started", "done", "shadow"
TASK_REQUEST = "task_request"  # own_writes: a task the app asked the portal to create


def text_digest(text: str) -> str:
    """Digest of a comment's plain text: recognises our own comments on the chat card too."""
    return hashlib.sha256(to_plain(text).encode()).hexdigest()[:32]


class TaskStorage(TaskStoreReader, Protocol):
    """A task store as the effect applier and replay use it: TaskStore (the database) and
    b24app.storage.task_memory.MemoryTaskStore (replay, handler tests)."""

    member_id: str

    def effect_status(self, key: str) -> str | None: ...

    def mark_effect(
        self, key: str, kind: str, task_id: int, status: str, result: str = ""
    ) -> None: ...

    def record_own_write(self, task_id: int, kind: str, object_id: int, text: str = "") -> None: ...

    def record_task_request(self, origin_task_id: int, title: str, description: str) -> None: ...

    def save(self, record: TaskRecord | None, entries: list[Audit], *, shadow: bool) -> None: ...

    def list_tasks(self, states: list[str] | None = None) -> list[TaskRecord]: ...

    def history(self, task_id: int) -> list[dict[str, Any]]: ...


class TaskStore:
    """TaskStoreReader for one portal, plus the writes the effect applier makes."""

    def __init__(self, db: Database, member_id: str) -> None:
        self.db = db
        self.member_id = member_id

    # -- reads (TaskStoreReader) ---------------------------------------------------------------
    def get_task(self, task_id: TaskId) -> TaskRecord | None:
        with self.db.begin() as conn:
            row = conn.execute(
                select(tasks.c.record).where(
                    tasks.c.member_id == self.member_id, tasks.c.task_id == task_id
                )
            ).first()
        return record_from_json(json.loads(row.record)) if row else None

    def is_own_comment(self, task_id: TaskId, comment: CommentFacts) -> bool:
        """Ours when we wrote that comment id, or (chat card) that very text on that task."""
        kind = "message" if comment.is_chat_message else "comment"
        digest = text_digest(comment.text)
        with self.db.begin() as conn:
            row = conn.execute(
                select(own_writes.c.id).where(
                    own_writes.c.member_id == self.member_id,
                    own_writes.c.task_id == task_id,
                    ((own_writes.c.kind == kind) & (own_writes.c.object_id == comment.comment_id))
                    | (own_writes.c.digest == digest),
                )
            ).first()
        return row is not None

    def is_own_comment_id(self, task_id: TaskId, object_id: int) -> bool:
        """Known from the id alone (no portal read): the id task.commentitem.add returned."""
        if not object_id:
            return False
        with self.db.begin() as conn:
            row = conn.execute(
                select(own_writes.c.id).where(
                    own_writes.c.member_id == self.member_id,
                    own_writes.c.task_id == task_id,
                    own_writes.c.kind == "comment",
                    own_writes.c.object_id == object_id,
                )
            ).first()
        return row is not None

    def has_effect(self, key: str) -> bool:
        with self.db.begin() as conn:
            return self._effect_status(conn, key) in (EFFECT_DONE, EFFECT_SHADOW)

    def company_has_tasks(self, client: str, *, except_task: TaskId) -> bool:
        with self.db.begin() as conn:
            row = conn.execute(
                select(tasks.c.task_id).where(
                    tasks.c.member_id == self.member_id,
                    tasks.c.client == client,
                    tasks.c.task_id != except_task,
                )
            ).first()
        return row is not None

    def needs_regulation_summary(self, client: str, *, except_task: TaskId) -> bool:
        """The company gets the regulation summary once: not yet posted (or shadowed) on any of
        its tasks, and none of its other tasks was accepted before (older installs)."""
        prefix = "summary:" + client.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.db.begin() as conn:
            posted = conn.execute(
                select(effects.c.key).where(
                    effects.c.member_id == self.member_id,
                    effects.c.key.like(prefix + ":%", escape="\\"),
                    effects.c.status.in_((EFFECT_DONE, EFFECT_SHADOW, EFFECT_STARTED)),
                )
            ).first()
            accepted = conn.execute(
                select(tasks.c.task_id).where(
                    tasks.c.member_id == self.member_id,
                    tasks.c.client == client,
                    tasks.c.task_id != except_task,
                    tasks.c.state.not_in((TaskState.NEW.value, TaskState.NEEDS_INFO.value)),
                )
            ).first()
        return posted is None and accepted is None

    def origin_of_app_task(self, task: TaskFacts) -> TaskId | None:
        """The task whose late comment made the app create this one (п. 3.2), or None.

        Recognised by its title and description, recorded before the portal was asked, so an
        event of the new task processed before the write's answer still finds it."""
        digest = text_digest(f"{task.title}\n{task.description}")
        with self.db.begin() as conn:
            row = conn.execute(
                select(own_writes.c.task_id).where(
                    own_writes.c.member_id == self.member_id,
                    own_writes.c.kind == TASK_REQUEST,
                    own_writes.c.digest == digest,
                )
            ).first()
        return None if row is None else TaskId(int(row.task_id))

    def record_task_request(self, origin_task_id: int, title: str, description: str) -> None:
        self.record_own_write(origin_task_id, TASK_REQUEST, 0, f"{title}\n{description}")

    def list_tasks(self, states: list[str] | None = None) -> list[TaskRecord]:
        stmt = select(tasks.c.record).where(tasks.c.member_id == self.member_id)
        if states:
            stmt = stmt.where(tasks.c.state.in_(states))
        with self.db.begin() as conn:
            rows = conn.execute(stmt.order_by(tasks.c.task_id)).all()
        return [record_from_json(json.loads(r.record)) for r in rows]

    def history(self, task_id: int) -> list[dict[str, Any]]:
        with self.db.begin() as conn:
            rows = conn.execute(
                select(audit)
                .where(audit.c.member_id == self.member_id, audit.c.task_id == task_id)
                .order_by(audit.c.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    # -- effect log ----------------------------------------------------------------------------
    def _effect_status(self, conn: Connection, key: str) -> str | None:
        row = conn.execute(
            select(effects.c.status).where(
                effects.c.member_id == self.member_id, effects.c.key == key
            )
        ).first()
        return None if row is None else str(row.status)

    def effect_status(self, key: str) -> str | None:
        with self.db.begin() as conn:
            return self._effect_status(conn, key)

    def mark_effect(self, key: str, kind: str, task_id: int, status: str, result: str = "") -> None:
        values = {"kind": kind, "task_id": task_id, "status": status, "result": result}
        with self.db.begin() as conn:
            changed = conn.execute(
                update(effects)
                .where(effects.c.member_id == self.member_id, effects.c.key == key)
                .values(at=self.db.clock(), **values)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(effects).values(
                        member_id=self.member_id, key=key, at=self.db.clock(), **values
                    )
                )

    def record_own_write(self, task_id: int, kind: str, object_id: int, text: str = "") -> None:
        with self.db.begin() as conn:
            conn.execute(
                insert(own_writes).values(
                    member_id=self.member_id,
                    task_id=task_id,
                    kind=kind,
                    object_id=object_id,
                    digest=text_digest(text) if text else "",
                    at=self.db.clock(),
                )
            )

    # -- state and audit, in one transaction ---------------------------------------------------
    def save(self, record: TaskRecord | None, entries: list[Audit], *, shadow: bool) -> None:
        now = self.db.clock()
        with self.db.begin() as conn:
            if record is not None:
                self._upsert(conn, record, now)
            for entry in entries:
                conn.execute(
                    insert(audit).values(
                        member_id=self.member_id,
                        task_id=entry.task_id,
                        at=now,
                        from_state=entry.from_state,
                        to_state=entry.to_state,
                        clause=entry.clause,
                        trigger=entry.trigger,
                        decision=entry.decision,
                        details=json.dumps(entry.details, ensure_ascii=False, default=str),
                        shadow=shadow,
                    )
                )

    def _upsert(self, conn: Connection, record: TaskRecord, now: float) -> None:
        values = {
            "state": record.state.value,
            "client": record.client,
            "title": record.title,
            "responsible_id": record.responsible_id,
            "updated_at": now,
            "record": json.dumps(record_to_json(record), ensure_ascii=False),
        }
        where = and_(tasks.c.member_id == self.member_id, tasks.c.task_id == record.task_id)
        if not conn.execute(update(tasks).where(where).values(**values)).rowcount:
            conn.execute(
                insert(tasks).values(member_id=self.member_id, task_id=record.task_id, **values)
            )


def iso(ts: float | None, tz: Any = UTC) -> str | None:
    """Unix time → ISO 8601 with offset."""
    return None if ts is None else datetime.fromtimestamp(ts, tz).isoformat()
