"""The portal core: state, clock, lock, tokens and event bus shared by every module."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from b24sandbox.clock import Clock
from b24sandbox.delivery import Deliverer
from b24sandbox.events import EventBus
from b24sandbox.model import Chat, Group, Task, User
from b24sandbox.oauth import Tokens
from b24sandbox.ratelimit import OperatingMeter
from b24sandbox.state import PortalState


@dataclass
class Options:
    # Simplification, off by default: put the installing user into every task chat. Bitrix does
    # not do this (task chat members are the task's members); kept only for old tests.
    add_app_to_chats: bool = False
    # §3.3/§6: whether a time entry fires ONTASKUPDATE is unconfirmed; default: no event.
    time_entry_fires_update: bool = False


class PortalCore:
    def __init__(
        self,
        state: PortalState,
        clock: Clock,
        tokens: Tokens,
        bus: EventBus,
        deliverer: Deliverer,
        state_file: Path | None,
    ) -> None:
        self.state = state
        self.clock = clock
        self.tokens = tokens
        self.bus = bus
        self.deliverer = deliverer
        self.state_file = state_file
        self.lock = threading.RLock()
        self.options = Options()
        self.meter = OperatingMeter(clock)

    def now(self) -> float:
        return self.clock.now()

    def save(self) -> None:
        if self.state_file is not None:
            with self.lock:
                self.state.clock_offset = self.clock.offset
                self.state.save(self.state_file)

    def user(self, user_id: int) -> User | None:
        return self.state.users.get(user_id)

    def is_admin(self, user_id: int) -> bool:
        user = self.state.users.get(user_id)
        return bool(user and user.admin)

    def participants(self, task: Task) -> set[int]:
        return {task.created_by, task.responsible_id, *task.accomplices, *task.auditors}

    def can_view(self, user_id: int, task: Task) -> bool:
        """Task read rights. core (tasks module, avshatalov48/bitrix24-core-corp):
        modules/tasks/lib/access/rule/taskreadrule.php (TaskReadRule::execute) — an admin
        (modules/main/lib/access/user/usermodel.php UserModel::isAdmin: member of group 1, as
        portal administrators are), a task member, or a group member with the group's
        `view_all` tasks permission (on for members by default). Department/subordinate rights
        are not modelled."""
        if self.is_admin(user_id) or user_id in self.participants(task):
            return True
        group = self.state.groups.get(task.group_id)
        return bool(group and user_id in group.members)

    def can_read_chat(self, user_id: int, chat: Chat) -> bool:
        """A task chat (TASKS_TASK) is readable by whoever can READ THE TASK, member or not
        (core: im/lib/V2/Chat/ExternalChat.php checkAccessInternal → the tasks handler
        Integration/Im/Chat::onFilterUsersByAccess → filterUsersWithAccess; chat.md §3.4);
        any other chat by its members."""
        if chat.task_id:
            task = self.state.tasks.get(chat.task_id)
            return task is not None and self.can_view(user_id, task)
        return user_id in chat.members

    def can_edit(self, user_id: int, task: Task) -> bool:
        return self.is_admin(user_id) or user_id in (task.created_by, task.responsible_id)

    def group(self, group_id: int) -> Group | None:
        return self.state.groups.get(group_id)
