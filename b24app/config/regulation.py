"""The regulation TOML file (`B24APP_CONFIG`, or the settings page's copy) → AppConfig, through the
one schema (b24app.config.schema); every error names the key that is wrong, in Russian."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from b24app.config.errors import ConfigError
from b24app.config.messages import schema_errors, toml_error
from b24app.config.problems import config_problems
from b24app.config.schema import DocumentSchema
from b24app.config.schema_clients import ChatTable, ClientTable
from b24app.config.schema_tables import PackagesTable, RatesTable
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

NO_START = date(2000, 1, 1)  # a package given without a start date has always been in force


def load_app_config(path: Path | None) -> AppConfig:
    """Read the regulation TOML file (or the defaults when there is none)."""
    if path is None:
        return AppConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"B24APP_CONFIG: файла {path} нет") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"B24APP_CONFIG: {path}: {toml_error(exc, text)}") from exc
    return parse_app_config(data)


def parse_app_config(data: Mapping[str, Any], *, check: bool = True) -> AppConfig:
    """Turn the TOML document into AppConfig; a ConfigError lists every wrong key.

    With `check` (the default) the values must also make sense together (config_problems);
    the settings page passes False and asks for those problems itself.
    """
    try:
        doc = DocumentSchema.model_validate(data)
    except ValidationError as exc:
        raise ConfigError.of(schema_errors(exc, DocumentSchema)) from None
    config = build_app_config(doc)
    problems = config_problems(config) if check else {}
    if problems:
        raise ConfigError.of(problems)
    return config


def given(table: BaseModel | None) -> dict[str, Any]:
    """The keys the file sets (everything else keeps its default)."""
    if table is None:
        return {}
    return {k: getattr(table, k) for k in table.model_fields_set if getattr(table, k) is not None}


def build_app_config(doc: DocumentSchema) -> AppConfig:
    """The validated document as the rules' dataclasses."""
    return AppConfig(
        regulation=RegulationConfig(**given(doc.regulation)),
        calendar=CalendarConfig(**given(doc.calendar)),
        rates=_rates(doc.rates),
        packages=_packages(doc.packages),
        clients=tuple(_client(c) for c in doc.clients or ()),
        integrator_ids=doc.integrator_ids or (),
        supervisor_ids=doc.supervisor_ids or (),
        shadow_mode=bool(doc.shadow_mode),
    )


def kopecks(roubles: float) -> int:
    """Prices in the file are roubles (integers or decimals); the app keeps kopecks."""
    return round(roubles * 100)


def _rates(table: RatesTable | None) -> Rates:
    base, values = Rates(), given(table)
    return Rates(
        regular_kopecks=kopecks(values["regular"]) if "regular" in values else base.regular_kopecks,
        urgent_kopecks=kopecks(values["urgent"]) if "urgent" in values else base.urgent_kopecks,
    )


def _packages(table: PackagesTable | None) -> dict[PackageKind, Package]:
    packages = dict(DEFAULT_PACKAGES)
    for name, package_table in given(table).items():
        kind = PackageKind(name)
        base, values = packages[kind], given(package_table)
        packages[kind] = Package(
            kind=kind,
            included_minutes=round(values["hours"] * 60)
            if "hours" in values
            else base.included_minutes,
            hour_rate_kopecks=kopecks(values["hour_rate"])
            if "hour_rate" in values
            else base.hour_rate_kopecks,
            monthly_price_kopecks=kopecks(values["price"])
            if "price" in values
            else base.monthly_price_kopecks,
        )
    return packages


def _client(table: ClientTable) -> ClientCompany:
    return ClientCompany(
        name=table.name,
        group_ids=tuple(table.group_ids or ()),
        user_ids=table.user_ids or (),
        responsible_ids=table.responsible_ids or (),
        integrator_ids=table.integrator_ids or (),
        contracts=tuple(
            ContractPeriod(package=p.package or PackageKind.NONE, start=p.start or NO_START)
            for p in table.contracts or ()
        ),
        departments=tuple(
            Department(
                name=d.name or "", responsible_id=d.responsible_id, user_ids=d.user_ids or ()
            )
            for d in table.departments or ()
        ),
        chat=_chat(table.chat),
        overrides=given(table.overrides),
    )


def _chat(table: ChatTable | None) -> ChatOption:
    if table is None:
        return ChatOption()
    return ChatOption(
        enabled=bool(table.enabled),
        users=table.users or 0,
        price_tiers=tuple((limit, kopecks(price)) for limit, price in table.tiers or ()),
    )
