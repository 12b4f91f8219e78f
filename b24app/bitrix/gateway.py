"""The portal as handlers and the applier see it: the reads a handler needs, in as few requests
as the data allows, and the writes effects ask for (b24app.bitrix.writes)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from b24app.bitrix.chat import CHAT_PAGE, chat_history, find_message, pick
from b24app.bitrix.client import BatchResult, BitrixClient
from b24app.bitrix.errors import NOT_FOUND_CODES, BitrixError, ChatAccessError
from b24app.bitrix.mapping import (
    TASK_SELECT,
    chat_messages,
    comment_facts,
    listed_name,
    message_facts,
    task_facts,
    text_digest,
    time_entry,
    user_facts,
)
from b24app.bitrix.writes import write_all
from handlers.context import CommentSnapshot, TaskSnapshot
from handlers.effects import PortalWrite
from rules.regulation import CalendarConfig
from rules.types import CommentFacts, TaskFacts, TaskId, TimeEntry, UserFacts, UserId

log = logging.getLogger(__name__)

DEFAULT_ZONE = ZoneInfo(CalendarConfig().timezone)
TIME_PAGE = 50  # task.elapseditem.getlist answers at most 50 rows
TASKS_PER_READ = 16  # a task read is 3 commands (task, creator, responsible); a batch holds 50


class PortalGateway:
    """PortalReader for handlers, plus the writes of the effect applier."""

    def __init__(
        self,
        client: BitrixClient,
        app_user_id: int,
        *,
        connector: str = "",
        notify_client_id: str = "",
        tz: tzinfo = DEFAULT_ZONE,
    ) -> None:
        self.client = client
        self._app_user_id = UserId(app_user_id)
        # the top-level auth_connector of writes, so the app's own changes stay out of its
        # offline queue ('' when the plan has no rest_auth_connector)
        self.connector = connector
        # im.notify.system.add over a webhook needs CLIENT_ID beside TAG (docs
        # api-reference/chats/notifications/im-notify-system-add.md)
        self.notify_client_id = notify_client_id
        self.tz = tz  # the portal's zone (the calendar's): dates without an offset are in it
        # per effect key of the last write(): the portal's clock when the batch request that
        # carried it finished (a key left out: not known)
        self.last_write_finished: dict[str, float] = {}
        # the answers of the last write(), filled request by request (kept when one raises)
        self.last_write_answers: dict[str, Any] = {}
        self._prefetched: dict[TaskId, TaskSnapshot | None] = {}

    @property
    def app_user_id(self) -> UserId:
        return self._app_user_id

    # -- tasks and comments --------------------------------------------------------------------
    def prefetch_tasks(self, task_ids: Sequence[TaskId]) -> None:
        """Read several tasks (+ creator + responsible) in as few batch requests as fit: the next
        load_task of each (without time entries) is answered from here, once. The worker reads
        the tasks of the events it claimed together this way."""
        ids = list(dict.fromkeys(task_ids))
        for start in range(0, len(ids), TASKS_PER_READ):
            chunk = ids[start : start + TASKS_PER_READ]
            commands: dict[str, tuple[str, dict[str, Any]]] = {}
            for task_id in chunk:
                commands.update(_task_commands(task_id, f"{task_id}"))
            batch = self.client.batch(commands)
            for task_id in chunk:
                try:
                    self._prefetched[task_id] = self._snapshot(batch, task_id, f"{task_id}", False)
                except BitrixError:
                    continue  # left to load_task, which reads it again and raises there

    def load_task(self, task_id: TaskId, *, with_time_entries: bool = False) -> TaskSnapshot | None:
        """Task + creator + responsible (+ time entries when asked) in one request."""
        if not with_time_entries and task_id in self._prefetched:
            return self._prefetched.pop(task_id)
        commands = _task_commands(task_id, "")
        if with_time_entries:
            commands["time"] = ("task.elapseditem.getlist", _time_query(task_id, 0))
        return self._snapshot(self.client.batch(commands), task_id, "", with_time_entries)

    def _snapshot(
        self, batch: BatchResult, task_id: TaskId, suffix: str, with_time_entries: bool
    ) -> TaskSnapshot | None:
        raw = _task_from(batch, "task" + suffix)
        if raw is None:
            return None
        entries = None
        if with_time_entries:
            if "time" in batch.errors:
                raise batch.errors["time"]
            entries = self._more_time_entries(task_id, self._time_rows(batch.results.get("time")))
        users = _users_from(batch, "creator" + suffix, "responsible" + suffix)
        return TaskSnapshot(task=task_facts(raw, self.tz), users=users, time_entries=entries)

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
        comment = comment_facts(task_id, {"ID": comment_id, **raw_comment}, self.tz)
        users = _users_from(batch, "author", "creator")
        return CommentSnapshot(comment=comment, task=task_facts(raw_task, self.tz), users=users)

    def _load_chat_message(self, task_id: TaskId, message_id: int) -> CommentSnapshot | None:
        """The task and the newest page of its chat in one request; the message is looked for
        there first, then page by page (b24app.bitrix.chat.find_message)."""
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
        task = task_facts(raw_task, self.tz)
        page = chat_messages(batch.results.get("messages"))
        message = pick(page, message_id) or find_message(
            self.client, task.chat_id, message_id, page
        )
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
        comment = message_facts(task_id, message, self.tz)
        return CommentSnapshot(comment=comment, task=task, users=users)

    def load_comments(self, task: TaskFacts) -> list[CommentFacts]:
        """Every comment of a task, oldest first (replay): the classic list or the task chat."""
        if task.chat_id:
            history = chat_history(self.client, task.chat_id)
            return [message_facts(task.task_id, m, self.tz) for m in history]
        rows = self.client.call(
            "task.commentitem.getlist", {"TASKID": task.task_id, "ORDER": {"ID": "asc"}}
        )
        return [comment_facts(task.task_id, r, self.tz) for r in rows or [] if isinstance(r, dict)]

    def load_users(self, user_ids: Iterable[int]) -> dict[UserId, UserFacts]:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        answer = self.client.call("user.get", {"FILTER": {"ID": ids}})
        return {u.user_id: u for u in (user_facts(r) for r in answer or []) if u}

    def listed_names(self, user_ids: Iterable[int]) -> dict[UserId, str]:
        """id → «Фамилия Имя» for up to 50 users (one user.get page), as search_users lists them."""
        ids = sorted(set(user_ids))[:50]
        if not ids:
            return {}
        answer = self.client.call("user.get", {"FILTER": {"ID": ids}})
        found = (listed_name(row) for row in answer or [])
        return dict(item for item in found if item is not None)

    def search_users(self, text: str, limit: int = 20) -> list[tuple[UserId, str]]:
        """Users whose first or last name (job title, department) starts with the words typed:
        user.search FILTER[FIND] (docs: api-reference/user/user-search.md), first page only."""
        answer = self.client.call("user.search", {"FILTER": {"FIND": text}})
        found = (listed_name(row) for row in answer or [])
        return [item for item in found if item is not None][:limit]

    # -- time entries --------------------------------------------------------------------------
    def load_time_entries(self, task_id: TaskId) -> tuple[TimeEntry, ...]:
        """All time entries of a task (task.elapseditem.getlist, 50 per page, ID cursor)."""
        first = self.client.call("task.elapseditem.getlist", _time_query(task_id, 0))
        return self._more_time_entries(task_id, self._time_rows(first))

    def _more_time_entries(self, task_id: TaskId, rows: list[TimeEntry]) -> tuple[TimeEntry, ...]:
        entries = list(rows)
        while len(rows) == TIME_PAGE:
            page = self.client.call(
                "task.elapseditem.getlist", _time_query(task_id, entries[-1].entry_id)
            )
            rows = self._time_rows(page)
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
                pages[task_id] = self._time_rows(batch.results.get(key))
        return pages, errors

    def _time_rows(self, result: Any) -> list[TimeEntry]:
        return [time_entry(r, self.tz) for r in (result or []) if isinstance(r, dict)]

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

    # -- sweeps and recovery -------------------------------------------------------------------
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
        for raw in chat_messages(batch.results.get("messages")):
            if int(raw.get("author_id") or 0) == self.app_user_id:
                found[text_digest(str(raw.get("text") or ""))] = int(raw.get("id") or 0)
        return found

    # -- writes --------------------------------------------------------------------------------
    def write(self, writes: Sequence[PortalWrite]) -> dict[str, Any]:
        """Perform writes in batch requests; returns {effect key: result or BitrixError}."""
        finished: dict[str, float] = {}
        answers: dict[str, Any] = {}
        self.last_write_finished, self.last_write_answers = finished, answers
        if not writes:
            return {}
        write_all(
            self.client,
            writes,
            connector=self.connector,
            notify_client_id=self.notify_client_id,
            finished=finished,
            outcome=answers,
        )
        return answers


def _time_query(task_id: int, after_id: int) -> dict[str, Any]:
    """task.elapseditem.getlist is positional: TASKID, ORDER, FILTER, SELECT, PARAMS."""
    return {
        "TASKID": task_id,
        "ORDER": {"ID": "asc"},
        "FILTER": {">ID": after_id},
        "SELECT": ["*"],
        "PARAMS": {"NAV_PARAMS": {"nPageSize": TIME_PAGE, "iNumPage": 1}},
    }


def _task_commands(task_id: TaskId, suffix: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """The task and its creator and responsible (chained with $result), keys ending in suffix."""
    task = "task" + suffix
    return {
        task: ("tasks.task.get", {"taskId": task_id, "select": TASK_SELECT}),
        "creator" + suffix: ("user.get", {"FILTER": {"ID": f"$result[{task}][task][createdBy]"}}),
        "responsible" + suffix: (
            "user.get",
            {"FILTER": {"ID": f"$result[{task}][task][responsibleId]"}},
        ),
    }


def _task_from(batch: BatchResult, key: str = "task") -> dict[str, Any] | None:
    if key in batch.errors:
        err = batch.errors[key]
        if err.code in NOT_FOUND_CODES:
            return None
        raise err
    result = batch.results.get(key)
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
