"""Throwaway databases for tests: an SQLite file, or a fresh PostgreSQL schema per test."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

# The local server CI starts (.ci/run); trust auth, so the role needs no password.
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@functools.cache
def pg_unavailable() -> str | None:
    """None when the PostgreSQL server answers, else why the PostgreSQL cases are skipped."""
    try:
        with psycopg.connect(PG_SERVER, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"no PostgreSQL server at {PG_SERVER} ({first_line}); start it with "
            "`pg_ctlcluster --skip-systemctl-redirect 15 main start` to run these cases"
        )


@contextmanager
def pg_schema() -> Iterator[str]:
    """A new schema, dropped afterwards; the URL puts it first on the search_path, so every
    connection of every process using the URL sees only its tables."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/postgres?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")
