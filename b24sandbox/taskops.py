"""Task changes shared by the REST methods and the seed/UI API; each emits its events."""

from __future__ import annotations

from typing import Any

from b24sandbox.commentops import post_message
from b24sandbox.core import PortalCore
from b24sandbox.errors import (
    action_not_allowed,
    core,
    task_id_missing,
    task_not_found,
    wrong_task_id,
)
from b24sandbox.events import Connector, task_data
from b24sandbox.model import Chat, Task
from b24sandbox.taskfields import FIELDS, parse_fields

STATUS_NAMES = {
    1: "Новая",
    2: "Ждёт выполнения",
    3: "Выполняется",
    4: "Ждёт контроля",
    5: "Завершена",
    6: "Отложена",
    7: "Отклонена",
}


def emit_task(
    c: PortalCore, event: str, task_id: int, actor: int | None, connector: Connector
) -> None:
    c.bus.emit(event, task_data(event, task_id), actor, connector=connector, key=f"task:{task_id}")


def _validate(c: PortalCore, values: dict[str, Any]) -> None:
    if "TITLE" in values and not str(values["TITLE"]).strip():
        raise core("Task title is required")
    for key in ("RESPONSIBLE_ID", "CREATED_BY"):
        if key in values and values[key] not in c.state.users:
            raise core(f"User {values[key]} in {key} not found")
    if values.get("GROUP_ID") and values["GROUP_ID"] not in c.state.groups:
        raise core(f"Group {values['GROUP_ID']} not found")


def _apply(task: Task, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(task, FIELDS[name][0], value)


def create_task(
    c: PortalCore, actor: int, fields: Any, *, chat_card: bool = False, connector: Connector = None
) -> Task:
    """§4.1 tasks.task.add: TITLE and RESPONSIBLE_ID required; new tasks start at status 2."""
    values = parse_fields(fields)
    if not str(values.get("TITLE", "")).strip():
        raise core("Task title is required")
    if not values.get("RESPONSIBLE_ID"):
        raise core("Responsible person is required")
    values.setdefault("CREATED_BY", actor)
    _validate(c, values)
    now = c.now()
    task = Task(c.state.next_id("tasks"), "", actor, 0, created_date=now)
    _apply(task, values)
    task.status = values.get("STATUS") or 2
    task.created_date = task.created_date or now
    task.changed_date = task.status_changed_date = task.created_date
    task.changed_by = task.status_changed_by = actor
    c.state.tasks[task.id] = task
    if chat_card:
        _open_chat(c, task)
    emit_task(c, "ONTASKADD", task.id, actor, connector)
    return task


def _open_chat(c: PortalCore, task: Task) -> None:
    chat = Chat(c.state.next_id("chats"), task.id, title=task.title)
    task.chat_id = chat.id
    c.state.chats[chat.id] = chat
    sync_chat_members(c, task)


def sync_chat_members(c: PortalCore, task: Task) -> None:
    """The task chat's members are the task's: creator, responsible, accomplices, auditors
    (core, tasks ≥ 25.700: tasks/lib/V2/Internal/Entity/Task.php Task::getMemberIds, used by
    Integration/Im/Chat::addChat); a field change adds the new ones WITH full history
    (Chat::addChatMembers, hideHistory: false) and drops the removed ones (hideChatMembers).
    Reading a task chat needs task read rights, not membership (see core.can_read_chat)."""
    chat = c.state.chats.get(task.chat_id or 0)
    if chat is None:
        return
    members = [task.created_by, task.responsible_id, *task.accomplices, *task.auditors]
    if c.options.add_app_to_chats:  # simplification kept for old tests only; off by default
        members.append(c.state.install.installer_id)
    wanted = list(dict.fromkeys(members))
    for gone in [m for m in chat.members if m not in wanted]:
        chat.members.remove(gone)
        chat.start_ids.pop(str(gone), None)
    for member in wanted:
        if member not in chat.members:
            chat.members.append(member)
            chat.start_ids[str(member)] = 0


def update_task(
    c: PortalCore, actor: int, task: Task, fields: Any, *, connector: Connector = None
) -> Task:
    values = parse_fields(fields)
    if not values:
        raise core("No fields to update")
    _validate(c, values)
    old_status = task.status
    _apply(task, values)
    task.changed_date, task.changed_by = c.now(), actor
    if task.status != old_status:
        task.status_changed_date, task.status_changed_by = task.changed_date, actor
    sync_chat_members(c, task)
    emit_task(c, "ONTASKUPDATE", task.id, actor, connector)
    return task


def delete_task(c: PortalCore, actor: int, task: Task, *, connector: Connector = None) -> None:
    if not c.can_edit(actor, task):
        raise action_not_allowed("delete")
    del c.state.tasks[task.id]
    for table in (c.state.comments, c.state.elapsed):
        for item_id in [i for i, item in table.items() if item.task_id == task.id]:
            del table[item_id]
    emit_task(c, "ONTASKDELETE", task.id, actor, connector)


def _complete_target(c: PortalCore, actor: int, task: Task) -> int:
    """§4.3: with TASK_CONTROL=Y a completion by anyone but the creator waits for control."""
    return 4 if task.task_control and actor != task.created_by else 5


def _target(c: PortalCore, actor: int, task: Task, action: str) -> int | None:
    member = actor in c.participants(task) or c.is_admin(actor)
    boss = actor == task.created_by or c.is_admin(actor)
    rules: dict[str, tuple[set[int], bool, int]] = {
        "start": ({1, 2}, member, 3),
        "pause": ({3}, member, 2),
        "complete": ({1, 2, 3}, member, 0),
        "defer": ({1, 2, 3}, member, 6),
        "renew": ({4, 5, 6, 7}, member, 2),
        "approve": ({4}, boss, 5),
        "disapprove": ({4}, boss, 2),
    }
    allowed_from, permitted, target = rules[action]
    if task.status not in allowed_from or not permitted:
        return None
    return target or _complete_target(c, actor, task)


def do_action(
    c: PortalCore, actor: int, task_id: int, action: str, *, connector: Connector = None
) -> Task:
    """§4.1 status actions; a missing, hidden or disallowed one → the method's own code."""
    task = c.state.tasks.get(task_id)
    if task is None or not c.can_view(actor, task):
        raise action_not_allowed(action)
    target = _target(c, actor, task, action)
    if target is None:
        raise action_not_allowed(action)
    now = c.now()
    task.status = target
    task.changed_date = task.status_changed_date = now
    task.changed_by = task.status_changed_by = actor
    if target == 3 and task.date_start is None:
        task.date_start = now
    if target in (4, 5):
        task.closed_date, task.closed_by = now, actor
    elif target == 2:
        task.closed_date, task.closed_by = None, None
    emit_task(c, "ONTASKUPDATE", task.id, actor, connector)
    if task.chat_id:
        text = f"Статус задачи изменён: «{STATUS_NAMES[target]}»"
        post_message(c, task.chat_id, 0, text, connector=connector, event_actor=actor)
    return task


def task_id_arg(raw: Any) -> int:
    """tasks.task.*'s taskId: absent → `100`, not an integer → `0` "wrong task id"."""
    if raw is None or raw == "":
        raise task_id_missing()
    try:
        return int(str(raw).strip())
    except ValueError as exc:
        raise wrong_task_id() from exc


def visible_task(c: PortalCore, actor: int, task_id: int) -> Task | None:
    task = c.state.tasks.get(task_id)
    return task if task is not None and c.can_view(actor, task) else None


def watch(c: PortalCore, actor: int, task: Task, on: bool, *, connector: Connector = None) -> Task:
    """tasks.task.startwatch/stopwatch (docs: api-reference/tasks/user-actions/): the CALLER
    becomes (or stops being) an auditor; any user with read access may do it. Reading: it is a
    change of AUDITORS, so ONTASKUPDATE fires and the chat membership follows."""
    auditors = [a for a in task.auditors if a != actor]
    if on:
        auditors.append(actor)
    if auditors == task.auditors:
        return task
    return update_task(c, actor, task, {"AUDITORS": auditors}, connector=connector)


def find_task(c: PortalCore, actor: int, task_id: Any) -> Task:
    try:
        task = c.state.tasks.get(int(task_id))
    except (TypeError, ValueError):
        task = None
    if task is None or not c.can_view(actor, task):
        raise task_not_found()
    return task
