"""Fidelity: portal-wide message ids, im.dialog.messages.get, task chat membership and access,
tasks.task.startwatch/stopwatch, task.commentitem.add on the chat card (research/chat.md)."""

from __future__ import annotations

from typing import Any

import requests

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App, hook_post


def _messages(portal: SandboxPortal, user: int, chat_id: int, **params: Any) -> requests.Response:
    return requests.post(
        portal.webhook_url(user) + "im.dialog.messages.get",
        json={"DIALOG_ID": f"chat{chat_id}", **params},
        timeout=10,
    )


def _ids(response: requests.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["result"]["messages"]]


def _chat_task(portal: SandboxPortal, responsible: int = 1) -> tuple[int, int]:
    task_id = portal.create_task(1, "T", responsible_id=responsible, chat_card=True)
    chat_id = portal.chat_of_task(task_id)
    assert chat_id
    return task_id, chat_id


def test_message_ids_are_portal_wide(app: App) -> None:
    """Messages of every chat and im notifications take ids from ONE counter (b_im_message), so
    a task chat's ids have gaps and MESSAGE_ID-1 is usually another chat's message.
    # core: im install.sql (b_im_message.ID auto_increment, NOTIFY_* columns in the same table),
    # im/classes/general/im_chat.php (CIMChat::GetMessage looks a message up by id alone)"""
    portal = app.portal
    user = portal.add_user("Иван")
    task_id, chat_id = _chat_task(portal, user)
    other = portal.add_chat(user, "Общий", [1])
    m1 = portal.add_comment(user, task_id, "первый")
    o1 = portal.post_message(1, other, "в другом чате")
    note = app.ok("im.notify.system.add", {"USER_ID": user, "MESSAGE": "уведомление"})
    m2 = portal.add_comment(user, task_id, "второй")
    assert m1 < o1 < note < m2
    assert m2 - 1 == note  # the id before the comment is not in the task chat
    assert _ids(_messages(portal, 1, chat_id)) == [m2, m1]


def test_dialog_messages_modes_and_order(portal: SandboxPortal) -> None:
    """No ids → the newest LIMIT, newest first; LAST_ID=N → ids < N, newest first; FIRST_ID=N →
    ids > N with no order promised, modelled strictly (newest first, then LIMIT) so FIRST_ID=M-1,
    LIMIT=1 returns the NEWEST message, not M; FIRST_ID wins over LAST_ID; LIMIT default 20,
    at most 50.
    # core: im/classes/general/im_rest.php (CIMRestService::dialogMessagesGet),
    # im/lib/chat.php (Chat::getMessages: FIRST_ID branch has `$orderId = []`)
    # docs: api-reference/chats/messages/im-dialog-messages-get.md"""
    task_id, chat_id = _chat_task(portal)
    ids = [portal.add_comment(1, task_id, f"m{i}") for i in range(60)]
    assert _ids(_messages(portal, 1, chat_id)) == ids[::-1][:20]
    assert _ids(_messages(portal, 1, chat_id, LIMIT=100)) == ids[::-1][:50]
    assert _ids(_messages(portal, 1, chat_id, LAST_ID=ids[10], LIMIT=3)) == [
        ids[9],
        ids[8],
        ids[7],
    ]
    target = ids[30]
    assert _ids(_messages(portal, 1, chat_id, FIRST_ID=ids[29], LIMIT=1)) == [ids[-1]]
    assert target in _ids(_messages(portal, 1, chat_id, FIRST_ID=ids[29], LIMIT=50))
    both = _messages(portal, 1, chat_id, FIRST_ID=ids[57], LAST_ID=ids[5])
    assert _ids(both) == [ids[59], ids[58]]


def test_id_not_in_this_chat_gives_empty_arrays(app: App) -> None:
    """A FIRST_ID/LAST_ID that is not the id of a message of THIS chat → empty `messages`,
    `users`, `files` (docs rule; stricter than the core's plain bound). A non-numeric id →
    400 FIRST_ID_STRING / LAST_ID_STRING.
    # docs: api-reference/chats/messages/im-dialog-messages-get.md ("The method will return an
    # empty array if a non-existent identifier is specified in LAST_ID or FIRST_ID")
    # core: CIMRestService::dialogMessagesGet (the ^\\d+$ checks)"""
    portal = app.portal
    task_id, chat_id = _chat_task(portal)
    other = portal.add_chat(1, "Другой")
    first = portal.add_comment(1, task_id, "a")
    foreign = portal.post_message(1, other, "x")
    portal.add_comment(1, task_id, "b")
    for key, value in (("FIRST_ID", foreign), ("LAST_ID", foreign), ("FIRST_ID", first - 1)):
        body = _messages(portal, 1, chat_id, **{key: value}).json()["result"]
        assert body == {"chat_id": chat_id, "messages": [], "users": [], "files": []}, key
    bad = _messages(portal, 1, chat_id, FIRST_ID="abc")
    assert (bad.status_code, bad.json()["error"]) == (400, "FIRST_ID_STRING")
    bad = _messages(portal, 1, chat_id, LAST_ID="-1")
    assert (bad.status_code, bad.json()["error"]) == (400, "LAST_ID_STRING")


def test_join_point_hides_earlier_messages(portal: SandboxPortal) -> None:
    """A member who joined with hidden history (im.chat.user.add HIDE_HISTORY=Y) never gets the
    messages below their START_ID, in any mode; a FIRST_ID below it is clamped to it.
    # core: im/lib/chat.php (Chat::getMessages: `$filter['>=ID'] = RELATION_START_ID`)
    # docs: api-reference/chats/chat-users/im-chat-user-add.md (HIDE_HISTORY, default Y)"""
    owner = portal.add_user("Анна")
    late = portal.add_user("Олег")
    chat = portal.add_chat(owner, "Проект")
    before = [portal.post_message(owner, chat, f"до {i}") for i in range(3)]
    portal.add_chat_member(chat, late, hide_history=True)
    after = [portal.post_message(owner, chat, f"после {i}") for i in range(2)]
    assert _ids(_messages(portal, late, chat)) == after[::-1]
    assert _ids(_messages(portal, late, chat, LAST_ID=after[0])) == []
    assert _ids(_messages(portal, late, chat, FIRST_ID=before[0])) == after[::-1]
    assert _ids(_messages(portal, owner, chat)) == (before + after)[::-1]


def test_task_chat_members_follow_task_fields(portal: SandboxPortal) -> None:
    """Task chat members = creator, responsible, accomplices, auditors; a field change adds the
    new ones with the WHOLE history and drops the removed ones. The installing admin is not
    put into every chat.
    # core: tasks/lib/V2/Internal/Entity/Task.php (Task::getMemberIds),
    # Integration/Im/Chat::addChatMembers (hideHistory: false); chat.md §3.2–3.3"""
    creator = portal.add_user("Анна")
    worker = portal.add_user("Иван")
    helper = portal.add_user("Олег")
    watcher = portal.add_user("Пётр")
    task_id = portal.create_task(
        creator, "T", responsible_id=worker, accomplices=[helper], chat_card=True
    )
    chat = portal.core.state.chats[portal.chat_of_task(task_id) or 0]
    assert sorted(chat.members) == sorted([creator, worker, helper])
    first = portal.add_comment(worker, task_id, "до наблюдателя")
    portal.update_task(creator, task_id, auditors=[watcher], accomplices=[])
    assert sorted(chat.members) == sorted([creator, worker, watcher])
    assert first in _ids(_messages(portal, watcher, chat.id))
    assert 1 not in chat.members


def test_task_chat_access_is_by_task_read_rights(portal: SandboxPortal) -> None:
    """Reading a task chat needs the right to READ THE TASK, not chat membership: an admin or a
    member of the task's group reads it without being a member (whole history); a removed
    member who can no longer read the task gets 403 ACCESS_ERROR.
    # core: im/lib/V2/Chat/ExternalChat.php (checkAccessInternal) → tasks
    # Integration/Im/Chat::onFilterUsersByAccess; tasks/lib/access/rule/taskreadrule.php
    # (TaskReadRule::execute: admin, member, group view_all); chat.md §3.4"""
    worker = portal.add_user("Иван")
    colleague = portal.add_user("Олег")
    group = portal.add_group("Проект", [worker, colleague])
    task_id = portal.create_task(worker, "T", responsible_id=worker, group_id=group, chat_card=True)
    chat_id = portal.chat_of_task(task_id) or 0
    message = portal.add_comment(worker, task_id, "текст")
    assert _ids(_messages(portal, 1, chat_id)) == [message]  # admin
    assert _ids(_messages(portal, colleague, chat_id)) == [message]  # group member
    loner = portal.add_user("Пётр")
    portal.update_task(worker, task_id, auditors=[loner])
    assert _ids(_messages(portal, loner, chat_id)) == [message]
    portal.update_task(worker, task_id, auditors=[])
    assert _messages(portal, loner, chat_id).status_code == 403


def test_startwatch_and_stopwatch(portal: SandboxPortal) -> None:
    """tasks.task.startwatch: any user with read access; the CALLER becomes an auditor (so a
    chat member) and the task comes back like tasks.task.get; stopwatch undoes it; a task the
    caller cannot read → 400 `1048584`.
    # docs: api-reference/tasks/user-actions/tasks-task-start-watch.md, tasks-task-stop-watch.md"""
    worker = portal.add_user("Иван")
    colleague = portal.add_user("Олег")
    group = portal.add_group("Проект", [worker, colleague])
    task_id = portal.create_task(worker, "T", responsible_id=worker, group_id=group, chat_card=True)
    hook = portal.webhook_url(colleague)
    started = requests.post(hook + "tasks.task.startwatch", json={"taskId": task_id}, timeout=10)
    assert started.json()["result"]["task"]["auditors"] == [str(colleague)]
    chat = portal.core.state.chats[portal.chat_of_task(task_id) or 0]
    assert colleague in chat.members
    stopped = requests.post(hook + "tasks.task.stopwatch", json={"taskId": task_id}, timeout=10)
    assert stopped.json()["result"]["task"]["auditors"] == []
    assert colleague not in chat.members
    outsider = portal.webhook_url(portal.add_user("Чужой"))
    refused = requests.post(
        outsider + "tasks.task.startwatch", json={"taskId": task_id}, timeout=10
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "1048584", "error_description": "a:0:{}"},
    )


def test_commentitem_add_on_chat_card_returns_message_id(app: App) -> None:
    """On a chat-card task, task.commentitem.add posts a chat message and returns ITS id (the id
    im.dialog.messages.get and ONTASKCOMMENTADD's MESSAGE_ID carry).
    # core: tasks/classes/general/commentitem.php (CTaskCommentItem::addCommentInChat),
    # V2/Internal/Integration/Im/Service/SendResultAdapter.php; chat.md §5"""
    task_id, chat_id = _chat_task(app.portal)
    app.portal.post_message(1, app.portal.add_chat(1, "шум"), "другой чат")
    message_id = app.ok("task.commentitem.add", [task_id, {"POST_MESSAGE": "от приложения"}])
    got = app.ok("im.dialog.messages.get", {"DIALOG_ID": f"chat{chat_id}", "LIMIT": 1})
    assert [m["id"] for m in got["messages"]] == [message_id]
    assert got["messages"][0]["text"] == "от приложения"


def test_chat_traffic_over_http_control(portal: SandboxPortal) -> None:
    """/_sandbox/add_chat, post_message, add_chat_member, start_watch drive chats for other
    processes (sandbox control, not Bitrix)."""

    def control(action: str, body: dict[str, Any]) -> Any:
        response = requests.post(f"{portal.url}/_sandbox/{action}", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    user = portal.add_user("Иван")
    chat = control("add_chat", {"as_user": 1, "title": "Общий", "members": []})
    first = control("post_message", {"as_user": 1, "chat_id": chat, "text": "a"})
    control("add_chat_member", {"chat_id": chat, "user_id": user, "hide_history": False})
    assert _ids(_messages(portal, user, chat)) == [first]
    task_id = portal.create_task(user, "T", responsible_id=user)
    control("start_watch", {"as_user": 1, "task_id": task_id})
    got = hook_post(portal, "tasks.task.get", {"taskId": task_id, "select": ["AUDITORS"]})
    assert got.json()["result"]["task"]["auditors"] == ["1"]
