"""AppConfig ↔ the regulation TOML document, and saving that file the way the CLI reads it.

The document written is what `b24app.config.parse_app_config` reads: numbers left at their
defaults are omitted (so a future default applies), prices are roubles, package sizes hours.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import shutil
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from b24app.config.regulation import parse_app_config
from b24app.config.settings import Settings
from rules.regulation import (
    DEFAULT_PACKAGES,
    AppConfig,
    CalendarConfig,
    ClientCompany,
    PackageKind,
    Rates,
    RegulationConfig,
)

CONFIG_FILE_NAME = "regulation.toml"


def config_file(settings: Settings) -> Path:
    """The file the CLI reads (B24APP_CONFIG), else <data_dir>/regulation.toml."""
    return settings.config_path or settings.data_dir / CONFIG_FILE_NAME


def plain(value: Any) -> Any:
    """Tuples → lists, enums → their values: what tomli_w writes."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def roubles(kopecks: int) -> int | float:
    return kopecks // 100 if kopecks % 100 == 0 else kopecks / 100


def _changed(current: Any, default: Any) -> dict[str, Any]:
    """The fields of a config dataclass that differ from its defaults."""
    return {
        f.name: plain(getattr(current, f.name))
        for f in dataclasses.fields(current)
        if getattr(current, f.name) != getattr(default, f.name)
    }


def config_to_document(config: AppConfig) -> dict[str, Any]:
    """The TOML document of a config (parse_app_config of it gives the same config back)."""
    doc: dict[str, Any] = {}
    for name, value in (
        ("regulation", _changed(config.regulation, RegulationConfig())),
        ("calendar", _changed(config.calendar, CalendarConfig())),
        ("rates", _rates(config.rates)),
        ("packages", _packages(config)),
    ):
        if value:
            doc[name] = value
    if config.integrator_ids:
        doc["integrator_ids"] = list(config.integrator_ids)
    if config.supervisor_ids:
        doc["supervisor_ids"] = list(config.supervisor_ids)
    if config.shadow_mode:
        doc["shadow_mode"] = True
    if config.clients:
        doc["clients"] = [client_to_document(c) for c in config.clients]
    return doc


def _rates(rates: Rates) -> dict[str, Any]:
    base = Rates()
    values = {}
    if rates.regular_kopecks != base.regular_kopecks:
        values["regular"] = roubles(rates.regular_kopecks)
    if rates.urgent_kopecks != base.urgent_kopecks:
        values["urgent"] = roubles(rates.urgent_kopecks)
    return values


def _packages(config: AppConfig) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for kind in (PackageKind.STANDARD, PackageKind.ADVANCED):
        package, base = config.packages[kind], DEFAULT_PACKAGES[kind]
        table: dict[str, Any] = {}
        if package.included_minutes != base.included_minutes:
            hours = package.included_minutes / 60
            table["hours"] = int(hours) if hours.is_integer() else hours
        if package.hour_rate_kopecks != base.hour_rate_kopecks:
            table["hour_rate"] = roubles(package.hour_rate_kopecks)
        if package.monthly_price_kopecks != base.monthly_price_kopecks:
            table["price"] = roubles(package.monthly_price_kopecks)
        if table:
            doc[kind.value] = table
    return doc


def client_to_document(client: ClientCompany) -> dict[str, Any]:
    """One `[[clients]]` table; empty parts are left out."""
    doc: dict[str, Any] = {"name": client.name}
    for key in ("group_ids", "user_ids", "responsible_ids", "integrator_ids"):
        if getattr(client, key):
            doc[key] = list(getattr(client, key))
    if client.contracts:
        doc["contracts"] = [
            {"package": p.package.value, "start": p.start} for p in client.contracts
        ]
    if client.departments:
        doc["departments"] = [
            {"name": d.name, "responsible_id": d.responsible_id, "user_ids": list(d.user_ids)}
            for d in client.departments
        ]
    chat = client.chat
    if chat.enabled or chat.users or chat.price_tiers:
        doc["chat"] = {
            "enabled": chat.enabled,
            "users": chat.users,
            "tiers": [[limit, roubles(price)] for limit, price in chat.price_tiers],
        }
    if client.overrides:
        doc["overrides"] = plain(client.overrides)
    return doc


def save_document(path: Path, doc: dict[str, Any], author: str, now: datetime) -> AppConfig:
    """Write atomically (the previous file kept as .bak) and return the config as re-read."""
    text = tomli_w.dumps(doc)
    config = parse_app_config(tomllib.loads(text))  # what the CLI will read from this file
    header = f"# regulation config; saved by the settings page: {author}, {now:%Y-%m-%d %H:%M}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(header + text, encoding="utf-8")
    if path.exists():
        shutil.copyfile(path, path.with_name(path.name + ".bak"))
    os.replace(tmp, path)
    return config
