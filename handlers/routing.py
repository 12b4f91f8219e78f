"""Route an event to its handler; ignoring an event is explicit and carries a reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.context import HandlerContext
from handlers.effects import Effect
from rules.types import TaskId


@dataclass(frozen=True, slots=True)
class HandlerEvent:
    """An inbox event as handlers see it: names and ids only (events carry ids, not data)."""

    name: str
    task_id: TaskId
    comment_id: int = 0
    message_id: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """A handler's answer: effects to apply, or the reason the event needs nothing."""

    effects: tuple[Effect, ...] = ()
    ignored: str = ""

    @classmethod
    def ignore(cls, reason: str) -> Outcome:
        return cls(ignored=reason)


Handler = Callable[[HandlerEvent, HandlerContext], Outcome]


class Router:
    """Event name → handler; several routers compose into one."""

    def __init__(self, *routers: Router) -> None:
        self.handlers: dict[str, Handler] = {}
        for router in routers:
            self.handlers.update(router.handlers)

    def register(self, *event_names: str) -> Callable[[Handler], Handler]:
        def decorator(func: Handler) -> Handler:
            for name in event_names:
                self.handlers[name] = func
            return func

        return decorator

    @property
    def events(self) -> frozenset[str]:
        return frozenset(self.handlers)

    def dispatch(self, event: HandlerEvent, ctx: HandlerContext) -> Outcome:
        handler = self.handlers.get(event.name)
        if handler is None:
            return Outcome.ignore(f"no handler for {event.name}")
        return handler(event, ctx)
