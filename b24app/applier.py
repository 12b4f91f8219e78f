"""Apply effects: the only code that writes to the portal and to the task state.

Each portal write has a deterministic key; a key already done is skipped, so an event processed
again (after a crash, a retry, or a duplicate from the catch-up) writes nothing twice. Writes of
one event go out in one `batch` request. In shadow mode nothing reaches the portal: the decisions
are logged and audited all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from b24app.bitrix.errors import AccessDeniedError, BitrixError, RateLimitedError
from b24app.bitrix.gateway import PortalGateway
from b24app.storage.clocks import ClockWriter
from b24app.storage.task_store import (
    EFFECT_DONE,
    EFFECT_SHADOW,
    EFFECT_STARTED,
    TaskStorage,
    text_digest,
)
from handlers.effects import (
    AddComment,
    Audit,
    CreateTask,
    Effect,
    PortalWrite,
    SaveTask,
    StartClock,
    StopClock,
)
from handlers.records import TaskRecord
from rules.regulation import AppConfig
from rules.types import TaskId

log = logging.getLogger(__name__)


class RetryableWriteError(Exception):
    """A write failed for a passing reason; the event is retried later."""

    def __init__(self, error: BitrixError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(slots=True)
class ApplyReport:
    """What happened to a handler's effects."""

    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    shadowed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class EffectApplier:
    """Performs effects for one portal."""

    def __init__(
        self,
        store: TaskStorage,
        gateway: PortalGateway | None,
        clocks: ClockWriter,
        config: AppConfig,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.clocks = clocks
        self.config = config

    @property
    def shadow(self) -> bool:
        return self.config.shadow_mode or self.gateway is None

    def apply(self, effects: Sequence[Effect]) -> ApplyReport:
        report = ApplyReport()
        writes: list[PortalWrite] = [
            e for e in effects if not isinstance(e, SaveTask | Audit | StartClock | StopClock)
        ]
        self._write(writes, report)
        for effect in effects:
            if isinstance(effect, StartClock | StopClock):
                self._clock(effect)
        records = [e.record for e in effects if isinstance(e, SaveTask)]
        audits = [e for e in effects if isinstance(e, Audit)]
        audits += [
            Audit(
                task_id=TaskId(_task_of(w)),
                decision="write_failed",
                clause="",
                trigger=key,
                details={"error": err},
            )
            for key, err in report.failed.items()
            for w in writes
            if w.key == key
        ]
        record: TaskRecord | None = records[-1] if records else None
        self.store.save(record, audits, shadow=self.shadow)
        for entry in audits:
            log.info(
                "task %s: %s (п. %s) %s→%s",
                entry.task_id,
                entry.decision,
                entry.clause or "-",
                entry.from_state or "-",
                entry.to_state or "-",
                extra={"member_id": self.store.member_id, "task_id": entry.task_id},
            )
        return report

    def _write(self, writes: list[PortalWrite], report: ApplyReport) -> None:
        pending = [w for w in writes if not self._already_done(w, report)]
        if not pending:
            return
        if self.shadow:
            for write in pending:
                self._mark(write, EFFECT_SHADOW)
                self._remember_request(write)
                report.shadowed.append(write.key)
                log.info("shadow mode: would %s", _describe(write))
            return
        assert self.gateway is not None  # noqa: S101 - shadow covers the None case
        pending = self._settle_in_doubt(pending, report)
        if not pending:
            return
        for write in pending:
            self._mark(write, EFFECT_STARTED)
            self._remember_request(write)
        outcome = self.gateway.write(pending)
        retryable = [self._settle(w, outcome.get(w.key), report) for w in pending]
        first = next((err for err in retryable if err is not None), None)
        if first is not None:
            raise RetryableWriteError(first)

    def _settle_in_doubt(
        self, pending: list[PortalWrite], report: ApplyReport
    ) -> list[PortalWrite]:
        """A comment left `started` was sent by a process that died (or timed out) before it
        could record the answer: when the portal has it, record it instead of writing it again."""
        doubtful = [
            w
            for w in pending
            if isinstance(w, AddComment) and self.store.effect_status(w.key) == EFFECT_STARTED
        ]
        if not doubtful or self.gateway is None:
            return pending
        found: dict[str, int] = {}
        for task_id in sorted({w.task_id for w in doubtful}):
            found.update(self.gateway.own_comment_ids(task_id))
        left = []
        for write in pending:
            in_doubt = isinstance(write, AddComment) and write in doubtful
            digest = text_digest(write.text) if in_doubt else ""  # type: ignore[union-attr]
            if digest in found:
                self._done(write, found[digest])
                report.skipped.append(write.key)
                log.warning("write %s was done before a crash; not repeated", write.key)
            else:
                left.append(write)
        return left

    def _remember_request(self, write: PortalWrite) -> None:
        """A task the app asks for is recorded first: its own ONTASKADD may come before the
        answer (TaskStore.origin_of_app_task)."""
        if isinstance(write, CreateTask):
            self.store.record_task_request(write.origin_task_id, write.title, write.description)

    def _already_done(self, write: PortalWrite, report: ApplyReport) -> bool:
        if self.store.effect_status(write.key) in (EFFECT_DONE, EFFECT_SHADOW):
            report.skipped.append(write.key)
            return True
        return False

    def _settle(self, write: PortalWrite, result: Any, report: ApplyReport) -> BitrixError | None:
        """Record one write's outcome; return the error when it is worth a retry."""
        if not isinstance(result, BitrixError):
            self._done(write, result)
            report.written.append(write.key)
            return None
        if not _is_permanent(result):
            return result
        report.failed[write.key] = str(result)
        self._mark(write, EFFECT_DONE, f"error: {result}")
        log.error("write %s failed for good: %s", write.key, result)
        return None

    def _mark(self, write: PortalWrite, status: str, result: str = "") -> None:
        self.store.mark_effect(write.key, type(write).__name__, _task_of(write), status, result)

    def _done(self, write: PortalWrite, result: Any) -> None:
        self.store.mark_effect(
            write.key, type(write).__name__, _task_of(write), EFFECT_DONE, str(result)[:200]
        )
        if isinstance(write, AddComment):
            object_id = int(result) if str(result).isdigit() else 0
            self.store.record_own_write(write.task_id, "comment", object_id, write.text)
        elif isinstance(write, CreateTask):
            task = result.get("task", {}) if isinstance(result, dict) else {}
            new_id = int(task.get("id") or 0) if isinstance(task, dict) else 0
            self.store.record_own_write(new_id, "task", new_id)

    def _clock(self, effect: StartClock | StopClock) -> None:
        """Store what the handler decided (rules.sla.plan_clock, the client's regulation)."""
        if isinstance(effect, StopClock):
            self.clocks.stop(effect.task_id, effect.kind, effect.at)
            return
        self.clocks.start(
            task_id=effect.task_id,
            kind=effect.kind,
            started_at=effect.started_at,
            source=effect.source,
            total_minutes=effect.total_minutes,
            mode=effect.mode,
            due_at=effect.due_at,
            remind_at=effect.remind_at,
        )


def _is_permanent(error: BitrixError) -> bool:
    """Access and validation errors will not pass on a retry; rate limits and outages will."""
    if isinstance(error, RateLimitedError):
        return False
    return isinstance(error, AccessDeniedError) or error.code not in (
        "INTERNAL_SERVER_ERROR",
        "PORTAL_UNAVAILABLE",
        "expired_token",
    )


def _task_of(write: PortalWrite) -> int:
    return int(getattr(write, "task_id", 0) or getattr(write, "origin_task_id", 0))


def _describe(write: PortalWrite) -> str:
    text = getattr(write, "text", "")
    return f"{type(write).__name__} task={_task_of(write)} {text[:120]!r}" if text else repr(write)
