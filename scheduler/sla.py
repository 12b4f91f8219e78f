"""Timed regulation work: SLA reminders and breaches, warranty expiry, re-reading logged time.

Each job loads its work, decides with the rules and hands effects to the same applier the
handlers use. Clock rows are claimed with one conditional UPDATE … RETURNING before anything is
sent (ClockStore.claim_*), so two runs, or two processes, never notify twice; a run after
downtime claims what fell due meanwhile and reports it with its true time (breached_at = due_at).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime

from b24app.applier import RetryableWriteError
from b24app.bitrix.events import EventSource, task_update
from b24app.bitrix.gateway import PortalGateway
from b24app.services import Services
from b24app.storage.clocks import ESTIMATE, ClaimedClock, ClockStore
from b24app.storage.portals import INSTALLED
from b24app.storage.task_store import TaskStore
from handlers import messages
from handlers.effects import AddComment, Audit, Effect, Notify, StopClock, TaskAction
from handlers.plan import Plan
from handlers.records import TaskRecord
from rules.lifecycle import Trigger
from rules.regulation import AppConfig, RegulationConfig
from rules.sla import clause_of
from rules.types import TaskId, TaskState, TaskStatus, UserId
from rules.warranty import is_window_over, promised_window

log = logging.getLogger(__name__)

SLA_TICK_SECONDS = 30
WARRANTY_TICK_SECONDS = 600
TIME_REFRESH_SECONDS = 900
CLAIM_LIMIT = 1000  # clocks per kind of claim and tick: bounds one tick's batch requests
LATE_NOTICE_SECONDS = 600.0  # a breach reported later than this says so in its text
# Time counts in every open state: estimation time (п. 3.1), work, and time logged after the
# delivery (the fix's, or the work's logged late), so the task tab shows what the bill counts.
TIME_STATES = tuple(
    s.value
    for s in (
        TaskState.AWAITING_ESTIMATE,
        TaskState.AWAITING_APPROVAL,
        TaskState.IN_PROGRESS,
        TaskState.REESTIMATE,
        TaskState.DONE,
    )
)


def _portals(services: Services) -> Iterator[tuple[str, PortalGateway]]:
    """Installed portals that can be written to (an uninstalled one keeps its clocks unclaimed)."""
    for portal in services.portals.installed():
        if portal.status != INSTALLED:
            continue
        gateway = services.gateway_for(portal.member_id)
        if gateway is not None:
            yield portal.member_id, gateway


def _regulation(config: AppConfig, record: TaskRecord) -> RegulationConfig:
    return config.regulation_for(config.client_named(record.client))


def _recipients(*groups: Iterable[int]) -> list[int]:
    return [u for u in dict.fromkeys(u for group in groups for u in group) if u]


# -- SLA clocks (п. 4.1, 1.2) ---------------------------------------------------------------------
def check_sla_clocks(services: Services) -> int:
    """п. 4.1, 1.2: reminders at 75 % and breach notices, each once; returns the writes made."""
    return sum(_sweep_clocks(services, member, gateway) for member, gateway in _portals(services))


def _sweep_clocks(services: Services, member_id: str, gateway: PortalGateway) -> int:
    clocks = ClockStore(services.db, member_id)
    now = services.clock()
    reminders = clocks.claim_reminders(now, CLAIM_LIMIT)
    breaches = clocks.claim_breaches(now, CLAIM_LIMIT)
    if not reminders and not breaches:
        return 0
    store = services.task_store(member_id)
    noticed = services.now()
    effects: list[Effect] = []
    for clock in reminders:
        effects += plan_reminder(clock, _record(store, clock), noticed, services.config)
    for clock in breaches:
        effects += plan_breach(clock, _record(store, clock), noticed, services.config)
    try:
        report = services.applier_for(member_id, gateway).apply(effects)
    except Exception:
        # Nothing is lost: the next tick claims these again; writes already done are skipped
        # by their effect keys.
        clocks.release(reminders, ("reminded_at",))
        clocks.release(breaches, ("breached_at", "breach_notified_at"))
        raise
    return len(report.written) + len(report.shadowed)


def _record(store: TaskStore, clock: ClaimedClock) -> TaskRecord:
    task_id = TaskId(clock.task_id)
    return store.get_task(task_id) or TaskRecord(task_id=task_id)


def plan_reminder(
    clock: ClaimedClock, record: TaskRecord, noticed: datetime, config: AppConfig
) -> list[Effect]:
    """п. 4.1: at 75 % of the clock, remind the responsible integrator (supervisors if none)."""
    due = datetime.fromtimestamp(clock.due_at, noticed.tzinfo)
    text = messages.sla_reminder(clock.kind, clock.task_id, record.title, due)
    users = _recipients([record.responsible_id]) or _recipients(config.supervisor_ids)
    effects: list[Effect] = [
        Notify(f"sla-reminder:{clock.id}:{u}", UserId(u), text, clock.task_id) for u in users
    ]
    effects.append(
        Audit(
            task_id=TaskId(clock.task_id),
            decision="sla_reminder",
            clause=clause_of(clock.kind),
            trigger="job check_sla_clocks",
            details={"kind": clock.kind, "clock": clock.id, "due_at": due.isoformat(), "to": users},
        )
    )
    return effects


def plan_breach(
    clock: ClaimedClock, record: TaskRecord, noticed: datetime, config: AppConfig
) -> list[Effect]:
    """п. 4.1, 1.2: a breach goes to the responsible and the supervisors, dated at its due time."""
    due = datetime.fromtimestamp(clock.due_at, noticed.tzinfo)
    late = noticed.timestamp() - clock.due_at > LATE_NOTICE_SECONDS
    text = messages.sla_breach(
        clock.kind, clock.task_id, record.title, due, noticed if late else None
    )
    users = _recipients([record.responsible_id], config.supervisor_ids)
    effects: list[Effect] = [
        Notify(f"sla-breach:{clock.id}:{u}", UserId(u), text, clock.task_id) for u in users
    ]
    if _regulation(config, record).breach_comment:
        comment = messages.sla_breach_comment(clock.kind, due)
        effects.append(AddComment(f"sla-breach:{clock.id}", TaskId(clock.task_id), comment))
    details: dict[str, object] = {
        "kind": clock.kind,
        "clock": clock.id,
        "breached_at": due.isoformat(),
        "noticed_at": noticed.isoformat(),
        "to": users,
    }
    effects.append(
        Audit(
            TaskId(clock.task_id),
            "sla_breached",
            clause_of(clock.kind),
            "job check_sla_clocks",
            details=details,
        )
    )
    return effects


# -- warranty expiry (п. 3.2) ---------------------------------------------------------------------
def expire_warranties(services: Services) -> int:
    """п. 3.2: done tasks whose 14-day window is over move to closed; returns tasks closed."""
    closed = 0
    for member_id, gateway in _portals(services):
        applier = services.applier_for(member_id, gateway)
        now = services.now()
        for record in services.task_store(member_id).list_tasks([TaskState.DONE.value]):
            effects = plan_warranty_end(record, now, services.config)
            if not effects:
                continue
            try:
                applier.apply(effects)
            except RetryableWriteError as exc:  # the task stays done; the next run tries again
                log.warning("task %s: warranty close postponed: %s", record.task_id, exc)
                continue
            closed += 1
    return closed


def plan_warranty_end(record: TaskRecord, now: datetime, config: AppConfig) -> list[Effect]:
    """п. 3.2: done → closed once the window is over; comment, and complete the task if asked."""
    if record.deleted or record.done_at is None or record.state is not TaskState.DONE:
        return []
    reg = _regulation(config, record)
    window = promised_window(record.done_at, record.warranty_last_day, reg)
    if not is_window_over(window, now):
        return []
    plan = Plan(record, trigger="job expire_warranties")
    if not plan.transition(Trigger.WARRANTY_EXPIRED, last_day=window.last_day.isoformat()):
        return []
    plan.comment("warranty-closed", messages.warranty_closed(window.last_day))
    task_id = record.task_id
    if reg.complete_task_on_warranty_end and record.last_status != TaskStatus.COMPLETED:
        plan.add(TaskAction(f"warranty-complete:{task_id}", task_id, "complete"))
    plan.add(StopClock(task_id, "reaction", now), StopClock(task_id, ESTIMATE, now))
    return list(plan.outcome("").effects)


# -- logged time (п. 3.1, 3.3) --------------------------------------------------------------------
def refresh_time_entries(services: Services) -> int:
    """п. 3.1, 3.3: Bitrix24 sends no event for a time entry, so tasks in work are re-read.

    The logged minutes of every task in work are read in one batch request per 2 500 tasks;
    only the tasks whose total changed get a synthetic ONTASKUPDATE in the inbox, and the
    worker runs the usual handler (task + time entries in one batch request, overrun rules, the
    same applier, retries and backoff). Task updates coalesce in the inbox, so a run while a row
    for that task still waits adds nothing, and a run twice queues once. Returns rows queued.
    """
    queued = 0
    for portal in services.portals.installed():
        if portal.status != INSTALLED:
            continue
        member_id = portal.member_id
        records = [
            r for r in services.task_store(member_id).list_tasks(list(TIME_STATES)) if not r.deleted
        ]
        gateway = services.gateway_for(member_id)
        if not records or gateway is None:
            continue
        spent = gateway.time_spent([r.task_id for r in records])
        for record in records:
            if spent.get(record.task_id, record.time_spent_minutes) == record.time_spent_minutes:
                continue
            queued += services.inbox.put(task_update(member_id, record.task_id, EventSource.TIMER))
    return queued
