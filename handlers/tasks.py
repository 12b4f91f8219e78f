"""ONTASKADD, ONTASKUPDATE: the text, estimates in the field, logged time, start and delivery."""

from __future__ import annotations

from handlers import messages
from handlers.context import HandlerContext, TaskSnapshot
from handlers.effects import StopClock, WatchTask
from handlers.estimates import ESTIMATE_STATES, WORK_STATES, apply_estimate, estimate_in_work
from handlers.intake import check_text
from handlers.plan import Plan
from handlers.records import TaskRecord, approved_estimate, is_warranty_rework
from handlers.routing import HandlerEvent, Outcome, Router
from rules.billing import billed_minutes, is_urgent
from rules.estimate import Estimate
from rules.lifecycle import Trigger
from rules.overrun import OverrunLevel, decide_overrun, unapproved_parts
from rules.regulation import ClientCompany, RegulationConfig
from rules.sla import REACTION
from rules.types import Role, TaskFacts, TaskState, TaskStatus, TimeEntry
from rules.warranty import warranty_window

router = Router()

TEXT_STATES = (TaskState.NEW, TaskState.NEEDS_INFO)
TIME_STATES = (*ESTIMATE_STATES, TaskState.IN_PROGRESS, TaskState.DONE)
MAX_OBSERVATIONS = 200


@router.register("ONTASKADD", "ONTASKUPDATE")
def on_task_changed(event: HandlerEvent, ctx: HandlerContext) -> Outcome:
    """Re-read the task (events carry ids only) and apply whatever the regulation says now."""
    known = ctx.store.get_task(event.task_id)
    with_time = known is not None and known.state in TIME_STATES
    snapshot = ctx.portal.load_task(event.task_id, with_time_entries=with_time)
    if snapshot is None:
        return Outcome.ignore("the task cannot be read (deleted, or no access)")
    task = snapshot.task
    client = ctx.client_of(task)
    if known is None and not _is_client_task(task, client, snapshot, ctx):
        return Outcome.ignore("not a client task: created by an employee outside client groups")
    plan = Plan(known or new_record(task, client), trigger=f"{event.name} {ctx.source}")
    if known is None:
        _ensure_chat_access(plan, task, ctx)
    reg = ctx.regulation_of(client)
    _observe(plan, task, ctx)
    if plan.record.state in TEXT_STATES:
        check_text(plan, task, snapshot.users, ctx, reg, client)
    else:
        _estimate_from_field(plan, task, ctx, reg)
        completing = _is_done(task, reg) and plan.record.state in (*WORK_STATES, *ESTIMATE_STATES)
        _time_logged(plan, task, snapshot.time_entries, reg, completing=completing)
        _work_started(plan, task, ctx)
        was_done = plan.record.state is TaskState.DONE
        _delivery(plan, task, ctx, reg)
        if was_done:
            _client_acceptance(plan, task, ctx)
    _refresh_facts(plan, task, reg)
    return plan.outcome("nothing changed for the regulation")


def new_record(task: TaskFacts, client: ClientCompany | None) -> TaskRecord:
    return TaskRecord(
        task_id=task.task_id,
        client=client.name if client else "",
        title=task.title,
        created_by=task.created_by,
        responsible_id=task.responsible_id,
        group_id=task.group_id,
        created_at=task.created_at,
        chat_card=task.chat_id is not None,
    )


def _ensure_chat_access(plan: Plan, task: TaskFacts, ctx: HandlerContext) -> None:
    """A client task on the chat card: its comments are chat messages, readable by those with
    read rights on the task; the app's user joins as an auditor (a chat member) in the same
    write batch as its first comment, so no admin has to add it by hand."""
    if task.chat_id and ctx.portal.app_user_id not in task.member_ids:
        plan.add(WatchTask(key=f"watch:{task.task_id}", task_id=task.task_id))


def _is_client_task(
    task: TaskFacts, client: ClientCompany | None, snapshot: TaskSnapshot, ctx: HandlerContext
) -> bool:
    return client is not None or ctx.role_of(task.created_by, snapshot.users) is Role.CLIENT


def _observe(plan: Plan, task: TaskFacts, ctx: HandlerContext) -> None:
    """Keep what the task looked like when it changed: the portal keeps only its final state,
    and `b24app replay` plays the history the app saw."""
    seen = (task.status, task.title, task.description, task.time_estimate_minutes)
    last = plan.record.observations[-1] if plan.record.observations else None
    if last is not None and tuple(last[1:]) == seen:
        return
    at = min(task.changed_at or ctx.now, ctx.now) if last else task.created_at
    entry = (at.isoformat(), *seen)
    plan.update(observations=(*plan.record.observations, entry)[-MAX_OBSERVATIONS:])


def _estimate_from_field(
    plan: Plan, task: TaskFacts, ctx: HandlerContext, reg: RegulationConfig
) -> None:
    """п. 4.1, 3.3: the integrator may set the task's TIME_ESTIMATE field instead of a comment;
    only a change of the field counts, so an old value never comes back as a new estimate."""
    minutes = task.time_estimate_minutes
    record = plan.record
    if minutes is None or minutes == record.field_estimate_seen:
        return
    plan.update(field_estimate_seen=minutes)
    if minutes in (record.estimate_minutes, record.estimate_raw_minutes):
        return  # our own write of the rounded value, or an estimate we already took
    estimate = Estimate(raw_minutes=minutes, by_actual_time=False, term=None)
    source = f"field-{minutes}"
    if record.state in ESTIMATE_STATES:
        apply_estimate(plan, estimate, task, ctx, reg, by=task.responsible_id, source=source)
    elif record.state is TaskState.IN_PROGRESS:
        estimate_in_work(plan, estimate, task, ctx, reg, by=task.responsible_id, source=source)


def _time_logged(
    plan: Plan,
    task: TaskFacts,
    entries: tuple[TimeEntry, ...] | None,
    reg: RegulationConfig,
    *,
    completing: bool,
) -> None:
    """п. 3.1, 3.3: billable minutes (as the bill counts them) against the approved estimate."""
    if entries is None:
        return
    billed = [
        billed_minutes(e.seconds, reg.rounding_unit_minutes)
        for e in sorted(entries, key=lambda e: (e.created_at, e.entry_id))
        if e.seconds >= 0 and not is_warranty_rework(plan.record, e.created_at)
    ]
    billable = sum(billed)
    unapproved = sum(unapproved_parts(billed, approved_estimate(plan.record)))
    record = plan.record
    if (billable, unapproved, task.time_spent_minutes) != (
        record.billable_minutes,
        record.unapproved_minutes,
        record.time_spent_minutes,
    ):
        plan.update(
            billable_minutes=billable,
            unapproved_minutes=unapproved,
            time_spent_minutes=task.time_spent_minutes,
        )
    _overrun(plan, reg, completing=completing)


def _overrun(plan: Plan, reg: RegulationConfig, *, completing: bool) -> None:
    """п. 3.3: past the approved estimate → re-estimate; at 80 % a warning, unless the same
    change completes the task (a warning seconds before «Работа выполнена» helps nobody)."""
    record = plan.record
    approved = approved_estimate(record)
    in_rework = record.rework_since is not None  # warranty time is not billed: nothing to overrun
    if record.state is not TaskState.IN_PROGRESS or approved is None or in_rework:
        return
    billable = record.billable_minutes
    decision = decide_overrun(billable, approved, reg)
    key = f"{approved}"
    if decision.level is OverrunLevel.EXCEEDED and plan.transition(
        Trigger.OVERRUN, billable_minutes=billable, approved_minutes=approved
    ):
        plan.update(overrun_level="exceeded")
        text = messages.overrun_exceeded(billable, approved, completed=completing)
        plan.comment(f"overrun:{key}", text)
    elif (
        decision.level is OverrunLevel.WARNING and record.overrun_level == "none" and not completing
    ):
        plan.update(overrun_level="warning")
        plan.audit("overrun_warning", "3.3", billable_minutes=billable, percent=decision.percent)
        plan.comment(
            f"overrun-warning:{key}",
            messages.overrun_warning(billable, approved, decision.percent),
        )


def _is_done(task: TaskFacts, reg: RegulationConfig) -> bool:
    """п. 5.1: «Ждёт контроля» or «Завершена», or a configured Kanban stage."""
    return task.status in reg.done_statuses or bool(
        task.stage_id and task.stage_id in reg.done_stage_ids
    )


def _work_started(plan: Plan, task: TaskFacts, ctx: HandlerContext) -> None:
    """п. 1.2: the integrator starting the work answers the client too."""
    started = TaskStatus.IN_PROGRESS
    if task.status == started and plan.record.last_status != started:
        plan.add(StopClock(task_id=task.task_id, kind=REACTION, at=ctx.now))


def _delivery(plan: Plan, task: TaskFacts, ctx: HandlerContext, reg: RegulationConfig) -> None:
    """п. 5.1, 5.2: the integrator marks the work done → the client's check window starts; after
    warranty rework the client is told the fix is done, with the new last day."""
    record = plan.record
    if not _is_done(task, reg) or not _may_complete(record):
        return
    previous_last_day = record.warranty_last_day
    reworked = record.rework_since is not None
    if not plan.transition(Trigger.WORK_DONE, status=task.status, stage=task.stage_id):
        return
    window = warranty_window(ctx.now, reg)
    periods = record.rework_periods
    if record.rework_since is not None:
        periods = (*periods, (record.rework_since, ctx.now))
    plan.update(
        done_at=ctx.now,
        warranty_last_day=window.last_day,
        rework_since=None,
        rework_periods=periods,
    )
    plan.add(StopClock(task_id=task.task_id, kind=REACTION, at=ctx.now))
    if reworked:
        text = messages.rework_done(window.last_day, previous_last_day, reg.warranty_days)
    else:
        text = messages.work_done(window.last_day, reg.warranty_days)
    plan.comment(f"done:{len(periods)}", text)


def _may_complete(record: TaskRecord) -> bool:
    """Work in progress, or approved work waiting for the approval of a larger estimate."""
    if record.state in WORK_STATES:
        return True
    waiting = record.state is TaskState.AWAITING_APPROVAL
    return waiting and approved_estimate(record) is not None


def _client_acceptance(plan: Plan, task: TaskFacts, ctx: HandlerContext) -> None:
    """п. 5.2: the client accepts the delivered task in Bitrix24 («Завершена» after «Ждёт
    контроля»): the check window ends; the task is closed."""
    record = plan.record
    accepted = (
        task.status == TaskStatus.COMPLETED
        and record.last_status == TaskStatus.SUPPOSEDLY_COMPLETED
    )
    if record.state is TaskState.DONE and accepted:
        plan.transition(Trigger.CLIENT_ACCEPTED, status=task.status)
        plan.add(StopClock(task_id=task.task_id, kind=REACTION, at=ctx.now))


def _refresh_facts(plan: Plan, task: TaskFacts, reg: RegulationConfig) -> None:
    urgent = is_urgent(task.priority, task.tags, reg)
    record = plan.record
    if (record.title, record.responsible_id, record.last_status, record.urgent) != (
        task.title,
        task.responsible_id,
        task.status,
        urgent,
    ):
        plan.update(
            title=task.title,
            responsible_id=task.responsible_id,
            last_status=task.status,
            urgent=urgent,
        )


@router.register("ONTASKDELETE")
def on_task_deleted(event: HandlerEvent, ctx: HandlerContext) -> Outcome:
    """A deleted task stops its SLA clocks; its record and history stay for the reports."""
    record = ctx.store.get_task(event.task_id)
    if record is None or record.deleted:
        return Outcome.ignore("the app does not track this task")
    plan = Plan(record, trigger=f"{event.name} {ctx.source}")
    plan.update(deleted=True)
    plan.audit("task_deleted", "")
    for kind in ("estimate", "reaction"):
        plan.add(StopClock(task_id=event.task_id, kind=kind, at=ctx.now))
    return plan.outcome("nothing to do")
