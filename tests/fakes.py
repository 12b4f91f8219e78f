"""FakeBitrix: the one shared in-memory portal for handler tests (PortalReader + writes)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.context import CommentSnapshot, TaskSnapshot
from handlers.effects import AddComment, CreateTask, Notify, PortalWrite, TaskAction, UpdateTask
from rules.types import CommentFacts, TaskFacts, TaskId, TimeEntry, UserFacts, UserId


@dataclass
class FakeBitrix:
    """Tasks, comments, users and time entries in dicts; records every write."""

    app_user: int = 1
    tasks: dict[int, TaskFacts] = field(default_factory=dict)
    comments: dict[int, CommentFacts] = field(default_factory=dict)
    users: dict[int, UserFacts] = field(default_factory=dict)
    time: dict[int, list[TimeEntry]] = field(default_factory=dict)
    written: list[PortalWrite] = field(default_factory=list)
    reads: int = 0
    # the fake has no portal clock (PortalGateway.last_write_finished)
    last_write_finished: dict[str, float] = field(default_factory=dict)
    last_write_answers: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = None  # the time a created task gets (the harness keeps it current)
    _ids: Any = field(default_factory=lambda: itertools.count(9000))

    @property
    def app_user_id(self) -> UserId:
        return UserId(self.app_user)

    # -- seeding ---------------------------------------------------------------------------
    def user(self, user_id: int, name: str, *, extranet: bool) -> UserFacts:
        user = UserFacts(
            UserId(user_id), name, is_extranet=extranet, departments=() if extranet else (1,)
        )
        self.users[user_id] = user
        return user

    def task(self, task: TaskFacts) -> TaskFacts:
        self.tasks[task.task_id] = task
        return task

    def change(self, task_id: int, **fields: Any) -> TaskFacts:
        self.tasks[task_id] = dataclasses.replace(self.tasks[task_id], **fields)
        return self.tasks[task_id]

    def comment(self, task_id: int, author: int, text: str, at: datetime) -> CommentFacts:
        comment = CommentFacts(next(self._ids), TaskId(task_id), UserId(author), text, at)
        self.comments[comment.comment_id] = comment
        return comment

    def log_time(self, task_id: int, user: int, seconds: int, at: datetime) -> None:
        entries = self.time.setdefault(task_id, [])
        entries.append(TimeEntry(next(self._ids), TaskId(task_id), UserId(user), seconds, at))
        self.change(task_id, time_spent_minutes=sum(e.seconds for e in entries) // 60)

    # -- PortalReader ----------------------------------------------------------------------
    def _users_of(self, *ids: int) -> dict[UserId, UserFacts]:
        return {UserId(i): self.users[i] for i in ids if i in self.users}

    def load_task(self, task_id: TaskId, *, with_time_entries: bool = False) -> TaskSnapshot | None:
        self.reads += 1
        task = self.tasks.get(task_id)
        if task is None:
            return None
        entries = tuple(self.time.get(task_id, [])) if with_time_entries else None
        return TaskSnapshot(task, self._users_of(task.created_by, task.responsible_id), entries)

    def load_comment(
        self, task_id: TaskId, comment_id: int, message_id: int
    ) -> CommentSnapshot | None:
        self.reads += 1
        comment = self.comments.get(comment_id or message_id)
        task = self.tasks.get(task_id)
        if comment is None or task is None:
            return None
        return CommentSnapshot(comment, task, self._users_of(comment.author_id, task.created_by))

    def time_spent(self, task_ids: Iterable[int]) -> dict[int, int]:
        self.reads += 1
        return {t: self.tasks[t].time_spent_minutes for t in task_ids if t in self.tasks}

    def own_ids(self) -> set[int]:
        return {c.comment_id for c in self.comments.values() if c.author_id == self.app_user}

    def load_users(self, user_ids: Iterable[int]) -> dict[UserId, UserFacts]:
        self.reads += 1
        return self._users_of(*user_ids)

    def load_time_entries(self, task_id: TaskId) -> tuple[TimeEntry, ...]:
        self.reads += 1
        return tuple(self.time.get(task_id, []))

    # -- writes (what the effect applier calls) --------------------------------------------
    def write(self, writes: Sequence[PortalWrite]) -> dict[str, Any]:
        self.reads += 1
        result: dict[str, Any] = {}
        for w in writes:
            self.written.append(w)
            result[w.key] = self._perform(w)
        return result

    def _perform(self, write: PortalWrite) -> Any:
        if isinstance(write, AddComment):
            comment = CommentFacts(
                next(self._ids),
                write.task_id,
                UserId(self.app_user),
                write.text,
                datetime.now().astimezone(),
            )
            self.comments[comment.comment_id] = comment
            return comment.comment_id
        if isinstance(write, UpdateTask) and write.time_estimate_minutes is not None:
            self.change(write.task_id, time_estimate_minutes=write.time_estimate_minutes)
        if isinstance(write, TaskAction) and write.action == "start":
            self.change(write.task_id, status=3)
        if isinstance(write, CreateTask):
            task_id = next(self._ids)
            origin = self.tasks.get(write.origin_task_id)
            created_at = self.now or (origin.created_at if origin else datetime.now().astimezone())
            self.task(
                TaskFacts(
                    task_id=TaskId(task_id),
                    title=write.title,
                    description=write.description,
                    created_by=write.created_by,
                    responsible_id=write.responsible_id,
                    created_at=created_at,
                    group_id=write.group_id,
                )
            )
            return {"task": {"id": str(task_id)}}
        if isinstance(write, Notify):
            return next(self._ids)
        return True

    def comments_on(self, task_id: int) -> list[str]:
        return [w.text for w in self.written if isinstance(w, AddComment) and w.task_id == task_id]
