"""Database access: engine set-up, schema creation, leases and small key/value state."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from b24app.config.errors import ConfigError
from b24app.storage import migrations, schema

log = logging.getLogger(__name__)

Clock = Callable[[], float]
WAL_SWITCH_ATTEMPTS = 40


class SchemaMismatchError(ConfigError):
    """The database was created by another version of the app (run `b24app migrate`)."""


def normalise_url(url: str) -> str:
    """postgresql:// and postgres:// mean PostgreSQL through psycopg 3 (the driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine per process; SQLite in WAL mode, PostgreSQL with a connection pool."""

    def __init__(self, url: str, *, clock: Clock = time.time) -> None:
        url = normalise_url(url)
        self.url = url
        self.clock = clock
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        # SQLite has one writer at a time and every transaction here is BEGIN IMMEDIATE: threads
        # of this process take turns on a lock instead of in SQLite's busy handler, which sleeps
        # 1, 2, 5 … 100 ms between tries (the tail of the acknowledgement latency under load)
        self._sqlite_turn: threading.RLock | None = threading.RLock() if self.is_sqlite else None
        self.engine: Engine = self._create_engine(url)
        self._insert_sql: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]] = {}

    def _create_engine(self, url: str) -> Engine:
        if not self.is_sqlite:
            return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine

    def create_schema(self) -> None:
        """At start: an empty database gets the schema by running every migration; one at the
        head revision is used as it is; anything else raises SchemaMismatchError (the app
        never changes a schema it did not create just now: that is `b24app migrate`)."""
        with self.begin() as conn:
            found = migrations.state(conn)
        if found.up_to_date:
            return
        if not found.empty:
            self.dispose()  # the caller exits; no pooled connection should outlive the message
            raise SchemaMismatchError(f"{found.describe()}: run `b24app migrate`")
        before, after = self.migrate()
        if before is None:
            log.info("empty database: schema created (revision %s)", after)

    def migrate(self, cipher: Any = None) -> tuple[str | None, str]:
        """Upgrade to the head revision in one transaction (PostgreSQL: under an advisory lock,
        so instances starting together on an empty database create it once). Revisions that
        encrypt stored tokens need `cipher` (b24app.storage.crypto.TokenCipher)."""
        try:
            with self.begin() as conn:
                lock = migrations.lock_statement(self.engine.dialect.name)
                if lock is not None:
                    conn.execute(lock)
                return migrations.upgrade(conn, cipher=cipher)
        except migrations.MigrationError as exc:
            raise SchemaMismatchError(str(exc)) from exc

    def schema_state(self) -> migrations.SchemaState:
        """Where the database stands against this app's migrations (b24app.storage.migrations)."""
        with self.begin() as conn:
            return migrations.state(conn)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction (BEGIN IMMEDIATE on SQLite, so writers never deadlock)."""
        if self._sqlite_turn is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._sqlite_turn, self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    def insert_row(self, table: Table, row: Mapping[str, Any]) -> bool:
        """One INSERT committed on its own; False when a unique key already holds the row.

        The acknowledgement's only write. On SQLite it is one autocommitted statement on the
        driver's connection (compiled once per table and column set), without SQLAlchemy's
        BEGIN … COMMIT round: a single statement is atomic by itself."""
        if self._sqlite_turn is None:
            try:
                with self.begin() as conn:
                    conn.execute(insert(table), dict(row))
            except IntegrityError:
                return False
            return True
        values = _with_scalar_defaults(table, row)
        sql, order = self._compiled_insert(table, tuple(values))
        with self._sqlite_turn:
            pooled = self.engine.raw_connection()
            args = [values[k] for k in order]
            try:
                pooled.driver_connection.execute(sql, args)  # type: ignore[union-attr]
            except sqlite3.IntegrityError:
                return False
            except sqlite3.Error as exc:  # callers handle SQLAlchemy's errors (a full disk: 503)
                raise DBAPIError.instance(sql, args, exc, sqlite3.Error) from exc
            finally:
                pooled.close()
        return True

    def _compiled_insert(
        self, table: Table, columns: tuple[str, ...]
    ) -> tuple[str, tuple[str, ...]]:
        key = (table.name, columns)
        if key not in self._insert_sql:
            compiled = insert(table).compile(dialect=self.engine.dialect, column_keys=columns)
            self._insert_sql[key] = (str(compiled), tuple(compiled.positiontup or ()))
        return self._insert_sql[key]

    # -- key/value state per portal (cursors, last runs) --------------------------------------
    def get_value(self, member_id: str, key: str) -> str | None:
        with self.begin() as conn:
            row = conn.execute(
                select(schema.kv.c.value).where(
                    schema.kv.c.member_id == member_id, schema.kv.c.key == key
                )
            ).first()
        return None if row is None else str(row.value)

    def set_value(self, member_id: str, key: str, value: str) -> None:
        with self.begin() as conn:
            changed = conn.execute(
                update(schema.kv)
                .where(schema.kv.c.member_id == member_id, schema.kv.c.key == key)
                .values(value=value)
            ).rowcount
            if not changed:
                conn.execute(insert(schema.kv).values(member_id=member_id, key=key, value=value))

    # -- leases: one holder at a time across processes ----------------------------------------
    def try_lease(self, name: str, holder: str, ttl_seconds: float) -> bool:
        """Take or extend the lease `name` for `holder`; False while another holder has it."""
        now = self.clock()
        with self.begin() as conn:
            taken = conn.execute(
                update(schema.leases)
                .where(
                    schema.leases.c.name == name,
                    (schema.leases.c.holder == holder) | (schema.leases.c.until < now),
                )
                .values(holder=holder, until=now + ttl_seconds)
            ).rowcount
            if taken:
                return True
            exists = conn.execute(
                select(schema.leases.c.name).where(schema.leases.c.name == name)
            ).first()
            if exists:
                return False
        try:
            with self.begin() as conn:
                conn.execute(
                    insert(schema.leases).values(name=name, holder=holder, until=now + ttl_seconds)
                )
        except IntegrityError:
            return False
        return True

    def release_lease(self, name: str, holder: str) -> None:
        with self.begin() as conn:
            conn.execute(
                update(schema.leases)
                .where(schema.leases.c.name == name, schema.leases.c.holder == holder)
                .values(until=0.0)
            )


def _with_scalar_defaults(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with the column defaults SQLAlchemy would fill in (Column(default=…))."""
    values = dict(row)
    for column in table.c:
        default = column.default
        if column.name not in values and default is not None and default.is_scalar:
            values[column.name] = default.arg  # type: ignore[attr-defined]
    return values


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout=30000")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # let SQLAlchemy emit BEGIN itself (see _sqlite_begin_immediate)
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]


def _switch_to_wal(cursor: Any) -> None:
    """Several processes opening a new file at once: the journal-mode switch answers "database
    is locked" at once instead of waiting for the busy timeout, so it is retried here."""
    for attempt in range(WAL_SWITCH_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _sqlite_begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
