"""`b24app backup` (SQLite online backup, pg_dump for PostgreSQL) and `b24app keys` (the key
that encrypts stored tokens: generate one, re-encrypt under the newest)."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import make_url

from b24app.cli.startup import Subparsers, build_services, describe_storage, note, out
from b24app.config.settings import settings_from_environment
from b24app.storage.crypto import CHECK_KEY, generate_key, key_file
from b24app.storage.database import normalise_url
from b24app.storage.schema import kv

KEY_REMINDER = (
    "the tokens in it are encrypted: keep the key ({}) apart from the backup — a restore "
    "needs it (without it, reinstall the app on the portal after restoring)"
)


def register(subparsers: Subparsers) -> None:
    backup = subparsers.add_parser(
        "backup", help="a consistent copy of the database while the app runs"
    )
    backup.add_argument("--output", type=Path, help="file to write (default: <data dir>/backups/)")
    backup.set_defaults(func=cmd_backup)
    keys = subparsers.add_parser("keys", help="the key that encrypts stored tokens")
    keys.add_argument("action", choices=["generate", "reencrypt"])
    keys.set_defaults(func=cmd_keys)


def cmd_backup(args: argparse.Namespace) -> int:
    settings = settings_from_environment()
    note(describe_storage(settings))
    url = make_url(normalise_url(settings.effective_database_url))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    key_place = "B24APP_ENCRYPTION_KEYS" if settings.encryption_keys else str(key_file(settings))
    if url.get_backend_name() == "sqlite":
        output = args.output or settings.data_dir / "backups" / f"b24app-{stamp}.sqlite3"
        size = backup_sqlite(Path(url.database or ""), output)
    else:
        output = args.output or settings.data_dir / "backups" / f"b24app-{stamp}.dump"
        if shutil.which("pg_dump") is None:
            out(f"pg_dump not found: run `pg_dump --format=custom --file={output} <URL>`")
            return 1
        size = backup_postgresql(libpq_url(settings.effective_database_url), output)
    out(f"backup written: {output} ({size} bytes); " + KEY_REMINDER.format(key_place))
    return 0


def backup_sqlite(source: Path, output: Path) -> int:
    """SQLite's online backup API: a consistent copy while the app writes (WAL included),
    checked with PRAGMA integrity_check before it is reported."""
    if not source.is_file():
        raise SystemExit(f"b24app backup: no database at {source}")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(partial)
    try:
        src.backup(dst, pages=1024)
        intact = dst.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        src.close()
        dst.close()
    if not intact:
        raise SystemExit(f"b24app backup: the copy {partial} failed its integrity check")
    partial.chmod(0o600)
    partial.replace(output)
    return output.stat().st_size


def libpq_url(url: str) -> str:
    """pg_dump wants postgresql://… without SQLAlchemy's `+psycopg` driver part."""
    return normalise_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def backup_postgresql(url: str, output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - a fixed program and our own arguments
        ["pg_dump", "--format=custom", f"--file={output}", url],  # noqa: S607 - found on PATH
        check=True,
    )
    output.chmod(0o600)
    return output.stat().st_size


def cmd_keys(args: argparse.Namespace) -> int:
    if args.action == "generate":
        out(generate_key())
        return 0
    services = build_services(args)
    try:
        count = services.portals.reencrypt()
        stored = services.db.get_value("", CHECK_KEY)  # written by Services at start
        with services.db.begin() as conn:
            conn.execute(
                update(kv)
                .where(kv.c.member_id == "", kv.c.key == CHECK_KEY)
                .values(value=services.cipher.rotate(stored or ""))
            )
    finally:
        services.close()
    out(
        f"{count} portals' tokens re-encrypted with the first key ({services.cipher.source}); "
        "restart every instance with only that key, then the old one may be destroyed"
    )
    return 0
