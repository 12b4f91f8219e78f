"""Schema migrations on SQLite and PostgreSQL: replayed history equals schema.py, start checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import Connection, inspect, text

from b24app.bitrix.events import InboxEvent
from b24app.cli.main import main
from b24app.config.settings import Settings
from b24app.services import Services
from b24app.storage import migrations
from b24app.storage.crypto import generate_key
from b24app.storage.database import Database, SchemaMismatchError, normalise_url
from b24app.storage.inbox import Inbox
from b24app.storage.schema import metadata
from b24app.worker import Worker, handler_event
from handlers.routing import HandlerEvent
from rules.types import TaskId, TaskState
from tests.handlers.conftest import INTEGRATOR, MEMBER
from tests.handlers.seam import CONFIG, NOW, TASK, portal_with_people, task_facts, task_record

LONG_KEY = "u:" + "f" * 64  # a coalesced task-update key (66 characters)

# the inbox as revisions 0001-0003 made it: the event's raw data section in `payload`
inbox_before_0004 = sa.table(
    "inbox",
    *(sa.column(name) for name in ("dedup_key", "member_id", "event", "task_id", "payload")),
    *(sa.column(name) for name in ("source", "received_at", "status", "attempts")),
    *(sa.column(name) for name in ("next_attempt_at", "lease_until", "claimed_by")),
    *(sa.column(name) for name in ("processed_at", "last_error")),
)


def insert_pre_0004_row(
    conn: Connection, key: str, member_id: str, name: str, task_id: int, data: dict[str, Any]
) -> None:
    """An event stored the way the app stored it before revision 0004."""
    conn.execute(
        sa.insert(inbox_before_0004).values(
            dedup_key=key,
            member_id=member_id,
            event=name,
            task_id=task_id,
            payload=json.dumps(data),
            source="online",
            received_at=1.0,
            status="pending",
            attempts=0,
            next_attempt_at=0.0,
            lease_until=0.0,
            claimed_by="",
            processed_at=0.0,
            last_error="",
        )
    )


def replay(db: Database, target: str = "head") -> None:
    """Run the revision files themselves (not the create_all shortcut for empty databases)."""
    with db.begin() as conn:
        migrations.upgrade(conn, target=target, build_fresh=False)


def downgrade(db: Database, target: str) -> None:
    script = migrations.script_directory()
    with (
        db.begin() as conn,
        EnvironmentContext(
            migrations.config(conn),
            script,
            fn=lambda rev, _ctx: script._downgrade_revs(target, rev),
            destination_rev=target,
        ),
    ):
        script.run_env()


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
    assert Inbox(db).put(
        InboxEvent(  # 0002: the coalesced key fits (PostgreSQL checks lengths)
            dedup_key=LONG_KEY, member_id="m", name="ONTASKUPDATE", task_id=1, source="t"
        )
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


PRE_0004_ROWS = [  # (event, task, its raw data section) → what the handler is given
    pytest.param(
        "ONTASKCOMMENTADD",
        7,
        {"FIELDS_AFTER": {"ID": "31", "TASK_ID": "7"}},
        HandlerEvent("ONTASKCOMMENTADD", TaskId(7), comment_id=31),
        id="classic-comment",
    ),
    pytest.param(
        "ONTASKCOMMENTADD",
        8,
        {"FIELDS_AFTER": {"ID": "0", "TASK_ID": "8", "MESSAGE_ID": "9051"}},
        HandlerEvent("ONTASKCOMMENTADD", TaskId(8), message_id=9051),
        id="chat-card-message",
    ),
    pytest.param(
        "ONTASKUPDATE",
        9,
        {"FIELDS_AFTER": {"ID": "9"}, "FIELDS_BEFORE": "undefined"},
        HandlerEvent("ONTASKUPDATE", TaskId(9)),
        id="task-update",
    ),
    pytest.param(
        "ONTASKCOMMENTADD", 10, "not json", HandlerEvent("ONTASKCOMMENTADD", TaskId(10)), id="junk"
    ),
]


@pytest.mark.parametrize(("name", "task_id", "data", "expected"), PRE_0004_ROWS)
def test_event_stored_before_0004_is_processed_after_the_upgrade(
    db_url: str, name: str, task_id: int, data: Any, expected: HandlerEvent
) -> None:
    """0004 moved the event's ids from the raw payload into columns; a row still waiting at
    the upgrade is claimed with the same ids the worker used to read from its payload."""
    db = Database(db_url)
    replay(db, "0003")
    with db.begin() as conn:
        insert_pre_0004_row(conn, "k1", "m", name, task_id, data)
        if not isinstance(data, dict):
            conn.execute(sa.update(inbox_before_0004).values(payload=data))
    replay(db)
    [item] = Inbox(db).claim("w")
    db.dispose()
    assert handler_event(item) == expected


def test_0004_downgrade_gives_the_payload_back(db_url: str) -> None:
    db = Database(db_url)
    replay(db, "0003")
    data = {"FIELDS_AFTER": {"ID": "31", "TASK_ID": "7", "MESSAGE_ID": "12"}}
    with db.begin() as conn:
        insert_pre_0004_row(conn, "k1", "m", "ONTASKCOMMENTADD", 7, data)
    replay(db)
    downgrade(db, "0003")
    with db.begin() as conn:
        payload = conn.execute(sa.select(inbox_before_0004.c.payload)).scalar_one()
    db.dispose()
    assert json.loads(payload) == data


def test_comment_stored_before_0004_is_handled_after_the_upgrade(
    db_url: str, tmp_path: Path
) -> None:
    """The whole way: an estimate comment waiting in the old format at the upgrade is read by
    the worker after `b24app migrate` and accepted (п. 3.5), exactly once."""
    portal = portal_with_people()
    portal.task(task_facts())
    posted = portal.comment(TASK, INTEGRATOR, "Оценка: 45 минут", NOW)
    db = Database(db_url)
    replay(db, "0003")
    data = {"FIELDS_AFTER": {"ID": str(posted.comment_id), "TASK_ID": str(TASK)}}
    with db.begin() as conn:
        insert_pre_0004_row(conn, "k1", MEMBER, "ONTASKCOMMENTADD", TASK, data)
    replay(db)
    db.dispose()
    settings = Settings(data_dir=tmp_path, database_url=db_url, encryption_keys=generate_key())
    services = Services(settings, CONFIG, clock=NOW.timestamp)
    services.gateway_for = lambda member_id, **_: portal  # type: ignore[assignment,method-assign]
    services.task_store(MEMBER).save(task_record(TaskState.AWAITING_ESTIMATE), [], shadow=False)
    Worker(services).drain_all()
    history = [r["decision"] for r in services.task_store(MEMBER).history(TASK)]
    stats = services.inbox.stats()
    services.close()
    assert history == ["estimate_auto_accepted"]
    assert (stats["done"], stats["pending"], stats["failed"]) == (1, 0, 0)
