"""A table of REST methods: name → handler, and the scopes that grant each.

Each family module fills its own table (`methods = MethodTable()`, `@methods.add(...)`);
b24sandbox.methods.registry composes them into the one the portal serves, explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from b24sandbox.context import CallContext
from b24sandbox.errors import RestError

Handler = Callable[[CallContext, Any], Any]


@dataclass
class MethodTable:
    """Methods absent from `scopes` are in the global `basic` scope (core: each module's
    onRestServiceBuildDescription; e.g. modules/rest/lib/api/user.php puts user.current/user.get
    in user, user_basic and user_brief, user.admin in the global scope)."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, *tables: MethodTable) -> MethodTable:
        """One table holding every method of `tables`."""
        joined = cls()
        for table in tables:
            joined.handlers.update(table.handlers)
            joined.scopes.update(table.scopes)
        return joined

    def add(
        self, *names: str, scope: tuple[str, ...] | str | None = None
    ) -> Callable[[Handler], Handler]:
        """Decorator: serve the function under each of `names`, granted by `scope`."""

        def register(func: Handler) -> Handler:
            for name in names:
                self.handlers[name.lower()] = func
                if scope:
                    self.scopes[name.lower()] = (scope,) if isinstance(scope, str) else scope
            return func

        return register

    def check_scope(self, ctx: CallContext, name: str) -> None:
        """docs: _includes/system-errors.md — a method outside the token's scopes → 403
        `insufficient_scope` (core: CRestServerBatchItem::checkAuth does the same per sub-call)."""
        wanted = self.scopes.get(name)
        if wanted and not ctx.has_scope(*wanted):
            token = "access token" if ctx.is_app else "webhook token"
            raise RestError(
                403,
                "insufficient_scope",
                f"The request requires higher privileges than provided by the {token}",
            )
