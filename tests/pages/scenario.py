"""A small portal history for the page tests and the README screenshots (scripts/screenshots.py).

Two client companies on the sandbox portal, played on one clock (the portal's) from Monday
9 November 2026: a task left without an estimate until its 8 working hours have passed (a
breach), an approved task whose title is a `<script>` tag, an estimate waiting for approval,
time logged against both packages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from b24app.reporting.time_sync import sync_time
from b24demo.stack import LocalStack
from rules.regulation import AppConfig, ClientCompany, ContractPeriod, PackageKind
from rules.types import TaskId, UserId
from scheduler.sla import check_sla_clocks, refresh_time_entries

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 9, 10, 0, tzinfo=MSK)  # a Monday
ROMASHKA, LUTIK = "ООО Ромашка", "ИП Лютик"
SCRIPT_TITLE = '<script>alert("xss")</script> Права на сделки для менеджеров'

CRM_TEXT = (
    "В карточке сделки https://romashka.bitrix24.ru/crm/deal/details/42/ менеджеры "
    "не видят поле «Скидка». Нужно открыть его на чтение отделу продаж."
)


@dataclass
class Scenario:
    """The stack, who is who, and the task ids the tests look at."""

    stack: LocalStack
    users: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    group: int = 0

    @property
    def portal(self) -> Any:
        return self.stack.portal

    def later(self, **delta: float) -> None:
        self.portal.advance_time(timedelta(**delta).total_seconds())
        self.stack.settle()

    def act(self, action: Any) -> Any:
        result = action()
        self.stack.settle()
        return result

    def frame_form(
        self,
        user_id: int,
        placement: str = "DEFAULT",
        options: dict[str, Any] | None = None,
        *,
        auth_id: str | None = None,
    ) -> dict[str, str]:
        """§13.2: the fields Bitrix24 POSTs into the app's iframe for this user."""
        token = self.portal.issue_token(user_id)
        return {
            "AUTH_ID": token.token if auth_id is None else auth_id,
            "AUTH_EXPIRES": "3600",
            "REFRESH_ID": token.refresh_token,
            "member_id": self.portal.member_id,
            "status": "L",
            "APPLICATION_TOKEN": self.portal.application_token,
            "PLACEMENT": placement,
            "PLACEMENT_OPTIONS": json.dumps(options or {}),
        }

    def frame_query(self) -> str:
        return urlencode(
            {"DOMAIN": self.portal.domain, "PROTOCOL": "0", "LANG": "ru", "APP_SID": "test"}
        )

    def handler_url(self, placement: str = "DEFAULT") -> str:
        path = "/b24/placement/task" if placement == "TASK_VIEW_TAB" else "/b24/app"
        return f"{self.stack.url}{path}?{self.frame_query()}"


def config(users: dict[str, int], group: int) -> AppConfig:
    return AppConfig(
        clients=(
            ClientCompany(
                name=ROMASHKA,
                user_ids=(UserId(users["anna"]),),
                responsible_ids=(UserId(users["anna"]),),
                contracts=(ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),),
            ),
            ClientCompany(  # recognised by its workgroup only
                name=LUTIK,
                group_ids=(group,),
                contracts=(ContractPeriod(PackageKind.ADVANCED, date(2026, 1, 1)),),
            ),
        )
    )


def start_stack(data_dir: Path) -> Scenario:
    """A running, installed stack with the people and the config, at START."""
    # The sandbox has no rate limit here and the app is not paced either: past its burst of 50
    # the app's own 2 requests/s would make every later event and page wait ~0.5 s a request
    # (pacing is tests/e2e/test_intake.py's subject).
    stack = LocalStack(
        data_dir,
        rate_limit=None,
        use_portal_clock=True,
        settings={"requests_per_second": 1000.0},
    )
    stack.portal.clock.set_offset(START.timestamp() - stack.portal.clock.now())
    stack.start()
    scenario = Scenario(stack)
    portal = stack.portal
    dept = portal.add_department("Отдел внедрения", 1)
    scenario.users = {
        "ivan": portal.add_user("Иван", "Петров", departments=[dept]),
        "maria": portal.add_user("Мария", "Соколова", departments=[dept]),
        "anna": portal.add_user("Анна", "Смирнова", extranet=True),
        "boris": portal.add_user("Борис", "Лютиков", extranet=True),
    }
    scenario.group = portal.add_group(LUTIK, [1, scenario.users["maria"], scenario.users["boris"]])
    stack.services.set_config(config(scenario.users, scenario.group))
    stack.install()
    stack.settle()
    return scenario


def play(scenario: Scenario) -> Scenario:
    """The history the pages show (about 40 portal events)."""
    portal, users = scenario.portal, scenario.users
    ivan, maria, anna, boris = (users[k] for k in ("ivan", "maria", "anna", "boris"))
    group = scenario.group

    def task(author: int, title: str, text: str, responsible: int, group_id: int = 0) -> int:
        return int(
            scenario.act(
                lambda: portal.create_task(
                    author, title, text, responsible_id=responsible, group_id=group_id
                )
            )
        )

    t = scenario.tasks
    t["late"] = task(
        anna,
        "Не приходят уведомления о новых лидах",
        "С прошлой пятницы ответственные не получают уведомления о новых лидах с сайта, "
        "пример: https://romashka.bitrix24.ru/crm/lead/details/310/",
        ivan,
    )
    t["script"] = task(anna, SCRIPT_TITLE, CRM_TEXT, ivan)
    scenario.later(minutes=30)
    scenario.act(lambda: portal.add_comment(ivan, t["script"], "Оценка: 2 ч 10 мин, срок 3 дня"))
    scenario.later(minutes=50)
    scenario.act(lambda: portal.add_comment(anna, t["script"], "Добрый день! Согласовано."))
    t["exchange"] = task(
        anna,
        "Обмен контрагентами с 1С",
        "Настроить обмен компаниями https://romashka.bitrix24.ru/crm/company/details/7/ с 1С: "
        "ИНН, КПП, адрес. Доступы к 1С пришлём текстом в комментарии.",
        ivan,
    )
    scenario.act(lambda: portal.add_comment(ivan, t["exchange"], "Оценка: 8 часов"))
    scenario.act(lambda: portal.add_comment(anna, t["exchange"], "Согласовано"))
    scenario.later(hours=3)
    scenario.act(lambda: portal.add_time(ivan, t["script"], 90 * 60, "права на поле"))
    scenario.act(lambda: portal.add_time(ivan, t["exchange"], 9 * 3600, "обмен с 1С"))
    scenario.later(hours=24)  # Tuesday 14:30: the first task has waited 12.5 working hours
    check_sla_clocks(scenario.stack.services)
    scenario.stack.settle()
    t["fresh"] = task(
        boris,
        "Добавить поле «Склад» в карточку сделки",
        "В карточке сделки нужно поле-список «Склад» со значениями Москва и Казань, "
        "обязательное на стадии «Счёт». Пример: https://lutik.bitrix24.ru/crm/deal/details/5/",
        maria,
        group,
    )
    t["approval"] = task(
        boris,
        "Робот: задача бухгалтеру при оплате",
        "Когда сделка https://lutik.bitrix24.ru/crm/deal/details/9/ переходит в стадию «Оплачено», "
        "нужно ставить задачу бухгалтеру с суммой и ссылкой на счёт.",
        maria,
        group,
    )
    scenario.later(hours=1)
    scenario.act(
        lambda: portal.add_comment(maria, t["approval"], "Оценка: 3 часа, срок 2 рабочих дня")
    )
    scenario.act(lambda: portal.add_time(maria, t["approval"], 4 * 3600, "анализ и оценка"))
    play_states(scenario, task)
    refresh_time_entries(scenario.stack.services)  # the scheduler's time check: overruns (п. 3.3)
    scenario.stack.settle()
    sync(scenario)
    return scenario


def play_states(scenario: Scenario, task: Any) -> None:
    """The task tab's other states: refused, re-estimation, done (warranty), an internal task."""
    portal, users, t = scenario.portal, scenario.users, scenario.tasks
    ivan, maria, anna = (users[k] for k in ("ivan", "maria", "anna"))
    t["refused"] = task(anna, "Помогите", "Не работает, срочно посмотрите.", ivan)
    t["reestimate"] = task(
        anna,
        "Выгрузка счетов в 1С по кнопке",
        "В карточке сделки https://romashka.bitrix24.ru/crm/deal/details/51/ нужна кнопка, "
        "которая выгружает счёт в 1С вместе с товарами.",
        ivan,
    )
    scenario.act(lambda: portal.add_comment(ivan, t["reestimate"], "Оценка: 1 час, срок 2 дня"))
    scenario.act(lambda: portal.add_time(ivan, t["reestimate"], 2 * 3600, "кнопка выгрузки"))
    t["done"] = task(
        anna,
        "Печатная форма счёта с логотипом",
        "В печатной форме счёта https://romashka.bitrix24.ru/crm/invoice/details/12/ нужен "
        "логотип компании в шапке и подпись директора внизу.",
        ivan,
    )
    scenario.act(lambda: portal.add_comment(ivan, t["done"], "Оценка: 30 минут"))
    scenario.act(lambda: portal.add_time(ivan, t["done"], 30 * 60, "печатная форма"))
    scenario.act(lambda: portal.complete_task(ivan, t["done"]))
    t["internal"] = int(
        scenario.act(
            lambda: portal.create_task(
                ivan,
                "Подготовить сверку часов для бухгалтерии",
                "Собрать часы за ноябрь по всем клиентам.",
                responsible_id=maria,
            )
        )
    )


def sync(scenario: Scenario) -> None:
    """What the 30-minute package job does: read the time entries into the app's database."""
    services, member_id = scenario.stack.services, scenario.stack.member_id
    gateway = services.gateway_for(member_id)
    assert gateway is not None
    ids = [TaskId(r.task_id) for r in services.task_store(member_id).list_tasks()]
    sync_time(services.db, gateway, member_id, ids, full=True)
