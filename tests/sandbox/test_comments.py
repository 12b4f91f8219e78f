"""Comments on both task cards (bitrix24-rest.md §3.3, §4.4, §5)."""

from __future__ import annotations

import requests

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App, Receiver, hook_post

BBCODE = "[USER=1]Администратор[/USER], см. [B]файл[/B]\n[QUOTE]Согласовано[/QUOTE]"


def test_classic_comment_positional_and_bbcode_kept(portal: SandboxPortal) -> None:
    """§5: task.commentitem.* take positional parameters (TASKID, ITEMID/FIELDS); BBCode
    comes back exactly as written; getlist default order is ID desc."""
    task_id = portal.create_task(1, "T", responsible_id=1)
    first = hook_post(portal, "task.commentitem.add", [task_id, {"POST_MESSAGE": BBCODE}]).json()[
        "result"
    ]
    second = hook_post(
        portal, "task.commentitem.add", {"TASKID": task_id, "FIELDS": {"POST_MESSAGE": "2"}}
    ).json()["result"]
    assert isinstance(first, int)
    assert second == first + 1
    got = hook_post(portal, "task.commentitem.get", {"TASKID": task_id, "ITEMID": first}).json()
    assert got["result"]["POST_MESSAGE"] == BBCODE
    assert got["result"]["AUTHOR_ID"] == "1"
    listed = hook_post(portal, "task.commentitem.getlist", [task_id]).json()["result"]
    assert [c["ID"] for c in listed] == [str(second), str(first)]
    filtered = hook_post(
        portal, "task.commentitem.getlist", [task_id, {"ID": "asc"}, {">ID": first}]
    ).json()["result"]
    assert [c["ID"] for c in filtered] == [str(second)]


def test_positional_names_and_order_are_strict(portal: SandboxPortal) -> None:
    """§4.1: old task.* methods need the documented order. Stricter reading: an object must
    use the documented UPPER names in that order — lowercase, reordered or extra keys (such as
    fast-bitrix24's `__order` from call()) are refused."""
    task_id = portal.create_task(1, "T", responsible_id=1)
    for bad in (
        {"FIELDS": {"POST_MESSAGE": "x"}, "TASKID": task_id},
        {"taskId": task_id, "fields": {"POST_MESSAGE": "x"}},
        {"__order": "order0000000000", "TASKID": task_id, "FIELDS": {"POST_MESSAGE": "x"}},
    ):
        response = hook_post(portal, "task.commentitem.add", bad)
        assert (response.status_code, response.json()["error"]) == (400, "ERROR_CORE"), bad


def test_comment_update_delete_events(app: App, receiver: Receiver) -> None:
    """§3.3: old card comment events — ADD (ID, TASK_ID), UPDATE/DELETE with ACTION EDIT/DEL."""
    for event in ("ONTASKCOMMENTADD", "ONTASKCOMMENTUPDATE", "ONTASKCOMMENTDELETE"):
        app.ok("event.bind", {"event": event, "handler": receiver.url})
    task_id = app.portal.create_task(1, "T", responsible_id=1)
    comment = app.portal.add_comment(1, task_id, "hello")
    app.ok("task.commentitem.update", [task_id, comment, {"POST_MESSAGE": "edited"}])
    app.ok("task.commentitem.delete", [task_id, comment])
    app.portal.wait_idle()
    add = receiver.events("ONTASKCOMMENTADD")[0]
    assert (add["data[FIELDS_AFTER][ID]"], add["data[FIELDS_AFTER][TASK_ID]"]) == (
        str(comment),
        str(task_id),
    )
    assert add["data[FIELDS_BEFORE]"] == "undefined"
    assert "data[FIELDS_AFTER][MESSAGE_ID]" not in add
    assert receiver.events("ONTASKCOMMENTUPDATE")[0]["data[FIELDS_AFTER][ACTION]"] == "EDIT"
    assert receiver.events("ONTASKCOMMENTDELETE")[0]["data[FIELDS_AFTER][ACTION]"] == "DEL"


def test_old_card_comment_events_carry_the_cores_accessibility_flags(
    app: App, receiver: Receiver
) -> None:
    """core (corp): modules/tasks/classes/general/commentitem.php (CTaskCommentItem::
    onEventFilter): ADD sets IS_ACCESSIBLE_BEFORE=N, UPDATE and DELETE leave both `undefined`.
    The docs (on-task-comment-add.md) print `undefined` for ADD; the core is what is sent."""
    for event in ("ONTASKCOMMENTADD", "ONTASKCOMMENTUPDATE", "ONTASKCOMMENTDELETE"):
        app.ok("event.bind", {"event": event, "handler": receiver.url})
    task_id = app.portal.create_task(1, "T", responsible_id=1)
    comment = app.portal.add_comment(1, task_id, "hello")
    app.ok("task.commentitem.update", [task_id, comment, {"POST_MESSAGE": "edited"}])
    app.ok("task.commentitem.delete", [task_id, comment])
    app.portal.wait_idle()
    flags = {
        e["event"]: (e["data[IS_ACCESSIBLE_BEFORE]"], e["data[IS_ACCESSIBLE_AFTER]"])
        for e in receiver.events()
        if e["event"].startswith("ONTASKCOMMENT")
    }
    assert flags == {
        "ONTASKCOMMENTADD": ("N", "undefined"),
        "ONTASKCOMMENTUPDATE": ("undefined", "undefined"),
        "ONTASKCOMMENTDELETE": ("undefined", "undefined"),
    }


def test_chat_card_comments_are_chat_messages(app: App, receiver: Receiver) -> None:
    """§3.3/§4.4: new card — ONTASKCOMMENTADD has ID=0 + MESSAGE_ID; commentitem.get/getlist
    fail (we answer 400 ERROR_CORE, chosen); commentitem.add still works and posts to the chat;
    im.dialog.messages.get reads the message with DIALOG_ID=chat<CHAT_ID>."""
    app.ok("event.bind", {"event": "ONTASKCOMMENTADD", "handler": receiver.url})
    user = app.portal.add_user("Иван")
    task_id = app.portal.create_task(1, "T", responsible_id=user, chat_card=True)
    message_id = app.portal.add_comment(user, task_id, BBCODE)
    via_rest = app.ok("task.commentitem.add", [task_id, {"POST_MESSAGE": "от приложения"}])
    app.portal.wait_idle()
    event = receiver.events("ONTASKCOMMENTADD")[0]
    assert event["data[FIELDS_AFTER][ID]"] == "0"
    assert event["data[FIELDS_AFTER][MESSAGE_ID]"] == str(message_id)
    assert event["data[FIELDS_AFTER][TASK_ID]"] == str(task_id)
    for method, params in (
        ("task.commentitem.get", [task_id, message_id]),
        ("task.commentitem.getlist", [task_id]),
    ):
        response = app.call(method, params)
        assert (response.status_code, response.json()["error"]) == (400, "ERROR_CORE")
    chat_id = app.ok("tasks.task.get", {"taskId": task_id, "select": ["ID", "CHAT_ID"]})
    chat_id = chat_id["task"]["chatId"]
    got = app.ok("im.dialog.messages.get", {"DIALOG_ID": f"chat{chat_id}"})
    texts = {m["id"]: m for m in got["messages"]}
    assert texts[message_id]["text"] == BBCODE
    assert texts[message_id]["author_id"] == user
    assert texts[message_id]["date"].endswith("+03:00")
    assert texts[via_rest]["author_id"] == 1
    assert {u["id"] for u in got["users"]} == {1, user}


def test_chat_card_status_change_posts_service_message(app: App, receiver: Receiver) -> None:
    """§4.4/§5: status changes of a chat-card task post a service message (author_id 0) and
    fire ONTASKCOMMENTADD for it."""
    app.ok("event.bind", {"event": "ONTASKCOMMENTADD", "handler": receiver.url})
    task_id = app.portal.create_task(1, "T", responsible_id=1, chat_card=True)
    app.portal.start_task(1, task_id)
    app.portal.wait_idle()
    chat_id = app.portal.core.state.tasks[task_id].chat_id
    messages = app.ok("im.dialog.messages.get", {"DIALOG_ID": f"chat{chat_id}"})["messages"]
    assert messages[0]["author_id"] == 0
    message_ids = [
        e["data[FIELDS_AFTER][MESSAGE_ID]"]
        for e in receiver.events()
        if e.get("event") == "ONTASKCOMMENTADD"
    ]
    assert message_ids == [str(messages[0]["id"])]


def test_no_task_read_rights_gives_access_error(portal: SandboxPortal) -> None:
    """A user who cannot read the task cannot read its chat → 403 ACCESS_ERROR "You do not have
    access to the specified dialog"; an unknown chat is the same answer.
    # core: im/classes/general/im_rest.php (CIMRestService::dialogMessagesGet); chat.md §3.4, §6
    # docs: api-reference/chats/messages/im-dialog-messages-get.md (errors table)"""
    outsider = portal.add_user("Чужой")
    task_id = portal.create_task(1, "T", responsible_id=1, chat_card=True)
    chat_id = portal.chat_of_task(task_id)
    for dialog in (f"chat{chat_id}", "chat99999"):
        response = requests.post(
            portal.webhook_url(outsider) + "im.dialog.messages.get",
            json={"DIALOG_ID": dialog},
            timeout=10,
        )
        assert response.status_code == 403
        assert response.json() == {
            "error": "ACCESS_ERROR",
            "error_description": "You do not have access to the specified dialog",
        }
