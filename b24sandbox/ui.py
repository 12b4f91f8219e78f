"""Seed/"UI" actions: what a person does in the portal, with the events a portal would send."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from b24sandbox import commentops, taskops
from b24sandbox.clock import iso, parse_date
from b24sandbox.core import PortalCore
from b24sandbox.errors import RestError
from b24sandbox.model import Chat, Department, Group, User

When = datetime | float | str | None


def _ts(value: When) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    return parse_date(value)


def _date_in(value: Any) -> Any:
    return iso(value.timestamp()) if isinstance(value, datetime) else value


class UiActions:
    """Mixed into SandboxPortal; every method acts as a portal user under the core lock."""

    core: PortalCore

    def add_department(self, name: str, parent: int | None = None) -> int:
        with self.core.lock:
            dep = Department(self.core.state.next_id("departments"), name, parent)
            self.core.state.departments[dep.id] = dep
            self.core.save()
            return dep.id

    def add_user(
        self,
        name: str,
        last_name: str = "",
        *,
        extranet: bool = False,
        departments: Iterable[int] = (),
        admin: bool = False,
        email: str = "",
        work_position: str = "",
    ) -> int:
        """§7: employees have ≥ 1 department (default: 1); extranet users have none."""
        with self.core.lock:
            state = self.core.state
            deps = [] if extranet else (list(departments) or [1])
            user = User(
                state.next_id("users"),
                name,
                last_name,
                email,
                extranet,
                admin,
                True,
                deps,
                work_position,
                self.core.now(),
            )
            state.users[user.id] = user
            self.core.bus.emit(
                "ONUSERADD", {"ID": str(user.id)}, 1, connector=None, key=f"user:{user.id}"
            )
            self.core.save()
            return user.id

    def add_group(
        self,
        name: str,
        members: Iterable[int] = (),
        *,
        owner_id: int = 1,
        visible: bool = False,
    ) -> int:
        with self.core.lock:
            state = self.core.state
            people = list(dict.fromkeys([owner_id, *members]))
            extranet = any(state.users[m].extranet for m in people if m in state.users)
            group = Group(
                state.next_id("groups"), name, owner_id, people, extranet, self.core.now(), visible
            )
            state.groups[group.id] = group
            self.core.save()
            return group.id

    def create_task(
        self,
        as_user: int,
        title: str,
        description: str = "",
        *,
        responsible_id: int,
        group_id: int = 0,
        priority: int = 1,
        crm: Iterable[str] = (),
        files: int = 0,
        tags: Iterable[str] = (),
        task_control: bool = True,
        chat_card: bool = False,
        created_date: When = None,
        deadline: When = None,
        time_estimate: int = 0,
        accomplices: Iterable[int] = (),
        auditors: Iterable[int] = (),
        allow_time_tracking: bool = False,
    ) -> int:
        fields: dict[str, Any] = {
            "TITLE": title,
            "DESCRIPTION": description,
            "RESPONSIBLE_ID": responsible_id,
            "GROUP_ID": group_id,
            "PRIORITY": priority,
            "UF_CRM_TASK": list(crm),
            "UF_TASK_WEBDAV_FILES": [f"n{1000 + i}" for i in range(1, files + 1)],
            "TAGS": list(tags),
            "TASK_CONTROL": "Y" if task_control else "N",
            "TIME_ESTIMATE": time_estimate,
            "ACCOMPLICES": list(accomplices),
            "AUDITORS": list(auditors),
            "ALLOW_TIME_TRACKING": "Y" if allow_time_tracking else "N",
        }
        if created_date is not None:
            fields["CREATED_DATE"] = _ts(created_date)
        if deadline is not None:
            fields["DEADLINE"] = _ts(deadline)
        with self.core.lock:
            task = taskops.create_task(self.core, as_user, fields, chat_card=chat_card)
            self.core.save()
            return task.id

    def update_task(self, as_user: int, task_id: int, **fields: Any) -> None:
        """Fields by UPPER or snake name: `update_task(1, 5, deadline=dt, title="x")`."""
        upper = {k.upper(): _date_in(v) for k, v in fields.items()}
        with self.core.lock:
            task = self._task(as_user, task_id)
            taskops.update_task(self.core, as_user, task, upper)
            self.core.save()

    def delete_task(self, as_user: int, task_id: int) -> None:
        with self.core.lock:
            taskops.delete_task(self.core, as_user, self._task(as_user, task_id))
            self.core.save()

    def add_comment(
        self, as_user: int, task_id: int, text: str, *, files: Iterable[str] = ()
    ) -> int:
        """Old card → comment id; chat card → message id (§3.3)."""
        with self.core.lock:
            task = self._task(as_user, task_id)
            result = commentops.add_comment(self.core, as_user, task, text, files=list(files))
            self.core.save()
            return result

    def add_time(
        self,
        as_user: int,
        task_id: int,
        seconds: int,
        comment: str = "",
        created_date: When = None,
    ) -> int:
        with self.core.lock:
            task = self._task(as_user, task_id)
            item = commentops.add_elapsed(
                self.core, as_user, task, seconds, comment, created_date=_ts(created_date)
            )
            self.core.save()
            return item.id

    # --- chats: traffic in several chats (message ids are portal-wide) -----------------------
    def add_chat(self, as_user: int, title: str, members: Iterable[int] = ()) -> int:
        """A plain group chat (not a task's); its members see its whole history."""
        with self.core.lock:
            people = list(dict.fromkeys([as_user, *members]))
            chat = Chat(self.core.state.next_id("chats"), 0, people, title)
            chat.start_ids = {str(p): 0 for p in people}
            self.core.state.chats[chat.id] = chat
            self.core.save()
            return chat.id

    def post_message(self, as_user: int, chat_id: int, text: str) -> int:
        """`as_user` writes in a chat (a task chat fires ONTASKCOMMENTADD); → the message id,
        taken from the counter every chat and notification shares."""
        with self.core.lock:
            chat = self.core.state.chats.get(int(chat_id))
            if chat is None or not self.core.can_read_chat(as_user, chat):
                raise RestError(
                    403, "ACCESS_ERROR", "You do not have access to the specified dialog"
                )
            message = commentops.post_message(self.core, chat.id, as_user, text)
            self.core.save()
            return message.id

    def add_chat_member(self, chat_id: int, user_id: int, *, hide_history: bool = True) -> None:
        """Add a user to a chat the way im.chat.user.add does (HIDE_HISTORY default Y): with
        `hide_history` the member's START_ID is the next message id, so nothing posted before
        the join is ever returned to them (chat.md §1.3); otherwise the full history."""
        with self.core.lock:
            chat = self.core.state.chats[int(chat_id)]
            if user_id not in chat.members:
                chat.members.append(user_id)
            start = self.core.state.counters.get("messages", 0) + 1 if hide_history else 0
            chat.start_ids[str(user_id)] = start
            self.core.save()

    def chat_of_task(self, task_id: int) -> int | None:
        """The task's chat id (chat-card tasks), as tasks.task.get's `chatId`."""
        with self.core.lock:
            task = self.core.state.tasks.get(int(task_id))
            return task.chat_id if task else None

    def start_watch(self, as_user: int, task_id: int) -> None:
        """The user starts watching the task (becomes an auditor, hence a chat member)."""
        with self.core.lock:
            taskops.watch(self.core, as_user, self._task(as_user, task_id), True)
            self.core.save()

    def stop_watch(self, as_user: int, task_id: int) -> None:
        with self.core.lock:
            taskops.watch(self.core, as_user, self._task(as_user, task_id), False)
            self.core.save()

    def _action(self, as_user: int, task_id: int, action: str) -> None:
        with self.core.lock:
            taskops.do_action(self.core, as_user, task_id, action)
            self.core.save()

    def start_task(self, as_user: int, task_id: int) -> None:
        self._action(as_user, task_id, "start")

    def pause_task(self, as_user: int, task_id: int) -> None:
        self._action(as_user, task_id, "pause")

    def complete_task(self, as_user: int, task_id: int) -> None:
        self._action(as_user, task_id, "complete")

    def approve_task(self, as_user: int, task_id: int) -> None:
        self._action(as_user, task_id, "approve")

    def disapprove_task(self, as_user: int, task_id: int) -> None:
        self._action(as_user, task_id, "disapprove")

    def defer_task(self, as_user: int, task_id: int) -> None:
        self._action(as_user, task_id, "defer")

    def renew_task(self, as_user: int, task_id: int) -> None:
        self._action(as_user, task_id, "renew")

    def _task(self, as_user: int, task_id: int) -> Any:
        task = self.core.state.tasks.get(int(task_id))
        if task is None:
            raise RestError(400, "ERROR_CORE", f"Task {task_id} not found")
        return task
