"""Schema migrations (Alembic, shipped in the package): where a database is, and upgrading it.

Existing databases change only through the revisions in `versions/`, on SQLite and PostgreSQL
alike (`b24app migrate`); an empty one is built from b24app/storage/schema.py and stamped at head.
tests/storage replays every revision on both databases and compares the result with schema.py,
so a change to schema.py without a revision fails CI, and the two databases never drift.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, insert, inspect, select, text

from b24app.storage.schema import metadata, schema_info

SCRIPT_LOCATION = "b24app.storage:migrations"
PRE_ALEMBIC_REVISION = "0001"  # what create_all() + schema_info version 1 used to make
PRE_ALEMBIC_VERSION = 1
VERSION_TABLE = "alembic_version"


class MigrationError(RuntimeError):
    """The database cannot be brought to this app's schema (the message says why)."""


class NotOurDatabaseError(MigrationError):
    """The database has tables but none of ours: refuse to touch it."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database stands against the revisions this app ships."""

    current: str | None  # None: no alembic_version (empty, or made before migrations)
    head: str
    empty: bool
    known: bool  # the current revision is one of ours

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        if self.empty:
            return "the database is empty"
        if self.current is None:
            return "the database was created before schema migrations (revision 0001)"
        if not self.known:
            return (
                f"the database is at revision {self.current}, unknown to this version of the app "
                f"(head {self.head}): was it migrated by a newer version?"
            )
        return f"the database is at revision {self.current}, this app needs {self.head}"


def config(connection: Connection | None = None, cipher: Any = None) -> Config:
    """Alembic's config; revisions that move data read `cipher` (b24app.storage.crypto.TokenCipher)
    from its attributes."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("file_template", "v%%(rev)s_%%(slug)s")  # importable module names
    cfg.attributes["connection"] = connection
    cfg.attributes["cipher"] = cipher
    return cfg


@functools.cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    revision = script_directory().get_current_head()
    if revision is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no migration revisions found in b24app/storage/migrations/versions")
    return revision


def state(conn: Connection) -> SchemaState:
    """Read the database's revision (one query or two; no writes)."""
    tables = set(inspect(conn).get_table_names())
    current = MigrationContext.configure(conn).get_current_revision()
    known = current is None or _is_known(current)
    return SchemaState(current=current, head=head(), empty=not tables, known=known)


def upgrade(
    conn: Connection, *, target: str = "head", build_fresh: bool = True, cipher: Any = None
) -> tuple[str | None, str]:
    """Bring the database to `target` inside the caller's transaction; returns (before, after).

    An empty database is built from storage/schema.py and stamped at head (Alembic's recipe for
    a new database: one CREATE per table instead of replaying history); tests/storage checks
    that replaying every revision gives the same schema, on SQLite and on PostgreSQL.
    A database created before migrations (our tables, schema_info version 1, no
    alembic_version) is exactly revision 0001: it is stamped so, then upgraded.
    """
    found = state(conn)
    if not found.known:
        raise MigrationError(found.describe())
    if found.empty and build_fresh and target == "head":
        metadata.create_all(conn)
        conn.execute(insert(schema_info).values(id=1, version=PRE_ALEMBIC_VERSION))
        MigrationContext.configure(conn).stamp(script_directory(), "head")
        return None, found.head
    if found.current is None and not found.empty:
        _adopt_pre_alembic(conn)
    with EnvironmentContext(
        config(conn, cipher),
        script_directory(),
        fn=lambda rev, _ctx: script_directory()._upgrade_revs(target, rev),
        destination_rev=target,
    ):
        script_directory().run_env()
    return found.current, MigrationContext.configure(conn).get_current_revision() or ""


def new_revision(conn: Connection, message: str) -> str:
    """Developers: write versions/vNNNN_<slug>.py from the difference between schema.py and
    the database (which must be at head). Returns the file's path."""
    number = int(head()) + 1
    written = command.revision(
        config(conn), message=message, autogenerate=True, rev_id=f"{number:04d}"
    )
    script_directory.cache_clear()
    scripts = written if isinstance(written, list) else [written]
    return ", ".join(s.path for s in scripts if s is not None)


def _adopt_pre_alembic(conn: Connection) -> None:
    tables = set(inspect(conn).get_table_names())
    version = None
    if "schema_info" in tables:
        version = conn.execute(select(schema_info.c.version)).scalar()
    if version != PRE_ALEMBIC_VERSION:
        raise NotOurDatabaseError(
            f"the database has tables ({', '.join(sorted(tables)[:5])}, …) but no b24app schema "
            "version: point B24APP_DATABASE_URL at an empty database or a b24app one"
        )
    MigrationContext.configure(conn).stamp(script_directory(), PRE_ALEMBIC_REVISION)


def _is_known(revision: str) -> bool:
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:  # alembic raises its own ResolutionError/CommandError for unknown ids
        return False


def lock_statement(dialect: str) -> Any:
    """PostgreSQL: one migrator at a time across instances (held until the transaction ends)."""
    if dialect == "postgresql":
        return text("SELECT pg_advisory_xact_lock(7242024001)")
    return None
