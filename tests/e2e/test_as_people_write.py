"""Issue 13 over real HTTP: the sandbox portal and the app, as clients and integrators write.

Each test checks what the app wrote to the portal (comments, status, notifications) and the
state `GET /api/tasks/<id>` reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from b24demo.stack import LocalStack
from handlers import messages
from rules.regulation import AppConfig, ClientCompany, ContractPeriod, PackageKind
from tests.e2e.conftest import GOOD_TEXT, GOOD_TITLE, app_comments
from tests.e2e.test_regulation_paths import api, portal_task

MSK = ZoneInfo("Europe/Moscow")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)
GROUP = 1  # the first workgroup the sandbox creates
CLOCK_OVERRIDES = {
    "estimate_sla_working_minutes": 120,
    "reaction_sla_hours": 4,
    "sla_reminder_percent": 50,
    "warranty_days": 7,
}


def contract_config(**overrides: Any) -> AppConfig:
    client = ClientCompany(
        name="ООО Ромашка",
        group_ids=(GROUP,),
        contracts=(ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),),
        overrides=overrides,
    )
    return AppConfig(clients=(client,))


class People:
    def __init__(self, stack: LocalStack) -> None:
        portal = stack.portal
        self.ivan = portal.add_user("Иван", "Петров", departments=[1])
        self.anna = portal.add_user("Анна", "Смирнова", extranet=True)
        portal.add_group("ООО Ромашка", [1, self.ivan, self.anna])
        self.stack = stack

    def task(self) -> int:
        task = self.stack.portal.create_task(
            self.anna, GOOD_TITLE, GOOD_TEXT, responsible_id=self.ivan, group_id=GROUP
        )
        self.stack.settle()
        return int(task)

    def say(self, author: int, task: int, text: str) -> None:
        self.stack.portal.add_comment(author, task, text)
        self.stack.settle()

    def delivered(self, task: int) -> None:
        self.say(self.ivan, task, "Оценка: 30 минут")
        self.stack.portal.complete_task(self.ivan, task)  # task control: «Ждёт контроля»
        self.stack.settle()
        assert api(self.stack, task)["state"] == "done"


def at_monday(stack: LocalStack) -> None:
    clock = stack.portal.clock
    clock.set_offset(0.0)
    clock.set_offset(MONDAY_10.timestamp() - clock.now())


@pytest.fixture
def people(tmp_path: Path) -> Iterator[People]:
    with LocalStack(
        tmp_path, config=contract_config(), rate_limit=None, use_portal_clock=True
    ) as stack:
        at_monday(stack)
        stack.install()
        yield People(stack)


def reopened(stack: LocalStack, task: int) -> bool:
    return portal_task(stack, task)["status"] in (2, 3)


def test_thanks_after_delivery_does_not_reopen(people: People) -> None:
    task = people.task()
    people.delivered(task)
    people.stack.portal.advance_time(86400)
    people.say(people.anna, task, "Спасибо, всё работает!")
    view = api(people.stack, task)
    assert view["state"] == "done"
    assert view["reaction_due"] is None
    assert not reopened(people.stack, task)
    assert "возвращена в работу" not in app_comments(people.stack.portal, task)[-1]


def test_defect_after_delivery_reopens_unbilled_and_the_fix_is_told(people: People) -> None:
    stack = people.stack
    task = people.task()
    people.delivered(task)
    first_day = date.fromisoformat(api(stack, task)["warranty_until"])
    stack.portal.advance_time(3 * 86400)
    people.say(people.anna, task, "Поле всё равно не сохраняется")
    assert api(stack, task)["state"] == "in_progress"
    assert reopened(stack, task)
    assert "без дополнительной оплаты (п. 3.2)" in app_comments(stack.portal, task)[-1]
    stack.portal.start_task(people.ivan, task)
    stack.portal.complete_task(people.ivan, task)  # the fix is completed first …
    stack.settle()
    stack.portal.add_time(people.ivan, task, 20 * 60, "исправление")  # … its time logged after
    stack.tick()  # the scheduled re-read of logged time
    stack.settle()
    view = api(stack, task)
    assert view["state"] == "done"
    assert view["billable_minutes"] == 0  # the fix's 20 min are free
    new_day = date.fromisoformat(view["warranty_until"])
    assert new_day == first_day + timedelta(days=3)
    told = next(c for c in app_comments(stack.portal, task) if "Замечание исправлено" in c)
    assert f"до {messages.day(new_day)} включительно" in told
    assert f"раньше было до {messages.day(first_day)}" in told


def test_acceptance_in_bitrix24_closes_the_task(people: People) -> None:
    task = people.task()
    people.delivered(task)
    people.stack.portal.approve_task(people.anna, task)  # «Принять работу» after control
    people.stack.settle()
    view = api(people.stack, task)
    assert view["state"] == "closed"
    assert view["history"][-1]["decision"] == "client_accepted"


def test_approval_on_a_contract_task_starts_no_reaction_clock(people: People) -> None:
    task = people.task()
    people.say(people.ivan, task, "Оценка: 2 ч")
    people.say(people.anna, task, "Согласовано")
    view = api(people.stack, task)
    assert view["state"] == "in_progress"
    assert view["reaction_due"] is None
    people.say(people.anna, task, "Ознакомлена")
    assert api(people.stack, task)["reaction_due"] is None
    people.say(people.anna, task, "А когда будет готово?")
    assert api(people.stack, task)["reaction_due"] is not None  # a question does start it


def test_consent_without_the_word_is_told_what_to_write(people: People) -> None:
    task = people.task()
    people.say(people.ivan, task, "Оценка: 3 ч")
    people.say(people.anna, task, "Согласна")
    assert api(people.stack, task)["state"] == "awaiting_approval"
    reply = app_comments(people.stack.portal, task)[-1]
    assert "слово «Согласовано» (п. 4.2)" in reply
    assert portal_task(people.stack, task)["status"] != 3  # the work did not start


def test_unreadable_estimate_asks_the_integrator(people: People) -> None:
    stack = people.stack
    task = people.task()
    before = len(app_comments(stack.portal, task))
    people.say(people.ivan, task, "Оценка: несколько часов, там видно будет")
    view = api(stack, task)
    assert view["state"] == "awaiting_estimate"
    assert view["estimate_due"] is not None
    assert len(app_comments(stack.portal, task)) == before
    (note,) = stack.portal.notifications(people.ivan)
    assert "Не удалось прочитать оценку" in note.message
    assert portal_task(stack, task)["time_estimate"] == 0


def test_larger_estimate_in_work_needs_reapproval(people: People) -> None:
    stack = people.stack
    task = people.task()
    people.say(people.ivan, task, "Оценка: 45 минут")
    assert api(stack, task)["state"] == "in_progress"
    people.say(people.ivan, task, "Уточнённая оценка: 5 часов")
    view = api(stack, task)
    assert (view["state"], view["estimate_minutes"], view["approved_minutes"]) == (
        "awaiting_approval",
        300,
        45,
    )
    assert (
        "вместо согласованной ранее оценки 45 мин (п. 3.3)" in app_comments(stack.portal, task)[-1]
    )
    assert portal_task(stack, task)["time_estimate"] == 300 * 60
    people.say(people.anna, task, "Согласовано")
    assert api(stack, task)["approved_minutes"] == 300


@pytest.fixture
def overridden(tmp_path: Path) -> Iterator[People]:
    config = contract_config(**CLOCK_OVERRIDES)
    with LocalStack(tmp_path, config=config, rate_limit=None, use_portal_clock=True) as stack:
        at_monday(stack)
        stack.install()
        yield People(stack)


def test_client_override_of_every_clock_length(overridden: People) -> None:
    stack = overridden.stack
    task = overridden.task()
    view = api(stack, task)
    due = datetime.fromisoformat(view["estimate_due"])
    accepted_at = datetime.fromisoformat(view["accepted_at"])
    assert due - accepted_at == timedelta(hours=2)  # 2 working hours on a Monday morning
    assert f"до {messages.moment(due.astimezone(MSK))}" in app_comments(stack.portal, task)[0]
    assert "в течение 2 рабочих часов" in app_comments(stack.portal, task)[1]
    overridden.say(overridden.ivan, task, "Оценка: 30 минут")
    overridden.say(overridden.anna, task, "Когда будет готово?")
    reaction = datetime.fromisoformat(api(stack, task)["reaction_due"])
    four_hours = MONDAY_10 + timedelta(hours=4)  # the portal's clock runs on from Monday 10:00
    assert four_hours <= reaction < four_hours + timedelta(minutes=10)
    stack.portal.complete_task(overridden.ivan, task)
    stack.settle()
    view = api(stack, task)
    done_day = datetime.fromisoformat(view["history"][-1]["at"]).date()
    assert date.fromisoformat(view["warranty_until"]) == done_day + timedelta(days=7)
    assert "в течение 7 календарных дней" in app_comments(stack.portal, task)[-1]
