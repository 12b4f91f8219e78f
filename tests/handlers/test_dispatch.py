"""The handlers' main paths as tables: given the facts, an event → the Outcome (REGULATION.md).

No worker, database or applier: tests/handlers/seam.py gives the handler a FakeBitrix portal and
an in-memory task store, and reads back the decisions, the record saved and the writes asked for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from handlers.routing import HandlerEvent
from rules.types import TaskId, TaskState, TaskStatus
from tests.handlers.conftest import CLIENT, INTEGRATOR
from tests.handlers.seam import (
    NOW,
    TASK,
    Facts,
    Seen,
    dispatch,
    portal_with_people,
    seen,
    task_facts,
    task_record,
)

Given = Callable[[Facts], HandlerEvent]

SUMMARY = "Коротко о регламенте"  # sent with a company's first task (handlers.intake)
DEFECT = "Кнопка «Сохранить» не работает, исправьте, пожалуйста"


def new_task(**changes: Any) -> Given:
    """The portal has a new task; the app has never seen it."""

    def given(facts: Facts) -> HandlerEvent:
        facts.portal.task(task_facts(created_at=NOW, **changes))
        return HandlerEvent("ONTASKADD", TASK)

    return given


def new_task_of_known_company(facts: Facts) -> HandlerEvent:
    """The company already has an accepted task: it has had the regulation summary."""
    facts.store.tasks[TaskId(4400)] = task_record(TaskState.IN_PROGRESS, task_id=TaskId(4400))
    return new_task()(facts)


def task_changed(
    state: TaskState, task: dict[str, Any], *, logged: tuple[int, ...] = (), **record: Any
) -> Given:
    """The task the app keeps in `state` was changed in the portal (`logged`: time entries, in
    minutes, by the integrator)."""

    def given(facts: Facts) -> HandlerEvent:
        facts.portal.task(task_facts(**task))
        for minutes in logged:
            facts.portal.log_time(TASK, INTEGRATOR, minutes * 60, NOW - timedelta(hours=1))
        facts.store.tasks[TASK] = task_record(state, **record)
        return HandlerEvent("ONTASKUPDATE", TASK)

    return given


def task_deleted(facts: Facts) -> HandlerEvent:
    facts.store.tasks[TASK] = task_record(TaskState.IN_PROGRESS)
    return HandlerEvent("ONTASKDELETE", TASK)


def comment(
    author: int,
    text: str,
    state: TaskState | None,
    task: dict[str, Any] | None = None,
    **record: Any,
) -> Given:
    """Someone writes a comment on the task the app keeps in `state` (None: not tracked)."""

    def given(facts: Facts) -> HandlerEvent:
        facts.portal.task(task_facts(**(task or {})))
        if state is not None:
            facts.store.tasks[TASK] = task_record(state, **record)
        posted = facts.portal.comment(TASK, author, text, facts.now)
        return HandlerEvent("ONTASKCOMMENTADD", TASK, comment_id=posted.comment_id)

    return given


def own_comment(facts: Facts) -> HandlerEvent:
    """The app's own comment comes back as an event (its id was recorded when written)."""
    facts.store.tasks[TASK] = task_record(TaskState.AWAITING_ESTIMATE)
    facts.store.record_own_write(TASK, "comment", 9100, "Задача принята")
    return HandlerEvent("ONTASKCOMMENTADD", TASK, comment_id=9100)


def delivered(days_ago: int) -> dict[str, Any]:
    """A record delivered `days_ago` days before NOW, with its 14-day window (п. 5.2)."""
    done_at = NOW - timedelta(days=days_ago)
    return {"done_at": done_at, "warranty_last_day": (done_at + timedelta(days=14)).date()}


ESTIMATED_3H: dict[str, Any] = {
    "estimate_raw_minutes": 180,
    "estimate_minutes": 180,
    "estimated_by": INTEGRATOR,
}
AWAITING_CHECK: dict[str, Any] = {"status": TaskStatus.SUPPOSEDLY_COMPLETED}
IN_WORK: dict[str, Any] = {"status": TaskStatus.IN_PROGRESS}
APPROVED_1H: dict[str, Any] = {
    "estimate_minutes": 60,
    "approved_minutes": 60,
    "last_status": TaskStatus.IN_PROGRESS,
}

CASES = [
    pytest.param(
        new_task(),
        Seen("", ("task_valid",), TaskState.AWAITING_ESTIMATE, ("AddComment",) * 2, ()),
        ("передана интегратору на оценку", SUMMARY),
        id="new-task-accepted",
    ),
    pytest.param(
        new_task_of_known_company,
        Seen("", ("task_valid",), TaskState.AWAITING_ESTIMATE, ("AddComment",), ()),
        ("передана интегратору на оценку",),
        id="new-task-of-a-company-with-accepted-tasks-no-summary",
    ),
    pytest.param(
        new_task(title="Помогите", description="[IMG]https://x/1.png[/IMG]", attached_files=1),
        Seen("", ("task_invalid",), TaskState.NEEDS_INFO, ("AddComment",) * 2, ()),
        ("п. 2.1", "«Помогите»", SUMMARY),
        id="new-task-refused",
    ),
    pytest.param(
        new_task(created_by=INTEGRATOR, group_id=0),
        Seen("not a client task: created by an employee outside client groups", (), None, (), ()),
        (),
        id="employee-task-outside-client-groups-ignored",
    ),
    pytest.param(
        comment(INTEGRATOR, "Оценка: 45 минут", TaskState.AWAITING_ESTIMATE),
        Seen(
            "",
            ("estimate_auto_accepted",),
            TaskState.IN_PROGRESS,
            ("UpdateTask(estimate=45)", "AddComment", "TaskAction(start)"),
            (),
        ),
        ("45 мин", "п. 3.5"),
        id="estimate-within-limit-accepted",
    ),
    pytest.param(
        comment(INTEGRATOR, "Оценка: 3 часа", TaskState.AWAITING_ESTIMATE),
        Seen(
            "",
            ("estimate_needs_approval",),
            TaskState.AWAITING_APPROVAL,
            ("UpdateTask(estimate=180)", "AddComment"),
            (),
        ),
        ("3 ч", "«Согласовано»"),
        id="estimate-over-limit-needs-approval",
    ),
    pytest.param(
        comment(CLIENT, "Оценка: несколько часов", TaskState.AWAITING_ESTIMATE),
        Seen("", (), TaskState.AWAITING_ESTIMATE, (), ()),
        (),
        id="client-estimate-words-are-no-estimate",
    ),
    pytest.param(
        comment(INTEGRATOR, "Оценка: несколько часов", TaskState.AWAITING_ESTIMATE),
        Seen("", ("estimate_unreadable",), TaskState.AWAITING_ESTIMATE, ("Notify",), ()),
        ("несколько часов",),
        id="unreadable-estimate-asked-back",
    ),
    pytest.param(
        comment(CLIENT, "Согласовано", TaskState.AWAITING_APPROVAL, **ESTIMATED_3H),
        Seen(
            "",
            ("approved",),
            TaskState.IN_PROGRESS,
            ("AddComment", "TaskAction(start)"),
            (),
        ),
        ("Анна Клиентова", "п. 4.2"),
        id="approved",
    ),
    pytest.param(
        comment(CLIENT, "Не согласовано, дорого", TaskState.AWAITING_APPROVAL, **ESTIMATED_3H),
        Seen("", ("discussion",), TaskState.AWAITING_APPROVAL, (), ()),
        (),
        id="not-approved-is-discussion",
    ),
    pytest.param(
        task_changed(TaskState.IN_PROGRESS, AWAITING_CHECK, approved_minutes=60),
        Seen("", ("work_done",), TaskState.DONE, ("AddComment",), ()),
        ("п. 5.1", "7 декабря 2026"),
        id="work-done",
    ),
    pytest.param(
        comment(CLIENT, DEFECT, TaskState.DONE, AWAITING_CHECK, **delivered(2)),
        Seen(
            "",
            ("remark_after_delivery", "warranty_rework"),
            TaskState.IN_PROGRESS,
            ("AddComment", "TaskAction(disapprove)"),
            (),
        ),
        ("п. 3.2",),
        id="defect-in-warranty-reopens",
    ),
    pytest.param(
        comment(CLIENT, "Спасибо, всё работает!", TaskState.DONE, AWAITING_CHECK, **delivered(2)),
        Seen("", ("remark_after_delivery",), TaskState.DONE, (), ()),
        (),
        id="thanks-after-done",
    ),
    pytest.param(
        comment(CLIENT, DEFECT, TaskState.DONE, AWAITING_CHECK, **delivered(20)),
        Seen(
            "",
            ("remark_after_delivery", "late_comment", "warranty_expired"),
            TaskState.CLOSED,
            ("CreateTask",),
            (),
        ),
        (),
        id="defect-after-window-becomes-new-task",
    ),
    pytest.param(
        task_changed(TaskState.AWAITING_ESTIMATE, {"time_estimate_minutes": 45}),
        Seen(
            "",
            ("estimate_auto_accepted",),
            TaskState.IN_PROGRESS,
            ("AddComment", "TaskAction(start)"),
            (),
        ),
        ("п. 3.5",),
        id="estimate-in-the-task-field-accepted",
    ),
    pytest.param(
        task_changed(TaskState.IN_PROGRESS, IN_WORK, logged=(50, 40), **APPROVED_1H),
        Seen("", ("overrun",), TaskState.REESTIMATE, ("AddComment",), ()),
        ("п. 3.3", "1 ч 45 мин"),  # п. 3.1: each entry rounded up to 15 min (60 + 45)
        id="time-past-the-approved-estimate-is-overrun",
    ),
    pytest.param(
        task_changed(TaskState.IN_PROGRESS, IN_WORK, logged=(50,), **APPROVED_1H),
        Seen("", ("overrun_warning",), TaskState.IN_PROGRESS, ("AddComment",), ()),
        ("п. 3.3", "100 %"),  # 50 min bills as 1 h: at the estimate, not past it
        id="time-reaching-the-estimate-warns",
    ),
    pytest.param(
        task_changed(TaskState.IN_PROGRESS, IN_WORK, logged=(35,), **APPROVED_1H),
        Seen("", (), TaskState.IN_PROGRESS, (), ()),
        (),
        id="time-under-80-percent-only-recorded",
    ),
    pytest.param(
        task_changed(
            TaskState.DONE,
            {"status": TaskStatus.COMPLETED},
            last_status=TaskStatus.SUPPOSEDLY_COMPLETED,
            **delivered(2),
        ),
        Seen("", ("client_accepted",), TaskState.CLOSED, (), ()),
        (),
        id="client-accepts-the-delivered-task",
    ),
    pytest.param(
        task_deleted,
        Seen("", ("task_deleted",), TaskState.IN_PROGRESS, (), ()),
        (),
        id="task-deleted-keeps-its-record",
    ),
    pytest.param(
        comment(
            CLIENT,
            "Согласовано, но только если успеете до пятницы",
            TaskState.AWAITING_APPROVAL,
            **ESTIMATED_3H,
        ),
        Seen("", ("discussion",), TaskState.AWAITING_APPROVAL, ("Notify",), ()),
        ("успеете до пятницы",),
        id="approval-with-a-reservation-goes-to-the-integrator",
    ),
    pytest.param(
        comment(CLIENT, "А где посмотреть результат?", TaskState.DONE, **delivered(2)),
        Seen("", ("remark_after_delivery",), TaskState.DONE, ("Notify",), ()),
        ("где посмотреть результат",),
        id="question-after-done-goes-to-the-integrator",
    ),
    pytest.param(
        own_comment,
        Seen("the app's own comment", (), None, (), ()),
        (),
        id="own-comment-ignored",
    ),
    pytest.param(
        comment(CLIENT, "Когда будет готово?", None),
        Seen("the app does not track this task", (), None, (), ()),
        (),
        id="comment-on-untracked-task-ignored",
    ),
]


@pytest.mark.parametrize(("given", "expected", "says"), CASES)
def test_dispatch(given: Given, expected: Seen, says: tuple[str, ...]) -> None:
    facts = Facts(portal=portal_with_people())
    outcome = seen(dispatch(given(facts), facts))
    assert dataclasses.replace(outcome, texts=()) == expected
    text = "\n".join(outcome.texts)
    assert [s for s in says if s not in text] == []
