"""п. 1.5, 2.1–2.3: a new task's text is checked (only tasks written by clients) and accepted."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import datetime

from handlers import messages
from handlers.context import HandlerContext
from handlers.effects import AddComment, StartClock
from handlers.plan import Plan
from rules.lifecycle import Trigger
from rules.regulation import ClientCompany, RegulationConfig
from rules.sla import ESTIMATE, plan_clock
from rules.types import Role, TaskFacts, TaskId, TaskState, UserFacts, UserId
from rules.validation import Violation, validate_task


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
) -> None:
    """п. 1.5, 2.1–2.3: refuse with every problem listed, or accept for estimation.

    Only tasks written by clients are checked (REGULATION.md, "2.1–2.3 scope"); the client's
    comments written since a refusal count as part of the text, so a fix spread over two
    comments is read whole.
    """
    extra = "\n".join(plan.record.supplements)
    digest = text_digest(task, extra)
    if plan.record.state is TaskState.NEEDS_INFO and digest == plan.record.text_digest:
        return
    plan.update(text_digest=digest)
    origin = ctx.store.origin_of_app_task(task)
    if origin is not None or ctx.role_of(task.created_by, users) is not Role.CLIENT:
        _accept_unchecked(plan, task, ctx, reg, origin)
        return
    checked = dataclasses.replace(task, description=f"{task.description}\n{extra}".strip())
    violations = validate_task(checked, reg, client, creator_role=Role.CLIENT)
    names = _names(violations, users, ctx)
    blocking = [v for v in violations if v.blocking]
    if blocking:
        codes = tuple(v.code for v in blocking)
        clauses = ", ".join(sorted({v.clause for v in blocking}))
        if plan.transition(Trigger.TASK_INVALID, clause=clauses, violations=codes):
            plan.update(refused_codes=codes)
            plan.comment(f"refusal:{digest}", messages.refusal(violations, names))
            _summary(plan, task, ctx, reg, client)
        return
    accepted_at = task.created_at if plan.record.state is TaskState.NEW else ctx.now
    if not plan.transition(Trigger.TASK_VALID, warnings=[v.code for v in violations]):
        return
    clock = _start_estimate_clock(plan, task, ctx, reg, accepted_at, digest)
    warnings = [messages.violation_line(v, names) for v in violations]
    plan.comment("accepted", messages.accepted_for_estimate(clock.due_at, warnings))
    _summary(plan, task, ctx, reg, client)


def _accept_unchecked(
    plan: Plan, task: TaskFacts, ctx: HandlerContext, reg: RegulationConfig, origin: int | None
) -> None:
    """An employee's task, or the one the app created for a late comment: no text check; the
    estimate, approval, SLA and billing rules apply as to any task of that client."""
    reason = "created by the app for a late comment" if origin else "created by an employee"
    if not plan.transition(Trigger.TASK_VALID, checked=False, reason=reason, origin=origin):
        return
    accepted_at = task.created_at if plan.record.state is TaskState.NEW else ctx.now
    clock = _start_estimate_clock(plan, task, ctx, reg, accepted_at, plan.record.text_digest)
    plan.comment("accepted", messages.accepted_without_check(clock.due_at, origin))
    if origin is not None:
        _answer_late_comment(plan, task, ctx, reg, origin)


def _answer_late_comment(
    plan: Plan, task: TaskFacts, ctx: HandlerContext, reg: RegulationConfig, origin: int
) -> None:
    """п. 3.2: one reply to the late comment, naming the task the app created for it."""
    source = ctx.store.get_task(TaskId(origin))
    last_day = source.warranty_last_day if source else None
    if last_day is None:
        return
    text = messages.late_comment(last_day, reg.warranty_days, int(task.task_id))
    key = f"late-reply:{origin}:{task.task_id}"
    plan.add(AddComment(key=key, task_id=TaskId(origin), text=text))


def _start_estimate_clock(
    plan: Plan,
    task: TaskFacts,
    ctx: HandlerContext,
    reg: RegulationConfig,
    accepted_at: datetime,
    digest: str,
) -> StartClock:
    """п. 4.1: the estimate clock, sized with the client's regulation (rules.sla)."""
    plan.update(accepted_at=accepted_at, refused_codes=(), supplements=())
    clock = StartClock.planned(
        task.task_id, plan_clock(ESTIMATE, accepted_at, reg, ctx.calendar), f"accepted:{digest}"
    )
    plan.add(clock)
    return clock


def _summary(
    plan: Plan,
    task: TaskFacts,
    ctx: HandlerContext,
    reg: RegulationConfig,
    client: ClientCompany | None,
) -> None:
    """The first task of a client company gets the summary — refused or accepted."""
    if client and ctx.store.needs_regulation_summary(client.name, except_task=task.task_id):
        plan.comment(f"summary:{client.name}", messages.regulation_summary(reg))


def _names(
    violations: Sequence[Violation], users: dict[UserId, UserFacts], ctx: HandlerContext
) -> dict[int, str]:
    names = {int(u): f.name for u, f in users.items()}
    wanted = {int(i) for v in violations for i in _ids(v.details.get("responsible_ids"))}
    if wanted - set(names):
        loaded = ctx.portal.load_users(wanted - set(names))
        names.update({int(u): f.name for u, f in loaded.items()})
    return names


def _ids(value: object) -> tuple[int, ...]:
    return tuple(int(i) for i in value) if isinstance(value, tuple | list) else ()
