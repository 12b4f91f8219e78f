"""One authenticated request as a REST method sees it, and how methods read their parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b24sandbox.core import PortalCore
from b24sandbox.errors import RestError, missing
from b24sandbox.events import Connector, connector_id

USER_SCOPES = ("user", "user_basic", "user_brief")


@dataclass
class CallContext:
    """One authenticated request. `connector` is the request's auth_connector as the core keeps
    it in the auth data: None for a webhook (not the application), otherwise the top-level value
    sent ('' when absent). Batch sub-commands share the outer request's context."""

    core: PortalCore
    user_id: int
    auth_kind: str  # "oauth" | "webhook"
    token: str | None = None
    connector: Connector = None
    scopes: list[str] = field(default_factory=list)
    client_id: str = ""

    @property
    def is_app(self) -> bool:
        return self.auth_kind == "oauth"

    @property
    def connector_id(self) -> str:
        """core: modules/rest/lib/api/event.php — `isset($authData['auth_connector']) ? … : ''`."""
        return connector_id(self.connector)

    def has_scope(self, *wanted: str) -> bool:
        return any(s in self.scopes for s in wanted)


@dataclass
class ListResult:
    """A list answer: Bitrix adds `total` and `next` next to `result` (§10)."""

    result: Any
    total: int | None = None
    next: int | None = None


def arg(params: Any, name: str, default: Any = None) -> Any:
    """Case-insensitive parameter lookup (`taskId`, `TASKID`, `taskid`)."""
    if not isinstance(params, dict):
        return default
    if name in params:
        return params[name]
    lowered = name.lower()
    for key, value in params.items():
        if str(key).lower() == lowered:
            return value
    return default


def required(params: Any, name: str) -> Any:
    value = arg(params, name)
    if value is None or value == "":
        raise missing(name)
    return value


def as_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise RestError(400, "ERROR_CORE", f"Wrong value of parameter '{name}'") from exc


def require_app(ctx: CallContext) -> None:
    """§1.1/§3.1: event.*, placement.* need application (OAuth) auth."""
    if not ctx.is_app:
        raise RestError(
            403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method"
        )
