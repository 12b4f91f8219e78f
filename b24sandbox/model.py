"""Entities of the sandbox portal: plain dataclasses that round-trip through JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Department:
    id: int
    name: str
    parent: int | None = None
    sort: int = 500
    head: int | None = None


@dataclass
class User:
    id: int
    name: str
    last_name: str = ""
    email: str = ""
    extranet: bool = False
    admin: bool = False
    active: bool = True
    departments: list[int] = field(default_factory=list)
    work_position: str = ""
    date_register: float = 0.0


@dataclass
class Group:
    id: int
    name: str
    owner_id: int
    members: list[int] = field(default_factory=list)
    extranet: bool = False
    date_create: float = 0.0
    visible: bool = False  # VISIBLE: shown in the list to non-members; N = a secret group


@dataclass
class Task:
    id: int
    title: str
    created_by: int
    responsible_id: int
    description: str = ""
    status: int = 2
    group_id: int = 0
    priority: int = 1
    deadline: float | None = None
    time_estimate: int = 0
    created_date: float = 0.0
    changed_date: float = 0.0
    closed_date: float | None = None
    status_changed_date: float = 0.0
    changed_by: int = 0
    status_changed_by: int = 0
    closed_by: int | None = None
    date_start: float | None = None
    stage_id: int = 0
    parent_id: int = 0
    uf_crm_task: list[str] = field(default_factory=list)
    uf_task_webdav_files: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    accomplices: list[int] = field(default_factory=list)
    auditors: list[int] = field(default_factory=list)
    chat_id: int | None = None
    task_control: bool = True
    # docs: api-reference/tasks/tasks-task-get-fields.md — ALLOW_TIME_TRACKING "default": "N"
    allow_time_tracking: bool = False
    mark: str | None = None


@dataclass
class Comment:
    """Old-card task comment (forum message)."""

    id: int
    task_id: int
    author_id: int
    post_date: float
    message: str
    files: list[str] = field(default_factory=list)


@dataclass
class Chat:
    """An im chat: a task chat (`task_id` > 0, entity TASKS_TASK) or a plain group chat.

    `start_ids` is each member's join point (b_im_relation.START_ID, keyed by str(user id) so
    it round-trips through JSON): messages below it are not returned to that member; 0 = the
    whole history (chat.md §1.3, §3.3)."""

    id: int
    task_id: int
    members: list[int] = field(default_factory=list)
    title: str = ""
    start_ids: dict[str, int] = field(default_factory=dict)

    def start_id(self, user_id: int) -> int:
        return int(self.start_ids.get(str(user_id), 0))


@dataclass
class Message:
    id: int
    chat_id: int
    author_id: int
    date: float
    text: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Elapsed:
    id: int
    task_id: int
    user_id: int
    seconds: int
    comment: str
    created_date: float
    date_start: float
    date_stop: float
    source: int = 2


@dataclass
class Notification:
    """An im notification; its id comes from the portal-wide message counter (b_im_message).

    `tag`/`sub_tag` are the caller's values as applied ('' when ignored); `tag_owner` is the
    namespace the core prefixes them with (the app's client_id, or "custom<CLIENT_ID>")."""

    id: int
    user_id: int
    from_user: int | None
    kind: str
    message: str
    tag: str = ""
    sub_tag: str = ""
    date: float = 0.0
    tag_owner: str = ""


@dataclass
class Binding:
    """b_rest_event row: EVENT_HANDLER ('' = offline), USER_ID (`auth_type`), CONNECTOR_ID."""

    id: int
    event: str
    handler: str
    auth_type: int = 0
    offline: bool = False
    auth_connector: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    last_ping: float = 0.0


@dataclass
class OfflineRecord:
    id: int
    event: str
    message_id: str
    timestamp: float
    data: dict[str, Any]
    additional: dict[str, Any]
    connector: str = ""
    process_id: str | None = None
    reserved_at: float | None = None
    error: bool = False


@dataclass
class Placement:
    id: int
    placement: str
    handler: str
    title: str = ""
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    user_id: int = 0


@dataclass
class AccessToken:
    token: str
    user_id: int
    expires: float
    refresh_token: str = ""


@dataclass
class RefreshToken:
    token: str
    user_id: int
    expires: float


@dataclass
class Install:
    """The local app as installed on the portal (one install at a time)."""

    application_token: str = ""
    installed: bool = False
    finished: bool = False
    ui: bool = False
    install_url: str = ""
    handler_url: str = ""
    installer_id: int = 1
    version: int = 1
    installed_at: float = 0.0
