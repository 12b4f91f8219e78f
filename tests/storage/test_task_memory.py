"""The in-memory task store answers as the database one: the same writes, then the same reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from b24app.storage.database import Database
from b24app.storage.task_memory import MemoryTaskStore
from b24app.storage.task_store import EFFECT_SHADOW, EFFECT_STARTED, TaskStorage, TaskStore
from handlers.effects import Audit
from handlers.records import TaskRecord
from rules.types import CommentFacts, TaskFacts, TaskId, TaskState, UserId

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ROMASHKA, LILIA = "ООО Ромашка", "ООО Лилия"


def fill(store: TaskStorage) -> None:
    store.save(
        TaskRecord(TaskId(1), TaskState.IN_PROGRESS, client=ROMASHKA, title="Поле ИНН"),
        [Audit(TaskId(1), "task_valid", "2.1", "ONTASKADD inbox:1", "new", "awaiting_estimate")],
        shadow=True,
    )
    store.save(TaskRecord(TaskId(2), TaskState.NEEDS_INFO, client=LILIA), [], shadow=False)
    store.record_own_write(1, "comment", 77, "Задача принята в работу")
    store.record_own_write(1, "message", 88, "[B]Оценка[/B] согласована")
    store.record_task_request(1, "Доработка по задаче №1", "Клиент пишет: не работает")
    store.mark_effect("summary:ООО Лилия:2", "AddComment", 2, EFFECT_STARTED)
    store.mark_effect("start:1:c5", "TaskAction", 1, EFFECT_SHADOW, "ok")


def comment(comment_id: int, text: str, *, chat: bool = False) -> CommentFacts:
    return CommentFacts(comment_id, TaskId(1), UserId(1), text, AT, is_chat_message=chat)


def answers(store: TaskStorage) -> dict[str, Any]:
    late = TaskFacts(
        TaskId(3), "Доработка по задаче №1", "Клиент пишет: не работает", UserId(5), UserId(6), AT
    )
    other = TaskFacts(TaskId(4), "Другая", "", UserId(5), UserId(6), AT)
    history = [{k: v for k, v in row.items() if k not in ("id", "at")} for row in store.history(1)]
    return {
        "task": store.get_task(TaskId(1)),
        "missing": store.get_task(TaskId(9)),
        "own-by-id": store.is_own_comment(TaskId(1), comment(77, "другой текст")),
        "own-chat-by-text": store.is_own_comment(TaskId(1), comment(5, "Оценка согласована")),
        "own-wrong-kind": store.is_own_comment(TaskId(1), comment(77, "x", chat=True)),
        "other-task": store.is_own_comment(TaskId(2), comment(77, "Задача принята в работу")),
        "own-id": (store.is_own_comment_id(TaskId(1), 77), store.is_own_comment_id(TaskId(1), 88)),
        "own-id-zero": store.is_own_comment_id(TaskId(1), 0),
        "effects": (store.has_effect("start:1:c5"), store.has_effect("summary:ООО Лилия:2")),
        "effect-status": (store.effect_status("start:1:c5"), store.effect_status("nope")),
        "company-tasks": (
            store.company_has_tasks(ROMASHKA, except_task=TaskId(1)),
            store.company_has_tasks(ROMASHKA, except_task=TaskId(7)),
        ),
        "summary-needed": (
            store.needs_regulation_summary(ROMASHKA, except_task=TaskId(1)),
            store.needs_regulation_summary(ROMASHKA, except_task=TaskId(7)),
            store.needs_regulation_summary(LILIA, except_task=TaskId(7)),
            store.needs_regulation_summary("ООО Астра", except_task=TaskId(7)),
        ),
        "origin": (store.origin_of_app_task(late), store.origin_of_app_task(other)),
        "listed": [r.task_id for r in store.list_tasks()],
        "listed-in-work": [r.task_id for r in store.list_tasks(["in_progress"])],
        "history": history,
    }


def test_memory_store_answers_as_the_database_store(db: Database) -> None:
    database, memory = TaskStore(db, "m1"), MemoryTaskStore("m1")
    fill(database)
    fill(memory)
    found = answers(memory)
    assert found == answers(database)
    assert found["summary-needed"] == (True, False, False, True)  # the fixture covers each path
