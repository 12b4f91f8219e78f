"""What every command starts with: logging that masks secrets, output for people, the services."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from b24app.config.regulation import load_app_config
from b24app.config.settings import Settings, settings_from_environment
from b24app.redact import RedactingFilter
from b24app.services import Services

Subparsers = Any  # argparse's _SubParsersAction is private


def configure_logging(level: str, secrets: Sequence[str] = (), stream: Any = None) -> None:
    """One stderr handler on the root logger whose filter masks secrets (b24app.redact):
    webhook URLs, token parameters, and the configured `secrets` wherever they appear."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "b24app", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    handler.b24app = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for noisy in ("fast_bitrix24", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def known_secrets(settings: Settings) -> tuple[str, ...]:
    """Values the log filter masks wherever they appear."""
    return (
        settings.client_secret,
        settings.api_token,
        settings.metrics_token,
        settings.webhook_application_token,
        *settings.encryption_keys.split(","),
    )


def out(text: str = "") -> None:
    """Command output for people (logs go to stderr)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fail(text: str) -> int:
    """A command's error for people, on stderr; returns the exit code 2."""
    sys.stderr.write(f"b24app: {text}\n")
    return 2


def note(text: str) -> None:
    """A line for the person running the command, on stderr (stdout may be a report file)."""
    sys.stderr.write(f"b24app: {text}\n")
    sys.stderr.flush()


class CommandError(Exception):
    """A command cannot start; main() prints the message and exits with 2."""


OLD_DEFAULT_DATA_DIR = Path(".b24app")  # relative to where a command ran, before issue 14


def regulation_path(settings: Settings, args: argparse.Namespace | None = None) -> Path | None:
    """`--config`, else B24APP_CONFIG, else the settings page's copy in the data directory (what
    `serve` reads), else None: the regulation's defaults."""
    saved = settings.data_dir / "regulation.toml"  # written by the settings page (b24app.pages)
    chosen = getattr(args, "config", None) or settings.config_path
    if chosen:
        return Path(chosen)
    return saved if saved.is_file() else None


def describe_storage(settings: Settings) -> str:
    """Which data directory and database a command uses (said by every command that opens it)."""
    url = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    return f"data dir {settings.data_dir} (set B24APP_DATA_DIR to change), database {url}"


def sqlite_file(settings: Settings) -> Path | None:
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def check_database(settings: Settings) -> None:
    """For commands that only read: no SQLite file means the wrong data directory (they would
    otherwise create an empty database and report «no portal»)."""
    path = sqlite_file(settings)
    if path is None or path.is_file():
        return
    hint = ""
    old = OLD_DEFAULT_DATA_DIR / "b24app.sqlite3"
    if old.is_file() and old.absolute() != path:
        hint = f"; a data dir of an older version is here: B24APP_DATA_DIR={old.parent.absolute()}"
    raise CommandError(
        f"no database at {path}: nothing was stored in data dir {settings.data_dir} yet. Set "
        f"B24APP_DATA_DIR to the directory `b24app serve` uses{hint}"
    )


def build_services(args: argparse.Namespace | None = None, *, must_exist: bool = False) -> Services:
    """Settings from the environment; the regulation from regulation_path(). Says on stderr
    which data directory and database it opens; `must_exist`: refuse a missing SQLite file."""
    settings = settings_from_environment()
    note(describe_storage(settings))
    if must_exist:
        check_database(settings)
    return Services(settings, load_app_config(regulation_path(settings, args)))


def next_step_hint(settings: Settings, services: Services, url: str) -> str:
    if settings.webhook_mode or services.default_portal():
        return ""
    if settings.client_id:
        return (
            f"No portal installed yet: in Bitrix24 create a local app with handler {url}/b24/app "
            f"and install path {url}/b24/install (see README), then open it once."
        )
    return (
        "No portal connected: set B24_CLIENT_ID/B24_CLIENT_SECRET and install the local app, "
        "or set B24_WEBHOOK_URL/B24_APPLICATION_TOKEN, or try `b24app demo` (README)."
    )


def at_rest(services: Services) -> str:
    """How the stored tokens are protected; a key file beside the database is for trying out."""
    line = f"tokens at rest: encrypted ({services.cipher.source})"
    if not services.settings.encryption_keys:
        line += " — the key lies beside the data: in production set B24APP_ENCRYPTION_KEYS"
    return line
