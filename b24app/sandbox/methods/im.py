"""im.* (§4.4, §8): task chat messages and notifications."""

from __future__ import annotations

from typing import Any

from b24app.sandbox import commentops
from b24app.sandbox.clock import iso
from b24app.sandbox.errors import RestError, core
from b24app.sandbox.methods import CallContext, arg, as_int, method, required
from b24app.sandbox.model import Chat, Message, Notification
from b24app.sandbox.state import PortalState


def _chat(ctx: CallContext, dialog_id: Any) -> Chat:
    text = str(dialog_id)
    chat = None
    if text.startswith("chat") and text[4:].isdigit():
        chat = ctx.core.state.chats.get(int(text[4:]))
    if chat is None:
        raise RestError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty")
    if ctx.user_id not in chat.members:
        raise RestError(403, "ACCESS_ERROR", "You do not have access to the specified dialog")
    return chat


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "chat_id": message.chat_id,
        "author_id": message.author_id,
        "date": iso(message.date),
        "text": message.text,
        "params": message.params or [],
    }


def user_out(state: PortalState, user_id: int) -> dict[str, Any]:
    user = state.users.get(user_id)
    if user is None:
        return {"id": user_id, "name": "", "first_name": "", "last_name": "", "bot": False}
    return {
        "id": user.id,
        "name": f"{user.name} {user.last_name}".strip(),
        "first_name": user.name,
        "last_name": user.last_name,
        "work_position": user.work_position,
        "active": user.active,
        "extranet": user.extranet,
        "bot": False,
        "avatar": "",
        "gender": "M",
    }


@method("im.dialog.messages.get")
def dialog_messages(ctx: CallContext, params: Any) -> Any:
    """Newest first by default and with LAST_ID; FIRST_ID pages forward oldest first."""
    chat = _chat(ctx, required(params, "DIALOG_ID"))
    limit = max(1, min(as_int(arg(params, "LIMIT", 20), "LIMIT"), 50))
    rows = sorted(
        (m for m in ctx.core.state.messages.values() if m.chat_id == chat.id), key=lambda m: m.id
    )
    first, last = arg(params, "FIRST_ID"), arg(params, "LAST_ID")
    if first not in (None, ""):
        rows = [m for m in rows if m.id > as_int(first, "FIRST_ID")][:limit]
    else:
        if last not in (None, ""):
            rows = [m for m in rows if m.id < as_int(last, "LAST_ID")]
        rows = list(reversed(rows))[:limit]
    authors = sorted({m.author_id for m in rows if m.author_id})
    return {
        "chat_id": chat.id,
        "messages": [message_out(m) for m in rows],
        "users": [user_out(ctx.core.state, a) for a in authors],
        "files": [],
    }


@method("im.message.add")
def message_add(ctx: CallContext, params: Any) -> Any:
    chat = _chat(ctx, required(params, "DIALOG_ID"))
    text = str(required(params, "MESSAGE"))
    return commentops.post_message(ctx.core, chat.id, ctx.user_id, text, connector=ctx.connector).id


@method("tasks.task.chat.message.send")
def task_chat_send(ctx: CallContext, params: Any) -> Any:
    fields = required(params, "fields")
    task = ctx.core.state.tasks.get(as_int(arg(fields, "taskId"), "taskId"))
    if task is None or not task.chat_id or not ctx.core.can_view(ctx.user_id, task):
        raise core("Task not found or has no chat")
    text = str(arg(fields, "text") or "")
    commentops.post_message(ctx.core, task.chat_id, ctx.user_id, text, connector=ctx.connector)
    return {"result": True}


def _notify(ctx: CallContext, params: Any, kind: str) -> int:
    state = ctx.core.state
    user_id = as_int(required(params, "USER_ID"), "USER_ID")
    if user_id not in state.users:
        raise RestError(400, "USER_ID_EMPTY", "Recipient user not found")
    message = str(required(params, "MESSAGE")).strip()
    tag = str(arg(params, "TAG") or "")
    if tag:
        # §8: re-using a TAG removes the older notifications with that tag (any recipient).
        for old in [n for n in state.notifications.values() if n.tag == tag]:
            del state.notifications[old.id]
    sender = None if kind == "system" else ctx.user_id
    note = Notification(
        state.next_id("notifications"),
        user_id,
        sender,
        kind,
        message,
        tag,
        str(arg(params, "SUB_TAG") or ""),
        ctx.core.now(),
    )
    state.notifications[note.id] = note
    return note.id


@method("im.notify.system.add")
def notify_system(ctx: CallContext, params: Any) -> Any:
    return _notify(ctx, params, "system")


@method("im.notify.personal.add")
def notify_personal(ctx: CallContext, params: Any) -> Any:
    return _notify(ctx, params, "personal")


@method("im.notify.delete")
def notify_delete(ctx: CallContext, params: Any) -> Any:
    state = ctx.core.state
    note_id, tag = arg(params, "ID"), arg(params, "TAG")
    doomed = [
        n.id
        for n in state.notifications.values()
        if (note_id and n.id == int(note_id)) or (tag and n.tag == tag)
    ]
    for nid in doomed:
        del state.notifications[nid]
    return True
