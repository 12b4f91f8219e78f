"""ONTASKCOMMENTADD: estimates from integrators, approval and warranty reports from clients."""

from __future__ import annotations

from handlers import messages
from handlers.context import CommentSnapshot, HandlerContext
from handlers.effects import CreateTask, StartClock, StopClock, TaskAction
from handlers.estimates import apply_approval, apply_estimate
from handlers.plan import Plan
from handlers.routing import HandlerEvent, Outcome, Router
from handlers.tasks import ESTIMATE_STATES, check_text
from rules.approval import decide_approval, is_acknowledgement_text
from rules.comments import to_plain
from rules.estimate import parse_estimate
from rules.lifecycle import Trigger
from rules.regulation import ClientCompany, PackageKind, RegulationConfig
from rules.types import CommentFacts, Role, TaskState
from rules.warranty import decide_client_comment_after_done, warranty_window

router = Router()

AFTER_DONE = (TaskState.DONE, TaskState.CLOSED)


@router.register("ONTASKCOMMENTADD")
def on_comment_added(event: HandlerEvent, ctx: HandlerContext) -> Outcome:
    """Read the comment (classic card) or chat message (new card) and act on who wrote it."""
    if ctx.store.is_own_comment_id(event.task_id, event.comment_id or event.message_id):
        return Outcome.ignore("the app's own comment")
    record = ctx.store.get_task(event.task_id)
    if record is None:  # checked before reading: other tasks' chats may be closed to the app
        return Outcome.ignore("the app does not track this task")
    snapshot = ctx.portal.load_comment(event.task_id, event.comment_id, event.message_id)
    if snapshot is None:
        return Outcome.ignore("the comment cannot be read (deleted, or no access)")
    comment = snapshot.comment
    if ctx.store.is_own_comment(event.task_id, comment):
        return Outcome.ignore("the app's own comment")
    role = ctx.role_of(comment.author_id, snapshot.users)
    if role is Role.SYSTEM:
        return Outcome.ignore("a portal service message, not a person's comment")
    if comment.comment_id in record.processed_comments:
        return Outcome.ignore("this comment was handled already")
    plan = Plan(record, trigger=f"comment {comment.comment_id} ({ctx.source})")
    plan.remember_comment(comment.comment_id)
    client = ctx.client_of(snapshot.task)
    reg = ctx.regulation_of(client)
    if role is Role.INTEGRATOR:
        _from_integrator(plan, snapshot, ctx, reg)
    else:
        _from_client(plan, snapshot, ctx, reg, client)
    return plan.outcome("nothing to do")


def _from_integrator(
    plan: Plan, snapshot: CommentSnapshot, ctx: HandlerContext, reg: RegulationConfig
) -> None:
    """п. 1.2: an integrator's answer stops the reaction clock; п. 4.1: it may carry an estimate."""
    comment = snapshot.comment
    # stopped at the answer's own time: after downtime the clock still shows the real reaction
    plan.add(
        StopClock(task_id=comment.task_id, kind="reaction", at=min(comment.posted_at, ctx.now))
    )
    if plan.record.state not in ESTIMATE_STATES:
        return
    estimate = parse_estimate(to_plain(comment.text), comment.posted_at.date())
    if estimate is None:
        return
    apply_estimate(
        plan,
        estimate,
        snapshot.task,
        ctx,
        reg,
        by=comment.author_id,
        source=f"c{comment.comment_id}",
        at=min(comment.posted_at, ctx.now),
    )


def _from_client(
    plan: Plan,
    snapshot: CommentSnapshot,
    ctx: HandlerContext,
    reg: RegulationConfig,
    client: ClientCompany | None,
) -> None:
    comment = snapshot.comment
    state = plan.record.state
    _acknowledgement(plan, comment, client)
    if state is TaskState.AWAITING_APPROVAL:
        _approval(plan, snapshot, ctx, reg, client)
    elif state is TaskState.NEEDS_INFO:
        check_text(plan, snapshot.task, snapshot.users, ctx, reg, client, extra_text=comment.text)
    elif state in AFTER_DONE:
        _after_delivery(plan, snapshot, ctx, reg)
    if plan.record.state not in AFTER_DONE and _has_contract(client, ctx):
        plan.add(
            StartClock(
                task_id=comment.task_id,
                kind="reaction",
                started_at=comment.posted_at,
                source=f"c{comment.comment_id}",
            )
        )


def _has_contract(client: ClientCompany | None, ctx: HandlerContext) -> bool:
    """п. 1.2, 1.3: only contract clients have a guaranteed reaction time."""
    return client is not None and client.package_on(ctx.now.date()) is not PackageKind.NONE


def _approval(
    plan: Plan,
    snapshot: CommentSnapshot,
    ctx: HandlerContext,
    reg: RegulationConfig,
    client: ClientCompany | None,
) -> None:
    """п. 4.2: «Согласовано» from a client of the company approves; anything else is discussion."""
    comment = snapshot.comment
    author = comment.author_id
    company_users = client.all_user_ids() if client else ()
    decision = decide_approval(
        comment.text,
        Role.CLIENT,
        plan.record.state,
        is_company_user=client is None or not company_users or author in company_users,
        is_responsible=client is None or author in _responsibles(client),
        config=reg,
    )
    if not decision.approved:
        plan.audit("discussion", "4.2", reason=decision.reason, comment_id=comment.comment_id)
        return
    user = snapshot.users.get(author)
    apply_approval(
        plan,
        snapshot.task,
        ctx,
        reg,
        by=author,
        by_name=user.name if user else f"#{author}",
        source=f"c{comment.comment_id}",
    )


def _responsibles(client: ClientCompany) -> tuple[int, ...]:
    return (*client.responsible_ids, *(d.responsible_id for d in client.departments))


def _acknowledgement(plan: Plan, comment: CommentFacts, client: ClientCompany | None) -> None:
    """«С регламентом ознакомлен(а)»: recorded when the company's responsible says so."""
    if client is None or comment.author_id not in _responsibles(client):
        return
    if is_acknowledgement_text(to_plain(comment.text)):
        plan.audit("regulation_acknowledged", "", by=comment.author_id, company=client.name)


def _after_delivery(
    plan: Plan, snapshot: CommentSnapshot, ctx: HandlerContext, reg: RegulationConfig
) -> None:
    """п. 3.2: inside 14 days the comment reopens the work (not billed); later it is a new task."""
    comment = snapshot.comment
    record = plan.record
    window = warranty_window(record.done_at or comment.posted_at, reg)
    decision = decide_client_comment_after_done(window, comment.posted_at, reg)
    task = snapshot.task
    if decision.in_window and plan.transition(
        Trigger.WARRANTY_REWORK, comment_id=comment.comment_id
    ):
        plan.update(rework_since=ctx.now)
        plan.comment(f"rework:c{comment.comment_id}", messages.warranty_rework(decision.last_day))
        action = "disapprove" if task.status == 4 else "renew"
        plan.add(
            TaskAction(
                key=f"reopen:{task.task_id}:c{comment.comment_id}",
                task_id=task.task_id,
                action=action,
            )
        )
        return
    if decision.in_window:
        return
    plan.audit(
        "late_comment",
        "3.2",
        last_day=decision.last_day.isoformat(),
        new_task=decision.create_new_task,
        comment_id=comment.comment_id,
    )
    plan.comment(
        f"late:c{comment.comment_id}",
        messages.late_comment(decision.last_day, decision.create_new_task),
    )
    if decision.create_new_task:
        author = snapshot.users.get(comment.author_id)
        plan.add(
            CreateTask(
                key=f"late-task:{task.task_id}:c{comment.comment_id}",
                origin_task_id=task.task_id,
                title=messages.late_task_title(task.task_id, task.title),
                description=messages.late_task_description(
                    task.task_id, comment.text, author.name if author else "клиента"
                ),
                created_by=comment.author_id,
                responsible_id=task.responsible_id,
                group_id=task.group_id,
            )
        )
