"""Comments of both task cards (§3.3, §4.4, §5) and time entries (§6)."""

from __future__ import annotations

from typing import Any

from b24sandbox.core import PortalCore
from b24sandbox.errors import RestError, core
from b24sandbox.events import Connector, comment_data, task_data
from b24sandbox.model import Comment, Elapsed, Message, Task


def chat_card_error() -> RestError:
    """Chosen reading (§4.4: the old comment methods "stop working" on the new card)."""
    return RestError(400, "ERROR_CORE", "Comments of this task are in the task chat")


def post_message(
    c: PortalCore,
    chat_id: int,
    author_id: int,
    text: str,
    *,
    connector: Connector = None,
    event_actor: int | None = None,
    date: float | None = None,
) -> Message:
    """A chat message; in a task chat it fires ONTASKCOMMENTADD with ID=0 + MESSAGE_ID (§3.3).

    The id comes from the ONE portal-wide counter of b_im_message, shared by every chat and by
    notifications (core: im install.sql `b_im_message.ID auto_increment`; chat.md §2), so a
    chat's ids have gaps and id-1 is usually another chat's message."""
    chat = c.state.chats[chat_id]
    message = Message(c.state.next_id("messages"), chat_id, author_id, date or c.now(), text)
    if author_id == 0:
        message.params = {"NOTIFY": "N", "IS_SYSTEM": "Y"}
    c.state.messages[message.id] = message
    if not chat.task_id:
        return message
    data = comment_data("ONTASKCOMMENTADD", chat.task_id, 0, message.id)
    actor = event_actor if event_actor is not None else author_id
    c.bus.emit(
        "ONTASKCOMMENTADD", data, actor or None, connector=connector, key=f"message:{message.id}"
    )
    return message


def add_comment(
    c: PortalCore,
    actor: int,
    task: Task,
    text: str,
    *,
    author_id: int | None = None,
    post_date: float | None = None,
    files: list[str] | None = None,
    connector: Connector = None,
) -> int:
    """§5 task.commentitem.add; on a chat-card task the comment is a chat message and its id is
    returned (core, tasks ≥ 25.700: tasks/classes/general/commentitem.php addCommentInChat →
    SendResultAdapter sets the result id to the im message id; chat.md §5)."""
    if not text.strip():
        raise core("Comment text is empty")
    author = author_id or actor
    if task.chat_id:
        return post_message(c, task.chat_id, author, text, connector=connector, date=post_date).id
    comment = Comment(
        c.state.next_id("comments"), task.id, author, post_date or c.now(), text, list(files or [])
    )
    c.state.comments[comment.id] = comment
    _emit_comment(c, "ONTASKCOMMENTADD", comment, actor, connector)
    return comment.id


def _emit_comment(
    c: PortalCore, event: str, comment: Comment, actor: int, connector: Connector
) -> None:
    data = comment_data(event, comment.task_id, comment.id)
    c.bus.emit(event, data, actor, connector=connector, key=f"comment:{comment.id}")


def find_comment(c: PortalCore, task: Task, item_id: Any) -> Comment:
    if task.chat_id:
        raise chat_card_error()
    try:
        comment = c.state.comments.get(int(item_id))
    except (TypeError, ValueError):
        comment = None
    if comment is None or comment.task_id != task.id:
        raise core("Comment not found")
    return comment


def update_comment(
    c: PortalCore, actor: int, comment: Comment, text: str, *, connector: Connector = None
) -> None:
    if not c.is_admin(actor) and actor != comment.author_id:
        raise RestError(403, "ACCESS_DENIED", "Access denied")
    comment.message = text
    _emit_comment(c, "ONTASKCOMMENTUPDATE", comment, actor, connector)


def delete_comment(
    c: PortalCore, actor: int, comment: Comment, *, connector: Connector = None
) -> None:
    if not c.is_admin(actor) and actor != comment.author_id:
        raise RestError(403, "ACCESS_DENIED", "Access denied")
    del c.state.comments[comment.id]
    _emit_comment(c, "ONTASKCOMMENTDELETE", comment, actor, connector)


def add_elapsed(
    c: PortalCore,
    actor: int,
    task: Task,
    seconds: int,
    comment: str,
    *,
    user_id: int | None = None,
    created_date: float | None = None,
    connector: Connector = None,
) -> Elapsed:
    """§6: a time entry; no event of its own, but it changes timeSpentInLogs."""
    if seconds <= 0:
        raise core("SECONDS must be positive")
    created = created_date or c.now()
    item = Elapsed(
        c.state.next_id("elapsed"),
        task.id,
        user_id or actor,
        seconds,
        comment,
        created,
        created - seconds,
        created,
    )
    c.state.elapsed[item.id] = item
    time_changed(c, actor, task, connector)
    return item


def time_changed(c: PortalCore, actor: int, task: Task, connector: Connector) -> None:
    if c.options.time_entry_fires_update:
        c.bus.emit(
            "ONTASKUPDATE",
            task_data("ONTASKUPDATE", task.id),
            actor,
            connector=connector,
            key=f"task:{task.id}",
        )
