"""All portal data in one place, with id counters and JSON persistence."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from b24sandbox.model import (
    AccessToken,
    Binding,
    Chat,
    Comment,
    Department,
    Elapsed,
    Group,
    Install,
    Message,
    Notification,
    OfflineRecord,
    Placement,
    RefreshToken,
    Task,
    User,
)

T = TypeVar("T")

# docs: api-reference/common/system/feature-get.md — the two documented feature codes. Both on by
# default, as on a Professional plan (docs: api-reference/events/offline-events.md).
DEFAULT_FEATURES = {"rest_offline_extended": True, "rest_auth_connector": True}
# The scopes the admin ticks in the local-app form / the incoming-webhook form (README).
DEFAULT_APP_SCOPES = ("task", "user_basic", "department", "sonet_group", "im", "placement")
DEFAULT_WEBHOOK_SCOPES = ("task", "user_basic", "im")

# table name -> entity class; each table is a dict keyed by the entity's id (or token string)
TABLES: dict[str, type[Any]] = {
    "departments": Department,
    "users": User,
    "groups": Group,
    "tasks": Task,
    "comments": Comment,
    "chats": Chat,
    "messages": Message,
    "elapsed": Elapsed,
    "notifications": Notification,
    "bindings": Binding,
    "offline": OfflineRecord,
    "placements": Placement,
}


@dataclass
class PortalState:
    member_id: str = field(default_factory=lambda: secrets.token_hex(16))
    client_id: str = field(
        default_factory=lambda: f"local.{secrets.token_hex(7)}.{secrets.token_hex(4)}"
    )
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    app_id: int = 7
    webhook_secrets: dict[int, str] = field(default_factory=dict)
    webhook_scopes: dict[int, list[str]] = field(default_factory=dict)
    app_scopes: list[str] = field(default_factory=lambda: list(DEFAULT_APP_SCOPES))
    features: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_FEATURES))
    clock_offset: float = 0.0
    counters: dict[str, int] = field(default_factory=dict)
    departments: dict[int, Department] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    elapsed: dict[int, Elapsed] = field(default_factory=dict)
    notifications: dict[int, Notification] = field(default_factory=dict)
    bindings: dict[int, Binding] = field(default_factory=dict)
    offline: dict[int, OfflineRecord] = field(default_factory=dict)
    placements: dict[int, Placement] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    install: Install = field(default_factory=Install)

    def next_id(self, table: str, start: int = 1) -> int:
        value = max(self.counters.get(table, start - 1) + 1, start)
        self.counters[table] = value
        return value

    def webhook_secret(self, user_id: int) -> str:
        if user_id not in self.webhook_secrets:
            self.webhook_secrets[user_id] = secrets.token_hex(8)
        return self.webhook_secrets[user_id]

    def hook_scopes(self, user_id: int) -> list[str]:
        return list(self.webhook_scopes.get(user_id, DEFAULT_WEBHOOK_SCOPES))

    def feature(self, code: str) -> bool:
        """Unknown codes are off (core: Feature::isFeatureEnabled of an unknown code)."""
        return bool(self.features.get(code, False))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["webhook_secrets"] = {str(k): v for k, v in self.webhook_secrets.items()}
        data["webhook_scopes"] = {str(k): v for k, v in self.webhook_scopes.items()}
        for table in TABLES:
            data[table] = list(data[table].values())
        data["access_tokens"] = list(data["access_tokens"].values())
        data["refresh_tokens"] = list(data["refresh_tokens"].values())
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PortalState:
        state = cls()
        for name in ("member_id", "client_id", "client_secret", "app_id", "clock_offset"):
            setattr(state, name, data[name])
        state.counters = dict(data["counters"])
        state.webhook_secrets = {int(k): v for k, v in data["webhook_secrets"].items()}
        scopes = data.get("webhook_scopes") or {}
        state.webhook_scopes = {int(k): list(v) for k, v in scopes.items()}
        state.app_scopes = list(data.get("app_scopes") or DEFAULT_APP_SCOPES)
        state.features = {**DEFAULT_FEATURES, **(data.get("features") or {})}
        for table, entity in TABLES.items():
            rows = [_build(entity, row) for row in data[table]]
            setattr(state, table, {row.id: row for row in rows})
        state.access_tokens = {r["token"]: _build(AccessToken, r) for r in data["access_tokens"]}
        state.refresh_tokens = {r["token"]: _build(RefreshToken, r) for r in data["refresh_tokens"]}
        state.install = _build(Install, data["install"])
        return state

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PortalState:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def _build(entity: type[T], row: dict[str, Any]) -> T:
    names = {f.name for f in fields(entity)}  # type: ignore[arg-type]
    return entity(**{k: v for k, v in row.items() if k in names})
