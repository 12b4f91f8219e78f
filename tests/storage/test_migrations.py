"""Schema migrations on SQLite and PostgreSQL: replayed history equals schema.py, start checks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from b24app.cli.main import main
from b24app.storage import migrations
from b24app.storage.crypto import generate_key
from b24app.storage.database import Database, SchemaMismatchError, normalise_url
from b24app.storage.inbox import Inbox
from b24app.storage.schema import metadata

LONG_KEY = "u:" + "f" * 64  # a coalesced task-update key (66 characters)


def replay(db: Database, target: str = "head") -> None:
    """Run the revision files themselves (not the create_all shortcut for empty databases)."""
    with db.begin() as conn:
        migrations.upgrade(conn, target=target, build_fresh=False)


def as_before_migrations(db: Database) -> None:
    """What the app's create_schema made before Alembic: revision 0001 without alembic_version."""
    replay(db, "0001")
    with db.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))


def test_replayed_revisions_equal_schema_py(db_url: str) -> None:
    db = Database(db_url)
    replay(db)
    with db.begin() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
        tables = set(inspect(conn).get_table_names())
    db.dispose()
    assert differences == []
    assert tables == set(metadata.tables) | {"alembic_version"}


def test_empty_database_is_created_at_start_and_checked_after(db_url: str) -> None:
    db = Database(db_url)
    db.create_schema()
    db.create_schema()  # at head: nothing to do
    found = db.schema_state()
    db.dispose()
    assert (found.current, found.up_to_date) == (migrations.head(), True)


def test_instances_starting_together_create_the_schema_once(db_url: str) -> None:
    databases = [Database(db_url) for _ in range(3)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(databases))

    def boot(db: Database) -> None:
        start.wait()
        try:
            db.create_schema()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=boot, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert databases[0].schema_state().up_to_date
    for db in databases:
        db.dispose()


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        pytest.param(as_before_migrations, "before schema migrations", id="pre-alembic"),
        pytest.param(lambda db: replay(db, "0001"), "at revision 0001", id="behind"),
    ],
)
def test_old_schema_refuses_to_start_until_migrated(
    db_url: str, prepare: Callable[[Database], None], message: str
) -> None:
    db = Database(db_url)
    prepare(db)
    with pytest.raises(SchemaMismatchError, match=f"{message}.*run `b24app migrate`"):
        db.create_schema()
    assert db.migrate()[1] == migrations.head()
    db.create_schema()
    assert Inbox(db).put_raw(  # 0002: the coalesced key fits (PostgreSQL checks lengths)
        dedup_key=LONG_KEY, member_id="m", name="ONTASKUPDATE", task_id=1, data={}, source="t"
    )
    db.dispose()


def test_database_of_a_newer_version_is_refused(db: Database) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaMismatchError, match="unknown to this version"):
        db.create_schema()
    with pytest.raises(SchemaMismatchError, match="unknown to this version"):
        db.migrate()


def test_foreign_tables_are_not_touched(db_url: str) -> None:
    db = Database(db_url)
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE orders (id INTEGER PRIMARY KEY)"))
    with pytest.raises(SchemaMismatchError, match="run `b24app migrate`"):
        db.create_schema()
    with pytest.raises(SchemaMismatchError, match="no b24app schema version"):
        db.migrate()
    db.dispose()


def test_migrate_command_and_refusal_at_start(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    db = Database(db_url)
    replay(db, "0001")
    monkeypatch.setenv("B24APP_DATABASE_URL", db_url)
    monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("B24APP_ENCRYPTION_KEYS", generate_key())
    assert main(["events", "list"]) == 2  # any command that starts the app
    assert "run `b24app migrate`" in capsys.readouterr().err
    assert main(["migrate", "--check"]) == 1
    assert main(["migrate"]) == 0
    assert f"0001 → {migrations.head()}" in capsys.readouterr().out
    assert main(["migrate", "--check"]) == 0
    assert main(["migrate"]) == 0
    assert f"already at revision {migrations.head()}" in capsys.readouterr().out
    db.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("postgresql://u@h/db", "postgresql+psycopg://u@h/db", id="postgresql"),
        pytest.param("postgres://u@h/db", "postgresql+psycopg://u@h/db", id="postgres"),
        pytest.param("postgresql+psycopg://h/db", "postgresql+psycopg://h/db", id="explicit"),
        pytest.param("sqlite:////tmp/x.db", "sqlite:////tmp/x.db", id="sqlite"),
    ],
)
def test_postgresql_urls_use_psycopg_3(url: str, expected: str) -> None:
    assert normalise_url(url) == expected
