"""Issue 13 through the worker, applier and storage: the regulation as people really write it.

Each test is a case seen on the sandbox (the issue's "What was seen"), written before the fix.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from b24app.storage.schema import clocks
from handlers.effects import CreateTask, Notify, TaskAction
from rules import preholiday
from rules.regulation import AppConfig
from rules.types import TaskId
from tests.handlers.conftest import (
    CLIENT,
    CLIENTS,
    GOOD_TEXT,
    GOOD_TITLE,
    INTEGRATOR,
    MEMBER,
    MSK,
    OTHER_CLIENT,
    Harness,
    with_regulation,
)


def clock_rows(app: Harness, task: int) -> list[dict[str, Any]]:
    with app.services.db.begin() as conn:
        rows = conn.execute(
            select(clocks).where(clocks.c.task_id == task).order_by(clocks.c.id)
        ).all()
    return [dict(r._mapping) for r in rows]


def notices(app: Harness, task: int) -> list[Notify]:
    return [n for n in app.writes(Notify) if n.task_id == task]


def delivered(app: Harness, estimate: str = "Оценка: 30 мин") -> int:
    task = app.new_task()
    app.say(task, INTEGRATOR, estimate)
    app.update(task, status=4)
    assert app.state(task)["state"] == "done"
    return task


# -- estimates ------------------------------------------------------------------------------
ESTIMATES = [
    pytest.param("Оценка: часа два", "awaiting_approval", 120, id="issue-two-hours-inverted"),
    pytest.param("Оценка 1 ч 45, срок 2 дня", "awaiting_approval", 105, id="issue-1h45-with-term"),
    pytest.param(
        "Оценка: анализ 30 мин, разработка 2 ч, тестирование 30 мин",
        "awaiting_approval",
        180,
        id="issue-breakdown",
    ),
    pytest.param("Оценка: 2 ч. 15 м.", "awaiting_approval", 135, id="issue-dotted"),
    pytest.param("Оценка: 4 часа + 30 минут", "awaiting_approval", 270, id="issue-plus"),
    pytest.param(
        "Оценка: 3 часа. 15 минут уже потрачено", "awaiting_approval", 180, id="issue-spent"
    ),
    pytest.param("Оценка: полдня", "awaiting_approval", 240, id="issue-half-day"),
    pytest.param("Оценка: 1 день", "awaiting_approval", 480, id="issue-one-day"),
    pytest.param("Оценка: двенадцать часов", "awaiting_approval", 720, id="issue-twelve"),
    pytest.param("оценка — минут сорок", "in_progress", 45, id="forty-minutes-rounded"),
    pytest.param("Оценка: пару часов", "awaiting_approval", 120, id="couple-of-hours"),
]


@pytest.mark.parametrize(("text", "state", "minutes"), ESTIMATES)
def test_estimate_as_written(app: Harness, text: str, state: str, minutes: int) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, text)
    view = app.state(task)
    assert (view["state"], view["estimate_minutes"]) == (state, minutes)
    assert view["auto_accepted"] is (state == "in_progress")


def test_days_are_converted_and_the_reply_says_so(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 1 день")
    assert "1 рабочий день считается как 8 ч по регламенту" in app.comments(task)[-1]


def test_breakdown_reply_shows_the_sum(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: анализ 30 мин, разработка 2 ч, тестирование 30 мин")
    assert "сумма частей: 30 мин + 2 ч + 30 мин" in app.comments(task)[-1]


UNREADABLE = [
    pytest.param("Оценка: несколько часов", id="vague"),
    pytest.param("Оценка 3", id="no-unit"),
    pytest.param("Оценка: срок 3 дня", id="term-only"),
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_estimate_asks_the_integrator(app: Harness, text: str) -> None:
    task = app.new_task()
    comments_before = len(app.comments(task))
    app.say(task, INTEGRATOR, text)
    view = app.state(task)
    assert view["state"] == "awaiting_estimate"  # nothing auto-accepted
    assert view["estimate_due"] is not None  # the estimate clock keeps running
    assert len(app.comments(task)) == comments_before  # the client is not told
    (notice,) = notices(app, task)
    assert notice.user_id == INTEGRATOR
    assert "Не удалось прочитать оценку" in notice.text
    assert "Оценка: 2 ч 30 мин" in notice.text
    assert view["history"][-1]["decision"] == "estimate_unreadable"


def test_bare_amount_while_awaiting_approval_is_not_a_new_estimate(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 3 ч")
    app.say(task, CLIENT, "А тестирование сколько займёт?")
    app.say(task, INTEGRATOR, "Примерно 30 минут")
    view = app.state(task)
    assert (view["state"], view["estimate_minutes"]) == ("awaiting_approval", 180)


# -- re-estimates (п. 3.3) ------------------------------------------------------------------
def test_more_hours_adds_to_the_approved_estimate(app: Harness) -> None:
    """Issue: «Повторная оценка: ещё 2 часа» with 4 h 30 logged was read as a 2 h total."""
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 4 ч")
    app.say(task, CLIENT, "Согласовано")
    app.portal.log_time(task, INTEGRATOR, 4 * 3600 + 30 * 60, app.now)
    app.update(task)
    assert app.state(task)["state"] == "reestimate"
    app.say(task, INTEGRATOR, "Повторная оценка: ещё 2 часа")
    view = app.state(task)
    assert (view["state"], view["estimate_minutes"], view["approved_minutes"]) == (
        "awaiting_approval",
        360,
        240,
    )
    reply = app.comments(task)[-1]
    assert "Повторная оценка задачи: 6 ч" in reply
    assert "вместо согласованной ранее оценки 4 ч (п. 3.3)" in reply
    assert "дополнительным счётом" in reply
    assert "отмашка" not in reply
    app.say(task, CLIENT, "Согласовано")
    app.update(task)
    view = app.state(task)
    assert (view["state"], view["approved_minutes"], view["unapproved_minutes"]) == (
        "in_progress",
        360,
        0,
    )


def test_larger_estimate_in_work_needs_reapproval(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 45 минут")
    assert app.state(task)["state"] == "in_progress"
    app.say(task, INTEGRATOR, "Уточнённая оценка: 5 часов")
    view = app.state(task)
    assert (view["state"], view["estimate_minutes"], view["approved_minutes"]) == (
        "awaiting_approval",
        300,
        45,
    )
    assert "вместо согласованной ранее оценки 45 мин" in app.comments(task)[-1]


def test_smaller_estimate_in_work_changes_nothing(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 3 ч")
    app.say(task, CLIENT, "Согласовано")
    app.say(task, INTEGRATOR, "Уточнённая оценка: 2 часа")
    view = app.state(task)
    assert (view["state"], view["approved_minutes"]) == ("in_progress", 180)
    assert view["history"][-1]["decision"] == "estimate_not_larger"


def test_changed_estimate_field_in_work_and_no_stale_value_later(app: Harness) -> None:
    """Issue: TIME_ESTIMATE changed in work was ignored, then came back as a new estimate."""
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 1 ч")
    app.update(task, time_estimate_minutes=60)  # our own write comes back
    app.update(task, time_estimate_minutes=300)
    assert app.state(task)["state"] == "awaiting_approval"
    app.say(task, CLIENT, "Согласовано")
    comments = len(app.comments(task))
    app.portal.log_time(task, INTEGRATOR, 6 * 3600, app.now)
    app.update(task)  # the same field, now past the estimate
    assert app.state(task)["state"] == "reestimate"
    app.update(task, priority=2)
    assert not any("Предварительная оценка" in c for c in app.comments(task)[comments:])
    assert app.state(task)["state"] == "reestimate"


# -- approval and consent (п. 4.2) ----------------------------------------------------------
CONSENT = [
    pytest.param("Согласен", id="issue-agree"),
    pytest.param("Согласна", id="issue-agree-feminine"),
    pytest.param("👍", id="issue-thumbs-up"),
    pytest.param("Ок, делайте", id="ok-do-it"),
    pytest.param("Да", id="yes"),
    pytest.param("Подтверждаю", id="confirm"),
]


@pytest.mark.parametrize("text", CONSENT)
def test_consent_without_the_word_is_answered(app: Harness, text: str) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 3 ч")
    app.say(task, CLIENT, text)
    view = app.state(task)
    assert view["state"] == "awaiting_approval"
    reply = app.comments(task)[-1]
    assert "напишите, пожалуйста, в комментарии слово «Согласовано» (п. 4.2)" in reply
    assert "оценку 3 ч" in reply
    assert view["reaction_due"] is None  # the app answered


def test_reservation_is_discussion_and_the_integrator_is_told(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 3 ч")
    app.say(task, CLIENT, "Да, согласовано. Но срок сдвиньте на пятницу")
    view = app.state(task)
    assert view["state"] == "awaiting_approval"
    assert view["history"][-1]["details"]["reason"] == "reservation"
    (notice,) = notices(app, task)
    assert notice.user_id == INTEGRATOR
    assert "с оговоркой" in notice.text
    assert "срок сдвиньте на пятницу" in notice.text
    assert view["reaction_due"] is not None  # the integrator must answer (п. 1.2)


def test_approval_of_another_amount_is_discussion_and_the_integrator_is_told(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 3 ч")
    app.say(task, CLIENT, "Согласовано на 2 часа")
    view = app.state(task)
    assert view["state"] == "awaiting_approval"
    assert view["history"][-1]["details"]["reason"] == "reservation"
    (notice,) = notices(app, task)
    assert notice.user_id == INTEGRATOR
    assert "Согласовано на 2 часа" in notice.text


def test_approval_naming_the_estimate_starts_the_work(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 2 ч 50 мин")
    app.say(task, CLIENT, "Согласовано, 3 часа")
    assert app.state(task)["state"] == "in_progress"


def test_approval_of_the_addition_starts_the_work_again(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 4 ч")
    app.say(task, CLIENT, "Согласовано")
    app.portal.log_time(task, INTEGRATOR, 4 * 3600 + 30 * 60, app.now)
    app.update(task)
    app.say(task, INTEGRATOR, "Повторная оценка: ещё 2 часа")
    app.say(task, CLIENT, "Согласовано ещё 2 часа")
    assert app.state(task)["state"] == "in_progress"


def test_approval_of_another_addition_is_discussion_and_the_integrator_is_told(
    app: Harness,
) -> None:
    """«ещё 5 часов» when the re-estimate adds 2 h to the approved 4 h agrees to something else:
    the work does not start on it (when in doubt, ask)."""
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 4 ч")
    app.say(task, CLIENT, "Согласовано")
    app.portal.log_time(task, INTEGRATOR, 4 * 3600 + 30 * 60, app.now)
    app.update(task)
    app.say(task, INTEGRATOR, "Повторная оценка: ещё 2 часа")
    app.say(task, CLIENT, "Согласовано ещё 5 часов")
    view = app.state(task)
    assert (view["state"], view["approved_minutes"]) == ("awaiting_approval", 240)
    assert view["history"][-1]["details"]["reason"] == "reservation"
    (notice,) = notices(app, task)
    assert notice.user_id == INTEGRATOR
    assert "Согласовано ещё 5 часов" in notice.text


# -- the reaction clock (п. 1.2) ------------------------------------------------------------
NO_ANSWER_NEEDED = [
    pytest.param("Согласовано", id="issue-approval"),
    pytest.param("Ознакомлена", id="issue-acknowledged"),
    pytest.param("Спасибо!", id="thanks"),
    pytest.param("ок", id="ok"),
]


@pytest.mark.parametrize("text", NO_ANSWER_NEEDED)
def test_comments_that_need_no_answer_start_no_reaction_clock(app: Harness, text: str) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 3 ч")
    app.say(task, CLIENT, text)
    assert [r for r in clock_rows(app, task) if r["kind"] == "reaction"] == []


def test_question_starts_the_clock_and_starting_work_stops_it(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 45 мин")
    app.say(task, CLIENT, "Когда будет готово?")
    assert app.state(task)["reaction_due"] is not None
    app.update(task, status=3)  # the integrator starts the work
    assert app.state(task)["reaction_due"] is None


# -- after delivery (п. 3.2, 5.x) -----------------------------------------------------------
AFTER_DELIVERY = [
    pytest.param("Спасибо, всё работает!", "done", False, False, id="issue-thanks"),
    pytest.param("Принято", "done", False, False, id="accepted"),
    pytest.param("👍", "done", False, False, id="thumbs-up"),
    pytest.param("Поле всё равно не сохраняется", "in_progress", False, True, id="defect"),
    pytest.param("Исправьте, пожалуйста, формат ИНН", "in_progress", False, True, id="fix-it"),
    pytest.param("А где теперь это поле?", "done", True, True, id="question"),
    pytest.param("Посмотрим с бухгалтерией завтра", "done", True, True, id="unclear"),
]


@pytest.mark.parametrize(("text", "state", "asked", "clock"), AFTER_DELIVERY)
def test_comment_after_delivery(
    app: Harness, text: str, state: str, asked: bool, clock: bool
) -> None:
    task = delivered(app)
    app.advance(days=2)
    app.say(task, CLIENT, text)
    view = app.state(task)
    assert view["state"] == state
    assert (len(notices(app, task)) == 1) is asked
    assert (view["reaction_due"] is not None) is clock
    reopened = [w for w in app.writes(TaskAction) if w.action in ("renew", "disapprove")]
    assert bool(reopened) is (state == "in_progress")


def test_rework_done_tells_the_client_with_the_new_day_and_is_not_billed(app: Harness) -> None:
    task = delivered(app)
    assert app.state(task)["warranty_until"] == "2026-12-07"
    app.advance(days=5)
    app.say(task, CLIENT, "Не работает на телефоне")
    app.update(task, status=3)
    app.update(task, status=4)  # the fix is completed first …
    app.portal.log_time(task, INTEGRATOR, 20 * 60, app.now + timedelta(minutes=5))
    app.update(task)  # … and its time logged after
    view = app.state(task)
    assert (view["state"], view["warranty_until"]) == ("done", "2026-12-12")
    assert view["billable_minutes"] == 0
    told = app.comments(task)[-1]
    assert "Замечание исправлено" in told
    assert "до 12 декабря 2026 включительно (раньше было до 7 декабря 2026)" in told
    done_messages = [c for c in app.comments(task) if "выполнена" in c]
    assert len(done_messages) == 2  # the first delivery and the fix: no key repeats


def test_acceptance_in_bitrix24_closes_and_a_later_defect_is_a_new_task(app: Harness) -> None:
    task = delivered(app)
    app.update(task, status=5)  # the client accepts after control
    assert app.state(task)["state"] == "closed"
    app.say(task, CLIENT, "Спасибо!")
    assert app.writes(CreateTask) == []
    app.say(task, CLIENT, "Опять не сохраняется ИНН")
    assert app.state(task)["state"] == "closed"
    assert len(app.writes(CreateTask)) == 1
    assert [w for w in app.writes(TaskAction) if w.action in ("renew", "disapprove")] == []


def test_done_without_control_is_not_an_acceptance(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 30 мин")
    app.update(task, status=5)  # completed straight away, no control step
    assert app.state(task)["state"] == "done"


def test_no_80_percent_warning_in_the_update_that_completes(app: Harness) -> None:
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 45 минут")
    app.portal.log_time(task, INTEGRATOR, 40 * 60, app.now)
    app.update(task, status=4)
    assert not any("% от согласованной оценки" in c for c in app.comments(task))
    assert app.state(task)["state"] == "done"


def test_overrun_not_approved_is_kept_apart(app: Harness) -> None:
    """Demo task #4: 4 h approved, 4 h 30 logged and completed without a new approval."""
    task = app.new_task()
    app.say(task, INTEGRATOR, "Оценка: 4 ч")
    app.say(task, CLIENT, "Согласовано, спасибо")
    app.portal.log_time(task, INTEGRATOR, 4 * 3600 + 30 * 60, app.now)
    app.update(task, status=4)
    view = app.state(task)
    assert (view["state"], view["billable_minutes"], view["unapproved_minutes"]) == (
        "done",
        270,
        30,
    )
    assert "Превышение не согласовано" in next(c for c in app.comments(task) if "превысили" in c)


# -- intake (п. 1.5, 2.1–2.3) ---------------------------------------------------------------
def test_employee_task_in_a_client_group_is_not_refused(app: Harness) -> None:
    task = app.new_task(title="тест", text="", created_by=INTEGRATOR)
    view = app.state(task)
    assert view["state"] == "awaiting_estimate"
    assert not any("не может быть принята" in c for c in app.comments(task))
    assert view["estimate_due"] is not None


def test_fix_spread_over_two_comments_is_accepted(app: Harness) -> None:
    task = app.new_task(title=GOOD_TITLE, text="[IMG]https://x/1.png[/IMG]", attached_files=1)
    assert app.state(task)["state"] == "needs_info"
    app.say(task, CLIENT, "Нужно поле ИНН в карточке,")
    assert app.state(task)["state"] == "needs_info"
    app.say(task, CLIENT, "обязательное, 10 или 12 цифр.")
    view = app.state(task)
    assert view["state"] == "awaiting_estimate"
    assert view["reaction_due"] is None  # the app answered the fix itself


def test_fix_with_the_link_in_a_second_comment(app: Harness) -> None:
    text = "В сделке 1234 не считается сумма товаров после изменения скидки в строке."
    task = app.new_task(title="Не считается сумма в сделке", text=text)
    assert app.state(task)["history"][0]["details"]["violations"] == ["crm_link_missing"]
    app.say(task, CLIENT, "Вот ещё описание: после пересчёта сумма остаётся старой.")
    assert app.state(task)["state"] == "needs_info"
    app.say(task, CLIENT, "https://acme.bitrix24.ru/crm/deal/details/1234/")
    assert app.state(task)["state"] == "awaiting_estimate"


CRM = [
    pytest.param(GOOD_TITLE, "В карточке компании нужно поле ИНН: обязательное, 10 или 12 цифр.",
                 "awaiting_estimate", id="issue-crm-in-general"),
    pytest.param("Выгрузка сделок в Excel", "Нужна выгрузка всех сделок с товарами в Excel "
                 "по кнопке из списка.", "awaiting_estimate", id="issue-deals-in-general"),
    pytest.param("Стадии воронки", "Добавить стадию «Оплачено» в воронку "
                 "https://acme.bitrix24.ru/crm/deal/category/3/ и автоматизацию.",
                 "awaiting_estimate", id="issue-funnel-link"),
    pytest.param("Ошибка суммы", "В этой сделке не считается сумма товаров после скидки, "
                 "проверьте, пожалуйста.", "needs_info", id="concrete-deal-without-link"),
]  # fmt: skip


@pytest.mark.parametrize(("title", "text", "state"), CRM)
def test_crm_link_is_asked_only_for_concrete_records(
    app: Harness, title: str, text: str, state: str
) -> None:
    task = app.new_task(title=title, text=text)
    assert app.state(task)["state"] == state


def test_responsible_note_is_not_a_blocking_problem(app: Harness) -> None:
    task = app.new_task(title="тест", text="", created_by=OTHER_CLIENT)
    refusal = app.comments(task)[0]
    problems = refusal.split("[/LIST]")[0]
    assert "п. 1.5" not in problems
    assert "Обратите внимание" in refusal.split("[/LIST]")[1]
    assert "п. 1.5" in refusal.split("[/LIST]")[1]


def test_summary_is_posted_once_for_the_company_even_when_the_first_was_refused(
    app: Harness,
) -> None:
    first = app.new_task(title="тест", text="")
    second = app.new_task()
    assert any("С регламентом ознакомлен" in c for c in app.comments(first))
    assert not any("С регламентом ознакомлен" in c for c in app.comments(second))
    third = app.new_task()
    assert not any("С регламентом ознакомлен" in c for c in app.comments(third))


# -- one regulation for each client: every clock length overridden --------------------------
OVERRIDES = {
    "estimate_sla_working_minutes": 120,
    "reaction_sla_hours": 4,
    "sla_reminder_percent": 50,
    "warranty_days": 7,
    "auto_accept_max_minutes": 30,
    "rounding_unit_minutes": 10,
}


@pytest.mark.parametrize(
    "config",
    [AppConfig(clients=(dataclasses.replace(CLIENTS[0], overrides=OVERRIDES),))],
    ids=["client-overrides"],
)
def test_client_override_of_every_clock_length(app: Harness) -> None:
    task = app.new_task()  # Monday 10:00
    accepted = app.comments(task)[0]
    assert "до 23 ноября 2026, 12:00" in accepted  # 2 working hours, not 8
    summary = app.comments(task)[1]
    assert "в течение 2 рабочих часов" in summary
    assert "до 30 мин включительно" in summary
    assert "10 минут" in summary
    assert "7 календарных дней" in summary
    (estimate,) = clock_rows(app, task)
    assert estimate["total_minutes"] == 120
    assert app.state(task)["estimate_due"] == "2026-11-23T12:00:00+03:00"
    assert estimate["remind_at"] == app.now.timestamp() + 3600  # 50 % of 2 h
    app.say(task, INTEGRATOR, "Оценка: 25 минут")  # rounded up to 30 (unit 10): auto-accepted
    assert app.state(task)["estimate_minutes"] == 30
    app.say(task, CLIENT, "Когда будет готово?")
    assert app.state(task)["reaction_due"] == "2026-11-23T14:00:00+03:00"  # 4 h of the day
    app.update(task, status=4)
    assert app.state(task)["warranty_until"] == "2026-11-30"
    assert "в течение 7 календарных дней" in app.comments(task)[-1]


def test_global_regulation_is_used_without_an_override(app: Harness) -> None:
    task = app.new_task()
    assert app.state(task)["estimate_due"] == "2026-11-23T18:00:00+03:00"
    assert date.fromisoformat("2026-11-23").weekday() == 0


@pytest.mark.parametrize(
    "config", [with_regulation(AppConfig(clients=CLIENTS), create_task_for_late_comment=False)]
)
def test_late_defect_without_task_creation_gets_one_reply(app: Harness) -> None:
    task = delivered(app)
    app.advance(days=20)
    app.say(task, CLIENT, "Опять не работает")
    replies = [c for c in app.comments(task) if "закончился" in c]
    assert len(replies) == 1
    assert "поставьте новую задачу" in replies[0]
    assert app.writes(CreateTask) == []


def test_task_record_is_for_this_member(app: Harness) -> None:
    task = app.new_task()
    assert app.services.task_store(MEMBER).get_task(TaskId(task)) is not None
    assert GOOD_TEXT in app.state(task)["observations"][0][3]


def test_events_past_the_calendar_table_are_processed(app: Harness) -> None:
    """Issue: from the first date past the built-in table every handler raised."""
    app.now = datetime(max(preholiday.COVERED_YEARS) + 2, 3, 5, 10, 0, tzinfo=MSK)  # a Monday
    app.portal.now = app.now
    task = app.new_task()
    view = app.state(task)
    assert view["state"] == "awaiting_estimate"
    assert view["estimate_due"] == app.now.replace(hour=18).isoformat()
    app.say(task, INTEGRATOR, "Оценка: 45 минут")
    assert app.state(task)["state"] == "in_progress"
    assert app.services.inbox.stats()["failed"] == 0
