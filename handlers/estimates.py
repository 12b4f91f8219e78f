"""п. 3.1, 3.3–3.5, 4.1–4.3: an estimate arrives (comment or field) and is approved."""

from __future__ import annotations

from datetime import datetime

from handlers import messages
from handlers.context import HandlerContext
from handlers.effects import Notify, StopClock, TaskAction, UpdateTask
from handlers.plan import Plan
from handlers.records import approved_estimate
from rules.deadlines import deadline_for_term, describe_term
from rules.estimate import Estimate, Term, Unreadable, needs_approval, round_up_minutes
from rules.lifecycle import Trigger
from rules.regulation import RegulationConfig
from rules.types import TaskFacts, TaskState, TaskStatus, UserId

# «Новая», «Ждёт выполнения»: the app starts such a task when accepted
PENDING_STATUSES = (TaskStatus.NEW, TaskStatus.PENDING)
ESTIMATE_STATES = (TaskState.AWAITING_ESTIMATE, TaskState.AWAITING_APPROVAL, TaskState.REESTIMATE)
WORK_STATES = (TaskState.IN_PROGRESS, TaskState.REESTIMATE)


def with_addition(estimate: Estimate, approved: int | None) -> Estimate:
    """п. 3.3: «ещё 2 часа» adds to the approved estimate."""
    if not estimate.additional or approved is None or estimate.raw_minutes is None:
        return estimate
    return Estimate(
        raw_minutes=approved + estimate.raw_minutes,
        by_actual_time=False,
        term=estimate.term,
        parts=(approved, estimate.raw_minutes),
        additional=True,
        day_minutes=estimate.day_minutes,
        spent_minutes=estimate.spent_minutes,
        is_range=estimate.is_range,
    )


def apply_estimate(
    plan: Plan,
    estimate: Estimate,
    task: TaskFacts,
    ctx: HandlerContext,
    reg: RegulationConfig,
    *,
    by: UserId,
    source: str,
    at: datetime | None = None,
) -> bool:
    """п. 3.5: auto-accept at ≤ 60 min, else п. 4.2 approval; the task gets the rounded value.
    A new estimate of work already approved (re-estimate, п. 3.3) says so and cites п. 3.3."""
    previous = approved_estimate(plan.record)
    again = plan.record.state in (TaskState.REESTIMATE, TaskState.IN_PROGRESS) or (
        plan.record.state is TaskState.AWAITING_APPROVAL and previous is not None
    )
    estimate = with_addition(estimate, previous)
    raw = estimate.raw_minutes
    rounded = None if raw is None else round_up_minutes(raw, reg.rounding_unit_minutes)
    approval = needs_approval(estimate, rounded, reg)
    trigger = Trigger.ESTIMATE_NEEDS_APPROVAL if approval else Trigger.ESTIMATE_AUTO_ACCEPTED
    if not plan.transition(trigger, raw_minutes=raw, rounded_minutes=rounded, by=by, source=source):
        return False
    _remember(plan, estimate, rounded, approval, by, ctx)
    plan.add(StopClock(task_id=task.task_id, kind="estimate", at=at or ctx.now))
    if rounded is not None and task.time_estimate_minutes != rounded:
        key = f"estimate-field:{task.task_id}:{source}"
        plan.add(UpdateTask(key=key, task_id=task.task_id, time_estimate_minutes=rounded))
    how = messages.how_read(estimate)
    if approval:
        term = plan.record.term
        text = (
            messages.reestimate_requested(previous, raw, rounded, term, reg, how)
            if again
            else messages.approval_requested(raw, rounded, term, reg, how)
        )
        plan.comment(f"approval-requested:{source}", text)
        return True
    plan.update(approved_minutes=rounded)
    deadline = _deadline(plan, ctx, reg)
    text = messages.auto_accepted(raw, rounded or 0, deadline, reg, how)
    plan.comment(f"auto-accepted:{source}", text)
    _start_work(plan, task, deadline, source)
    return True


def _remember(
    plan: Plan,
    estimate: Estimate,
    rounded: int | None,
    approval: bool,
    by: UserId,
    ctx: HandlerContext,
) -> None:
    term = estimate.term or Term()
    keep_term = estimate.term is None and bool(plan.record.term)  # a re-estimate without a term
    plan.update(
        estimate_raw_minutes=estimate.raw_minutes,
        estimate_minutes=rounded,
        by_actual_time=estimate.by_actual_time,
        auto_accepted=not approval,
        estimated_by=by,
        estimated_at=ctx.now,
        overrun_level="none",
    )
    if not keep_term:
        plan.update(
            term=describe_term(estimate.term),
            term_working_days=term.working_days,
            term_calendar_days=term.calendar_days,
            term_until=term.until,
        )


def estimate_in_work(
    plan: Plan,
    estimate: Estimate,
    task: TaskFacts,
    ctx: HandlerContext,
    reg: RegulationConfig,
    *,
    by: UserId,
    source: str,
) -> None:
    """п. 3.3: a new estimate written while the task is in work. A larger one (or «по факту»)
    is agreed like the first; one that is not larger changes nothing."""
    approved = approved_estimate(plan.record)
    total = with_addition(estimate, approved)
    larger = (
        total.by_actual_time
        or approved is None
        or round_up_minutes(total.raw_minutes or 0, reg.rounding_unit_minutes) > approved
    )
    if not larger:
        plan.audit("estimate_not_larger", "3.3", raw_minutes=total.raw_minutes, source=source)
        return
    apply_estimate(plan, estimate, task, ctx, reg, by=by, source=source)


def estimate_unreadable(
    plan: Plan, unreadable: Unreadable, task: TaskFacts, *, by: UserId, source: str
) -> None:
    """п. 4.1: nothing is accepted; the integrator (not the client) is asked to write it again."""
    plan.audit("estimate_unreadable", "4.1", reason=unreadable.reason, by=by, source=source)
    text = messages.estimate_unreadable(task.task_id, task.title, unreadable.fragment)
    plan.add(Notify(f"estimate-unreadable:{task.task_id}:{source}", by, text, task.task_id))


def apply_approval(
    plan: Plan,
    task: TaskFacts,
    ctx: HandlerContext,
    reg: RegulationConfig,
    *,
    by: UserId,
    by_name: str,
    source: str,
) -> None:
    """п. 4.2, 4.3: «Согласовано» → in progress; the agreed term counts from now."""
    if not plan.transition(Trigger.APPROVED, by=by, source=source):
        return
    plan.update(approved_by=by, approved_at=ctx.now, approved_minutes=plan.record.estimate_minutes)
    deadline = _deadline(plan, ctx, reg)
    plan.comment(f"approved:{source}", messages.approved(by_name, deadline))
    _start_work(plan, task, deadline, source)


def _deadline(plan: Plan, ctx: HandlerContext, reg: RegulationConfig) -> datetime | None:
    record = plan.record
    if not reg.set_deadline_from_term:
        return None
    term = Term(record.term_working_days, record.term_calendar_days, record.term_until)
    deadline = deadline_for_term(term, ctx.now, ctx.calendar)
    if deadline is not None:
        plan.update(deadline=deadline)
    return deadline


def _start_work(plan: Plan, task: TaskFacts, deadline: datetime | None, source: str) -> None:
    """The state implies the portal status: accepted work is «Выполняется»."""
    if deadline is not None:
        plan.add(
            UpdateTask(
                key=f"deadline:{task.task_id}:{source}", task_id=task.task_id, deadline=deadline
            )
        )
    if task.status in PENDING_STATUSES and plan.record.state is TaskState.IN_PROGRESS:
        plan.add(
            TaskAction(key=f"start:{task.task_id}:{source}", task_id=task.task_id, action="start")
        )
