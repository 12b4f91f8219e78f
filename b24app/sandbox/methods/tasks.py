"""tasks.task.* (§4.1-4.3): camelCase output, select, prefixed filters, 50-row pages."""

from __future__ import annotations

from typing import Any

from b24app.sandbox import taskops
from b24app.sandbox.errors import action_not_allowed, core
from b24app.sandbox.filters import apply_order, matches, page
from b24app.sandbox.methods import CallContext, ListResult, arg, as_int, method, required
from b24app.sandbox.model import Task
from b24app.sandbox.taskfields import getter_for, to_camel


def _out(ctx: CallContext, task: Task, select: Any = None) -> dict[str, Any]:
    return {"task": to_camel(ctx.core.state, task, select, ctx.core.now())}


@method("tasks.task.add")
def task_add(ctx: CallContext, params: Any) -> Any:
    fields = required(params, "fields")
    task = taskops.create_task(ctx.core, ctx.user_id, fields, connector=ctx.connector)
    return _out(ctx, task)


@method("tasks.task.update")
def task_update(ctx: CallContext, params: Any) -> Any:
    task = taskops.find_task(ctx.core, ctx.user_id, required(params, "taskId"))
    if not ctx.core.can_edit(ctx.user_id, task):
        raise action_not_allowed()
    fields = required(params, "fields")
    taskops.update_task(ctx.core, ctx.user_id, task, fields, connector=ctx.connector)
    return _out(ctx, task)


@method("tasks.task.get")
def task_get(ctx: CallContext, params: Any) -> Any:
    task = taskops.find_task(ctx.core, ctx.user_id, required(params, "taskId"))
    return _out(ctx, task, arg(params, "select"))


@method("tasks.task.delete")
def task_delete(ctx: CallContext, params: Any) -> Any:
    task_id = required(params, "taskId")
    try:
        task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    except Exception as exc:
        raise action_not_allowed() from exc
    taskops.delete_task(ctx.core, ctx.user_id, task, connector=ctx.connector)
    return {"task": True}


@method("tasks.task.list")
def task_list(ctx: CallContext, params: Any) -> Any:
    c = ctx.core
    now = c.now()
    getter = getter_for(c.state, now)
    flt = arg(params, "filter") or {}
    if not isinstance(flt, dict):
        raise core("Parameter 'filter' must be an object")
    visible = [t for t in c.state.tasks.values() if c.can_view(ctx.user_id, t)]
    rows = [t for t in sorted(visible, key=lambda t: t.id) if matches(t, flt, getter)]
    order = arg(params, "order") or {"ID": "DESC"}
    rows = apply_order(rows, order, getter)
    chunk, nxt, total = page(rows, arg(params, "start"))
    select = arg(params, "select")
    tasks = [to_camel(c.state, t, select, now) for t in chunk]
    return ListResult({"tasks": tasks}, total, nxt)


def _action(name: str) -> None:
    @method(f"tasks.task.{name}")
    def run(ctx: CallContext, params: Any) -> Any:
        raw = arg(params, "taskId")
        if raw is None:
            raise action_not_allowed()
        try:
            task_id = int(raw)
        except (TypeError, ValueError) as exc:
            raise action_not_allowed() from exc
        task = taskops.do_action(ctx.core, ctx.user_id, task_id, name, connector=ctx.connector)
        return _out(ctx, task)


for _name in ("start", "pause", "complete", "defer", "renew", "approve", "disapprove"):
    _action(_name)


@method("tasks.task.delegate")
def task_delegate(ctx: CallContext, params: Any) -> Any:
    task = taskops.find_task(ctx.core, ctx.user_id, required(params, "taskId"))
    if not ctx.core.can_edit(ctx.user_id, task):
        raise action_not_allowed()
    user_id = as_int(required(params, "userId"), "userId")
    taskops.update_task(
        ctx.core, ctx.user_id, task, {"RESPONSIBLE_ID": user_id}, connector=ctx.connector
    )
    return _out(ctx, task)
