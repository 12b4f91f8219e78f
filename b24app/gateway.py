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
from handlers.effects import (
    AddComment,
    CreateTask,
    Notify,
    PortalWrite,
    TaskAction,
    UpdateTask,
    WatchTask,
)
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
    "ACCOMPLICES",
    "AUDITORS",
]
EPOCH = datetime.fromtimestamp(0, UTC)
NOT_FOUND_CODES = frozenset({"ERROR_CORE", "1048582", "0", "ERROR_NOT_FOUND", "NOT_FOUND"})


class ChatAccessError(BitrixError):
    """The app's user cannot read a task chat, or cannot find a message in it. Access to a task
    chat follows the task's read rights (core: the tasks module's chat access check; see
    docs/SANDBOX.md); the app makes its user an auditor of client tasks to have them."""


MAX_CHAT_PAGES = 20  # 1 000 messages around the one looked for
CHAT_PAGE = 50  # docs im-dialog-messages-get.md: LIMIT ≤ 50


class PortalGateway:
    """PortalReader for handlers, plus the writes of the effect applier."""

    def __init__(
        self,
        client: BitrixClient,
        app_user_id: int,
        *,
        connector: str = "",
        notify_client_id: str = "",
    ) -> None:
        self.client = client
        self._app_user_id = UserId(app_user_id)
        # the top-level auth_connector of writes, so the app's own changes stay out of its
        # offline queue ('' when the plan has no rest_auth_connector)
        self.connector = connector
        # im.notify.system.add over a webhook needs CLIENT_ID beside TAG (docs
        # api-reference/chats/notifications/im-notify-system-add.md)
        self.notify_client_id = notify_client_id

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
        """The task and the newest page of its chat in one request; the message is looked for
        there first, then page by page (see _find_in_chat)."""
        batch = self.client.batch(
            {
                "task": ("tasks.task.get", {"taskId": task_id, "select": TASK_SELECT}),
                "messages": (
                    "im.dialog.messages.get",
                    {"DIALOG_ID": "chat$result[task][task][chatId]", "LIMIT": CHAT_PAGE},
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
        task = task_facts(raw_task)
        page = _messages(batch.results.get("messages"))
        message = _pick(page, message_id) or self._find_in_chat(task, message_id, page)
        if message is None:
            raise ChatAccessError(
                "MESSAGE_NOT_FOUND",
                f"message {message_id} is not readable in the chat of task {task_id}",
                method="im.dialog.messages.get",
            )
        author_id = UserId(int(message.get("author_id") or 0))
        users = _users_from(batch, "creator")
        if author_id and author_id not in users:
            users.update(self.load_users([author_id]))
        return CommentSnapshot(comment=_message_facts(task_id, message), task=task, users=users)

    def _find_in_chat(
        self, task: TaskFacts, message_id: int, page: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Find one message of a task chat. Message ids are portal-wide, so a neighbour id
        (`FIRST_ID = id - 1`) is usually another chat's: the docs answer an id that is not in
        the chat with an empty array (docs: api-reference/chats/messages/
        im-dialog-messages-get.md), and a FIRST_ID read has no order in the core (core:
        modules/im/lib/chat.php Chat::getMessages). So paging starts only from ids this chat
        returned: back with LAST_ID (`ID < N`, newest first) while the message is older than
        the page, forward with FIRST_ID (`ID > N`, sorted here) while it is newer."""
        dialog = f"chat{task.chat_id}"
        for _ in range(MAX_CHAT_PAGES):
            ids = [int(m.get("id") or 0) for m in page]
            if not ids:
                return None
            if min(ids) > message_id:
                bound = {"LAST_ID": min(ids)}
            elif max(ids) < message_id:
                bound = {"FIRST_ID": max(ids)}
            else:
                return None  # inside the range read, and not there: deleted or hidden
            answer = self.client.call(
                "im.dialog.messages.get", {"DIALOG_ID": dialog, "LIMIT": CHAT_PAGE, **bound}
            )
            page = _messages(answer)
            found = _pick(page, message_id)
            if found is not None:
                return found
        return None

    def load_comments(self, task: TaskFacts) -> list[CommentFacts]:
        """Every comment of a task, oldest first (replay): the classic list or the task chat,
        paged back from the newest with LAST_ID until the chat's first message."""
        if task.chat_id:
            messages: list[dict[str, Any]] = []
            params: dict[str, Any] = {"DIALOG_ID": f"chat{task.chat_id}", "LIMIT": CHAT_PAGE}
            while True:
                page = _messages(self.client.call("im.dialog.messages.get", params))
                messages.extend(page)
                if len(page) < CHAT_PAGE:
                    break
                params = {**params, "LAST_ID": min(int(m.get("id") or 0) for m in page)}
            unique = {int(m.get("id") or 0): m for m in messages}
            return [_message_facts(task.task_id, unique[i]) for i in sorted(unique)]
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
    def write(self, writes: Sequence[PortalWrite]) -> dict[str, Any]:
        """Perform writes in one batch request; returns {effect key: result or BitrixError}.

        The batch carries the app's auth_connector at its top level, so the changes it makes
        are not queued for the app's own offline handlers (core: modules/rest/lib/event/
        provideroffline.php ProviderOffline::finalize skips a change whose request came from
        the same app with the handler's connector)."""
        if not writes:
            return {}
        commands = {w.key: write_command(w, self.notify_client_id) for w in writes}
        outcome: dict[str, Any] = {}
        keys = list(commands)
        for start in range(0, len(keys), 50):
            chunk = {k: commands[k] for k in keys[start : start + 50]}
            batch: BatchResult = self.client.batch(
                chunk, connector=self.connector, send_without_connector=True
            )
            for key in chunk:
                outcome[key] = batch.errors.get(key, batch.results.get(key))
        return outcome


def write_command(write: PortalWrite, notify_client_id: str = "") -> tuple[str, dict[str, Any]]:
    """The REST call for one write effect."""
    if isinstance(write, AddComment):
        return "task.commentitem.add", {
            "TASKID": write.task_id,
            "FIELDS": {"POST_MESSAGE": write.text},
        }
    if isinstance(write, UpdateTask):
        fields: dict[str, Any] = {}
        if write.time_estimate_minutes is not None:
            fields["TIME_ESTIMATE"] = write.time_estimate_minutes * 60
            # the regulation bills logged time (п. 3.1) and the task timer works only with time
            # tracking on (core: the tasks module's TaskTimeTrackingRule; docs list the field
            # as "allowed to track time"), so the estimate comes with it
            fields["ALLOW_TIME_TRACKING"] = "Y"
        if write.deadline is not None:
            fields["DEADLINE"] = write.deadline.isoformat()
        return "tasks.task.update", {"taskId": write.task_id, "fields": fields}
    if isinstance(write, TaskAction):
        return f"tasks.task.{write.action}", {"taskId": write.task_id}
    if isinstance(write, WatchTask):
        # docs: api-reference/tasks/user-actions/tasks-task-start-watch.md (any user who can
        # read the task; adds the caller as an auditor, so the task chat's member)
        return "tasks.task.startwatch", {"taskId": write.task_id}
    if isinstance(write, Notify):
        notice = {"USER_ID": write.user_id, "MESSAGE": write.text}
        notice["TAG"] = f"b24reglament|{write.key}"[:250]
        if notify_client_id:
            notice["CLIENT_ID"] = notify_client_id
        return "im.notify.system.add", notice
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


def _messages(result: Any) -> list[dict[str, Any]]:
    messages = result.get("messages") if isinstance(result, dict) else None
    return [m for m in messages or [] if isinstance(m, dict)]


def _pick(messages: list[dict[str, Any]], message_id: int) -> dict[str, Any] | None:
    return next((m for m in messages if int(m.get("id") or 0) == message_id), None)


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
        member_ids=_members(raw),
    )


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
