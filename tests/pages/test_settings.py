"""The settings page: the CLI's TOML file, validated on save, applied to the next event."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from typing import Any

import pytest
import requests

from b24app.config.regulation import load_app_config, parse_app_config
from b24app.pages.configdoc import config_file, config_to_document
from b24app.pages.settings_form import (
    ALL_FIELDS,
    document_from_form,
    form_values,
    validate,
)
from rules.regulation import (
    AppConfig,
    CalendarConfig,
    ChatOption,
    ClientCompany,
    ContractPeriod,
    Department,
    PackageKind,
    Rates,
    RegulationConfig,
    ResponsibleCheck,
)
from rules.types import TaskState, UserId
from tests.pages.scenario import CRM_TEXT, Scenario

RICH = AppConfig(
    regulation=RegulationConfig(
        auto_accept_max_minutes=90,
        responsible_check=ResponsibleCheck.REJECT,
        generic_titles=("задача", "вопрос"),
        done_stage_ids=(12, 14),
    ),
    calendar=CalendarConfig(
        day_start=time(10, 0), days_off=(date(2026, 12, 31),), workdays=(0, 1, 2, 3)
    ),
    rates=Rates(regular_kopecks=360_050),
    integrator_ids=(UserId(7),),
    shadow_mode=True,
    clients=(
        ClientCompany(
            name="ООО Ромашка",
            group_ids=(3,),
            user_ids=(UserId(5),),
            responsible_ids=(UserId(5),),
            contracts=(
                ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),
                ContractPeriod(PackageKind.ADVANCED, date(2026, 7, 1)),
            ),
            departments=(Department("Склад", UserId(8), (UserId(9),)),),
            chat=ChatOption(True, 40, ((50, 500_000),)),
            overrides={"warranty_days": 30},
        ),
    ),
)


def as_form(values: dict[str, Any]) -> dict[str, Any]:
    """What a browser submits: unchecked boxes are absent, weekdays one value each."""
    form: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            if value:
                form[key] = "1"
        elif isinstance(value, list):
            form[key] = [str(v) for v in value]
        else:
            form[key] = value
    return form


@pytest.mark.parametrize("config", [AppConfig(), RICH], ids=["defaults", "rich"])
def test_the_document_reads_back_as_the_same_config(config: AppConfig) -> None:
    assert parse_app_config(config_to_document(config)) == config


@pytest.mark.parametrize("config", [AppConfig(), RICH], ids=["defaults", "rich"])
def test_saving_the_form_unchanged_changes_nothing(config: AppConfig) -> None:
    doc, errors = document_from_form(form_values(config))
    assert errors == {}
    assert validate(doc) == (config, {})


BAD_VALUES = [
    pytest.param("regulation.rounding_unit_minutes", "пятнадцать", id="not-a-number"),
    pytest.param("regulation.rounding_unit_minutes", "0", id="zero-unit"),
    pytest.param("regulation.sla_reminder_percent", "150", id="percent-over-100"),
    pytest.param("regulation.title_max_length", "3", id="max-below-min"),
    pytest.param("regulation.responsible_check", "maybe", id="unknown-choice"),
    pytest.param("calendar.day_end", "25:00", id="bad-time"),
    pytest.param("calendar.day_end", "08:00", id="day-ends-before-start"),
    pytest.param("calendar.timezone", "Europe/Nowhere", id="unknown-zone"),
    pytest.param("calendar.days_off", "31.12.2026", id="bad-date"),
    pytest.param("rates.urgent", "-5", id="negative-price"),
    pytest.param("integrator_ids", "7, x", id="bad-id"),
    pytest.param("clients", '[[clients]]\nname = "A"\nuser_ids = ["x"]', id="bad-client"),
    pytest.param("clients", "[[clients]\nname=", id="clients-not-toml"),
]


@pytest.mark.parametrize(("key", "value"), BAD_VALUES)
def test_a_bad_value_is_reported_with_its_key(key: str, value: str) -> None:
    values = form_values(AppConfig()) | {key: value}
    doc, errors = document_from_form(values)
    if not errors:
        _, errors = validate(doc)
    assert key in errors
    assert errors[key].startswith(key.split(".")[0])


def test_every_field_has_a_value_to_show() -> None:
    values = form_values(RICH)
    assert {f.key for f in ALL_FIELDS} <= set(values)


# -- through the page, on a running app -------------------------------------------------------
def _admin_token(scenario: Scenario) -> str:
    page = requests.post(scenario.handler_url(), data=scenario.frame_form(1), timeout=30)
    match = re.search(r'name="s" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def _post_settings(scenario: Scenario, values: dict[str, Any]) -> requests.Response:
    token = _admin_token(scenario)
    return requests.post(
        f"{scenario.stack.url}/b24/app/settings", data=as_form(values) | {"s": token}, timeout=30
    )


def test_bad_settings_are_not_saved(fresh: Scenario) -> None:
    services = fresh.stack.services
    before = services.config
    values = form_values(before) | {
        "regulation.rounding_unit_minutes": "0",
        "calendar.timezone": "Mars/Base",
    }
    page = _post_settings(fresh, values)
    assert page.status_code == 400
    assert "regulation.rounding_unit_minutes" in page.text
    assert "Ничего не сохранено" in page.text
    assert not config_file(services.settings).exists()
    assert services.config is before


def test_saved_settings_are_used_by_the_next_event(fresh: Scenario) -> None:
    services, portal = fresh.stack.services, fresh.portal
    values = form_values(services.config) | {"regulation.auto_accept_max_minutes": "240"}
    page = _post_settings(fresh, values)
    assert page.status_code == 200
    assert 'id="saved"' in page.text
    path = config_file(services.settings)
    assert path == services.settings.data_dir / "regulation.toml"
    assert tomllib.loads(path.read_text())["regulation"] == {"auto_accept_max_minutes": 240}
    assert load_app_config(path) == services.config  # what `b24app serve` reads on start
    assert services.config.regulation.auto_accept_max_minutes == 240

    anna, ivan = fresh.users["anna"], fresh.users["ivan"]
    task = fresh.act(
        lambda: portal.create_task(anna, "Открыть поле «Скидка»", CRM_TEXT, responsible_id=ivan)
    )
    fresh.act(lambda: portal.add_comment(ivan, task, "Оценка: 3 часа"))
    record = services.task_store(fresh.stack.member_id).get_task(task)
    assert record is not None
    assert record.state is TaskState.IN_PROGRESS
    assert record.auto_accepted
