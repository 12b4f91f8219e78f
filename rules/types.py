"""Value types shared by the regulation rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import NewType

TaskId = NewType("TaskId", int)
UserId = NewType("UserId", int)


class Role(StrEnum):
    """Who wrote a comment or made a change, as the regulation sees them."""

    CLIENT = "client"
    INTEGRATOR = "integrator"
    SYSTEM = "system"  # portal service messages (author 0)


class TaskState(StrEnum):
    """States of a task in the regulation (REGULATION.md, "The life of a task")."""

    NEW = "new"
    NEEDS_INFO = "needs_info"
    AWAITING_ESTIMATE = "awaiting_estimate"
    AWAITING_APPROVAL = "awaiting_approval"
    IN_PROGRESS = "in_progress"
    REESTIMATE = "reestimate"
    DONE = "done"
    CLOSED = "closed"


class TaskStatus(IntEnum):
    """A task's status as Bitrix24 numbers it (STATUS; core: modules/tasks CTasks::STATE_*).
    The regulation's own view of a task is TaskState."""

    NEW = 1  # «Новая» (older portals)
    PENDING = 2  # «Ждёт выполнения»
    IN_PROGRESS = 3  # «Выполняется»
    SUPPOSEDLY_COMPLETED = 4  # «Ждёт контроля»: done, the creator checks it
    COMPLETED = 5  # «Завершена»
    DEFERRED = 6  # «Отложена»
    DECLINED = 7  # «Отклонена»


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the rules need to know about a portal task (mapped from Bitrix24 fields)."""

    task_id: TaskId
    title: str
    description: str  # BBCode as written
    created_by: UserId
    responsible_id: UserId
    created_at: datetime
    group_id: int = 0
    priority: int = 1  # 0 low, 1 medium, 2 high
    status: int = TaskStatus.PENDING  # a TaskStatus (a number Bitrix24 does not document stays)
    stage_id: int = 0
    crm_bindings: tuple[str, ...] = ()  # UF_CRM_TASK values such as "D_27"
    attached_files: int = 0  # files attached to the task itself
    time_estimate_minutes: int | None = None  # TIME_ESTIMATE / 60, None when 0 or empty
    time_spent_minutes: int = 0  # TIME_SPENT_IN_LOGS / 60
    tags: tuple[str, ...] = ()
    deadline: datetime | None = None
    chat_id: int | None = None  # the new chat-based task card has one
    changed_at: datetime | None = None
    member_ids: tuple[UserId, ...] = ()  # creator, responsible, accomplices, auditors


@dataclass(frozen=True, slots=True)
class UserFacts:
    """A portal user: employee (integrator) or extranet user (client)."""

    user_id: UserId
    name: str
    is_extranet: bool
    departments: tuple[int, ...] = ()
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class CommentFacts:
    """One task comment (classic card) or task chat message (new card)."""

    comment_id: int  # classic comment id, or chat message id for the new card
    task_id: TaskId
    author_id: UserId  # 0 for portal service messages
    text: str  # BBCode as written
    posted_at: datetime
    is_chat_message: bool = False
    attached_files: int = 0


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """One time-tracking record (task.elapseditem) of a task."""

    entry_id: int
    task_id: TaskId
    user_id: UserId
    seconds: int
    created_at: datetime
    comment: str = ""
