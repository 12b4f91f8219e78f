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

from b24app.config.errors import ConfigError

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
    # a relative B24APP_DATA_DIR is taken from where the process starts, then fixed
    values["data_dir"] = Path(values.get("data_dir") or default_data_dir(environ)).absolute()
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
