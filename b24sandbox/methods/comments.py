"""task.commentitem.* (§5): positional parameters; BBCode kept exactly as written."""

from __future__ import annotations

from typing import Any

from b24sandbox import commentops, taskops
from b24sandbox.clock import iso, parse_date
from b24sandbox.context import CallContext, as_int
from b24sandbox.errors import core
from b24sandbox.filters import apply_order, matches
from b24sandbox.methods.positional import positional
from b24sandbox.methods.table import MethodTable
from b24sandbox.model import Comment
from b24sandbox.state import PortalState

methods = MethodTable()


def comment_out(state: PortalState, comment: Comment) -> dict[str, Any]:
    user = state.users.get(comment.author_id)
    name = f"{user.name} {user.last_name}".strip() if user else ""
    out: dict[str, Any] = {
        "POST_MESSAGE_HTML": None,
        "ID": str(comment.id),
        "AUTHOR_ID": str(comment.author_id),
        "AUTHOR_NAME": name,
        "AUTHOR_EMAIL": user.email if user else "",
        "POST_DATE": iso(comment.post_date),
        "POST_MESSAGE": comment.message,
    }
    if comment.files:
        out["ATTACHED_OBJECTS"] = {
            f: {
                "ATTACHMENT_ID": f,
                "NAME": f"file{f}",
                "FILE_ID": f.lstrip("n"),
                "DOWNLOAD_URL": f"/bitrix/tools/disk/uf.php?attachedId={f}&action=download&ncc=1",
            }
            for f in comment.files
        }
    return out


def _getter(state: PortalState) -> Any:
    def get(comment: Comment, name: str) -> tuple[str, Any]:
        user = state.users.get(comment.author_id)
        values: dict[str, tuple[str, Any]] = {
            "ID": ("int", comment.id),
            "AUTHOR_ID": ("int", comment.author_id),
            "AUTHOR_NAME": ("str", f"{user.name} {user.last_name}".strip() if user else ""),
            "AUTHOR_EMAIL": ("str", user.email if user else ""),
            "POST_DATE": ("date", comment.post_date),
        }
        return values[name]

    return get


@methods.add("task.commentitem.add", scope="task")
def comment_add(ctx: CallContext, params: Any) -> Any:
    task_id, fields = positional("task.commentitem.add", params, ["TASKID", "FIELDS"], 2)
    task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    if not isinstance(fields, dict) or not fields.get("POST_MESSAGE"):
        raise core("POST_MESSAGE is required")
    author = as_int(fields["AUTHOR_ID"], "AUTHOR_ID") if fields.get("AUTHOR_ID") else None
    files = fields.get("UF_FORUM_MESSAGE_DOC") or []
    return commentops.add_comment(
        ctx.core,
        ctx.user_id,
        task,
        str(fields["POST_MESSAGE"]),
        author_id=author,
        post_date=parse_date(fields.get("POST_DATE")),
        connector=ctx.connector,
        files=[str(f) for f in (files.values() if isinstance(files, dict) else files)],
    )


@methods.add("task.commentitem.get", scope="task")
def comment_get(ctx: CallContext, params: Any) -> Any:
    task_id, item_id = positional("task.commentitem.get", params, ["TASKID", "ITEMID"], 2)
    task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    return comment_out(ctx.core.state, commentops.find_comment(ctx.core, task, item_id))


@methods.add("task.commentitem.getlist", scope="task")
def comment_getlist(ctx: CallContext, params: Any) -> Any:
    names = ["TASKID", "ORDER", "FILTER"]
    task_id, order, flt = positional("task.commentitem.getlist", params, names, 1)
    task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    if task.chat_id:
        raise commentops.chat_card_error()
    state = ctx.core.state
    rows = [c for c in state.comments.values() if c.task_id == task.id]
    rows = [c for c in rows if matches(c, flt if isinstance(flt, dict) else {}, _getter(state))]
    rows = apply_order(sorted(rows, key=lambda c: c.id), order or {"ID": "DESC"}, _getter(state))
    return [comment_out(state, c) for c in rows]


@methods.add("task.commentitem.update", scope="task")
def comment_update(ctx: CallContext, params: Any) -> Any:
    names = ["TASKID", "ITEMID", "FIELDS"]
    task_id, item_id, fields = positional("task.commentitem.update", params, names, 3)
    task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    comment = commentops.find_comment(ctx.core, task, item_id)
    if not isinstance(fields, dict) or not fields.get("POST_MESSAGE"):
        raise core("POST_MESSAGE is required")
    commentops.update_comment(
        ctx.core, ctx.user_id, comment, str(fields["POST_MESSAGE"]), connector=ctx.connector
    )
    return True


@methods.add("task.commentitem.delete", scope="task")
def comment_delete(ctx: CallContext, params: Any) -> Any:
    task_id, item_id = positional("task.commentitem.delete", params, ["TASKID", "ITEMID"], 2)
    task = taskops.find_task(ctx.core, ctx.user_id, task_id)
    comment = commentops.find_comment(ctx.core, task, item_id)
    commentops.delete_comment(ctx.core, ctx.user_id, comment, connector=ctx.connector)
    return True
