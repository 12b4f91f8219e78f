"""ONTASKCOMMENTADD: estimates from integrators; approval, fixes and remarks from clients."""

from __future__ import annotations

from handlers import messages
from handlers.context import CommentSnapshot, HandlerContext
from handlers.effects import CreateTask, Notify, StartClock, StopClock, TaskAction
from handlers.estimates import (
    ESTIMATE_STATES,
    apply_approval,
    apply_estimate,
    estimate_in_work,
    estimate_unreadable,
)
from handlers.intake import check_text
from handlers.plan import Plan
from handlers.records import approved_estimate
from handlers.routing import HandlerEvent, Outcome, Router
from rules import approval as approval_rule
from rules.approval import decide_approval, is_acknowledgement_text
from rules.comments import read_bbcode, to_plain
from rules.estimate import Estimate, Unreadable
from rules.estimate_text import parse_estimate
from rules.lifecycle import Trigger
from rules.regulation import ClientCompany, PackageKind, RegulationConfig
from rules.remarks import Remark, classify_remark, expects_answer
from rules.sla import REACTION, plan_clock
from rules.types import CommentFacts, Role, TaskState, TaskStatus, UserId
from rules.warranty import (
    AfterDelivery,
    WarrantyDecision,
    decide_client_comment_after_done,
    promised_window,
)

router = Router()

AFTER_DONE = (TaskState.DONE, TaskState.CLOSED)
EXCERPT = 300  # characters of a comment quoted back to the integrator


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
    """п. 1.2: an integrator's answer stops the reaction clock; п. 4.1, 3.3: it may carry an
    estimate (in work only when it says «оценка»: a bare «2 ч» there is no new estimate)."""
    comment = snapshot.comment
    at = min(comment.posted_at, ctx.now)  # after downtime the clock shows the real reaction
    plan.add(StopClock(task_id=comment.task_id, kind=REACTION, at=at))
    state = plan.record.state
    if state not in (*ESTIMATE_STATES, TaskState.IN_PROGRESS):
        return
    bare = state in (TaskState.AWAITING_ESTIMATE, TaskState.REESTIMATE)
    read = parse_estimate(to_plain(comment.text), comment.posted_at.date(), reg, bare_allowed=bare)
    source, by = f"c{comment.comment_id}", comment.author_id
    if isinstance(read, Unreadable):
        estimate_unreadable(plan, read, snapshot.task, by=by, source=source)
    elif isinstance(read, Estimate) and state is TaskState.IN_PROGRESS:
        estimate_in_work(plan, read, snapshot.task, ctx, reg, by=by, source=source)
    elif isinstance(read, Estimate):
        apply_estimate(plan, read, snapshot.task, ctx, reg, by=by, source=source, at=at)


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
    waits = expects_answer(to_plain(comment.text))
    if state is TaskState.AWAITING_APPROVAL:
        waits = _approval(plan, snapshot, ctx, reg, client) and waits
    elif state is TaskState.NEEDS_INFO:
        plan.update(supplements=(*plan.record.supplements, comment.text)[-20:])
        check_text(plan, snapshot.task, snapshot.users, ctx, reg, client)
        waits = False  # what was missing: the app itself answers (accepts or says what is left)
    elif state in AFTER_DONE:
        waits = _after_delivery(plan, snapshot, ctx, reg)
    if waits and _has_contract(client, ctx):
        clock = plan_clock(REACTION, comment.posted_at, reg, ctx.calendar)
        plan.add(StartClock.planned(comment.task_id, clock, f"c{comment.comment_id}"))


def _has_contract(client: ClientCompany | None, ctx: HandlerContext) -> bool:
    """п. 1.2, 1.3: only contract clients have a guaranteed reaction time."""
    return client is not None and client.package_on(ctx.now.date()) is not PackageKind.NONE


def _approval(
    plan: Plan,
    snapshot: CommentSnapshot,
    ctx: HandlerContext,
    reg: RegulationConfig,
    client: ClientCompany | None,
) -> bool:
    """п. 4.2: «Согласовано» from a client of the company approves. Consent in other words is
    answered with the word the regulation asks for; a reservation goes to the integrator.
    Returns whether the comment still waits for a person's answer."""
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
        estimate_minutes=plan.record.estimate_minutes,
        approved_minutes=approved_estimate(plan.record),
    )
    source = f"c{comment.comment_id}"
    if decision.approved:
        user = snapshot.users.get(author)
        name = user.name if user else f"#{author}"
        apply_approval(plan, snapshot.task, ctx, reg, by=author, by_name=name, source=source)
        return True
    plan.audit("discussion", "4.2", reason=decision.reason, comment_id=comment.comment_id)
    if decision.reason == approval_rule.CONSENT_WITHOUT_WORD:
        plan.comment(f"consent:{source}", messages.consent_needs_word(plan.record.estimate_minutes))
        return False
    if decision.reason in (approval_rule.RESERVATION, approval_rule.CONDITIONAL):
        text = messages.approval_with_reservation(
            comment.task_id, plan.record.title, _excerpt(comment)
        )
        _tell_integrator(plan, f"reservation:{source}", text)
    return True


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
) -> bool:
    """п. 3.2, 5.x: a defect inside the window reopens the work (not billed); after it, a new
    task; thanks change nothing; a question or anything unclear goes to the integrator.
    Returns whether the comment waits for a person's answer (the reaction clock, п. 1.2)."""
    comment = snapshot.comment
    record = plan.record
    remark = classify_remark(to_plain(comment.text))
    window = promised_window(record.done_at or comment.posted_at, record.warranty_last_day, reg)
    decision = decide_client_comment_after_done(
        window, comment.posted_at, remark, reg, accepted=record.state is TaskState.CLOSED
    )
    plan.audit(
        "remark_after_delivery",
        "3.2",
        remark=remark.value,
        action=decision.action.value,
        comment_id=comment.comment_id,
    )
    if decision.action is AfterDelivery.REWORK:
        _rework(plan, snapshot, ctx, decision)
        return True
    if decision.action is AfterDelivery.NEW_TASK:
        _late(plan, snapshot, ctx, reg, decision)
        return False
    if decision.action is AfterDelivery.ASK_INTEGRATOR:
        text = messages.remark_needs_decision(
            comment.task_id, record.title, _excerpt(comment), remark is Remark.QUESTION
        )
        _tell_integrator(plan, f"remark:c{comment.comment_id}", text)
        return True
    return False


def _rework(
    plan: Plan, snapshot: CommentSnapshot, ctx: HandlerContext, decision: WarrantyDecision
) -> None:
    """п. 3.2: warranty rework: the task goes back to work, not billed; the client is told."""
    comment, task = snapshot.comment, snapshot.task
    if not plan.transition(Trigger.WARRANTY_REWORK, comment_id=comment.comment_id):
        return
    plan.update(rework_since=ctx.now)
    plan.comment(f"rework:c{comment.comment_id}", messages.warranty_rework(decision.last_day))
    action = "disapprove" if task.status == TaskStatus.SUPPOSEDLY_COMPLETED else "renew"
    key = f"reopen:{task.task_id}:c{comment.comment_id}"
    plan.add(TaskAction(key=key, task_id=task.task_id, action=action))


def _late(
    plan: Plan,
    snapshot: CommentSnapshot,
    ctx: HandlerContext,
    reg: RegulationConfig,
    decision: WarrantyDecision,
) -> None:
    """п. 3.2: after the window a defect is a new task. With the new task the one reply, naming
    its number, is written when the task exists (handlers.intake); without it, here."""
    comment, task = snapshot.comment, snapshot.task
    plan.audit(
        "late_comment",
        "3.2",
        last_day=decision.last_day.isoformat(),
        new_task=decision.create_new_task,
        comment_id=comment.comment_id,
    )
    if plan.record.state is TaskState.DONE:
        plan.transition(Trigger.WARRANTY_EXPIRED, last_day=decision.last_day.isoformat())
        plan.add(StopClock(task.task_id, REACTION, ctx.now))
    if not decision.create_new_task:
        text = messages.late_comment(decision.last_day, reg.warranty_days, None)
        plan.comment(f"late:c{comment.comment_id}", text)
        return
    author = snapshot.users.get(comment.author_id)
    plan.add(
        CreateTask(
            key=f"late-task:{task.task_id}:c{comment.comment_id}",
            origin_task_id=task.task_id,
            title=messages.late_task_title(task.task_id, task.title),
            description=messages.late_task_description(
                task.task_id, comment.text, author.name if author else "клиент"
            ),
            created_by=comment.author_id,
            responsible_id=task.responsible_id,
            group_id=task.group_id,
        )
    )


def _tell_integrator(plan: Plan, key: str, text: str) -> None:
    """A question to the person who decides: the responsible integrator."""
    responsible = plan.record.responsible_id
    if responsible:
        task_id = plan.record.task_id
        plan.add(Notify(f"{key}:{task_id}:{responsible}", UserId(responsible), text, task_id))


def _excerpt(comment: CommentFacts) -> str:
    text = " ".join(read_bbcode(comment.text).text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
