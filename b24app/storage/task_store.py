"""The app's memory of tasks: regulation records, the audit log, effects done, own writes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

from b24app.storage.database import Database
from b24app.storage.schema import audit, effects, own_writes, tasks
from handlers.context import TaskStoreReader
from handlers.effects import Audit
from handlers.records import TaskRecord, record_from_json, record_to_json
from rules.comments import to_plain
from rules.types import CommentFacts, TaskFacts, TaskId, TaskState

EFFECT_STARTED, EFFECT_DONE, EFFECT_SHADOW = "started", "done", "shadow"
TASK_REQUEST = "task_request"  # own_writes: a task the app asked the portal to create
# own_writes: the app changed the task (comment, fields, status); `at` is the portal's clock at
# the end of that write request, comparable with the task's CHANGED_DATE
OWN_CHANGE = "change"


KEYS_PER_QUERY = 500  # well under SQLite's 999 bound parameters


@dataclass(frozen=True, slots=True)
class EffectMark:
    """One row of the effect log to write: a write started, done, shadowed or failed."""

    key: str
    kind: str
    task_id: int
    status: str
    result: str = ""


@dataclass(frozen=True, slots=True)
class OwnWrite:
    """Something the app wrote itself (a comment id, a created task, a task request)."""

    task_id: int
    kind: str
    object_id: int
    text: str = ""
    at: float | None = None  # None: now by the app's clock


def audit_row(member_id: str, entry: Audit, at: float, *, shadow: bool) -> dict[str, Any]:
    """One audit entry as its row (the database's, and the in-memory store's)."""
    return {
        "member_id": member_id,
        "task_id": entry.task_id,
        "at": at,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "clause": entry.clause,
        "trigger": entry.trigger,
        "decision": entry.decision,
        "details": json.dumps(entry.details, ensure_ascii=False, default=str),
        "shadow": shadow,
    }


def text_digest(text: str) -> str:
    """Digest of a comment's plain text: recognises our own comments on the chat card too."""
    return hashlib.sha256(to_plain(text).encode()).hexdigest()[:32]


class TaskStorage(TaskStoreReader, Protocol):
    """A task store as the effect applier and replay use it: TaskStore (the database) and
    b24app.storage.task_memory.MemoryTaskStore (replay, handler tests)."""

    member_id: str

    def effect_status(self, key: str) -> str | None: ...

    def effect_statuses(self, keys: Iterable[str]) -> dict[str, str]: ...

    def log_effects(self, marks: Sequence[EffectMark], own: Sequence[OwnWrite] = ()) -> None: ...

    def mark_effect(
        self, key: str, kind: str, task_id: int, status: str, result: str = ""
    ) -> None: ...

    def record_own_write(self, task_id: int, kind: str, object_id: int, text: str = "") -> None: ...

    def record_task_request(self, origin_task_id: int, title: str, description: str) -> None: ...

    def save(
        self,
        record: TaskRecord | None,
        entries: list[Audit],
        *,
        shadow: bool,
        marks: Sequence[EffectMark] = (),
        own: Sequence[OwnWrite] = (),
    ) -> None: ...

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
        its other tasks, or planned there (an event processed before this one), and none of its
        other tasks was accepted before (older installs). This task's own summary, once planned,
        is planned again whatever its company's other tasks did meanwhile: a write left
        `started` by a passing error is written (or found) on the retry."""
        prefix = "summary:" + client.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        own = f"summary:{client}:{except_task}"
        with self.db.begin() as conn:
            posted = conn.execute(
                select(effects.c.key).where(
                    effects.c.member_id == self.member_id,
                    effects.c.key.like(prefix + ":%", escape="\\"),
                    effects.c.key != own,
                    effects.c.status.in_((EFFECT_DONE, EFFECT_SHADOW, EFFECT_STARTED)),
                )
            ).first()
            if posted is None and self._effect_status(conn, own) is not None:
                return True
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

    def own_changes(self, task_ids: Iterable[int]) -> dict[int, float]:
        """{task id: portal time of the app's latest own change} for the tasks it changed."""
        wanted = sorted(set(task_ids))
        found: dict[int, float] = {}
        with self.db.begin() as conn:
            for start in range(0, len(wanted), KEYS_PER_QUERY):
                rows = conn.execute(
                    select(own_writes.c.task_id, func.max(own_writes.c.at).label("at"))
                    .where(
                        own_writes.c.member_id == self.member_id,
                        own_writes.c.kind == OWN_CHANGE,
                        own_writes.c.task_id.in_(wanted[start : start + KEYS_PER_QUERY]),
                    )
                    .group_by(own_writes.c.task_id)
                ).all()
                found.update((int(r.task_id), float(r.at)) for r in rows)
        return found

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

    def effect_statuses(self, keys: Iterable[str]) -> dict[str, str]:
        """{key: status} of the keys the effect log holds, in one transaction."""
        wanted = sorted(set(keys))
        found: dict[str, str] = {}
        if not wanted:
            return found
        with self.db.begin() as conn:
            for start in range(0, len(wanted), KEYS_PER_QUERY):
                rows = conn.execute(
                    select(effects.c.key, effects.c.status).where(
                        effects.c.member_id == self.member_id,
                        effects.c.key.in_(wanted[start : start + KEYS_PER_QUERY]),
                    )
                ).all()
                found.update((str(r.key), str(r.status)) for r in rows)
        return found

    def mark_effect(self, key: str, kind: str, task_id: int, status: str, result: str = "") -> None:
        self.log_effects([EffectMark(key, kind, task_id, status, result)])

    def log_effects(self, marks: Sequence[EffectMark], own: Sequence[OwnWrite] = ()) -> None:
        """Effect-log rows and own writes, all in one transaction."""
        if marks or own:
            with self.db.begin() as conn:
                self._log_effects(conn, marks, own)

    def _log_effects(
        self, conn: Connection, marks: Sequence[EffectMark], own: Sequence[OwnWrite]
    ) -> None:
        now = self.db.clock()
        if marks:
            latest = {m.key: m for m in marks}  # the last mark of a key wins
            keys = list(latest)
            known: set[str] = set()
            for start in range(0, len(keys), KEYS_PER_QUERY):
                known.update(
                    str(r.key)
                    for r in conn.execute(
                        select(effects.c.key).where(
                            effects.c.member_id == self.member_id,
                            effects.c.key.in_(keys[start : start + KEYS_PER_QUERY]),
                        )
                    )
                )
            rows = [
                {
                    "member_id": self.member_id,
                    "k": m.key,
                    "kind": m.kind,
                    "task_id": m.task_id,
                    "status": m.status,
                    "result": m.result,
                    "at": now,
                }
                for m in latest.values()
            ]
            updates = [{f"b_{k}": v for k, v in r.items()} for r in rows if r["k"] in known]
            inserts = [{**r, "key": r.pop("k")} for r in rows if r["k"] not in known]
            if updates:
                conn.execute(
                    update(effects)
                    .where(
                        effects.c.member_id == bindparam("b_member_id"),
                        effects.c.key == bindparam("b_k"),
                    )
                    .values(
                        kind=bindparam("b_kind"),
                        task_id=bindparam("b_task_id"),
                        status=bindparam("b_status"),
                        result=bindparam("b_result"),
                        at=bindparam("b_at"),
                    ),
                    updates,
                )
            if inserts:
                conn.execute(insert(effects), inserts)
        if own:
            conn.execute(
                insert(own_writes),
                [
                    {
                        "member_id": self.member_id,
                        "task_id": w.task_id,
                        "kind": w.kind,
                        "object_id": w.object_id,
                        "digest": text_digest(w.text) if w.text else "",
                        "at": now if w.at is None else w.at,
                    }
                    for w in own
                ],
            )

    def record_own_write(self, task_id: int, kind: str, object_id: int, text: str = "") -> None:
        self.log_effects([], [OwnWrite(task_id, kind, object_id, text)])

    # -- state and audit, in one transaction ---------------------------------------------------
    def save(
        self,
        record: TaskRecord | None,
        entries: list[Audit],
        *,
        shadow: bool,
        marks: Sequence[EffectMark] = (),
        own: Sequence[OwnWrite] = (),
    ) -> None:
        """The task's record, its audit entries and (the applier) the outcome of its writes."""
        now = self.db.clock()
        with self.db.begin() as conn:
            self._log_effects(conn, marks, own)
            if record is not None:
                self._upsert(conn, record, now)
            if entries:
                conn.execute(
                    insert(audit),
                    [audit_row(self.member_id, entry, now, shadow=shadow) for entry in entries],
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
