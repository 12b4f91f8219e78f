"""Bitrix24 records → the app's types, pure: tasks, users, comments, chat messages, time entries.

Raw Bitrix24 field names live here, in the REST calls beside it and in the event parser
(events.py), nowhere else. A date without an offset is read in the portal's zone (the
calendar's `timezone`), never in the host's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from rules.comments import to_plain
from rules.estimate import minutes_from_seconds
from rules.types import CommentFacts, TaskFacts, TaskId, TaskStatus, TimeEntry, UserFacts, UserId

TASK_SELECT = [
    "ID",
    "TITLE",
    "DESCRIPTION",
    "STATUS",
    "CREATED_BY",
    "RESPONSIBLE_ID",
    "GROUP_ID",
    "PRIORITY",
    "DEADLINE",
    "TIME_ESTIMATE",
    "TIME_SPENT_IN_LOGS",
    "CREATED_DATE",
    "CHANGED_DATE",
    "STAGE_ID",
    "UF_CRM_TASK",
    "UF_TASK_WEBDAV_FILES",
    "TAGS",
    "CHAT_ID",
    "ACCOMPLICES",
    "AUDITORS",
]
EPOCH = datetime.fromtimestamp(0, UTC)


def task_facts(raw: Mapping[str, Any], tz: tzinfo) -> TaskFacts:
    """tasks.task.* camelCase output → TaskFacts."""
    tags = raw.get("tags") or {}
    tag_titles = (
        tuple(str(t.get("title", "")) for t in tags.values() if isinstance(t, dict))
        if isinstance(tags, dict)
        else tuple(str(t) for t in tags)
    )
    return TaskFacts(
        task_id=TaskId(int(raw["id"])),
        title=str(raw.get("title") or ""),
        description=str(raw.get("description") or ""),
        created_by=UserId(int(raw.get("createdBy") or 0)),
        responsible_id=UserId(int(raw.get("responsibleId") or 0)),
        created_at=portal_datetime(raw.get("createdDate"), tz) or EPOCH,
        group_id=int(raw.get("groupId") or 0),
        priority=int(raw.get("priority") or 1),
        status=task_status(raw.get("status")),
        stage_id=int(raw.get("stageId") or 0),
        crm_bindings=tuple(str(b) for b in raw.get("ufCrmTask") or [] if b),
        attached_files=len(raw.get("ufTaskWebdavFiles") or []),
        time_estimate_minutes=minutes_from_seconds(int(raw.get("timeEstimate") or 0)),
        time_spent_minutes=int(raw.get("timeSpentInLogs") or 0) // 60,
        tags=tag_titles,
        deadline=portal_datetime(raw.get("deadline"), tz),
        chat_id=int(raw["chatId"]) if raw.get("chatId") else None,
        changed_at=portal_datetime(raw.get("changedDate"), tz),
        member_ids=_members(raw),
    )


def task_status(value: Any) -> int:
    """The task's STATUS as a TaskStatus; a value Bitrix24 does not document stays a number."""
    number = int(value or TaskStatus.PENDING)
    known: set[int] = set(TaskStatus)
    return TaskStatus(number) if number in known else number


def _members(raw: Mapping[str, Any]) -> tuple[UserId, ...]:
    """Creator, responsible, accomplices and auditors: the task chat's members (core: the tasks
    module creates the chat with Task::getMemberIds and adds new ones on update)."""
    ids = [raw.get("createdBy"), raw.get("responsibleId")]
    for key in ("accomplices", "auditors"):
        value = raw.get(key)
        ids.extend(value.values() if isinstance(value, dict) else value or [])
    return tuple(
        sorted({UserId(int(str(i))) for i in ids if str(i or "").isdigit() and int(str(i))})
    )


def user_facts(raw: Any) -> UserFacts | None:
    """user.get item → UserFacts. A client is a user outside the company structure: no
    UF_DEPARTMENT (docs: api-reference/user/user-scope.md lists no USER_TYPE for user_basic;
    employees belong to at least one department). USER_TYPE decides when the portal sends it."""
    if not isinstance(raw, dict) or not raw.get("ID"):
        return None
    departments = tuple(int(d) for d in raw.get("UF_DEPARTMENT") or [] if str(d).isdigit())
    user_type = str(raw.get("USER_TYPE") or "")
    name = " ".join(p for p in (raw.get("NAME"), raw.get("LAST_NAME")) if p) or f"#{raw['ID']}"
    return UserFacts(
        user_id=UserId(int(raw["ID"])),
        name=name,
        is_extranet=user_type in ("extranet", "email") or (not user_type and not departments),
        departments=departments,
    )


def listed_name(raw: Any) -> tuple[UserId, str] | None:
    """user.search item → (id, «Фамилия Имя»), the order people are listed in on the portal."""
    if not isinstance(raw, dict) or not str(raw.get("ID") or "").isdigit():
        return None
    parts = (raw.get("LAST_NAME"), raw.get("NAME"), raw.get("SECOND_NAME"))
    name = " ".join(str(p) for p in parts if p) or f"#{raw['ID']}"
    return UserId(int(raw["ID"])), name


def time_entry(raw: Mapping[str, Any], tz: tzinfo) -> TimeEntry:
    """task.elapseditem.* item → TimeEntry."""
    return TimeEntry(
        entry_id=int(raw["ID"]),
        task_id=TaskId(int(raw.get("TASK_ID") or 0)),
        user_id=UserId(int(raw.get("USER_ID") or 0)),
        seconds=int(raw.get("SECONDS") or 0),
        created_at=portal_datetime(raw.get("CREATED_DATE"), tz) or EPOCH,
        comment=str(raw.get("COMMENT_TEXT") or ""),
    )


def comment_facts(task_id: TaskId, raw: Mapping[str, Any], tz: tzinfo) -> CommentFacts:
    """task.commentitem.* item (the classic card) → CommentFacts."""
    return CommentFacts(
        comment_id=int(raw.get("ID") or 0),
        task_id=task_id,
        author_id=UserId(int(raw.get("AUTHOR_ID") or 0)),
        text=str(raw.get("POST_MESSAGE") or ""),
        posted_at=portal_datetime(raw.get("POST_DATE"), tz) or EPOCH,
        attached_files=len(raw.get("ATTACHED_OBJECTS") or {}),
    )


def message_facts(task_id: TaskId, raw: Mapping[str, Any], tz: tzinfo) -> CommentFacts:
    """im.dialog.messages.get item (the chat card) → CommentFacts."""
    return CommentFacts(
        comment_id=int(raw.get("id") or 0),
        task_id=task_id,
        author_id=UserId(int(raw.get("author_id") or 0)),
        text=str(raw.get("text") or ""),
        posted_at=portal_datetime(raw.get("date"), tz) or EPOCH,
        is_chat_message=True,
        attached_files=len((raw.get("params") or {}).get("FILE_ID") or []),
    )


def chat_messages(result: Any) -> list[dict[str, Any]]:
    """The `messages` of an im.dialog.messages.get answer."""
    messages = result.get("messages") if isinstance(result, dict) else None
    return [m for m in messages or [] if isinstance(m, dict)]


def message_id(raw: Mapping[str, Any]) -> int:
    return int(raw.get("id") or 0)


def portal_datetime(value: Any, tz: tzinfo) -> datetime | None:
    """An ISO date from the portal; one without an offset is in the portal's zone `tz`."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def text_digest(text: str) -> str:
    """Digest of a comment's plain text: recognises our own comments on the chat card too."""
    return hashlib.sha256(to_plain(text).encode()).hexdigest()[:32]
