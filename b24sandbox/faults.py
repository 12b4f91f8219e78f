"""Fault injection: scripted errors, an unreachable portal, slow answers."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from b24sandbox.clock import Clock
from b24sandbox.errors import RestError


@dataclass
class _Fault:
    method: str
    status: int
    error: str
    description: str
    times: int


class Faults:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._faults: list[_Fault] = []
        self._unreachable_until = 0.0
        self.slow_seconds = 0.0
        self._lock = threading.Lock()

    def fail_next(
        self, method: str, *, status: int, error: str, description: str = "", times: int = 1
    ) -> None:
        with self._lock:
            self._faults.append(_Fault(method.lower(), status, error, description, times))

    def take(self, method: str) -> RestError | None:
        """The next scripted error for `method` ("*" matches any request), consuming one use."""
        with self._lock:
            for fault in self._faults:
                if fault.method in (method.lower(), "*"):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return RestError(fault.status, fault.error, fault.description)
        return None

    def take_exact(self, method: str) -> RestError | None:
        """Like `take` but without the "*" wildcard (used for batch sub-calls)."""
        with self._lock:
            for fault in self._faults:
                if fault.method == method.lower():
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return RestError(fault.status, fault.error, fault.description)
        return None

    def set_unreachable(self, seconds: float) -> None:
        self._unreachable_until = self.clock.now() + seconds if seconds > 0 else 0.0

    def unreachable(self) -> bool:
        return self.clock.now() < self._unreachable_until

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self._unreachable_until = 0.0
        self.slow_seconds = 0.0
