"""tasks.task.* (§4.1-4.3): camelCase output, select, prefixed filters, 50-row pages."""

from __future__ import annotations

from typing import Any

from b24sandbox import taskops
from b24sandbox.context import CallContext, ListResult, arg, as_int, required
from b24sandbox.errors import action_not_allowed, core
from b24sandbox.filters import apply_order, matches, page
from b24sandbox.methods.table import MethodTable
from b24sandbox.model import Task
from b24sandbox.taskfields import getter_for, to_camel

methods = MethodTable()


def _out(ctx: CallContext, task: Task, select: Any = None) -> dict[str, Any]:
    return {"task": to_camel(ctx.core.state, task, select, ctx.core.now())}


@methods.add("tasks.task.add", scope="task")
def task_add(ctx: CallContext, params: Any) -> Any:
    fields = required(params, "fields")
    task = taskops.create_task(ctx.core, ctx.user_id, fields, connector=ctx.connector)
    return _out(ctx, task)


def _task_for(ctx: CallContext, params: Any, action: str) -> Task:
    """The task a tasks.task.<action> works on; missing/hidden → that method's error."""
    task_id = taskops.task_id_arg(arg(params, "taskId"))
    task = taskops.visible_task(ctx.core, ctx.user_id, task_id)
    if task is None:
        raise action_not_allowed(action)
    return task


@methods.add("tasks.task.update", scope="task")
def task_update(ctx: CallContext, params: Any) -> Any:
    """docs: api-reference/tasks/tasks-task-update.md — missing, hidden or not editable →
    400 `0` "Action on the task is not allowed (internal error)"."""
    task = _task_for(ctx, params, "update")
    if not ctx.core.can_edit(ctx.user_id, task):
        raise action_not_allowed("update")
    fields = required(params, "fields")
    taskops.update_task(ctx.core, ctx.user_id, task, fields, connector=ctx.connector)
    return _out(ctx, task)


@methods.add("tasks.task.get", scope="task")
def task_get(ctx: CallContext, params: Any) -> Any:
    """docs: api-reference/tasks/tasks-task-get.md — a task that does not exist or that the user
    cannot read → HTTP 200 with `"result": []` (core: tasks/lib/rest/controllers/task.php
    Task::getAction catches the TasksException and returns [])."""
    task_id = taskops.task_id_arg(arg(params, "taskId"))
    task = taskops.visible_task(ctx.core, ctx.user_id, task_id)
    if task is None:
        return []
    return _out(ctx, task, arg(params, "select"))


@methods.add("tasks.task.delete", scope="task")
def task_delete(ctx: CallContext, params: Any) -> Any:
    task = _task_for(ctx, params, "delete")
    taskops.delete_task(ctx.core, ctx.user_id, task, connector=ctx.connector)
    return {"task": True}


def _watch(name: str, on: bool) -> None:
    @methods.add(f"tasks.task.{name}", scope="task")
    def run(ctx: CallContext, params: Any) -> Any:
        """docs: api-reference/tasks/user-actions/tasks-task-start-watch.md (stop-watch.md):
        any user with read access; the CALLER is added to (removed from) the auditors, hence
        to the task chat; returns the task like tasks.task.get; no access → 400 `1048584`."""
        task = _task_for(ctx, params, name)
        taskops.watch(ctx.core, ctx.user_id, task, on, connector=ctx.connector)
        return _out(ctx, task)


_watch("startwatch", True)
_watch("stopwatch", False)


@methods.add("tasks.task.list", scope="task")
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
    @methods.add(f"tasks.task.{name}", scope="task")
    def run(ctx: CallContext, params: Any) -> Any:
        task_id = taskops.task_id_arg(arg(params, "taskId"))
        task = taskops.do_action(ctx.core, ctx.user_id, task_id, name, connector=ctx.connector)
        return _out(ctx, task)


for _name in ("start", "pause", "complete", "defer", "renew", "approve", "disapprove"):
    _action(_name)


@methods.add("tasks.task.delegate", scope="task")
def task_delegate(ctx: CallContext, params: Any) -> Any:
    task = _task_for(ctx, params, "delegate")
    if not ctx.core.can_edit(ctx.user_id, task):
        raise action_not_allowed("delegate")
    user_id = as_int(required(params, "userId"), "userId")
    taskops.update_task(
        ctx.core, ctx.user_id, task, {"RESPONSIBLE_ID": user_id}, connector=ctx.connector
    )
    return _out(ctx, task)
