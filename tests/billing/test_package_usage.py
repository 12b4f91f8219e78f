"""п. 6.1: package usage notices at 80 % and 100 %, once per client, month, threshold and user."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from b24app.config.settings import Settings
from b24app.reporting.billing import build_month_report
from b24app.services import Services
from b24app.storage.database import Database
from b24app.storage.task_store import TaskStore
from b24sandbox.portal import SandboxPortal
from handlers.records import TaskRecord
from rules.regulation import AppConfig
from rules.types import TaskId, UserId
from scheduler.jobs import JOBS
from scheduler.package_usage import check_package_usage, plan_package_notices
from tests.billing.conftest import (
    CLIENT_USER,
    CONFIG,
    INTEGRATOR,
    LYUTIK,
    MEMBER,
    MSK,
    ROMASHKA,
    SECOND_INTEGRATOR,
    add_entry,
    add_task,
    at,
)

# (client, package minutes used, expected (threshold, users) or None)
USAGE = [
    pytest.param(ROMASHKA, 465, None, id="77-percent"),
    pytest.param(ROMASHKA, 480, (80, {CLIENT_USER, INTEGRATOR}), id="80-percent"),
    pytest.param(ROMASHKA, 585, (80, {CLIENT_USER, INTEGRATOR}), id="97-percent"),
    pytest.param(ROMASHKA, 600, (100, {CLIENT_USER, INTEGRATOR}), id="100-only"),
    pytest.param(ROMASHKA, 900, (100, {CLIENT_USER, INTEGRATOR}), id="overflow"),
    pytest.param(LYUTIK, 960, (80, {600, SECOND_INTEGRATOR}), id="configured-integrators"),
    pytest.param("ИП Иванов", 900, None, id="no-package"),
]


@pytest.mark.parametrize(("client", "minutes", "expected"), USAGE)
def test_plan_package_notices(
    db: Database, client: str, minutes: int, expected: tuple[int, set[int]] | None
) -> None:
    add_task(db, 1, client)
    add_entry(db, 1, 1, minutes * 60, at(10))
    report = build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK, client=client)
    notices = plan_package_notices(report, CONFIG)
    if expected is None:
        assert notices == []
        return
    threshold, who = expected
    assert {n.user_id for n in notices} == who
    assert {n.key for n in notices} == {f"package:{client}:2026-11:{threshold}:{u}" for u in who}
    assert all(f"«{client}» использовала" in n.text for n in notices)


def test_the_job_is_registered() -> None:
    names = {name: interval for name, _, interval in JOBS}
    assert "check_package_usage" in names


@pytest.fixture
def services(tmp_path: Path, portal: SandboxPortal) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path,
        webhook_url=portal.webhook_url(1),
        webhook_application_token="token",
        requests_per_second=100.0,
    )
    now = at(20, 12)
    svc = Services(settings, AppConfig(), clock=lambda: now.timestamp())
    svc.ensure_webhook_portal(MEMBER, "sandbox.local")
    yield svc
    svc.close()
    if svc._transport is not None:
        svc._transport._loop.loop.close()


def test_job_syncs_time_and_notifies_once(services: Services, portal: SandboxPortal) -> None:
    integrator = portal.add_user("Иван", "Интеграторов")
    client_user = portal.add_user("Анна", "Клиентова", extranet=True)
    romashka = dataclasses.replace(CONFIG.clients[0], responsible_ids=(UserId(client_user),))
    services.set_config(dataclasses.replace(CONFIG, clients=(romashka,)))
    task = portal.create_task(client_user, "Настроить воронку продаж", responsible_id=integrator)
    TaskStore(services.db, MEMBER).save(
        TaskRecord(task_id=TaskId(task), client=ROMASHKA, title="Воронка", created_at=at(1)),
        [],
        shadow=False,
    )
    portal.add_time(integrator, task, 8 * 3600, created_date=at(10))
    assert check_package_usage(services) == "2 package usage notices"
    assert check_package_usage(services) == ""  # once only
    for user in (integrator, client_user):
        [note] = portal.notifications(user)
        assert "использовала 80 %" in note.message
    portal.add_time(integrator, task, 2 * 3600, created_date=at(18))
    assert check_package_usage(services) == "2 package usage notices"
    assert "использовала 100 %" in portal.notifications(client_user)[-1].message
    assert len(portal.notifications(client_user)) == 2
