"""Every path of the regulation's state machine, through the worker, applier and storage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from handlers.effects import CreateTask, TaskAction, UpdateTask
from rules.regulation import AppConfig
from rules.types import TaskId
from scheduler.sla import plan_warranty_end
from tests.handlers.conftest import (
    CLIENT,
    GOOD_TEXT,
    GOOD_TITLE,
    INTEGRATOR,
    MEMBER,
    OTHER_CLIENT,
    Harness,
    with_regulation,
)


def test_refused_then_fixed_then_accepted(app: Harness) -> None:
    task = app.new_task(title="Помогите", text="[IMG]https://x/1.png[/IMG]", attached_files=1)
    assert app.state(task)["state"] == "needs_info"
    refusal = app.comments(task)[0]
    assert "п. 2.1" in refusal
    assert "п. 2.3" in refusal
    assert "«Помогите»" in refusal
    app.advance(hours=1)
    app.update(task, title=GOOD_TITLE, description=GOOD_TEXT)
    view = app.state(task)
    assert view["state"] == "awaiting_estimate"
    assert view["accepted_at"] == app.now.isoformat()  # the clock starts when it was fixed
    assert view["estimate_due"] == "2026-11-24T10:00:00+03:00"  # 7 h on Monday + 1 h
    assert "С регламентом ознакомлен" in app.comments(task)[1]  # the company's first task
    assert "передана интегратору на оценку" in app.comments(task)[2]
    assert [h["to"] for h in view["history"]] == ["needs_info", "awaiting_estimate"]
    assert view["history"][0]["clause"] == "2.1, 2.3"


def test_valid_task_clock_starts_at_creation(app: Harness) -> None:
    task = app.new_task()
    view = app.state(task)
    assert view["state"] == "awaiting_estimate"
    assert view["accepted_at"] == view["created_at"]
    assert "С регламентом ознакомлен" in app.comments(task)[1]  # first task of the company


def test_unchanged_refused_text_is_not_refused_twice(app: Harness) -> None:
    task = app.new_task(title="тест", text="")
    app.update(task, priority=2)
    refusals = [c for c in app.comments(task) if "не может быть принята" in c]
    assert len(refusals) == 1


def test_estimate_45_minutes_is_auto_accepted(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 45 минут")
    view = app.state(task)
    assert view["state"] == "in_progress"
    assert view["auto_accepted"] is True
    assert view["estimate_minutes"] == 45
    assert view["estimate_due"] is None  # the estimate clock stopped
    assert app.comments(task)[-1] == (
        "Задача оценена в 45 мин и принята в работу автоматически: оценка не больше 1 ч (п. 3.5)."
    )
    assert [w.action for w in app.writes(TaskAction)] == ["start"]
    assert [w.time_estimate_minutes for w in app.writes(UpdateTask)] == [45]


def test_estimate_is_rounded_up_and_needs_approval(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Предварительная оценка — 3 ч 10 мин, срок 3 рабочих дня")
    view = app.state(task)
    assert view["state"] == "awaiting_approval"
    assert (view["estimate_raw_minutes"], view["estimate_minutes"]) == (190, 195)
    assert "3 ч 15 мин" in app.comments(task)[-1]
    assert "«Согласовано»" in app.comments(task)[-1]
    assert [w.time_estimate_minutes for w in app.writes(UpdateTask)] == [195]


def test_not_approved_then_approved_starts_work_with_deadline(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 2 ч, срок 3 рабочих дня")
    app.say(task, CLIENT, "Не согласовано, давайте обсудим")
    assert app.state(task)["state"] == "awaiting_approval"
    assert app.state(task)["history"][-1]["details"]["reason"] == "negated"
    app.advance(hours=2)
    app.say(task, CLIENT, "[USER=17]Иван[/USER], добрый день! Согласовано.")
    view = app.state(task)
    assert view["state"] == "in_progress"
    assert view["approved_by"] == CLIENT
    assert view["deadline"] == "2026-11-26T18:00:00+03:00"  # 3 working days from approval
    assert "Оценка согласована (Анна Клиентова)" in app.comments(task)[-1]
    assert [w.deadline.isoformat() for w in app.writes(UpdateTask) if w.deadline] == [
        "2026-11-26T18:00:00+03:00"
    ]


def test_approval_by_integrator_or_quoted_does_not_count(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: по факту")
    app.say(task, INTEGRATOR, "Согласовано")
    app.say(task, CLIENT, "[QUOTE]Согласовано[/QUOTE] а сроки какие?")
    assert app.state(task)["state"] == "awaiting_approval"


def test_overrun_warns_then_requires_reestimate(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка 1 час")  # ≤ 60 min: auto-accepted
    app.portal.log_time(task, INTEGRATOR, 50 * 60, app.now)
    app.update(task)
    assert app.state(task)["overrun_level"] == "warning"
    assert "100 %" in app.comments(task)[-1]  # 50 min is billed as 60 (п. 3.1)
    app.portal.log_time(task, INTEGRATOR, 11 * 60, app.now)  # 50→60 + 11→15 = 75 min billable
    app.update(task)
    view = app.state(task)
    assert view["state"] == "reestimate"
    assert view["billable_minutes"] == 75
    assert "п. 3.3" in app.comments(task)[-1]
    app.say(task, INTEGRATOR, "Повторная оценка: 2 часа")
    assert app.state(task)["state"] == "awaiting_approval"


def test_time_field_estimate_is_picked_up_and_rounded(app: Harness) -> None:
    task = app.new_task()
    app.update(task, time_estimate_minutes=50)
    view = app.state(task)
    assert view["state"] == "in_progress"
    assert view["estimate_minutes"] == 60
    app.update(task, time_estimate_minutes=60)  # our own write coming back: nothing new
    assert len(app.state(task)["history"]) == 2


def test_done_then_comment_in_window_is_warranty_rework(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 30 мин")
    app.update(task, status=4)
    view = app.state(task)
    assert view["state"] == "done"
    assert view["warranty_until"] == "2026-12-07"
    assert "до 7 декабря 2026 включительно" in app.comments(task)[-1]
    app.advance(days=13)
    app.say(task, CLIENT, "Поле ИНН не сохраняется")
    assert app.state(task)["state"] == "in_progress"
    assert "без дополнительной оплаты (п. 3.2)" in app.comments(task)[-1]
    assert [w.action for w in app.writes(TaskAction)][-1] == "disapprove"
    app.portal.log_time(task, INTEGRATOR, 20 * 60, app.now)  # rework time: not billed
    app.update(task, status=5)
    assert app.state(task)["state"] == "done"
    assert app.state(task)["billable_minutes"] == 0


def test_done_then_late_comment_gets_answer_and_new_task(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 30 мин")
    app.update(task, status=5)
    replies_before = len(app.comments(task))
    app.advance(days=15)
    app.say(task, CLIENT, "Снова ошибка с ИНН")
    assert app.state(task)["state"] == "closed"  # the window is over: closed at once
    created = app.writes(CreateTask)
    assert len(created) == 1
    assert created[0].title.startswith(f"Обращение по задаче #{task}")
    assert "Снова ошибка с ИНН" in created[0].description
    assert "Автор: Анна Клиентова" in created[0].description
    assert len(app.comments(task)) == replies_before  # the reply waits for the new task's id
    new_task = max(app.portal.tasks)
    app.deliver("ONTASKADD", new_task)  # the portal's event for the task the app created
    assert app.state(new_task)["state"] == "awaiting_estimate"  # not refused: not checked
    (reply,) = app.comments(task)[replies_before:]
    assert "закончился 7 декабря 2026" in reply
    assert f"новую задачу #{new_task}" in reply
    assert "поставьте новую задачу" not in reply
    record = app.services.task_store(MEMBER).get_task(TaskId(task))
    assert record is not None
    assert plan_warranty_end(record, app.now, app.services.config) == []  # no second reply


@pytest.mark.parametrize("config", [AppConfig()], ids=["no-clients-configured"])
def test_employee_task_outside_client_groups_is_ignored(app: Harness) -> None:
    task = app.new_task(created_by=INTEGRATOR, group_id=0)
    assert app.services.task_store(MEMBER).get_task(TaskId(task)) is None
    assert app.comments(task) == []


def test_own_comment_and_repeated_event_do_nothing(app: Harness) -> None:
    task = app.new_task()
    before = len(app.portal.written)
    own = max(app.portal.comments)
    app.deliver("ONTASKCOMMENTADD", task, own)
    comment = app.say(task, INTEGRATOR, "Оценка: 45 минут")
    app.deliver("ONTASKCOMMENTADD", task, comment)  # delivered again (e.g. by the catch-up)
    assert len(app.portal.written) == before + 3  # comment + estimate field + start, once


def test_service_message_is_not_a_client_comment(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 2 ч")
    app.say(task, 0, "Согласовано")  # author 0: a portal service message
    assert app.state(task)["state"] == "awaiting_approval"


def test_other_client_user_gets_responsible_warning(app: Harness) -> None:
    task = app.new_task(created_by=OTHER_CLIENT)
    view = app.state(task)
    assert view["state"] == "awaiting_estimate"
    assert "п. 1.5" in app.comments(task)[0]
    assert "Анна Клиентова" in app.comments(task)[0]


@pytest.mark.parametrize(
    "config", [with_regulation(AppConfig(), auto_accept_max_minutes=30)], ids=["threshold-30"]
)
def test_auto_accept_threshold_from_config(app: Harness) -> None:
    task = app.new_task(created_by=CLIENT, group_id=0)
    app.portal.user(CLIENT, "Анна Клиентова", extranet=True)
    app.say(task, INTEGRATOR, "Оценка: 45 минут")
    assert app.state(task)["state"] == "awaiting_approval"


def test_shadow_mode_decides_but_writes_nothing(tmp_path: Path, config: AppConfig) -> None:
    app = Harness(tmp_path, dataclasses.replace(config, shadow_mode=True))
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 45 минут")
    assert app.state(task)["state"] == "in_progress"
    assert app.portal.written == []
    assert all(h["shadow"] for h in app.state(task)["history"])
    app.services.close()
