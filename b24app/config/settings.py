"""Process settings: connection, secrets and limits, from the environment and `.env`.

Nothing else reads `os.environ` (ruff's TID251 allows it only here).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from b24app.config.errors import ConfigError
from b24app.config.messages import schema_errors

DEFAULT_OAUTH_URL = "https://oauth.bitrix.info/oauth/token/"


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """The data directory when B24APP_DATA_DIR is not set: per user, the same from any working
    directory — $XDG_DATA_HOME/b24app, else ~/.local/share/b24app (XDG base directories)."""
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "b24app"
    home = environ.get("HOME", "").strip()
    return (Path(home) if home else Path.home()) / ".local" / "share" / "b24app"


@dataclass(frozen=True, slots=True)
class Settings:
    """Connection, secrets and process settings (environment and .env)."""

    data_dir: Path = Path(".b24app")  # load_settings: B24APP_DATA_DIR or default_data_dir()
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


def _field(env: str, help_line: str, **limits: Any) -> Any:
    return Field(default=None, alias=env, description=help_line, **limits)


class Environment(BaseSettings):
    """The environment variables the app reads, as a schema: one Russian error per variable.

    Read from the process environment and `.env` (the environment wins) by pydantic-settings;
    `load_settings` validates a given mapping with the same schema (no source is read then).
    """

    model_config = SettingsConfigDict(
        extra="ignore",
        frozen=True,
        case_sensitive=True,
        env_ignore_empty=True,
        str_strip_whitespace=True,
    )

    data_dir: Path | None = _field("B24APP_DATA_DIR", "каталог данных приложения")
    database_url: str | None = _field("B24APP_DATABASE_URL", "адрес базы данных")
    config_path: Path | None = _field("B24APP_CONFIG", "файл настроек регламента (TOML)")
    api_token: str | None = _field("B24APP_API_TOKEN", "токен для /api и /metrics")
    metrics_token: str | None = _field("B24APP_METRICS_TOKEN", "токен только для /metrics")
    encryption_keys: str | None = _field("B24APP_ENCRYPTION_KEYS", "ключи шифрования токенов")
    public_url: str | None = _field("B24APP_PUBLIC_URL", "внешний адрес приложения")
    client_id: str | None = _field("B24_CLIENT_ID", "код приложения (client_id)")
    client_secret: str | None = _field("B24_CLIENT_SECRET", "ключ приложения (client_secret)")
    oauth_url: str | None = _field("B24_OAUTH_URL", "сервер OAuth Битрикс24")
    webhook_url: str | None = _field("B24_WEBHOOK_URL", "входящий вебхук портала")
    webhook_application_token: str | None = _field(
        "B24_APPLICATION_TOKEN", "токен исходящего вебхука"
    )
    auth_connector: str | None = _field("B24APP_AUTH_CONNECTOR", "метка запросов приложения")
    requests_per_second: float | None = _field(
        "B24APP_REQUESTS_PER_SECOND", "запросов к порталу в секунду", gt=0
    )
    burst: int | None = _field("B24APP_BURST", "запросов к порталу подряд", ge=1)
    max_attempts: int | None = _field("B24APP_MAX_ATTEMPTS", "попыток обработать событие")
    worker_poll_seconds: float | None = _field("B24APP_WORKER_POLL_SECONDS", "опрос очереди, с")
    inbox_lease_seconds: float | None = _field("B24APP_INBOX_LEASE_SECONDS", "аренда события, с")
    worker_enabled: bool | None = _field("B24APP_WORKER_ENABLED", "обрабатывать события (on/off)")
    catchup_interval_seconds: int | None = _field(
        "B24APP_CATCHUP_INTERVAL_SECONDS", "интервал догоняющей выборки, с"
    )
    log_level: str | None = _field("B24APP_LOG_LEVEL", "уровень журнала")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_is_a_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise PydanticCustomError(
                "webhook", "ожидается адрес входящего вебхука http(s)://…/rest/<id>/<ключ>/"
            )
        return value

    def to_settings(self, environ: Mapping[str, str]) -> Settings:
        """The values given; a relative B24APP_DATA_DIR is taken from where the process starts."""
        values = {k: v for k, v in self.model_dump().items() if v is not None}
        values["data_dir"] = Path(values.get("data_dir") or default_data_dir(environ)).absolute()
        return Settings(**values)


def environment_names() -> frozenset[str]:
    """Every variable the app reads (the deploy files are checked against it)."""
    return frozenset(str(info.alias) for info in Environment.model_fields.values())


def _checked(build: Callable[[], Environment]) -> Environment:
    try:
        return build()
    except ValidationError as exc:
        raise ConfigError.of(schema_errors(exc, Environment)) from None


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping of environment variables; a bad value names its variable."""
    names = environment_names()
    given = {k: v for k, v in environ.items() if k in names and v.strip()}
    return _checked(lambda: Environment.model_validate(given)).to_settings(environ)


def settings_from_environment(env_file: str | None = ".env") -> Settings:
    """Settings from `.env` (if present) overlaid by the real environment."""
    dotenv = env_file if env_file and Path(env_file).is_file() else None
    merged = {k: v for k, v in (dotenv_values(dotenv) if dotenv else {}).items() if v is not None}
    merged.update(os.environ)  # where the default data directory is (XDG_DATA_HOME, HOME)
    environment = _checked(lambda: Environment(_env_file=dotenv))  # type: ignore[call-arg]
    return environment.to_settings(merged)
