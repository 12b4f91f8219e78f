"""`b24app migrate`: bring the database schema to this version of the app (Alembic revisions)."""

from __future__ import annotations

import argparse

from b24app.cli.startup import Subparsers, describe_storage, note, out
from b24app.config.settings import settings_from_environment
from b24app.storage import migrations
from b24app.storage.crypto import load_cipher
from b24app.storage.database import Database


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "migrate", help="create or upgrade the database schema (run before starting a new version)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only say whether an upgrade is needed (exit 1 if so)"
    )
    parser.add_argument(
        "--new-revision",
        metavar="MESSAGE",
        help="developers: write storage/migrations/versions/vNNNN_*.py from schema.py changes",
    )
    parser.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_from_environment()
    note(describe_storage(settings))
    db = Database(settings.effective_database_url)
    where = db.engine.url.render_as_string(hide_password=True)
    try:
        if args.check:
            found = db.schema_state()
            out(f"{where}: {'up to date' if found.up_to_date else found.describe()}")
            return 0 if found.up_to_date else 1
        if args.new_revision:
            return _new_revision(db, args.new_revision)
        before, after = db.migrate(load_cipher(settings))
    finally:
        db.dispose()
    if before == after:
        out(f"{where}: already at revision {after}")
    else:
        out(f"{where}: {before or 'empty'} → {after}")
    return 0


def _new_revision(db: Database, message: str) -> int:
    if not db.schema_state().up_to_date:
        out("the database must be at head first: run `b24app migrate`")
        return 1
    with db.begin() as conn:
        out(f"written {migrations.new_revision(conn, message)}: review it, then run migrate")
    return 0
