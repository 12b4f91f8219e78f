"""The request log: every HTTP request the sandbox answered, for tests to inspect."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class LoggedRequest:
    time: float
    http_method: str
    path: str
    rest_method: str | None = None
    sub_methods: list[str] = field(default_factory=list)
    auth: str = "none"  # oauth | webhook | none
    user_id: int | None = None
    status: int = 200
    error: str | None = None
    params: Any = None


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def requests_for(self, method: str) -> list[LoggedRequest]:
        """Requests that called `method` directly or as a batch sub-command."""
        name = method.lower()
        return [
            e
            for e in self.entries()
            if e.rest_method == name or name in (m.lower() for m in e.sub_methods)
        ]

    def count(self, method: str | None = None) -> int:
        return len(self.entries()) if method is None else len(self.requests_for(method))

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.entries()]
