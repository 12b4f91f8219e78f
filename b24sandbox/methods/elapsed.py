"""task.elapseditem.* (§6): positional parameters, no events, `>ID`/`>=CREATED_DATE` filters."""

from __future__ import annotations

from typing import Any

from b24sandbox import commentops, taskops
from b24sandbox.clock import iso, parse_date
from b24sandbox.context import CallContext, arg, as_int
from b24sandbox.errors import RestError, core
from b24sandbox.filters import PAGE_SIZE, apply_order, matches
from b24sandbox.methods.positional import IGNORED, positional
from b24sandbox.methods.table import MethodTable
from b24sandbox.model import Elapsed

methods = MethodTable()

WITH_TASK = ["TASKID", "ORDER", "FILTER", "SELECT", "PARAMS"]


def elapsed_out(item: Elapsed) -> dict[str, Any]:
    return {
        "ID": str(item.id),
        "TASK_ID": str(item.task_id),
        "USER_ID": str(item.user_id),
        "COMMENT_TEXT": item.comment,
        "SECONDS": str(item.seconds),
        "MINUTES": str(round(item.seconds / 60)),
        "SOURCE": str(item.source),
        "CREATED_DATE": iso(item.created_date),
        "DATE_START": iso(item.date_start),
        "DATE_STOP": iso(item.date_stop),
    }


def _get(item: Elapsed, name: str) -> tuple[str, Any]:
    values: dict[str, tuple[str, Any]] = {
        "ID": ("int", item.id),
        "TASK_ID": ("int", item.task_id),
        "USER_ID": ("int", item.user_id),
        "SECONDS": ("int", item.seconds),
        "MINUTES": ("int", round(item.seconds / 60)),
        "CREATED_DATE": ("date", item.created_date),
        "DATE_START": ("date", item.date_start),
        "DATE_STOP": ("date", item.date_stop),
    }
    return values[name]


def _find(ctx: CallContext, task_id: Any, item_id: Any) -> Elapsed:
    task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    item = ctx.core.state.elapsed.get(as_int(item_id, "ITEMID"))
    if item is None or item.task_id != task.id:
        raise core("Elapsed time record not found")
    return item


def _check_owner(ctx: CallContext, item: Elapsed) -> None:
    if not ctx.core.is_admin(ctx.user_id) and item.user_id != ctx.user_id:
        raise RestError(403, "ACCESS_DENIED", "Access denied")


def _fields(value: Any) -> tuple[int, str, int | None]:
    if not isinstance(value, dict) or value.get("SECONDS") in (None, ""):
        raise core("ARFIELDS.SECONDS is required")
    if value.get("COMMENT_TEXT") is None:
        raise core("ARFIELDS.COMMENT_TEXT is required")
    user = as_int(value["USER_ID"], "USER_ID") if value.get("USER_ID") else None
    return as_int(value["SECONDS"], "SECONDS"), str(value["COMMENT_TEXT"]), user


@methods.add("task.elapseditem.add", scope="task")
def elapsed_add(ctx: CallContext, params: Any) -> Any:
    task_id, fields = positional("task.elapseditem.add", params, ["TASKID", "ARFIELDS"], 2)
    task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    seconds, text, user = _fields(fields)
    created = parse_date(fields.get("CREATED_DATE"))
    item = commentops.add_elapsed(
        ctx.core,
        ctx.user_id,
        task,
        seconds,
        text,
        user_id=user,
        created_date=created,
        connector=ctx.connector,
    )
    return item.id


@methods.add("task.elapseditem.get", scope="task")
def elapsed_get(ctx: CallContext, params: Any) -> Any:
    task_id, item_id = positional("task.elapseditem.get", params, ["TASKID", "ITEMID"], 2)
    return elapsed_out(_find(ctx, task_id, item_id))


@methods.add("task.elapseditem.update", scope="task")
def elapsed_update(ctx: CallContext, params: Any) -> Any:
    names = ["TASKID", "ITEMID", "ARFIELDS"]
    task_id, item_id, fields = positional("task.elapseditem.update", params, names, 3)
    item = _find(ctx, task_id, item_id)
    _check_owner(ctx, item)
    item.seconds, item.comment, user = _fields(fields)
    item.user_id = user or item.user_id
    item.date_start = item.date_stop - item.seconds
    task = ctx.core.state.tasks[item.task_id]
    commentops.time_changed(ctx.core, ctx.user_id, task, ctx.connector)
    return None


@methods.add("task.elapseditem.delete", scope="task")
def elapsed_delete(ctx: CallContext, params: Any) -> Any:
    task_id, item_id = positional("task.elapseditem.delete", params, ["TASKID", "ITEMID"], 2)
    item = _find(ctx, task_id, item_id)
    _check_owner(ctx, item)
    del ctx.core.state.elapsed[item.id]
    commentops.time_changed(
        ctx.core, ctx.user_id, ctx.core.state.tasks[item.task_id], ctx.connector
    )
    return None


def _getlist_args(params: Any) -> list[Any]:
    """TASKID is optional (§6 marks it without *): absent or 0 means every visible task."""
    first: Any = None
    if isinstance(params, list) and params:
        first = params[0]
    elif isinstance(params, dict):
        keys = [k for k in params if k not in IGNORED]
        first = params[keys[0]] if keys and keys[0] in ("TASKID", "0") else None
    if _is_id(first):
        return positional("task.elapseditem.getlist", params, WITH_TASK, 0)
    return [0, *positional("task.elapseditem.getlist", params, WITH_TASK[1:], 0)]


def _is_id(value: Any) -> bool:
    return isinstance(value, int | str) and str(value).lstrip("-").isdigit()


@methods.add("task.elapseditem.getlist", scope="task")
def elapsed_getlist(ctx: CallContext, params: Any) -> Any:
    task_id, order, flt, _select, extra = _getlist_args(params)
    c = ctx.core
    if task_id and int(task_id):
        visible = {taskops.find_task(c, ctx.user_id, task_id).id}
    else:
        visible = {t.id for t in c.state.tasks.values() if c.can_view(ctx.user_id, t)}
    rows = [
        e
        for e in sorted(c.state.elapsed.values(), key=lambda e: e.id)
        if e.task_id in visible and matches(e, flt if isinstance(flt, dict) else {}, _get)
    ]
    rows = apply_order(rows, order, _get)
    nav = arg(extra, "NAV_PARAMS") or {}
    size = min(int(arg(nav, "nPageSize", PAGE_SIZE) or PAGE_SIZE), PAGE_SIZE)
    number = max(int(arg(nav, "iNumPage", 1) or 1), 1)
    # Chosen reading: at most 50 rows per call even without NAV_PARAMS; no total/next.
    return [elapsed_out(e) for e in rows[(number - 1) * size : number * size]]
