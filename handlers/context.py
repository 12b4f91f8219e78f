"""What a handler may use: the portal (reads only), the task store, config, the time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.records import TaskRecord
from rules.regulation import AppConfig, ClientCompany, RegulationConfig
from rules.types import CommentFacts, Role, TaskFacts, TaskId, TimeEntry, UserFacts, UserId
from rules.worktime import WorkCalendar


@dataclass(frozen=True, slots=True)
class TaskSnapshot:
    """A task as read from the portal, with its creator and responsible."""

    task: TaskFacts
    users: dict[UserId, UserFacts]
    time_entries: tuple[TimeEntry, ...] | None = None  # read along when asked for


@dataclass(frozen=True, slots=True)
class CommentSnapshot:
    """A comment as read from the portal, with its task and author."""

    comment: CommentFacts
    task: TaskFacts
    users: dict[UserId, UserFacts]


class PortalReader(Protocol):
    """Reads from Bitrix24, each in as few requests as the data allows."""

    @property
    def app_user_id(self) -> UserId: ...

    def load_task(
        self, task_id: TaskId, *, with_time_entries: bool = False
    ) -> TaskSnapshot | None: ...

    def load_comment(
        self, task_id: TaskId, comment_id: int, message_id: int
    ) -> CommentSnapshot | None: ...

    def load_time_entries(self, task_id: TaskId) -> tuple[TimeEntry, ...]: ...

    def load_users(self, user_ids: Iterable[int]) -> dict[UserId, UserFacts]: ...


class TaskStoreReader(Protocol):
    """The app's own memory of tasks and of what it wrote."""

    def get_task(self, task_id: TaskId) -> TaskRecord | None: ...

    def is_own_comment(self, task_id: TaskId, comment: CommentFacts) -> bool: ...

    def is_own_comment_id(self, task_id: TaskId, object_id: int) -> bool: ...

    def has_effect(self, key: str) -> bool: ...

    def company_has_tasks(self, client: str, *, except_task: TaskId) -> bool: ...

    def needs_regulation_summary(self, client: str, *, except_task: TaskId) -> bool: ...

    def origin_of_app_task(self, task: TaskFacts) -> TaskId | None: ...


@dataclass(frozen=True, slots=True)
class HandlerContext:
    """Everything a handler may use; `now` is injected so tests move time."""

    member_id: str
    config: AppConfig
    portal: PortalReader
    store: TaskStoreReader
    calendar: WorkCalendar
    now: datetime
    source: str = ""  # what triggered the work (inbox id, job name), for the audit log

    def client_of(self, task: TaskFacts) -> ClientCompany | None:
        return self.config.client_for(task.group_id, task.created_by)

    def regulation_of(self, client: ClientCompany | None) -> RegulationConfig:
        return self.config.regulation_for(client)

    def role_of(self, user_id: UserId, users: dict[UserId, UserFacts]) -> Role:
        """Who is who (REGULATION.md): portal service (0), integrator or client.

        The app's own comments are recognised by the ids it wrote (the store), not by author:
        in local-app mode REST runs as the installing admin, who may also write as a person.
        """
        if user_id == 0:
            return Role.SYSTEM
        if user_id in self.config.integrator_ids:
            return Role.INTEGRATOR
        user = users.get(user_id)
        if user is None:
            known_clients = (c.all_user_ids() for c in self.config.clients)
            return Role.CLIENT if any(user_id in ids for ids in known_clients) else Role.INTEGRATOR
        return Role.CLIENT if user.is_extranet else Role.INTEGRATOR
