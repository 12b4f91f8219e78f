"""Asynchronous at-most-once delivery of event POSTs (§3.5), like Bitrix's queue servers."""

from __future__ import annotations

import http.client
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from b24sandbox.clock import Clock
from b24sandbox.phpform import flatten

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    url: str
    payload: dict[str, Any]
    sent_at: float | None = None
    status: int | None = None
    error: str | None = None
    body: str = field(default="", repr=False)

    @property
    def event(self) -> str:
        return str(self.payload.get("event", ""))


def encode(payload: dict[str, Any]) -> bytes:
    """§3.2: application/x-www-form-urlencoded with PHP bracket keys."""
    return urlencode(flatten(payload)).encode()


def post_form(url: str, payload: dict[str, Any], timeout: float) -> tuple[int, str]:
    """POST the form; a connection dropped mid-answer is an OSError, like one never opened."""
    request = urllib.request.Request(  # noqa: S310 - the handler URL is the app's, by design
        url,
        data=encode(payload),
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Bitrix24"},
        method="POST",
    )
    try:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return int(response.status), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode("utf-8", "replace")
    except http.client.HTTPException as exc:  # e.g. IncompleteRead: the app died while answering
        raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc


class Deliverer:
    """One worker thread; a handler that is down or answers non-2xx loses the event."""

    def __init__(self, clock: Clock, *, delay: float = 0.0, timeout: float = 5.0) -> None:
        self.clock = clock
        self.delay = delay
        self.timeout = timeout
        self.delivered: list[Delivery] = []
        self.failed: list[Delivery] = []
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sandbox-delivery", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def submit(self, url: str, payload: dict[str, Any]) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put(Delivery(url, payload))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._send(item)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _send(self, item: Delivery) -> None:
        if self.delay:
            time.sleep(self.delay)
        item.payload["ts"] = str(int(self.clock.now()))
        item.sent_at = self.clock.now()
        try:
            item.status, item.body = post_form(item.url, item.payload, self.timeout)
        except (OSError, ValueError) as exc:
            item.error = f"{type(exc).__name__}: {exc}"
        if item.status is not None and 200 <= item.status < 300:
            self.delivered.append(item)
            return
        log.info("event %s to %s lost: %s", item.event, item.url, item.error or item.status)
        self.failed.append(item)
