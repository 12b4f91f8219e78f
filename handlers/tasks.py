"""ONTASKADD, ONTASKUPDATE: validate the text, pick up estimates, delivery, and logged time."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime

from handlers import messages
from handlers.context import HandlerContext, TaskSnapshot
from handlers.effects import StartClock, StopClock, WatchTask
from handlers.estimates import apply_estimate
from handlers.plan import Plan
from handlers.records import TaskRecord, is_warranty_rework
from handlers.routing import HandlerEvent, Outcome, Router
from rules.estimate import Estimate
from rules.lifecycle import Trigger
from rules.overrun import OverrunLevel, billable_minutes, decide_overrun
from rules.regulation import ClientCompany, RegulationConfig
from rules.types import Role, TaskFacts, TaskState, TimeEntry, UserFacts, UserId
from rules.validation import validate_task
from rules.warranty import warranty_window
from rules.worktime import add_duration

router = Router()

TEXT_STATES = (TaskState.NEW, TaskState.NEEDS_INFO)
ESTIMATE_STATES = (TaskState.AWAITING_ESTIMATE, TaskState.AWAITING_APPROVAL, TaskState.REESTIMATE)
WORK_STATES = (TaskState.IN_PROGRESS, TaskState.REESTIMATE)
TIME_STATES = (*ESTIMATE_STATES, TaskState.IN_PROGRESS, TaskState.DONE)


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
    if plan.record.state in TEXT_STATES:
        check_text(plan, task, snapshot.users, ctx, reg, client)
    else:
        _estimate_from_field(plan, task, ctx, reg)
        _time_logged(plan, task, snapshot.time_entries, ctx, reg)
        _delivery(plan, task, ctx, reg)
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


def text_digest(task: TaskFacts, extra: str = "") -> str:
    body = "\x00".join((task.title, task.description, ",".join(task.crm_bindings), extra))
    return hashlib.sha256(f"{body}\x00{task.attached_files}".encode()).hexdigest()[:32]


def check_text(
    plan: Plan,
    task: TaskFacts,
    users: dict[UserId, UserFacts],
    ctx: HandlerContext,
    reg: RegulationConfig,
    client: ClientCompany | None,
    *,
    extra_text: str = "",
) -> None:
    """п. 1.5, 2.1–2.3: refuse with every problem listed, or accept for estimation."""
    digest = text_digest(task, extra_text)
    if plan.record.state is TaskState.NEEDS_INFO and digest == plan.record.text_digest:
        return
    checked = task
    if extra_text:
        checked = _with_description(task, f"{task.description}\n{extra_text}")
    role = ctx.role_of(task.created_by, users)
    violations = validate_task(checked, reg, client, creator_role=role)
    blocking = [v for v in violations if v.blocking]
    names = {int(u): f.name for u, f in users.items()}
    wanted = {int(i) for v in violations for i in _ids(v.details.get("responsible_ids"))}
    if wanted - set(names):
        names.update(
            {int(u): f.name for u, f in ctx.portal.load_users(wanted - set(names)).items()}
        )
    plan.update(text_digest=digest)
    if blocking:
        codes = tuple(v.code for v in blocking)
        clauses = ", ".join(sorted({v.clause for v in blocking}))
        if plan.transition(Trigger.TASK_INVALID, clause=clauses, violations=codes):
            plan.update(refused_codes=codes)
            plan.comment(f"refusal:{digest}", messages.refusal(violations, names))
        return
    accepted_at = task.created_at if plan.record.state is TaskState.NEW else ctx.now
    warnings = [messages.violation_line(v, names) for v in violations]
    if not plan.transition(Trigger.TASK_VALID, warnings=[v.code for v in violations]):
        return
    plan.update(accepted_at=accepted_at, refused_codes=())
    plan.add(
        StartClock(
            task_id=task.task_id,
            kind="estimate",
            started_at=accepted_at,
            source=f"accepted:{digest}",
        )
    )
    due = _estimate_due(accepted_at, ctx, reg)
    plan.comment("accepted", messages.accepted_for_estimate(due, warnings))
    if client and not ctx.store.company_has_tasks(client.name, except_task=task.task_id):
        plan.comment(f"summary:{client.name}", messages.regulation_summary())


def _estimate_due(accepted_at: datetime, ctx: HandlerContext, reg: RegulationConfig) -> datetime:
    return add_duration(accepted_at, reg.estimate_sla_working_minutes, ctx.calendar)


def _with_description(task: TaskFacts, description: str) -> TaskFacts:
    return dataclasses.replace(task, description=description)


def _estimate_from_field(
    plan: Plan, task: TaskFacts, ctx: HandlerContext, reg: RegulationConfig
) -> None:
    """п. 4.1: the integrator may set the task's TIME_ESTIMATE field instead of a comment."""
    minutes = task.time_estimate_minutes
    record = plan.record
    if minutes is None or record.state not in ESTIMATE_STATES:
        return
    if minutes in (record.estimate_minutes, record.estimate_raw_minutes):
        return  # our own write of the rounded value, or an estimate we already took
    estimate = Estimate(raw_minutes=minutes, by_actual_time=False, term=None)
    apply_estimate(
        plan, estimate, task, ctx, reg, by=task.responsible_id, source=f"field-{minutes}"
    )


def _time_logged(
    plan: Plan,
    task: TaskFacts,
    entries: tuple[TimeEntry, ...] | None,
    ctx: HandlerContext,
    reg: RegulationConfig,
) -> None:
    """п. 3.1, 3.3: billable minutes (each entry rounded up) against the approved estimate."""
    if entries is None:
        return
    billable = billable_minutes(
        (e for e in entries if not is_warranty_rework(plan.record, e.created_at)),
        reg.rounding_unit_minutes,
    )
    if (
        billable == plan.record.billable_minutes
        and task.time_spent_minutes == plan.record.time_spent_minutes
    ):
        return
    plan.update(billable_minutes=billable, time_spent_minutes=task.time_spent_minutes)
    record = plan.record
    if record.state is not TaskState.IN_PROGRESS or record.estimate_minutes is None:
        return
    decision = decide_overrun(billable, record.estimate_minutes, reg)
    key = f"{record.estimate_minutes}"
    if decision.level is OverrunLevel.EXCEEDED and plan.transition(
        Trigger.OVERRUN, billable_minutes=billable, approved_minutes=record.estimate_minutes
    ):
        plan.update(overrun_level="exceeded")
        plan.comment(f"overrun:{key}", messages.overrun_exceeded(billable, record.estimate_minutes))
    elif decision.level is OverrunLevel.WARNING and record.overrun_level == "none":
        plan.update(overrun_level="warning")
        plan.audit("overrun_warning", "3.3", billable_minutes=billable, percent=decision.percent)
        plan.comment(
            f"overrun-warning:{key}",
            messages.overrun_warning(billable, record.estimate_minutes, decision.percent),
        )


def _delivery(plan: Plan, task: TaskFacts, ctx: HandlerContext, reg: RegulationConfig) -> None:
    """п. 5.1, 5.2: the integrator marks the work done → the client's 14-day check starts."""
    done = task.status in reg.done_statuses or (
        task.stage_id and task.stage_id in reg.done_stage_ids
    )
    if not done or plan.record.state not in WORK_STATES:
        return
    round_no = len(plan.record.rework_periods)
    if not plan.transition(Trigger.WORK_DONE, status=task.status, stage=task.stage_id):
        return
    window = warranty_window(ctx.now, reg)
    periods = plan.record.rework_periods
    if plan.record.rework_since is not None:
        periods = (*periods, (plan.record.rework_since, ctx.now))
    plan.update(
        done_at=ctx.now,
        warranty_last_day=window.last_day,
        rework_since=None,
        rework_periods=periods,
    )
    plan.add(StopClock(task_id=task.task_id, kind="reaction", at=ctx.now))
    plan.comment(f"done:{round_no}", messages.work_done(window.last_day))


def _refresh_facts(plan: Plan, task: TaskFacts, reg: RegulationConfig) -> None:
    urgent = task.priority >= reg.urgent_priority or reg.urgent_tag.casefold() in {
        t.casefold() for t in task.tags
    }
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


def _ids(value: object) -> tuple[int, ...]:
    return tuple(int(i) for i in value) if isinstance(value, tuple | list) else ()
