"""Every storage test runs on SQLite and on PostgreSQL (skipped only when no server answers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b24app.storage.database import Database
from tests.storage.databases import pg_schema, pg_unavailable


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a file in tmp_path, or a schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'b24app.sqlite3'}"
        return
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
    with pg_schema() as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.create_schema()
    yield database
    database.dispose()
