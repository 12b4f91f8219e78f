"""The inbox worker: claims events, runs handlers, applies effects, retries with backoff."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial

from b24app.applier import ApplyReport, EffectApplier, PreparedApply, RetryableWriteError
from b24app.bitrix.errors import (
    AuthRevokedError,
    BitrixError,
    ChatAccessError,
    PortalUnavailableError,
    RateLimitedError,
)
from b24app.bitrix.gateway import PortalGateway
from b24app.services import Services
from b24app.storage.inbox import InboxItem
from handlers.effects import WatchTask
from handlers.routing import HandlerEvent, Outcome
from rules.types import TaskId

log = logging.getLogger(__name__)

AUTH_RETRY_SECONDS = 600.0
HEARTBEAT_SECONDS = 10.0
CLAIM_LIMIT = 50  # events claimed together: their tasks read in one batch, written in one
TASK_EVENTS = ("ONTASKADD", "ONTASKUPDATE")


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

    def drain(self, limit: int = CLAIM_LIMIT) -> int:
        """Claim and process one batch of due events; returns how many were claimed.

        Events about tasks the app does not know yet (a burst of new tasks) are processed
        together: their tasks are read in shared batch requests and their writes go out in
        one; every other event is processed on its own, in the order claimed."""
        if time.monotonic() - self._last_beat > HEARTBEAT_SECONDS:
            self._last_beat = time.monotonic()
            self.services.inbox.heartbeat(self.worker_id)
        items = self.services.inbox.claim(self.worker_id, limit)
        claimed = time.monotonic()  # every claimed row's lease runs from here
        together = self._new_task_events(items)
        for member_id, group in together.items():
            self._process_together(member_id, group)
        grouped = {item.id for group in together.values() for item in group}
        alone = [item for item in items if item.id not in grouped]
        for n, item in enumerate(alone):
            if time.monotonic() - claimed > self.services.inbox.lease_seconds / 3:
                # a slow portal: the rest goes back before its lease could run out
                self.services.inbox.release(self.worker_id, [i.id for i in alone[n:]])
                return n + len(grouped)
            self.process(item)
        return len(items)

    def _new_task_events(self, items: list[InboxItem]) -> dict[str, list[InboxItem]]:
        """Per portal, the first events of tasks the app has no record of, when more than one:
        such a handler reads the task without its time entries and nothing else of the app's
        state but what prepare() commits, so they can run one after the other and write
        together. Any later event of the same task waits for its own turn."""
        seen: set[tuple[str, int]] = set()
        groups: dict[str, list[InboxItem]] = {}
        for item in items:
            key = (item.member_id, item.task_id)
            first = key not in seen
            seen.add(key)
            if not first or item.event not in TASK_EVENTS or not item.task_id:
                continue
            if self.services.task_store(item.member_id).get_task(TaskId(item.task_id)):
                continue
            groups.setdefault(item.member_id, []).append(item)
        return {member: group for member, group in groups.items() if len(group) > 1}

    def _process_together(self, member_id: str, items: list[InboxItem]) -> None:
        services = self.services
        gateway = services.gateway_for(member_id)
        if gateway is None:
            for item in items:
                self.process(item)
            return
        read_at = services.db.clock()  # what the app sees of these tasks: from here on
        try:
            gateway.prefetch_tasks([TaskId(item.task_id) for item in items])
        except BitrixError:
            log.warning("reading %d tasks together failed; one by one instead", len(items))
        applier = services.applier_for(member_id, gateway)
        prepared: list[tuple[InboxItem, PreparedApply]] = []
        for item in items:
            self._run(
                item, partial(self._prepare, item, gateway, applier, prepared), read_at=read_at
            )
        if not prepared:
            return
        try:
            results: list[ApplyReport | Exception] = applier.complete([p for _, p in prepared])
        except Exception as exc:  # the shared write request itself failed: each event retries
            results = [exc] * len(prepared)
        for (item, _), result in zip(prepared, results, strict=True):
            self._run(item, partial(_reason_or_raise, result), read_at=read_at)

    def _prepare(
        self,
        item: InboxItem,
        gateway: PortalGateway,
        applier: EffectApplier,
        prepared: list[tuple[InboxItem, PreparedApply]],
    ) -> str | None:
        """Run the handler and log its writes `started`; None: its writes are still to come."""
        outcome = self._dispatch(item, gateway)
        if outcome.ignored:
            return outcome.ignored
        prepared.append((item, applier.prepare(outcome.effects, read_task=TaskId(item.task_id))))
        return None

    def drain_all(self, max_rounds: int = 1000) -> int:
        total = 0
        for _ in range(max_rounds):
            claimed = self.drain()
            if not claimed:
                break
            total += claimed
        return total

    def process(self, item: InboxItem) -> None:
        self._run(item, lambda: self._handle(item), read_at=self.services.db.clock())

    def _run(
        self, item: InboxItem, step: Callable[[], str | None], *, read_at: float | None = None
    ) -> None:
        """Run one event's step; finish the row with its reason, or fail it as the error says.
        A step that returns None has more to do later (its row stays claimed). `read_at`: when
        the event's task was about to be read (the row's processed_at)."""
        inbox = self.services.inbox
        extra = _log_extra(item)
        try:
            reason = step()
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
            self._finish(item, reason, read_at)

    def _finish(self, item: InboxItem, reason: str | None, read_at: float | None) -> None:
        if reason is None:  # the step has more to do later
            return
        self.services.inbox.finish(
            item.id, ignored_reason=reason, worker_id=self.worker_id, read_at=read_at
        )
        if reason:
            log.info("event %s ignored: %s", item.id, reason, extra=_log_extra(item))

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

    def _dispatch(self, item: InboxItem, gateway: PortalGateway) -> Outcome:
        """The handler's decision on one event (it reads what it needs through the gateway)."""
        ctx = self.services.context_for(item.member_id, gateway, source=f"inbox:{item.id}")
        return self.services.router.dispatch(handler_event(item), ctx)

    def _handle(self, item: InboxItem) -> str:
        """Run the handler and apply its effects; returns the reason when nothing was needed."""
        services = self.services
        gateway = services.gateway_for(item.member_id)
        if gateway is None:
            return "the portal is not installed"
        outcome = self._dispatch(item, gateway)
        if outcome.ignored:
            return outcome.ignored
        applier = services.applier_for(item.member_id, gateway)
        applier.apply(outcome.effects, read_task=TaskId(item.task_id))  # the handler read it
        return ""


def handler_event(item: InboxItem) -> HandlerEvent:
    """The handler's input, from the row's columns (the event was normalised when stored)."""
    return HandlerEvent(
        name=item.event,
        task_id=TaskId(item.task_id),
        comment_id=item.comment_id,
        message_id=item.message_id,
    )


def _log_extra(item: InboxItem) -> dict[str, object]:
    return {"inbox_id": item.id, "member_id": item.member_id, "task_id": item.task_id}


def _reason_or_raise(result: ApplyReport | Exception) -> str:
    """An event's share of a shared apply: done ('' = not ignored), or its error."""
    if isinstance(result, Exception):
        raise result
    return ""
