"""Configuration: defaults hold the regulation's numbers; a bad value names its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from b24app.config.errors import ConfigError
from b24app.config.regulation import load_app_config, parse_app_config
from b24app.config.settings import load_settings
from rules.regulation import PackageKind, ResponsibleCheck

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_example_config_loads() -> None:
    config = load_app_config(ROOT / "config.example.toml")
    client = config.clients[0]
    assert client.package_on(client.contracts[0].start) is PackageKind.STANDARD
    assert config.regulation_for(client).auto_accept_max_minutes == 30
    assert config.regulation.responsible_check is ResponsibleCheck.WARN
    assert config.rates.urgent_kopecks == 450_000


def test_no_file_means_the_regulation_defaults() -> None:
    config = load_app_config(None)
    assert (config.regulation.rounding_unit_minutes, config.regulation.warranty_days) == (15, 14)


@pytest.mark.parametrize(
    ("document", "key"),
    [
        pytest.param(
            {"regulation": {"auto_accept_minutes": 60}},
            "regulation.auto_accept_minutes",
            id="unknown-key",
        ),
        pytest.param(
            {"regulation": {"warranty_days": "две недели"}},
            "regulation.warranty_days",
            id="not-a-number",
        ),
        pytest.param(
            {"regulation": {"responsible_check": "maybe"}},
            "regulation.responsible_check",
            id="bad-choice",
        ),
        pytest.param({"calendar": {"day_start": "9 утра"}}, "calendar.day_start", id="bad-time"),
        pytest.param({"clients": [{"group_ids": [1]}]}, "clients[0].name", id="client-no-name"),
        pytest.param(
            {"clients": [{"name": "A", "package": "gold"}]},
            "clients[0].contracts[0].package",
            id="bad-package",
        ),
        pytest.param(
            {"clients": [{"name": "A", "overrides": {"nope": 1}}]},
            "clients[0].overrides.nope",
            id="bad-override",
        ),
        pytest.param({"rates": {"urgent": -1}}, "rates.urgent", id="negative-rate"),
        pytest.param({"supervisor_ids": ["boss"]}, "supervisor_ids", id="bad-ids"),
        pytest.param(
            {"regulation": {"rounding_unit_minutes": 0}},
            "regulation.rounding_unit_minutes",
            id="zero-unit",
        ),
        pytest.param(
            {"regulation": {"sla_reminder_percent": 150}},
            "regulation.sla_reminder_percent",
            id="percent-over-100",
        ),
        pytest.param(
            {"calendar": {"day_start": "18:00", "day_end": "09:00"}},
            "calendar.day_end",
            id="day-ends-before-it-starts",
        ),
        pytest.param(
            {"calendar": {"timezone": "Mars/Olympus"}}, "calendar.timezone", id="unknown-timezone"
        ),
        pytest.param(
            {"clients": [{"name": "A", "overrides": {"rounding_unit_minutes": 0}}]},
            "clients[0].overrides.rounding_unit_minutes",
            id="bad-override-value",
        ),
    ],
)
def test_bad_config_names_the_key(document: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_app_config(document)
    assert str(error.value).startswith(key)


def test_settings_from_a_mapping() -> None:
    settings = load_settings({"B24APP_DATA_DIR": "/srv/b24app", "B24APP_BURST": "250"})
    assert settings.burst == 250
    assert settings.effective_database_url.startswith("sqlite:////srv/b24app/")
    with pytest.raises(ConfigError, match="B24APP_BURST"):
        load_settings({"B24APP_BURST": "many"})
    with pytest.raises(ConfigError, match="B24_WEBHOOK_URL"):
        load_settings({"B24_WEBHOOK_URL": "acme.bitrix24.ru/rest/1/x/"})
    with pytest.raises(ConfigError, match="B24APP_WORKER_ENABLED"):
        load_settings({"B24APP_WORKER_ENABLED": "sometimes"})
