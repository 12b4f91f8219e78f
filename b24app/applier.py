"""Apply effects: the only code that writes to the portal and to the task state.

Each portal write has a deterministic key; a key already done is skipped, so an event processed
again (after a crash, a retry, or a duplicate from the catch-up) writes nothing twice. Writes of
one event go out in one `batch` request. In shadow mode nothing reaches the portal: the decisions
are logged and audited all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from b24app.bitrix.errors import AccessDeniedError, BitrixError, RateLimitedError
from b24app.bitrix.gateway import PortalGateway
from b24app.storage.clocks import ClockWriter
from b24app.storage.task_store import (
    EFFECT_DONE,
    EFFECT_SHADOW,
    EFFECT_STARTED,
    OWN_CHANGE,
    TASK_REQUEST,
    EffectMark,
    OwnWrite,
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
    TaskAction,
    UpdateTask,
    WatchTask,
)
from handlers.records import TaskRecord
from rules.regulation import AppConfig
from rules.types import TaskId

log = logging.getLogger(__name__)

# writes that change the task itself (its CHANGED_DATE): a comment, fields, status, auditors
TASK_CHANGES = (AddComment, UpdateTask, TaskAction, WatchTask)


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


@dataclass(slots=True)
class PreparedApply:
    """One event's effects between EffectApplier.prepare and EffectApplier.complete."""

    effects: Sequence[Effect]
    read_task: TaskId | None = None  # the task the handler read just before (own changes)
    report: ApplyReport = field(default_factory=ApplyReport)
    outcome: _Outcome = field(default_factory=lambda: _Outcome())
    pending: list[PortalWrite] = field(default_factory=list)


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

    def apply(self, effects: Sequence[Effect], *, read_task: TaskId | None = None) -> ApplyReport:
        """Writes first (the effect log says which are done), then clocks, then one transaction
        with the writes' outcomes, the task record and the audit entries. `read_task`: the task
        the handler has just read (prepare)."""
        [result] = self.complete([self.prepare(effects, read_task=read_task)])
        if isinstance(result, Exception):
            raise result
        return result

    def prepare(
        self, effects: Sequence[Effect], *, read_task: TaskId | None = None
    ) -> PreparedApply:
        """Step one of apply: what the effect log holds as done is skipped, a comment left
        `started` by a crash is looked for on the portal, and the writes to send are logged
        `started` (committed) before any request goes out. A handler run after this sees them,
        so several events can be prepared one after the other and completed together."""
        prepared = PreparedApply(effects=effects, read_task=read_task)
        writes = _writes_of(effects)
        statuses = self.store.effect_statuses(w.key for w in writes)
        pending: list[PortalWrite] = []
        for write in writes:
            if statuses.get(write.key) in (EFFECT_DONE, EFFECT_SHADOW):
                prepared.report.skipped.append(write.key)
            else:
                pending.append(write)
        if not pending:
            return prepared
        if self.shadow:
            marks = []
            for write in pending:
                marks.append(_mark(write, EFFECT_SHADOW))
                prepared.report.shadowed.append(write.key)
                log.info("shadow mode: would %s", _describe(write))
            self.store.log_effects(marks, _requests(pending))
            return prepared
        pending = self._settle_in_doubt(pending, statuses, prepared.report, prepared.outcome)
        if pending:
            self.store.log_effects([_mark(w, EFFECT_STARTED) for w in pending], _requests(pending))
        prepared.pending = pending
        return prepared

    def complete(self, prepared: Sequence[PreparedApply]) -> list[ApplyReport | Exception]:
        """Step two: the prepared writes of every event go out together (50 to a request), then
        each event's clocks, record, audit and write outcomes are stored. Per event: its report,
        or a RetryableWriteError when one of its writes is worth a retry (its record is not
        saved then; the event runs again)."""
        answers, finished = self._send(prepared)
        retry: dict[str, BitrixError] = {}
        for item in prepared:
            for write in item.pending:
                error = self._settle(write, answers.get(write.key), item.report, item.outcome)
                if error is not None:
                    retry[write.key] = error
            item.outcome.own += _own_changes(item, finished)
        alone = len(prepared) == 1
        if not alone:  # the outcomes of the round in one transaction, then each event's own
            self.store.log_effects(
                [m for p in prepared for m in p.outcome.marks],
                [o for p in prepared for o in p.outcome.own],
            )
        results: list[ApplyReport | Exception] = []
        for item in prepared:
            failed = [retry[w.key] for w in item.pending if w.key in retry]
            if failed:
                if alone:
                    self.store.log_effects(item.outcome.marks, item.outcome.own)
                results.append(RetryableWriteError(failed[0]))
                continue
            self._finish(item.effects, item.report, item.outcome if alone else _Outcome())
            results.append(item.report)
        return results

    def _send(self, prepared: Sequence[PreparedApply]) -> tuple[dict[str, Any], dict[str, float]]:
        """The prepared writes in batch requests: (answers, end of the request per key)."""
        pending = [w for p in prepared for w in p.pending]
        if not pending:
            return {}, {}
        assert self.gateway is not None  # noqa: S101 - nothing is pending in shadow mode
        try:
            answers = self.gateway.write(pending)
        except Exception:
            try:
                self._keep_done(prepared)
            except Exception:  # the write's own error is the one the events retry on
                log.exception("the outcome of earlier write requests could not be kept")
            raise
        return answers, self.gateway.last_write_finished

    def _keep_done(self, prepared: Sequence[PreparedApply]) -> None:
        """A write request raised after earlier ones of the same call went through: what they
        did is recorded (done, own comment ids, own changes), so the events' retry neither
        looks for those writes on the portal nor sends them again."""
        assert self.gateway is not None  # noqa: S101 - only called after a write
        answers = self.gateway.last_write_answers
        finished = self.gateway.last_write_finished
        outcome = _Outcome()
        for item in prepared:
            done = [w for w in item.pending if w.key in answers]
            done = [w for w in done if not isinstance(answers[w.key], BitrixError)]
            for write in done:
                outcome.done(write, answers[write.key])
            written = ApplyReport(written=[w.key for w in done])
            outcome.own += _own_changes(replace(item, report=written), finished)
        if outcome.marks:
            log.warning("a write request failed; %d earlier writes kept", len(outcome.marks))
            self.store.log_effects(outcome.marks, outcome.own)

    def _finish(self, effects: Sequence[Effect], report: ApplyReport, outcome: _Outcome) -> None:
        writes = _writes_of(effects)
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
        self.store.save(record, audits, shadow=self.shadow, marks=outcome.marks, own=outcome.own)
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

    def _settle_in_doubt(
        self,
        pending: list[PortalWrite],
        statuses: dict[str, str],
        report: ApplyReport,
        outcome: _Outcome,
    ) -> list[PortalWrite]:
        """A comment left `started` was sent by a process that died (or timed out) before it
        could record the answer: when the portal has it, record it instead of writing it again."""
        doubtful = [
            w
            for w in pending
            if isinstance(w, AddComment) and statuses.get(w.key) == EFFECT_STARTED
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
                outcome.done(write, found[digest])
                report.skipped.append(write.key)
                log.warning("write %s was done before a crash; not repeated", write.key)
            else:
                left.append(write)
        return left

    def _settle(
        self, write: PortalWrite, result: Any, report: ApplyReport, outcome: _Outcome
    ) -> BitrixError | None:
        """Record one write's outcome; return the error when it is worth a retry."""
        if not isinstance(result, BitrixError):
            outcome.done(write, result)
            report.written.append(write.key)
            return None
        if not _is_permanent(result):
            return result
        report.failed[write.key] = str(result)
        outcome.marks.append(_mark(write, EFFECT_DONE, f"error: {result}"))
        log.error("write %s failed for good: %s", write.key, result)
        return None

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


@dataclass(slots=True)
class _Outcome:
    """The effect-log rows and own writes one apply collects for its closing transaction."""

    marks: list[EffectMark] = field(default_factory=list)
    own: list[OwnWrite] = field(default_factory=list)

    def done(self, write: PortalWrite, result: Any) -> None:
        self.marks.append(_mark(write, EFFECT_DONE, str(result)[:200]))
        if isinstance(write, AddComment):
            object_id = int(result) if str(result).isdigit() else 0
            self.own.append(OwnWrite(write.task_id, "comment", object_id, write.text))
        elif isinstance(write, CreateTask):
            task = result.get("task", {}) if isinstance(result, dict) else {}
            new_id = int(task.get("id") or 0) if isinstance(task, dict) else 0
            self.own.append(OwnWrite(new_id, "task", new_id))


def _mark(write: PortalWrite, status: str, result: str = "") -> EffectMark:
    return EffectMark(write.key, type(write).__name__, _task_of(write), status, result)


def _own_changes(item: PreparedApply, finished: dict[str, float]) -> list[OwnWrite]:
    """The task the handler read, when these writes changed it: at the portal's time the request
    that carried its write ended (not a later request of the same round: a change by someone
    else in between is not the app's), a CHANGED_DATE not later than that is the app's own
    change (scheduler.catchup). Nothing for a write to a task the app did not just read (a
    scheduled job's, a reply on another task): a change by someone else since the app last read
    that task would hide behind it."""
    if item.read_task is None:
        return []
    written = set(item.report.written)
    changed: dict[int, float] = {}
    for w in item.pending:
        at = finished.get(w.key)
        if not isinstance(w, TASK_CHANGES) or w.task_id != item.read_task:
            continue
        if w.key in written and at is not None:
            changed[w.task_id] = max(at, changed.get(w.task_id, at))
    return [OwnWrite(task_id, OWN_CHANGE, 0, at=at) for task_id, at in sorted(changed.items())]


def _writes_of(effects: Sequence[Effect]) -> list[PortalWrite]:
    return [e for e in effects if not isinstance(e, SaveTask | Audit | StartClock | StopClock)]


def _requests(writes: Sequence[PortalWrite]) -> list[OwnWrite]:
    """A task the app asks for is recorded first: its own ONTASKADD may come before the answer
    (TaskStore.origin_of_app_task)."""
    return [
        OwnWrite(w.origin_task_id, TASK_REQUEST, 0, f"{w.title}\n{w.description}")
        for w in writes
        if isinstance(w, CreateTask)
    ]


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
