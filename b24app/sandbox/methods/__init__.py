"""REST method registry: each family module registers its handlers here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from b24app.sandbox.core import PortalCore
from b24app.sandbox.errors import RestError, missing


@dataclass
class CallContext:
    core: PortalCore
    user_id: int
    auth_kind: str  # "oauth" | "webhook"
    token: str | None = None
    connector: str = ""

    @property
    def is_app(self) -> bool:
        return self.auth_kind == "oauth"


@dataclass
class ListResult:
    """A list answer: Bitrix adds `total` and `next` next to `result` (§10)."""

    result: Any
    total: int | None = None
    next: int | None = None


Handler = Callable[[CallContext, Any], Any]
REGISTRY: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        for name in names:
            REGISTRY[name.lower()] = func
        return func

    return register


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


def load_all() -> None:
    """Import every family module so that its @method registrations run."""
    from b24app.sandbox.methods import (  # noqa: F401
        app,
        comments,
        elapsed,
        events,
        im,
        tasks,
        users,
    )
