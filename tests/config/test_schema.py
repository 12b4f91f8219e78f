"""The config schema: what each value turns into, the Russian message for each wrong one (with
its path), broken TOML, the environment, and the JSON schema the settings page renders from."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from b24app.config.errors import ConfigError
from b24app.config.regulation import NO_START, load_app_config, parse_app_config
from b24app.config.schema import RegulationTable, document_schema
from b24app.config.settings import load_settings, settings_from_environment
from rules.regulation import AppConfig, PackageKind, ResponsibleCheck

GOOD = [
    pytest.param({}, lambda c: c == AppConfig(), id="empty-file-is-the-defaults"),
    pytest.param(
        {"regulation": {"responsible_check": "reject"}},
        lambda c: c.regulation.responsible_check is ResponsibleCheck.REJECT,
        id="choice",
    ),
    pytest.param(
        {"calendar": {"day_start": "10:00", "day_end": time(19, 0)}},
        lambda c: (c.calendar.day_start, c.calendar.day_end) == (time(10), time(19)),
        id="time-as-text-or-toml-time",
    ),
    pytest.param(
        {"rates": {"regular": 3600.5}},
        lambda c: c.rates.regular_kopecks == 360_050,
        id="roubles-to-kopecks",
    ),
    pytest.param(
        {"packages": {"standard": {"hours": 12.5}}},
        lambda c: c.packages[PackageKind.STANDARD].included_minutes == 750,
        id="package-hours-to-minutes",
    ),
    pytest.param(
        {"clients": [{"name": " А ", "package": "standard"}]},
        lambda c: c.clients[0].name == "А" and c.clients[0].contracts[0].start == NO_START,
        id="package-without-start-is-always-in-force",
    ),
    pytest.param(
        {"clients": [{"name": "А", "package": "standard", "start": "2026-03-01"}]},
        lambda c: c.clients[0].package_on(date(2026, 3, 1)) is PackageKind.STANDARD,
        id="start-as-text",
    ),
    pytest.param(
        {
            "clients": [
                {
                    "name": "А",
                    "package": "standard",
                    "contracts": [{"package": "advanced", "start": date(2026, 7, 1)}],
                }
            ]
        },
        lambda c: (
            [p.package for p in c.clients[0].contracts]
            == [PackageKind.STANDARD, PackageKind.ADVANCED]
        ),
        id="short-form-first-then-contracts",
    ),
    pytest.param(
        {"clients": [{"name": "А", "overrides": {"responsible_check": "off"}}]},
        lambda c: c.regulation_for(c.clients[0]).responsible_check is ResponsibleCheck.OFF,
        id="override-typed-like-regulation",
    ),
    pytest.param(
        {"clients": [{"name": "А", "chat": {"enabled": True, "tiers": [[50, 5000]]}}]},
        lambda c: c.clients[0].chat.price_tiers == ((50, 500_000),),
        id="chat-tiers",
    ),
]


@pytest.mark.parametrize(("document", "holds"), GOOD)
def test_a_good_document(document: dict[str, Any], holds: Any) -> None:
    assert holds(parse_app_config(document))


BAD = [
    pytest.param(
        {"regulation": {"warranty_days": "две"}},
        "regulation.warranty_days",
        "ожидается целое число, указано «две»",
        id="text-for-a-number",
    ),
    pytest.param(
        {"regulation": {"warranty_days": True}},
        "regulation.warranty_days",
        "ожидается целое число, указано True",
        id="bool-is-not-a-number",
    ),
    pytest.param(
        {"regulation": {"warranty_days": -1}},
        "regulation.warranty_days",
        "должно быть не меньше 0, указано -1",
        id="negative",
    ),
    pytest.param(
        {"regulation": {"overrun_warning_percent": 0}},
        "regulation.overrun_warning_percent",
        "должно быть не меньше 1",
        id="percent-0",
    ),
    pytest.param(
        {"regulation": {"approval_from_responsible_only": "yes"}},
        "regulation.approval_from_responsible_only",
        "ожидается да или нет",
        id="text-for-a-flag",
    ),
    pytest.param(
        {"regulation": {"generic_titles": "задача"}},
        "regulation.generic_titles",
        "ожидается список",
        id="text-for-a-list",
    ),
    pytest.param(
        {"regulation": {"responsible_check": "warning"}},
        "regulation.responsible_check",
        "выберите одно из: «предупреждать» (warn), «отклонять» (reject), "
        "«не проверять» (off); указано «warning»",
        id="choice-in-russian",
    ),
    pytest.param(
        {"regulation": {"auto_accept_minutes": 60}},
        "regulation.auto_accept_minutes",
        "неизвестный ключ; может быть, auto_accept_max_minutes?",
        id="unknown-key-hint",
    ),
    pytest.param(
        {"regulations": {}},
        "regulations",
        "неизвестный ключ; может быть, regulation?",
        id="unknown-table",
    ),
    pytest.param({"regulation": 5}, "regulation", "ожидается таблица", id="not-a-table"),
    pytest.param(
        {"calendar": {"workdays": []}},
        "calendar.workdays",
        "выберите хотя бы одно значение",
        id="no-workdays",
    ),
    pytest.param(
        {"calendar": {"workdays": [0, 7]}},
        "calendar.workdays[1]",
        "должно быть не больше 6",
        id="no-such-weekday",
    ),
    pytest.param(
        {"calendar": {"days_off": ["31.12.2026"]}},
        "calendar.days_off[0]",
        "ожидается дата вида 2026-12-31",
        id="date-format",
    ),
    pytest.param(
        {"calendar": {"title_min_length": 60, "title_max_length": 50}},
        "calendar.title_max_length",
        "неизвестный ключ",
        id="key-in-the-wrong-table",
    ),
    pytest.param(
        {"regulation": {"title_min_length": 60, "title_max_length": 50}},
        "regulation.title_max_length",
        "не меньше наименьшей длины названия (60)",
        id="min-above-max",
    ),
    pytest.param(
        {"clients": [{"name": "А", "overrides": {"title_min_length": 500}}]},
        "clients[0].overrides.title_min_length",
        "не больше наибольшей длины названия (120)",
        id="override-contradicts-base",
    ),
    pytest.param(
        {"clients": [{"name": ""}]}, "clients[0].name", "не может быть пустым", id="blank-name"
    ),
    pytest.param(
        {"clients": [{"name": "А", "user_ids": [0]}]},
        "clients[0].user_ids[0]",
        "ожидается id — целое число больше 0, указано 0",
        id="zero-id",
    ),
    pytest.param(
        {"clients": [{"name": "А", "departments": [{"name": "Склад"}]}]},
        "clients[0].departments[0].responsible_id",
        "обязательное поле",
        id="department-without-responsible",
    ),
    pytest.param(
        {"packages": {"gold": {}}},
        "packages.gold",
        "допустимые ключи: advanced, standard",
        id="unknown-package",
    ),
]


@pytest.mark.parametrize(("document", "key", "message"), BAD)
def test_a_wrong_value_is_named_with_a_russian_message(
    document: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        parse_app_config(document)
    assert message in error.value.errors[key]
    assert f"{key}: {error.value.errors[key]}" in str(error.value).splitlines()


def test_every_wrong_key_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        parse_app_config({"regulation": {"warranty_days": "x", "nope": 1}, "shadow_mode": 1})
    assert set(error.value.errors) == {"regulation.warranty_days", "regulation.nope", "shadow_mode"}


BROKEN_TOML = [
    pytest.param(
        "[regulation]\nwarranty_days 14\n",
        "строка 2, столбец 15 — после ключа ожидается «=»",
        id="no-equals",
    ),
    pytest.param("[calendar]\nworkdays = [0, 1\n", "строка 2", id="unclosed-array"),
    pytest.param('urgent_tag = "срочно\n', "строка 1", id="unterminated-string"),
    pytest.param("a = 1\na = 2\n", "строка 2", id="key-twice"),
]


@pytest.mark.parametrize(("text", "where"), BROKEN_TOML)
def test_broken_toml_is_answered_in_russian(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "regulation.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_app_config(path)
    message = str(error.value)
    assert message.startswith(f"B24APP_CONFIG: {path}: Файл настроек не читается: ")
    assert where in message
    assert not any(word in message for word in ("TOML:", "Unclosed", "Invalid", "Expected"))


ENVIRONMENT = [
    pytest.param({"B24APP_BURST": "0"}, "B24APP_BURST", "должно быть не меньше 1", id="burst-0"),
    pytest.param(
        {"B24APP_REQUESTS_PER_SECOND": "быстро"},
        "B24APP_REQUESTS_PER_SECOND",
        "ожидается число",
        id="rate-in-words",
    ),
    pytest.param(
        {"B24APP_WORKER_ENABLED": "иногда"},
        "B24APP_WORKER_ENABLED",
        "ожидается да или нет (on/off)",
        id="flag",
    ),
    pytest.param(
        {"B24_WEBHOOK_URL": "acme.bitrix24.ru/rest/1/x/"},
        "B24_WEBHOOK_URL",
        "ожидается адрес входящего вебхука",
        id="webhook-without-scheme",
    ),
]


@pytest.mark.parametrize(("environ", "key", "message"), ENVIRONMENT)
def test_a_wrong_variable_is_named_in_russian(
    environ: dict[str, str], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(environ)
    assert message in error.value.errors[key]


def test_blank_variables_keep_their_defaults() -> None:
    settings = load_settings({"B24APP_BURST": "  ", "B24APP_LOG_LEVEL": "", "HOME": "/home/x"})
    assert (settings.burst, settings.log_level) == (50, "INFO")
    assert settings.data_dir == Path("/home/x/.local/share/b24app")


def test_the_environment_overrides_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("B24APP_BURST=7\nB24APP_LOG_LEVEL=DEBUG\nXDG_DATA_HOME=/srv/data\n")
    monkeypatch.setenv("B24APP_BURST", "9")
    monkeypatch.delenv("B24APP_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    settings = settings_from_environment(str(env_file))
    assert (settings.burst, settings.log_level) == (9, "DEBUG")
    assert settings.data_dir == Path("/srv/data/b24app")


def test_every_setting_has_a_russian_label_and_help_line() -> None:
    schema = document_schema()
    for table in ("RegulationTable", "CalendarTable", "RatesTable", "PackageTable"):
        for name, prop in schema["$defs"][table]["properties"].items():
            assert prop.get("title"), f"{table}.{name}"
            assert prop.get("description"), f"{table}.{name}"
    percent = schema["$defs"]["RegulationTable"]["properties"]["sla_reminder_percent"]["anyOf"][0]
    assert (percent["minimum"], percent["maximum"]) == (1, 100)
    overrides = schema["$defs"]["RegulationOverrides"]["properties"]
    assert set(overrides) == set(RegulationTable.model_fields)
    assert schema["$defs"]["RegulationTable"]["properties"]["responsible_check"]["x-labels"] == {
        "warn": "предупреждать",
        "reject": "отклонять",
        "off": "не проверять",
    }
