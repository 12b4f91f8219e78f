"""The portal core: state, clock, lock, tokens and event bus shared by every module."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from b24app.sandbox.clock import Clock
from b24app.sandbox.delivery import Deliverer
from b24app.sandbox.events import EventBus
from b24app.sandbox.model import Group, Task, User
from b24app.sandbox.oauth import Tokens
from b24app.sandbox.ratelimit import OperatingMeter
from b24app.sandbox.state import PortalState


@dataclass
class Options:
    add_app_to_chats: bool = True
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
        if self.is_admin(user_id) or user_id in self.participants(task):
            return True
        group = self.state.groups.get(task.group_id)
        return bool(group and user_id in group.members)

    def can_edit(self, user_id: int, task: Task) -> bool:
        return self.is_admin(user_id) or user_id in (task.created_by, task.responsible_id)

    def group(self, group_id: int) -> Group | None:
        return self.state.groups.get(group_id)
