"""Configuration: secrets and connection from the environment/.env, regulation numbers from TOML."""

from __future__ import annotations

import dataclasses
import enum
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

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
from rules.types import UserId

DEFAULT_OAUTH_URL = "https://oauth.bitrix.info/oauth/token/"
_T = TypeVar("_T")


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message names the key."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Connection, secrets and process settings (environment and .env)."""

    data_dir: Path = Path(".b24app")
    database_url: str = ""
    config_path: Path | None = None
    api_token: str = field(default="", repr=False)  # /api/* and /metrics; unset: closed
    metrics_token: str = field(default="", repr=False)  # /metrics (and /healthz details) only
    encryption_keys: str = field(default="", repr=False)  # Fernet keys, newest first
    public_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    oauth_url: str = DEFAULT_OAUTH_URL
    webhook_url: str = field(default="", repr=False)  # its path carries the webhook's secret
    webhook_application_token: str = field(default="", repr=False)
    auth_connector: str = "b24reglament"
    requests_per_second: float = 2.0
    burst: int = 50
    max_attempts: int = 8
    worker_poll_seconds: float = 0.5
    inbox_lease_seconds: float = 300.0  # a claimed event returns to the queue after this
    worker_enabled: bool = True  # False: this process only acknowledges (web-only instance)
    catchup_interval_seconds: int = 60
    log_level: str = "INFO"

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'b24app.sqlite3').resolve()}"

    @property
    def webhook_mode(self) -> bool:
        """True when the portal is connected through an incoming + outgoing webhook."""
        return bool(self.webhook_url)


def _flag(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


_ENV_KEYS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "B24APP_DATA_DIR": ("data_dir", Path),
    "B24APP_DATABASE_URL": ("database_url", str),
    "B24APP_CONFIG": ("config_path", Path),
    "B24APP_API_TOKEN": ("api_token", str),
    "B24APP_METRICS_TOKEN": ("metrics_token", str),
    "B24APP_ENCRYPTION_KEYS": ("encryption_keys", str),
    "B24APP_PUBLIC_URL": ("public_url", str),
    "B24_CLIENT_ID": ("client_id", str),
    "B24_CLIENT_SECRET": ("client_secret", str),
    "B24_OAUTH_URL": ("oauth_url", str),
    "B24_WEBHOOK_URL": ("webhook_url", str),
    "B24_APPLICATION_TOKEN": ("webhook_application_token", str),
    "B24APP_AUTH_CONNECTOR": ("auth_connector", str),
    "B24APP_REQUESTS_PER_SECOND": ("requests_per_second", float),
    "B24APP_BURST": ("burst", int),
    "B24APP_MAX_ATTEMPTS": ("max_attempts", int),
    "B24APP_WORKER_POLL_SECONDS": ("worker_poll_seconds", float),
    "B24APP_INBOX_LEASE_SECONDS": ("inbox_lease_seconds", float),
    "B24APP_WORKER_ENABLED": ("worker_enabled", _flag),
    "B24APP_CATCHUP_INTERVAL_SECONDS": ("catchup_interval_seconds", int),
    "B24APP_LOG_LEVEL": ("log_level", str),
}


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping of environment variables; a bad value names its variable."""
    values: dict[str, Any] = {}
    for env_key, (field_name, kind) in _ENV_KEYS.items():
        raw = environ.get(env_key, "").strip()
        if not raw:
            continue
        try:
            values[field_name] = kind(raw)
        except ValueError as exc:
            expected = "on/off" if kind is _flag else getattr(kind, "__name__", "a value")
            raise ConfigError(f"{env_key}: expected {expected}, got {raw!r}") from exc
    settings = Settings(**values)
    if settings.webhook_url and not settings.webhook_url.startswith(("http://", "https://")):
        raise ConfigError("B24_WEBHOOK_URL: expected an http(s) URL of an incoming webhook")
    if settings.requests_per_second <= 0 or settings.burst < 1:
        raise ConfigError("B24APP_REQUESTS_PER_SECOND/B24APP_BURST: must be positive")
    return settings


def settings_from_environment(env_file: str | None = ".env") -> Settings:
    """Settings from `.env` (if present) overlaid by the real environment."""
    merged: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ)
    return load_settings(merged)


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
    _reject_unknown(data, known, "")
    regulation = _build(RegulationConfig, data.get("regulation", {}), "regulation")
    config = AppConfig(
        regulation=regulation,
        calendar=_build(CalendarConfig, data.get("calendar", {}), "calendar"),
        rates=_parse_rates(data.get("rates", {})),
        packages=_parse_packages(data.get("packages", {})),
        clients=tuple(
            _parse_client(item, f"clients[{i}]", regulation)
            for i, item in enumerate(_as_list(data.get("clients", []), "clients"))
        ),
        integrator_ids=_ids(data.get("integrator_ids", []), "integrator_ids"),
        supervisor_ids=_ids(data.get("supervisor_ids", []), "supervisor_ids"),
        shadow_mode=_coerce(data.get("shadow_mode", False), False, "shadow_mode"),
    )
    problems = config_problems(config) if check else {}
    if problems:
        raise ConfigError(next(iter(problems.values())))
    return config


def config_problems(config: AppConfig) -> dict[str, str]:
    """Values that parse but make no sense (a zero rounding unit, a day that ends before it
    starts), keyed by their config key; also checked for every client's overrides."""
    problems = _regulation_errors(config.regulation, "regulation")
    for i, client in enumerate(config.clients):
        scoped = _regulation_errors(config.regulation_for(client), f"clients[{i}].overrides")
        problems |= {k: v for k, v in scoped.items() if k.rsplit(".", 1)[-1] in client.overrides}
    return problems | _calendar_errors(config.calendar)


def _reject_unknown(data: Mapping[str, Any], known: set[str], prefix: str) -> None:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{prefix or 'config'}: expected a table")
    for key in data:
        if key not in known:
            raise ConfigError(f"{prefix}{key}: unknown key (known: {', '.join(sorted(known))})")


def _build(cls: type[_T], data: Any, prefix: str) -> _T:
    """Fill a config dataclass from a table, coercing each value to its default's type."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    _reject_unknown(data, set(fields), f"{prefix}.")
    defaults = cls()
    values = {
        key: _coerce(value, getattr(defaults, key), f"{prefix}.{key}")
        for key, value in data.items()
    }
    return dataclasses.replace(defaults, **values)  # type: ignore[type-var]


def _coerce(value: Any, default: Any, key: str) -> Any:  # noqa: C901 - one branch per type
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, enum.Enum):
        try:
            return type(default)(value)
        except ValueError:
            allowed = ", ".join(m.value for m in type(default))
            raise ConfigError(f"{key}: expected one of {allowed}, got {value!r}") from None
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ConfigError(f"{key}: expected a non-negative integer, got {value!r}")
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, time):
        return _parse_time(value, key)
    elif isinstance(default, tuple):
        return tuple(_coerce_item(item, key) for item in _as_list(value, key))
    raise ConfigError(f"{key}: expected {type(default).__name__}, got {value!r}")


def _coerce_item(item: Any, key: str) -> Any:
    if isinstance(item, str | int | date) and not isinstance(item, bool):
        return item
    raise ConfigError(f"{key}: unexpected list item {item!r}")


def _parse_time(value: Any, key: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f'{key}: expected a time like "09:00", got {value!r}') from None


def _as_list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list, got {value!r}")
    return value


def _ids(value: Any, key: str) -> tuple[UserId, ...]:
    items = _as_list(value, key)
    if not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in items):
        raise ConfigError(f"{key}: expected a list of user ids, got {value!r}")
    return tuple(UserId(i) for i in items)


def _rubles(value: Any, key: str) -> int:
    """Prices in the file are roubles (integers or decimals); the app keeps kopecks."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return round(value * 100)
    raise ConfigError(f"{key}: expected a price in roubles, got {value!r}")


def _parse_rates(data: Any) -> Rates:
    _reject_unknown(data, {"regular", "urgent"}, "rates.")
    base = Rates()
    return Rates(
        regular_kopecks=_rubles(data["regular"], "rates.regular")
        if "regular" in data
        else base.regular_kopecks,
        urgent_kopecks=_rubles(data["urgent"], "rates.urgent")
        if "urgent" in data
        else base.urgent_kopecks,
    )


def _parse_packages(data: Any) -> dict[PackageKind, Package]:
    packages = dict(DEFAULT_PACKAGES)
    _reject_unknown(data, {k.value for k in PackageKind if k is not PackageKind.NONE}, "packages.")
    for name, table in data.items():
        key = f"packages.{name}"
        _reject_unknown(table, {"hours", "hour_rate", "price"}, f"{key}.")
        kind = PackageKind(name)
        base = packages[kind]
        hours = table.get("hours", base.included_minutes / 60)
        if not isinstance(hours, int | float) or hours < 0:
            raise ConfigError(f"{key}.hours: expected a number of hours, got {hours!r}")
        packages[kind] = Package(
            kind=kind,
            included_minutes=round(hours * 60),
            hour_rate_kopecks=_rubles(table["hour_rate"], f"{key}.hour_rate")
            if "hour_rate" in table
            else base.hour_rate_kopecks,
            monthly_price_kopecks=_rubles(table["price"], f"{key}.price")
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
    _reject_unknown(data, _CLIENT_KEYS, f"{key}.")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{key}.name: every client needs a name")
    overrides = data.get("overrides", {})
    _build(RegulationConfig, overrides, f"{key}.overrides")  # validates names and types
    return ClientCompany(
        name=name.strip(),
        group_ids=tuple(_ids(data.get("group_ids", []), f"{key}.group_ids")),
        user_ids=_ids(data.get("user_ids", []), f"{key}.user_ids"),
        responsible_ids=_ids(data.get("responsible_ids", []), f"{key}.responsible_ids"),
        integrator_ids=_ids(data.get("integrator_ids", []), f"{key}.integrator_ids"),
        contracts=_parse_contracts(data, key),
        departments=tuple(
            _parse_department(d, f"{key}.departments[{i}]")
            for i, d in enumerate(_as_list(data.get("departments", []), f"{key}.departments"))
        ),
        chat=_parse_chat(data.get("chat", {}), f"{key}.chat"),
        overrides={
            k: _coerce(v, getattr(regulation, k), f"{key}.overrides.{k}")
            for k, v in overrides.items()
        },
    )


def _parse_contracts(data: Mapping[str, Any], key: str) -> tuple[ContractPeriod, ...]:
    periods = []
    if "package" in data:
        periods.append({"package": data["package"], "start": data.get("start", date(2000, 1, 1))})
    periods.extend(_as_list(data.get("contracts", []), f"{key}.contracts"))
    result = []
    for i, period in enumerate(periods):
        pkey = f"{key}.contracts[{i}]"
        _reject_unknown(period, {"package", "start"}, f"{pkey}.")
        start = period.get("start", date(2000, 1, 1))
        if isinstance(start, str):
            try:
                start = date.fromisoformat(start)
            except ValueError:
                raise ConfigError(f"{pkey}.start: expected a date, got {start!r}") from None
        if not isinstance(start, date):
            raise ConfigError(f"{pkey}.start: expected a date, got {start!r}")
        package = _coerce(period.get("package"), PackageKind.NONE, f"{pkey}.package")
        result.append(ContractPeriod(package=package, start=start))
    return tuple(result)


def _parse_department(data: Any, key: str) -> Department:
    _reject_unknown(data, {"name", "responsible_id", "user_ids"}, f"{key}.")
    responsible = _ids([data.get("responsible_id")], f"{key}.responsible_id")[0]
    return Department(
        name=str(data.get("name", "")),
        responsible_id=responsible,
        user_ids=_ids(data.get("user_ids", []), f"{key}.user_ids"),
    )


def _parse_chat(data: Any, key: str) -> ChatOption:
    _reject_unknown(data, {"enabled", "users", "tiers"}, f"{key}.")
    tiers = []
    for i, tier in enumerate(_as_list(data.get("tiers", []), f"{key}.tiers")):
        if not (isinstance(tier, list) and len(tier) == 2 and isinstance(tier[0], int)):
            raise ConfigError(f"{key}.tiers[{i}]: expected [max_users, price_roubles]")
        tiers.append((tier[0], _rubles(tier[1], f"{key}.tiers[{i}]")))
    return ChatOption(
        enabled=_coerce(data.get("enabled", False), False, f"{key}.enabled"),
        users=_coerce(data.get("users", 0), 0, f"{key}.users"),
        price_tiers=tuple(tiers),
    )


def _regulation_errors(reg: RegulationConfig, scope: str) -> dict[str, str]:
    errors = {}
    for name in ("rounding_unit_minutes", "estimate_sla_working_minutes", "reaction_sla_hours"):
        if getattr(reg, name) < 1:
            errors[f"{scope}.{name}"] = f"{scope}.{name}: must be at least 1"
    for name in ("sla_reminder_percent", "overrun_warning_percent"):
        if not 1 <= getattr(reg, name) <= 100:
            errors[f"{scope}.{name}"] = f"{scope}.{name}: expected a percent from 1 to 100"
    if reg.title_min_length > reg.title_max_length:
        errors[f"{scope}.title_max_length"] = (
            f"{scope}.title_max_length: must not be less than title_min_length"
        )
    return errors


def _calendar_errors(cal: CalendarConfig) -> dict[str, str]:
    errors = {}
    try:
        ZoneInfo(cal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return {"calendar.timezone": f"calendar.timezone: unknown time zone {cal.timezone!r}"}
    if not cal.workdays or not set(cal.workdays) <= set(range(7)):
        errors["calendar.workdays"] = "calendar.workdays: choose at least one day of the week"
    if cal.day_start >= cal.day_end:
        errors["calendar.day_end"] = "calendar.day_end: the working day must end after it starts"
    return errors
