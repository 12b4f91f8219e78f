"""Waiting in tests: on a condition, never for a fixed time.

`wait_until(condition)` polls `condition` every `poll` seconds (20 ms: cheap, and short next to
any real step) and returns its first truthy value, or raises `TimeoutError` naming `what` after
`timeout` seconds. The timeout is a ceiling for a machine under load, not a pause: a green run
waits only as long as the condition takes. Where the code under test has a real signal (a
`threading.Event`, the sandbox's `wait_idle()`, `LocalStack.settle()`), wait on that instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], *, timeout: float = 15.0, poll: float = 0.02, what: str = ""
) -> T:
    """The first truthy value of `condition()`; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:g} s: {what or condition!r}")
        time.sleep(poll)
