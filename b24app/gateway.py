"""Bitrix24 data ↔ the app's types: the reads a handler needs and the writes effects ask for.

Raw Bitrix24 field names live here (and in events.py), nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from b24app.bitrix import BatchResult, BitrixClient, BitrixError
from b24app.task_store import text_digest
from handlers.context import CommentSnapshot, TaskSnapshot
from handlers.effects import AddComment, CreateTask, Notify, PortalWrite, TaskAction, UpdateTask
from rules.types import CommentFacts, TaskFacts, TaskId, TimeEntry, UserFacts, UserId

log = logging.getLogger(__name__)

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
]
EPOCH = datetime.fromtimestamp(0, UTC)
NOT_FOUND_CODES = frozenset({"ERROR_CORE", "1048582", "0", "ERROR_NOT_FOUND", "NOT_FOUND"})


class ChatAccessError(BitrixError):
    """The app's user cannot read a task chat (it must be a member: see the README)."""


class PortalGateway:
    """PortalReader for handlers, plus the writes of the effect applier."""

    def __init__(self, client: BitrixClient, app_user_id: int) -> None:
        self.client = client
        self._app_user_id = UserId(app_user_id)

    @property
    def app_user_id(self) -> UserId:
        return self._app_user_id

    # -- reads ---------------------------------------------------------------------------------
    def load_task(self, task_id: TaskId, *, with_time_entries: bool = False) -> TaskSnapshot | None:
        """Task + creator + responsible (+ time entries when asked) in one request."""
        commands: dict[str, tuple[str, dict[str, Any]]] = {
            "task": ("tasks.task.get", {"taskId": task_id, "select": TASK_SELECT}),
            "creator": ("user.get", {"FILTER": {"ID": "$result[task][task][createdBy]"}}),
            "responsible": ("user.get", {"FILTER": {"ID": "$result[task][task][responsibleId]"}}),
        }
        if with_time_entries:
            commands["time"] = ("task.elapseditem.getlist", _time_query(task_id, 0))
        batch = self.client.batch(commands)
        raw = _task_from(batch)
        if raw is None:
            return None
        entries = None
        if with_time_entries:
            if "time" in batch.errors:
                raise batch.errors["time"]
            entries = self._more_time_entries(task_id, _time_rows(batch.results.get("time")))
        users = _users_from(batch, "creator", "responsible")
        return TaskSnapshot(task=task_facts(raw), users=users, time_entries=entries)

    def load_comment(
        self, task_id: TaskId, comment_id: int, message_id: int
    ) -> CommentSnapshot | None:
        """Comment (classic card) or chat message (new card) + task + author, one request."""
        if message_id:
            return self._load_chat_message(task_id, message_id)
        batch = self.client.batch(
            {
                "task": ("tasks.task.get", {"taskId": task_id, "select": TASK_SELECT}),
                "comment": ("task.commentitem.get", {"TASKID": task_id, "ITEMID": comment_id}),
                "author": ("user.get", {"FILTER": {"ID": "$result[comment][AUTHOR_ID]"}}),
                "creator": ("user.get", {"FILTER": {"ID": "$result[task][task][createdBy]"}}),
            }
        )
        raw_task = _task_from(batch)
        raw_comment = batch.results.get("comment")
        if raw_task is None or not isinstance(raw_comment, dict):
            if "comment" in batch.errors and raw_task is not None:
                raise batch.errors["comment"]
            return None
        comment = _comment_facts(task_id, {"ID": comment_id, **raw_comment})
        users = _users_from(batch, "author", "creator")
        return CommentSnapshot(comment=comment, task=task_facts(raw_task), users=users)

    def _load_chat_message(self, task_id: TaskId, message_id: int) -> CommentSnapshot | None:
        batch = self.client.batch(
            {
                "task": ("tasks.task.get", {"taskId": task_id, "select": TASK_SELECT}),
                "messages": (
                    "im.dialog.messages.get",
                    {
                        "DIALOG_ID": "chat$result[task][task][chatId]",
                        "FIRST_ID": message_id - 1,
                        "LIMIT": 1,
                    },
                ),
                "creator": ("user.get", {"FILTER": {"ID": "$result[task][task][createdBy]"}}),
            }
        )
        raw_task = _task_from(batch)
        if raw_task is None:
            return None
        if "messages" in batch.errors:
            err = batch.errors["messages"]
            raise ChatAccessError(err.code, err.description, method="im.dialog.messages.get")
        message = _find_message(batch.results.get("messages"), message_id)
        if message is None:
            return None
        author_id = UserId(int(message.get("author_id") or 0))
        users = _users_from(batch, "creator")
        if author_id and author_id not in users:
            users.update(self.load_users([author_id]))
        comment = _message_facts(task_id, message)
        return CommentSnapshot(comment=comment, task=task_facts(raw_task), users=users)

    def load_comments(self, task: TaskFacts) -> list[CommentFacts]:
        """Every comment of a task, oldest first (replay): the classic list or the task chat."""
        if task.chat_id:
            answer = self.client.call(
                "im.dialog.messages.get", {"DIALOG_ID": f"chat{task.chat_id}", "LIMIT": 50}
            )
            messages = (answer or {}).get("messages") or []
            return sorted(
                (_message_facts(task.task_id, m) for m in messages if isinstance(m, dict)),
                key=lambda c: c.comment_id,
            )
        rows = self.client.call(
            "task.commentitem.getlist", {"TASKID": task.task_id, "ORDER": {"ID": "asc"}}
        )
        return [_comment_facts(task.task_id, r) for r in rows or [] if isinstance(r, dict)]

    def load_users(self, user_ids: Iterable[int]) -> dict[UserId, UserFacts]:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        answer = self.client.call("user.get", {"FILTER": {"ID": ids}})
        return {u.user_id: u for u in (user_facts(r) for r in answer or []) if u}

    def load_time_entries(self, task_id: TaskId) -> tuple[TimeEntry, ...]:
        """All time entries of a task (task.elapseditem.getlist, 50 per page, ID cursor)."""
        first = self.client.call("task.elapseditem.getlist", _time_query(task_id, 0))
        return self._more_time_entries(task_id, _time_rows(first))

    def _more_time_entries(self, task_id: TaskId, rows: list[TimeEntry]) -> tuple[TimeEntry, ...]:
        entries = list(rows)
        while len(rows) == 50:
            page = self.client.call(
                "task.elapseditem.getlist", _time_query(task_id, entries[-1].entry_id)
            )
            rows = _time_rows(page)
            entries.extend(rows)
        return tuple(entries)

    def time_entries_after(
        self, cursors: Mapping[TaskId, int]
    ) -> tuple[dict[TaskId, list[TimeEntry]], dict[TaskId, BitrixError]]:
        """Up to 50 tasks' getlist calls in one batch: per task, ≤ 50 entries with ID > cursor."""
        batch = self.client.batch(
            {
                f"t{task_id}": ("task.elapseditem.getlist", _time_query(task_id, after_id))
                for task_id, after_id in cursors.items()
            }
        )
        pages: dict[TaskId, list[TimeEntry]] = {}
        errors: dict[TaskId, BitrixError] = {}
        for task_id in cursors:
            key = f"t{task_id}"
            if key in batch.errors:
                errors[task_id] = batch.errors[key]
            else:
                pages[task_id] = _time_rows(batch.results.get(key))
        return pages, errors

    def time_spent(self, task_ids: Iterable[int]) -> dict[int, int]:
        """Minutes logged per task (TIME_SPENT_IN_LOGS): 50 tasks a page, 50 pages a request."""
        ids = sorted(set(task_ids))
        spent: dict[int, int] = {}
        for start in range(0, len(ids), 2500):
            chunk = ids[start : start + 2500]
            commands = {
                f"p{n}": (
                    "tasks.task.list",
                    {
                        "filter": {"ID": chunk[n : n + 50]},
                        "select": ["ID", "TIME_SPENT_IN_LOGS"],
                        "start": -1,
                    },
                )
                for n in range(0, len(chunk), 50)
            }
            batch = self.client.batch(commands)
            if batch.errors:
                raise next(iter(batch.errors.values()))
            for result in batch.results.values():
                for raw in (result or {}).get("tasks") or []:
                    spent[int(raw["id"])] = int(raw.get("timeSpentInLogs") or 0) // 60
        return spent

    def changed_task_ids(self, since: datetime, *, after_id: int = 0) -> list[tuple[int, str]]:
        """Reconciliation sweep: (id, changedDate) of tasks changed since `since`, by ID cursor."""
        found: list[tuple[int, str]] = []
        while True:
            answer = self.client.call_full(
                "tasks.task.list",
                {
                    "filter": {">=CHANGED_DATE": since.isoformat(), ">ID": after_id},
                    "select": ["ID", "CHANGED_DATE"],
                    "order": {"ID": "asc"},
                    "start": -1,
                },
            )
            tasks = (answer.get("result") or {}).get("tasks") or []
            for raw in tasks:
                found.append((int(raw["id"]), str(raw.get("changedDate") or "")))
            if len(tasks) < 50:
                return found
            after_id = found[-1][0]

    def own_comment_ids(self, task_id: TaskId) -> dict[str, int]:
        """{text digest: id} of the app user's recent comments on a task (classic card comments
        or chat-card messages, whichever the task has), in one request. Used only for a write
        left `started` by a process that died after sending it."""
        batch = self.client.batch(
            {
                "task": ("tasks.task.get", {"taskId": task_id, "select": ["ID", "CHAT_ID"]}),
                "comments": (
                    "task.commentitem.getlist",
                    {"TASKID": task_id, "ORDER": {"ID": "desc"}},
                ),
                "messages": (
                    "im.dialog.messages.get",
                    {"DIALOG_ID": "chat$result[task][task][chatId]", "LIMIT": 50},
                ),
            }
        )
        found: dict[str, int] = {}
        for raw in batch.results.get("comments") or []:
            if isinstance(raw, dict) and int(raw.get("AUTHOR_ID") or 0) == self.app_user_id:
                found[text_digest(str(raw.get("POST_MESSAGE") or ""))] = int(raw.get("ID") or 0)
        messages = batch.results.get("messages")
        for raw in (messages.get("messages") if isinstance(messages, dict) else None) or []:
            if isinstance(raw, dict) and int(raw.get("author_id") or 0) == self.app_user_id:
                found[text_digest(str(raw.get("text") or ""))] = int(raw.get("id") or 0)
        return found

    # -- writes --------------------------------------------------------------------------------
    def write(self, writes: Sequence[PortalWrite], auth_connector: str) -> dict[str, Any]:
        """Perform writes in one batch request; returns {effect key: result or BitrixError}."""
        if not writes:
            return {}
        commands = {w.key: write_command(w, auth_connector) for w in writes}
        outcome: dict[str, Any] = {}
        keys = list(commands)
        for start in range(0, len(keys), 50):
            chunk = {k: commands[k] for k in keys[start : start + 50]}
            batch: BatchResult = self.client.batch(chunk)
            for key in chunk:
                outcome[key] = batch.errors.get(key, batch.results.get(key))
        return outcome


def write_command(write: PortalWrite, auth_connector: str) -> tuple[str, dict[str, Any]]:
    """The REST call for one write effect."""
    extra = {"auth_connector": auth_connector} if auth_connector else {}
    if isinstance(write, AddComment):
        return "task.commentitem.add", {
            "TASKID": write.task_id,
            "FIELDS": {"POST_MESSAGE": write.text},
            **extra,
        }
    if isinstance(write, UpdateTask):
        fields: dict[str, Any] = {}
        if write.time_estimate_minutes is not None:
            fields["TIME_ESTIMATE"] = write.time_estimate_minutes * 60
        if write.deadline is not None:
            fields["DEADLINE"] = write.deadline.isoformat()
        return "tasks.task.update", {"taskId": write.task_id, "fields": fields, **extra}
    if isinstance(write, TaskAction):
        return f"tasks.task.{write.action}", {"taskId": write.task_id, **extra}
    if isinstance(write, Notify):
        return "im.notify.system.add", {
            "USER_ID": write.user_id,
            "MESSAGE": write.text,
            "TAG": f"b24reglament|{write.key}"[:250],
        }
    if isinstance(write, CreateTask):
        return "tasks.task.add", {
            "fields": {
                "TITLE": write.title,
                "DESCRIPTION": write.description,
                "CREATED_BY": write.created_by,
                "RESPONSIBLE_ID": write.responsible_id,
                "GROUP_ID": write.group_id,
                "PARENT_ID": write.origin_task_id,
            },
            **extra,
        }
    raise TypeError(f"not a portal write: {write!r}")


def _time_query(task_id: int, after_id: int) -> dict[str, Any]:
    """task.elapseditem.getlist is positional: TASKID, ORDER, FILTER, SELECT, PARAMS."""
    return {
        "TASKID": task_id,
        "ORDER": {"ID": "asc"},
        "FILTER": {">ID": after_id},
        "SELECT": ["*"],
        "PARAMS": {"NAV_PARAMS": {"nPageSize": 50, "iNumPage": 1}},
    }


def _time_rows(result: Any) -> list[TimeEntry]:
    return [time_entry(r) for r in (result or []) if isinstance(r, dict)]


def _task_from(batch: BatchResult) -> dict[str, Any] | None:
    if "task" in batch.errors:
        err = batch.errors["task"]
        if err.code in NOT_FOUND_CODES:
            return None
        raise err
    result = batch.results.get("task")
    task = result.get("task") if isinstance(result, dict) else None
    return task if isinstance(task, dict) else None


def _users_from(batch: BatchResult, *keys: str) -> dict[UserId, UserFacts]:
    users: dict[UserId, UserFacts] = {}
    for key in keys:
        for raw in batch.results.get(key) or []:
            user = user_facts(raw)
            if user:
                users[user.user_id] = user
    return users


def _comment_facts(task_id: TaskId, raw: Mapping[str, Any]) -> CommentFacts:
    return CommentFacts(
        comment_id=int(raw.get("ID") or 0),
        task_id=task_id,
        author_id=UserId(int(raw.get("AUTHOR_ID") or 0)),
        text=str(raw.get("POST_MESSAGE") or ""),
        posted_at=_dt(raw.get("POST_DATE")) or EPOCH,
        attached_files=len(raw.get("ATTACHED_OBJECTS") or {}),
    )


def _message_facts(task_id: TaskId, raw: Mapping[str, Any]) -> CommentFacts:
    return CommentFacts(
        comment_id=int(raw.get("id") or 0),
        task_id=task_id,
        author_id=UserId(int(raw.get("author_id") or 0)),
        text=str(raw.get("text") or ""),
        posted_at=_dt(raw.get("date")) or EPOCH,
        is_chat_message=True,
        attached_files=len((raw.get("params") or {}).get("FILE_ID") or []),
    )


def _find_message(result: Any, message_id: int) -> Mapping[str, Any] | None:
    messages = result.get("messages") if isinstance(result, dict) else None
    for message in messages or []:
        if isinstance(message, dict) and int(message.get("id") or 0) == message_id:
            return message
    return None


def task_facts(raw: Mapping[str, Any]) -> TaskFacts:
    """tasks.task.* camelCase output → TaskFacts."""
    estimate = int(raw.get("timeEstimate") or 0)
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
        created_at=_dt(raw.get("createdDate")) or EPOCH,
        group_id=int(raw.get("groupId") or 0),
        priority=int(raw.get("priority") or 1),
        status=int(raw.get("status") or 2),
        stage_id=int(raw.get("stageId") or 0),
        crm_bindings=tuple(str(b) for b in raw.get("ufCrmTask") or [] if b),
        attached_files=len(raw.get("ufTaskWebdavFiles") or []),
        time_estimate_minutes=-(-estimate // 60) if estimate else None,
        time_spent_minutes=int(raw.get("timeSpentInLogs") or 0) // 60,
        tags=tag_titles,
        deadline=_dt(raw.get("deadline")),
        chat_id=int(raw["chatId"]) if raw.get("chatId") else None,
        changed_at=_dt(raw.get("changedDate")),
    )


def user_facts(raw: Any) -> UserFacts | None:
    """user.get item → UserFacts (extranet: USER_TYPE, or no department)."""
    if not isinstance(raw, dict) or not raw.get("ID"):
        return None
    departments = tuple(int(d) for d in raw.get("UF_DEPARTMENT") or [] if str(d).isdigit())
    user_type = str(raw.get("USER_TYPE") or "")
    name = " ".join(p for p in (raw.get("NAME"), raw.get("LAST_NAME")) if p) or f"#{raw['ID']}"
    return UserFacts(
        user_id=UserId(int(raw["ID"])),
        name=name,
        is_extranet=user_type == "extranet" or (user_type != "employee" and not departments),
        departments=departments,
    )


def time_entry(raw: Mapping[str, Any]) -> TimeEntry:
    return TimeEntry(
        entry_id=int(raw["ID"]),
        task_id=TaskId(int(raw.get("TASK_ID") or 0)),
        user_id=UserId(int(raw.get("USER_ID") or 0)),
        seconds=int(raw.get("SECONDS") or 0),
        created_at=_dt(raw.get("CREATED_DATE")) or EPOCH,
        comment=str(raw.get("COMMENT_TEXT") or ""),
    )


def _dt(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.astimezone()


class OfflineBatch:
    """Records reserved by `event.offline.get` (clear=0) under one process_id."""

    def __init__(self, process_id: str, events: list[dict[str, Any]]) -> None:
        self.process_id = process_id
        self.events = events


def fetch_offline(client: BitrixClient, auth_connector: str, process_id: str = "") -> OfflineBatch:
    """event.offline.get with clear=0: records stay reserved until event.offline.clear."""
    params: dict[str, Any] = {"clear": 0, "limit": 50}
    if auth_connector:
        params["auth_connector"] = auth_connector
    if process_id:
        params["process_id"] = process_id
    result = client.call("event.offline.get", params) or {}
    events = [e for e in result.get("events") or [] if isinstance(e, dict)]
    return OfflineBatch(str(result.get("process_id") or ""), events)


def clear_offline(client: BitrixClient, process_id: str, auth_connector: str) -> None:
    params: dict[str, Any] = {"process_id": process_id}
    if auth_connector:
        params["auth_connector"] = auth_connector
    client.call("event.offline.clear", params)
