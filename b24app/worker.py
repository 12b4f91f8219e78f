"""The inbox worker: claims events, runs handlers, applies effects, retries with backoff."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

from b24app.applier import RetryableWriteError
from b24app.bitrix.errors import (
    AuthRevokedError,
    BitrixError,
    ChatAccessError,
    PortalUnavailableError,
    RateLimitedError,
)
from b24app.services import Services
from b24app.storage.inbox import InboxItem
from handlers.effects import WatchTask
from handlers.routing import HandlerEvent
from rules.types import TaskId

log = logging.getLogger(__name__)

AUTH_RETRY_SECONDS = 600.0
HEARTBEAT_SECONDS = 10.0


class Worker:
    """Processes inbox rows off the request path; one per process is enough for SQLite."""

    def __init__(self, services: Services, worker_id: str | None = None) -> None:
        self.services = services
        self.worker_id = worker_id or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.wakeup = threading.Event()
        self._last_beat = 0.0

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; sleeps between polls unless woken by a new event."""
        log.info("worker %s started", self.worker_id)
        beat = threading.Thread(
            target=self._beat, args=(stop,), name="worker-heartbeat", daemon=True
        )
        beat.start()
        while not stop.is_set():
            try:
                busy = self.drain()
            except Exception:
                log.exception("worker %s: unexpected error while draining", self.worker_id)
                busy = 0
            if not busy:
                self.wakeup.wait(self.services.settings.worker_poll_seconds)
                self.wakeup.clear()

    def _beat(self, stop: threading.Event) -> None:
        """While this worker lives its claims are its own; a killed process stops beating."""
        while not stop.is_set():
            try:
                self.services.inbox.heartbeat(self.worker_id)
            except Exception:
                log.exception("worker %s: heartbeat failed", self.worker_id)
            stop.wait(HEARTBEAT_SECONDS)

    def drain(self, limit: int = 10) -> int:
        """Claim and process one batch of due events; returns how many were claimed."""
        if time.monotonic() - self._last_beat > HEARTBEAT_SECONDS:
            self._last_beat = time.monotonic()
            self.services.inbox.heartbeat(self.worker_id)
        items = self.services.inbox.claim(self.worker_id, limit)
        for item in items:
            self.process(item)
        return len(items)

    def drain_all(self, max_rounds: int = 1000) -> int:
        total = 0
        for _ in range(max_rounds):
            claimed = self.drain()
            if not claimed:
                break
            total += claimed
        return total

    def process(self, item: InboxItem) -> None:
        inbox = self.services.inbox
        extra = {"inbox_id": item.id, "member_id": item.member_id, "task_id": item.task_id}
        try:
            reason = self._handle(item)
        except RateLimitedError as exc:
            inbox.fail(item, str(exc), retry_after=exc.retry_after, transient=True)
            log.warning(
                "event %s rate-limited; retry in %.0fs", item.id, exc.retry_after, extra=extra
            )
        except RetryableWriteError as exc:
            inbox.fail(item, str(exc), transient=True)
            log.warning("event %s: write failed, will retry: %s", item.id, exc, extra=extra)
        except ChatAccessError as exc:
            self.services.chat_access_errors += 1
            joined = self._join_task_chat(item)
            parked = inbox.fail(item, f"cannot read the task chat: {exc}")
            log.error(
                "event %s: the task chat cannot be read (%s)%s%s",
                item.id,
                exc,
                "; the app's user joined the task as an auditor, retrying" if joined else "",
                " (parked: `b24app events retry` once the app's user can read the task)"
                if parked
                else "",
                extra=extra,
            )
        except AuthRevokedError as exc:
            inbox.fail(
                item,
                f"portal needs reinstall: {exc}",
                retry_after=AUTH_RETRY_SECONDS,
                transient=True,
            )
            log.error(
                "event %s kept: the portal's tokens are refused (%s)", item.id, exc, extra=extra
            )
        except PortalUnavailableError as exc:
            inbox.fail(item, str(exc), transient=True)
            log.warning("event %s: portal unreachable (%s); kept", item.id, exc, extra=extra)
        except BitrixError as exc:
            parked = inbox.fail(item, str(exc))
            log.warning(
                "event %s failed (%s)%s", item.id, exc, " and parked" if parked else "", extra=extra
            )
        except Exception as exc:
            parked = inbox.fail(item, f"{type(exc).__name__}: {exc}")
            log.exception(
                "event %s crashed the handler%s",
                item.id,
                " (parked)" if parked else "",
                extra=extra,
            )
        else:
            inbox.finish(item.id, ignored_reason=reason, worker_id=self.worker_id)
            if reason:
                log.info("event %s ignored: %s", item.id, reason, extra=extra)

    def _join_task_chat(self, item: InboxItem) -> bool:
        """A tracked task whose chat is closed to the app's user: become its auditor (once per
        task; the effect log remembers), so the retry can read the message."""
        services = self.services
        gateway = services.gateway_for(item.member_id)
        if (
            gateway is None
            or services.task_store(item.member_id).get_task(TaskId(item.task_id)) is None
        ):
            return False
        watch = WatchTask(key=f"watch:{item.task_id}", task_id=TaskId(item.task_id))
        try:
            report = services.applier_for(item.member_id, gateway).apply([watch])
        except (BitrixError, RetryableWriteError) as exc:
            log.warning("task %s: could not join as an auditor: %s", item.task_id, exc)
            return False
        return watch.key in report.written

    def _handle(self, item: InboxItem) -> str:
        """Run the handler and apply its effects; returns the reason when nothing was needed."""
        services = self.services
        gateway = services.gateway_for(item.member_id)
        if gateway is None:
            return "the portal is not installed"
        event = handler_event(item)
        ctx = services.context_for(item.member_id, gateway, source=f"inbox:{item.id}")
        outcome = services.router.dispatch(event, ctx)
        if outcome.ignored:
            return outcome.ignored
        services.applier_for(item.member_id, gateway).apply(outcome.effects)
        return ""


def handler_event(item: InboxItem) -> HandlerEvent:
    """The handler's input, from the row's columns (the event was normalised when stored)."""
    return HandlerEvent(
        name=item.event,
        task_id=TaskId(item.task_id),
        comment_id=item.comment_id,
        message_id=item.message_id,
    )
