"""im.* (§4.4, §8): task chat messages and notifications."""

from __future__ import annotations

import re
from typing import Any

from b24sandbox import commentops
from b24sandbox.clock import iso
from b24sandbox.context import CallContext, arg, as_int, required
from b24sandbox.errors import RestError, core
from b24sandbox.methods.table import MethodTable
from b24sandbox.model import Chat, Message, Notification
from b24sandbox.state import PortalState

methods = MethodTable()

_DIALOG = re.compile(r"^chat(\d+)$")
_NUMBER = re.compile(r"^\d+$")


def access_error() -> RestError:
    """core: im/classes/general/im_rest.php (CIMRestService::dialogMessagesGet) — 403."""
    return RestError(403, "ACCESS_ERROR", "You do not have access to the specified dialog")


def _chat(ctx: CallContext, params: Any) -> Chat:
    """DIALOG_ID `chatN` (or the undocumented CHAT_ID alias). A chat the user may not read, or
    one that does not exist, → 403 ACCESS_ERROR (Dialog::hasAccess; chat.md §6)."""
    chat_id = arg(params, "CHAT_ID")
    dialog = f"chat{chat_id}" if _NUMBER.match(str(chat_id or "")) and int(chat_id) > 0 else None
    dialog = dialog or str(arg(params, "DIALOG_ID") or "")
    match = _DIALOG.match(dialog)
    if match is None:
        if _NUMBER.match(dialog) or dialog.startswith("sg"):
            raise access_error()  # private and group (sgN) dialogs are not modelled
        raise RestError(400, "DIALOG_ID_EMPTY", "Dialog ID can't be empty")
    chat = ctx.core.state.chats.get(int(match.group(1)))
    if chat is None or not ctx.core.can_read_chat(ctx.user_id, chat):
        raise access_error()
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


def _bound(params: Any, name: str, code: str, description: str) -> int | None:
    """FIRST_ID/LAST_ID must match ^\\d+$ (CIMRestService::dialogMessagesGet)."""
    value = arg(params, name)
    if value is None:
        return None
    if not _NUMBER.match(str(value)):
        raise RestError(400, code, description)
    return int(str(value))


@methods.add("im.dialog.messages.get", scope="im")
def dialog_messages(ctx: CallContext, params: Any) -> Any:
    """docs: api-reference/chats/messages/im-dialog-messages-get.md; core:
    im/classes/general/im_rest.php (CIMRestService::dialogMessagesGet) + im/lib/chat.php
    (Chat::getMessages).

    * no ids → the newest LIMIT messages, newest first;
    * LAST_ID=N → `ID < N`, newest first;
    * FIRST_ID=N (wins over LAST_ID) → `ID > N` with no ORDER BY in the core; modelled as the
      strict case: newest first, then LIMIT — so FIRST_ID=M-1, LIMIT=1 is the chat's newest
      message, not M, whenever later ones exist;
    * LIMIT default 20, at most 50;
    * a FIRST_ID/LAST_ID that is not the id of a message of THIS chat → empty arrays (the
      docs' rule; the core only uses it as a bound — the stricter reading is modelled);
    * the reader's join point: messages below the member's START_ID are never returned (every
      mode is clamped to `ID >= START_ID`); readers with access but no membership see all."""
    chat = _chat(ctx, params)
    first = _bound(params, "FIRST_ID", "FIRST_ID_STRING", "First ID can't be string")
    last = None
    if first is None:
        last = _bound(params, "LAST_ID", "LAST_ID_STRING", "Last ID can't be string")
    raw_limit = arg(params, "LIMIT")
    limit = 20 if raw_limit is None else min(as_int(raw_limit, "LIMIT"), 50)
    limit = max(limit, 1)  # simplification: the core passes LIMIT <= 0 through to the ORM
    state = ctx.core.state
    in_chat = {m.id: m for m in state.messages.values() if m.chat_id == chat.id}
    empty = {"chat_id": chat.id, "messages": [], "users": [], "files": []}
    start = chat.start_id(ctx.user_id) if ctx.user_id in chat.members else 0
    rows = sorted((m for m in in_chat.values() if m.id >= start), key=lambda m: -m.id)
    if first is not None:
        if first not in in_chat:
            return empty
        if not (start > 0 and first < start):
            rows = [m for m in rows if m.id > first]
    elif last is not None:
        if last not in in_chat:
            return empty
        rows = [m for m in rows if m.id < last]
    rows = rows[:limit]
    if not rows:
        return empty
    authors = sorted({m.author_id for m in rows if m.author_id})
    return {
        "chat_id": chat.id,
        "messages": [message_out(m) for m in rows],
        "users": [user_out(state, a) for a in authors],
        "files": [],
    }


@methods.add("im.message.add", scope="im")
def message_add(ctx: CallContext, params: Any) -> Any:
    required(params, "DIALOG_ID")
    chat = _chat(ctx, params)
    text = str(required(params, "MESSAGE"))
    return commentops.post_message(ctx.core, chat.id, ctx.user_id, text, connector=ctx.connector).id


@methods.add("tasks.task.chat.message.send", scope="task")
def task_chat_send(ctx: CallContext, params: Any) -> Any:
    fields = required(params, "fields")
    task = ctx.core.state.tasks.get(as_int(arg(fields, "taskId"), "taskId"))
    if task is None or not task.chat_id or not ctx.core.can_view(ctx.user_id, task):
        raise core("Task not found or has no chat")
    text = str(arg(fields, "text") or "")
    commentops.post_message(ctx.core, task.chat_id, ctx.user_id, text, connector=ctx.connector)
    return {"result": True}


def _tag_owner(ctx: CallContext, params: Any) -> str | None:
    """Whose TAG namespace a notification call writes in, or None when TAG/SUB_TAG are ignored.

    OAuth app auth: the app (core: CIMRestService::notifyAdd prefixes `MP|<md5(client_id)>|`).
    Webhook: only with CLIENT_ID (docs: api-reference/chats/notifications/im-notify-system-add.md
    "Pass with CLIENT_ID when calling via webhook"); without it TAG/SUB_TAG are ignored."""
    if ctx.is_app:
        return ctx.client_id
    client_id = arg(params, "CLIENT_ID")
    return f"custom{client_id}" if client_id else None


def _notify(ctx: CallContext, params: Any, kind: str) -> int:
    state = ctx.core.state
    user_id = as_int(required(params, "USER_ID"), "USER_ID")
    if user_id not in state.users:
        raise RestError(400, "USER_ID_EMPTY", "Recipient user not found")
    message = str(required(params, "MESSAGE")).strip()
    owner = _tag_owner(ctx, params)
    tag = str(arg(params, "TAG") or "") if owner is not None else ""
    sub_tag = str(arg(params, "SUB_TAG") or "") if owner is not None else ""
    if tag:
        # Re-using a TAG removes the older notifications with that tag (literal reading: any
        # recipient) — within the same owner's namespace only.
        for old in [
            n for n in state.notifications.values() if (n.tag_owner, n.tag) == (owner, tag)
        ]:
            del state.notifications[old.id]
    sender = None if kind == "system" else ctx.user_id
    note = Notification(
        state.next_id("messages"),  # notifications live in b_im_message too (chat.md §2)
        user_id,
        sender,
        kind,
        message,
        tag,
        sub_tag,
        ctx.core.now(),
        owner or "",
    )
    state.notifications[note.id] = note
    return note.id


@methods.add("im.notify.system.add", scope="im")
def notify_system(ctx: CallContext, params: Any) -> Any:
    return _notify(ctx, params, "system")


@methods.add("im.notify.personal.add", scope="im")
def notify_personal(ctx: CallContext, params: Any) -> Any:
    return _notify(ctx, params, "personal")


@methods.add("im.notify.delete", scope="im")
def notify_delete(ctx: CallContext, params: Any) -> Any:
    """core: CIMRestService::notifyDelete — a webhook must pass CLIENT_ID ("Client ID not
    specified" otherwise); TAG deletes within the caller's namespace."""
    owner = _tag_owner(ctx, params)
    if owner is None:
        raise RestError(403, "ACCESS_DENIED", "Access denied! Client ID not specified")
    state = ctx.core.state
    note_id, tag = arg(params, "ID"), arg(params, "TAG")
    doomed = [
        n.id
        for n in state.notifications.values()
        if (note_id and n.id == int(note_id)) or (tag and (n.tag_owner, n.tag) == (owner, tag))
    ]
    for nid in doomed:
        del state.notifications[nid]
    return True
