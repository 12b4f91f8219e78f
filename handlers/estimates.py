"""п. 3.1, 3.4, 3.5, 4.1–4.3: an estimate arrives (comment or field) and is approved."""

from __future__ import annotations

from datetime import datetime

from handlers import messages
from handlers.context import HandlerContext
from handlers.effects import StopClock, TaskAction, UpdateTask
from handlers.plan import Plan
from rules.deadlines import deadline_for_term, describe_term
from rules.estimate import Estimate, Term, needs_approval, round_up_minutes
from rules.lifecycle import Trigger
from rules.regulation import RegulationConfig
from rules.types import TaskFacts, TaskState, UserId

PENDING_STATUSES = (1, 2)  # «Новая», «Ждёт выполнения»: the app starts such a task when accepted


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
    """п. 3.5: auto-accept at ≤ 60 min, else п. 4.2 approval; the task gets the rounded value."""
    raw = estimate.raw_minutes
    rounded = None if raw is None else round_up_minutes(raw, reg.rounding_unit_minutes)
    approval = needs_approval(estimate, rounded, reg)
    trigger = Trigger.ESTIMATE_NEEDS_APPROVAL if approval else Trigger.ESTIMATE_AUTO_ACCEPTED
    if not plan.transition(trigger, raw_minutes=raw, rounded_minutes=rounded, by=by, source=source):
        return False
    term = estimate.term or Term()
    plan.update(
        estimate_raw_minutes=raw,
        estimate_minutes=rounded,
        by_actual_time=estimate.by_actual_time,
        auto_accepted=not approval,
        estimated_by=by,
        estimated_at=ctx.now,
        term=describe_term(estimate.term),
        term_working_days=term.working_days,
        term_calendar_days=term.calendar_days,
        term_until=term.until,
        approved_by=None,
        approved_at=None,
        overrun_level="none",
    )
    plan.add(StopClock(task_id=task.task_id, kind="estimate", at=at or ctx.now))
    if rounded is not None and task.time_estimate_minutes != rounded:
        plan.add(
            UpdateTask(
                key=f"estimate-field:{task.task_id}:{source}",
                task_id=task.task_id,
                time_estimate_minutes=rounded,
            )
        )
    if approval:
        plan.comment(
            f"approval-requested:{source}",
            messages.approval_requested(raw, rounded, plan.record.term),
        )
        return True
    deadline = _deadline(plan, ctx, reg)
    plan.comment(f"auto-accepted:{source}", messages.auto_accepted(raw, rounded or 0, deadline))
    _start_work(plan, task, deadline, source)
    return True


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
    plan.update(approved_by=by, approved_at=ctx.now)
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
