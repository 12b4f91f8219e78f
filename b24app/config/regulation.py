"""The regulation TOML file (`B24APP_CONFIG`, or the settings page's copy) → AppConfig; every
error names the key that is wrong."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from b24app.config.errors import ConfigError
from b24app.config.problems import config_problems
from b24app.config.values import (
    as_list,
    build_table,
    coerce,
    id_list,
    kopecks_from_roubles,
    reject_unknown,
)
from rules.regulation import (
    DEFAULT_PACKAGES,
    AppConfig,
    CalendarConfig,
    ChatOption,
    ClientCompany,
    ContractPeriod,
    Department,
    Package,
    PackageKind,
    Rates,
    RegulationConfig,
)


def load_app_config(path: Path | None) -> AppConfig:
    """Read the regulation TOML file (or the defaults when there is none)."""
    if path is None:
        return AppConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"B24APP_CONFIG: file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"B24APP_CONFIG: {path} is not valid TOML: {exc}") from exc
    return parse_app_config(data)


def parse_app_config(data: Mapping[str, Any], *, check: bool = True) -> AppConfig:
    """Turn the TOML document into AppConfig; every error names the key that is wrong.

    With `check` (the default) the values must also make sense together (config_problems);
    the settings page passes False to list every problem at once.
    """
    known = {"regulation", "calendar", "rates", "packages", "clients", "integrator_ids"}
    known |= {"supervisor_ids", "shadow_mode"}
    reject_unknown(data, known, "")
    regulation = build_table(RegulationConfig, data.get("regulation", {}), "regulation")
    config = AppConfig(
        regulation=regulation,
        calendar=build_table(CalendarConfig, data.get("calendar", {}), "calendar"),
        rates=_parse_rates(data.get("rates", {})),
        packages=_parse_packages(data.get("packages", {})),
        clients=tuple(
            _parse_client(item, f"clients[{i}]", regulation)
            for i, item in enumerate(as_list(data.get("clients", []), "clients"))
        ),
        integrator_ids=id_list(data.get("integrator_ids", []), "integrator_ids"),
        supervisor_ids=id_list(data.get("supervisor_ids", []), "supervisor_ids"),
        shadow_mode=coerce(data.get("shadow_mode", False), False, "shadow_mode"),
    )
    problems = config_problems(config) if check else {}
    if problems:
        raise ConfigError(next(iter(problems.values())))
    return config


def _parse_rates(data: Any) -> Rates:
    reject_unknown(data, {"regular", "urgent"}, "rates.")
    base = Rates()
    return Rates(
        regular_kopecks=kopecks_from_roubles(data["regular"], "rates.regular")
        if "regular" in data
        else base.regular_kopecks,
        urgent_kopecks=kopecks_from_roubles(data["urgent"], "rates.urgent")
        if "urgent" in data
        else base.urgent_kopecks,
    )


def _parse_packages(data: Any) -> dict[PackageKind, Package]:
    packages = dict(DEFAULT_PACKAGES)
    reject_unknown(data, {k.value for k in PackageKind if k is not PackageKind.NONE}, "packages.")
    for name, table in data.items():
        key = f"packages.{name}"
        reject_unknown(table, {"hours", "hour_rate", "price"}, f"{key}.")
        kind = PackageKind(name)
        base = packages[kind]
        hours = table.get("hours", base.included_minutes / 60)
        if not isinstance(hours, int | float) or hours < 0:
            raise ConfigError(f"{key}.hours: expected a number of hours, got {hours!r}")
        packages[kind] = Package(
            kind=kind,
            included_minutes=round(hours * 60),
            hour_rate_kopecks=kopecks_from_roubles(table["hour_rate"], f"{key}.hour_rate")
            if "hour_rate" in table
            else base.hour_rate_kopecks,
            monthly_price_kopecks=kopecks_from_roubles(table["price"], f"{key}.price")
            if "price" in table
            else base.monthly_price_kopecks,
        )
    return packages


_CLIENT_KEYS = {
    "name",
    "group_ids",
    "user_ids",
    "responsible_ids",
    "integrator_ids",
    "package",
    "start",
    "contracts",
    "departments",
    "chat",
    "overrides",
}


def _parse_client(data: Any, key: str, regulation: RegulationConfig) -> ClientCompany:
    reject_unknown(data, _CLIENT_KEYS, f"{key}.")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{key}.name: every client needs a name")
    overrides = data.get("overrides", {})
    build_table(RegulationConfig, overrides, f"{key}.overrides")  # validates names and types
    return ClientCompany(
        name=name.strip(),
        group_ids=tuple(id_list(data.get("group_ids", []), f"{key}.group_ids")),
        user_ids=id_list(data.get("user_ids", []), f"{key}.user_ids"),
        responsible_ids=id_list(data.get("responsible_ids", []), f"{key}.responsible_ids"),
        integrator_ids=id_list(data.get("integrator_ids", []), f"{key}.integrator_ids"),
        contracts=_parse_contracts(data, key),
        departments=tuple(
            _parse_department(d, f"{key}.departments[{i}]")
            for i, d in enumerate(as_list(data.get("departments", []), f"{key}.departments"))
        ),
        chat=_parse_chat(data.get("chat", {}), f"{key}.chat"),
        overrides={
            k: coerce(v, getattr(regulation, k), f"{key}.overrides.{k}")
            for k, v in overrides.items()
        },
    )


def _parse_contracts(data: Mapping[str, Any], key: str) -> tuple[ContractPeriod, ...]:
    periods = []
    if "package" in data:
        periods.append({"package": data["package"], "start": data.get("start", date(2000, 1, 1))})
    periods.extend(as_list(data.get("contracts", []), f"{key}.contracts"))
    result = []
    for i, period in enumerate(periods):
        pkey = f"{key}.contracts[{i}]"
        reject_unknown(period, {"package", "start"}, f"{pkey}.")
        start = period.get("start", date(2000, 1, 1))
        if isinstance(start, str):
            try:
                start = date.fromisoformat(start)
            except ValueError:
                raise ConfigError(f"{pkey}.start: expected a date, got {start!r}") from None
        if not isinstance(start, date):
            raise ConfigError(f"{pkey}.start: expected a date, got {start!r}")
        package = coerce(period.get("package"), PackageKind.NONE, f"{pkey}.package")
        result.append(ContractPeriod(package=package, start=start))
    return tuple(result)


def _parse_department(data: Any, key: str) -> Department:
    reject_unknown(data, {"name", "responsible_id", "user_ids"}, f"{key}.")
    responsible = id_list([data.get("responsible_id")], f"{key}.responsible_id")[0]
    return Department(
        name=str(data.get("name", "")),
        responsible_id=responsible,
        user_ids=id_list(data.get("user_ids", []), f"{key}.user_ids"),
    )


def _parse_chat(data: Any, key: str) -> ChatOption:
    reject_unknown(data, {"enabled", "users", "tiers"}, f"{key}.")
    tiers = []
    for i, tier in enumerate(as_list(data.get("tiers", []), f"{key}.tiers")):
        if not (isinstance(tier, list) and len(tier) == 2 and isinstance(tier[0], int)):
            raise ConfigError(f"{key}.tiers[{i}]: expected [max_users, price_roubles]")
        tiers.append((tier[0], kopecks_from_roubles(tier[1], f"{key}.tiers[{i}]")))
    return ChatOption(
        enabled=coerce(data.get("enabled", False), False, f"{key}.enabled"),
        users=coerce(data.get("users", 0), 0, f"{key}.users"),
        price_tiers=tuple(tiers),
    )
