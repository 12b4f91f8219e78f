"""The regulation config: which company a task belongs to, its package, its overrides."""

from __future__ import annotations

from datetime import date

import pytest

from rules.regulation import (
    AppConfig,
    ClientCompany,
    ContractPeriod,
    Department,
    PackageKind,
    RegulationConfig,
)
from rules.types import UserId

ROMASHKA = ClientCompany(
    name="ООО Ромашка",
    group_ids=(11,),
    user_ids=(UserId(503),),
    responsible_ids=(UserId(500),),
    contracts=(
        ContractPeriod(PackageKind.ADVANCED, date(2026, 7, 1)),
        ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),
    ),
    departments=(Department("Склад", UserId(510), (UserId(511), UserId(503))),),
    overrides={"auto_accept_max_minutes": 30},
)
LUTIK = ClientCompany(name="ИП Лютик", group_ids=(12,), user_ids=(UserId(600),))
CONFIG = AppConfig(clients=(ROMASHKA, LUTIK))


@pytest.mark.parametrize(
    ("group_id", "user_id", "expected"),
    [
        pytest.param(11, 999, "ООО Ромашка", id="by-group"),
        pytest.param(12, 503, "ИП Лютик", id="group-beats-user"),
        pytest.param(0, 511, "ООО Ромашка", id="by-department-user"),
        pytest.param(0, 600, "ИП Лютик", id="by-user"),
        pytest.param(99, 999, None, id="unknown"),
    ],
)
def test_client_for(group_id: int, user_id: int, expected: str | None) -> None:
    client = CONFIG.client_for(group_id, user_id)
    assert (client.name if client else None) == expected


@pytest.mark.parametrize(
    ("day", "package"),
    [
        pytest.param(date(2025, 12, 31), PackageKind.NONE, id="before-any-contract"),
        pytest.param(date(2026, 1, 1), PackageKind.STANDARD, id="first-day"),
        pytest.param(date(2026, 6, 30), PackageKind.STANDARD, id="before-the-change"),
        pytest.param(date(2026, 7, 1), PackageKind.ADVANCED, id="from-the-change"),
    ],
)
def test_package_on(day: date, package: PackageKind) -> None:
    assert ROMASHKA.package_on(day) is package


def test_company_users_include_responsibles_and_departments_once() -> None:
    assert ROMASHKA.all_user_ids() == (503, 500, 511, 510)


def test_overrides_apply_to_that_client_only() -> None:
    assert CONFIG.regulation_for(ROMASHKA).auto_accept_max_minutes == 30
    assert CONFIG.regulation_for(LUTIK).auto_accept_max_minutes == 60
    assert CONFIG.regulation_for(None) is CONFIG.regulation
    assert RegulationConfig().with_overrides({}) == RegulationConfig()


def test_client_named() -> None:
    assert CONFIG.client_named("ООО Ромашка") is ROMASHKA
    assert CONFIG.client_named("ООО Неизвестно") is None
