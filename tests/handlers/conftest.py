"""Handler tests: real storage, worker and effect applier; FakeBitrix as the portal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from b24app.bitrix.events import InboxEvent
from b24app.config.settings import Settings
from b24app.services import Services
from b24app.web.api import task_view
from b24app.worker import Worker
from rules.regulation import AppConfig, ClientCompany, ContractPeriod, PackageKind
from rules.types import TaskFacts, TaskId, UserId
from tests.fakes import FakeBitrix

MSK = ZoneInfo("Europe/Moscow")
MEMBER = "a223c6b3710f85df22e9377d6c4f7553"
INTEGRATOR, CLIENT, OTHER_CLIENT = 17, 503, 504
GOOD_TITLE = "Добавить поле ИНН в карточку компании"
GOOD_TEXT = (
    "В карточке компании https://acme.bitrix24.ru/crm/company/details/5/ нужно поле ИНН: "
    "обязательное, 10 или 12 цифр, с проверкой контрольной суммы."
)

CLIENTS = (
    ClientCompany(
        name="ООО Ромашка",
        group_ids=(11,),
        user_ids=(UserId(CLIENT), UserId(OTHER_CLIENT)),
        responsible_ids=(UserId(CLIENT),),
        contracts=(ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),),
    ),
)


class Harness:
    """Moves time, delivers events, shows what the app wrote and decided."""

    def __init__(self, tmp_path: Path, config: AppConfig) -> None:
        self.now = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)  # a Monday
        self.portal = FakeBitrix()
        self.portal.now = self.now
        self.portal.user(INTEGRATOR, "Иван Интеграторов", extranet=False)
        self.portal.user(CLIENT, "Анна Клиентова", extranet=True)
        self.portal.user(OTHER_CLIENT, "Пётр Клиентов", extranet=True)
        self.services = Services(
            Settings(data_dir=tmp_path), config, clock=lambda: self.now.timestamp()
        )
        self.services.gateway_for = lambda member_id, **_: self.portal  # type: ignore[assignment,method-assign]
        self.worker = Worker(self.services)
        self.seq = 0

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
        self.portal.now = self.now

    def new_task(self, title: str = GOOD_TITLE, text: str = GOOD_TEXT, **fields: Any) -> int:
        task_id = 4500 + len(self.portal.tasks) + 1
        values: dict[str, Any] = {
            "task_id": TaskId(task_id),
            "title": title,
            "description": text,
            "created_by": UserId(CLIENT),
            "responsible_id": UserId(INTEGRATOR),
            "created_at": self.now,
            "group_id": 11,
        }
        values.update(fields)
        self.portal.task(TaskFacts(**values))
        self.deliver("ONTASKADD", task_id)
        return task_id

    def update(self, task_id: int, **fields: Any) -> None:
        self.portal.change(task_id, **fields)
        self.deliver("ONTASKUPDATE", task_id)

    def say(self, task_id: int, author: int, text: str) -> int:
        comment = self.portal.comment(task_id, author, text, self.now)
        self.deliver("ONTASKCOMMENTADD", task_id, comment.comment_id)
        return comment.comment_id

    def deliver(self, name: str, task_id: int, comment_id: int = 0) -> None:
        self.seq += 1
        self.services.inbox.put(
            InboxEvent(
                member_id=MEMBER,
                name=name,
                task_id=task_id,
                dedup_key=f"test-{self.seq}",
                comment_id=comment_id,
            )
        )
        self.worker.drain_all()

    def state(self, task_id: int) -> dict[str, Any]:
        view = task_view(self.services, MEMBER, task_id)
        assert view is not None
        return view

    def comments(self, task_id: int) -> list[str]:
        return self.portal.comments_on(task_id)

    def writes(self, kind: type) -> list[Any]:
        return [w for w in self.portal.written if isinstance(w, kind)]


@pytest.fixture
def config() -> AppConfig:
    return AppConfig(clients=CLIENTS)


@pytest.fixture
def app(tmp_path: Path, config: AppConfig) -> Iterator[Harness]:
    harness = Harness(tmp_path, config)
    yield harness
    harness.services.close()


def with_regulation(config: AppConfig, **changes: Any) -> AppConfig:
    return dataclasses.replace(config, regulation=dataclasses.replace(config.regulation, **changes))
