"""`b24app backup`: a consistent copy while the app writes (SQLite online backup API), pg_dump
for PostgreSQL; a backup restores to a working database with the same key."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import stat
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from b24app.bitrix.events import InboxEvent
from b24app.cli.admin import libpq_url
from b24app.cli.main import main
from b24app.config.settings import Settings
from b24app.services import Services
from b24app.storage.crypto import generate_key
from rules.regulation import AppConfig
from tests.storage.databases import PG_SERVER, pg_unavailable
from tests.storage.test_encryption import REFRESH, install_one


def put_events(svc: Services, count: int, prefix: str) -> None:
    for n in range(count):
        svc.inbox.put(
            InboxEvent(
                dedup_key=f"{prefix}{n}",
                member_id="m1",
                name="ONTASKADD",
                task_id=n,
                source="t",
            )
        )


def test_sqlite_backup_while_the_app_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    svc = Services(Settings(data_dir=tmp_path), AppConfig())
    install_one(svc)
    put_events(svc, 200, "before-")
    writing = threading.Thread(target=put_events, args=(svc, 300, "during-"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path))
    output = tmp_path / "copies" / "b24app.sqlite3"
    writing.start()
    try:
        assert main(["backup", "--output", str(output)]) == 0
    finally:
        writing.join()
        svc.close()
    said = capsys.readouterr().out
    assert f"backup written: {output}" in said
    assert "keep the key" in said
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600
    with sqlite3.connect(output) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = copy.execute("SELECT count(*) FROM inbox").fetchone()[0]
    assert 200 <= count <= 500  # every event committed before the copy, none half-written
    restored = Services(
        Settings(data_dir=tmp_path, database_url=f"sqlite:///{output}"), AppConfig()
    )
    portal = restored.portals.get("m1")
    restored.close()
    assert portal is not None
    assert portal.refresh_token == REFRESH


def test_sqlite_backup_of_a_missing_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path / "nothing"))
    with pytest.raises(SystemExit, match="no database at"):
        main(["backup"])


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A whole throwaway database (pg_dump dumps databases; the tests' schemas share one)."""
    reason = pg_unavailable() or ("" if shutil.which("pg_dump") else "pg_dump is not installed")
    if reason:
        pytest.skip(reason)
    suffix = uuid.uuid4().hex[:12]
    names = [f"b_{suffix}", f"r_{suffix}"]
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE DATABASE {name}")
    base = PG_SERVER.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}"
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_postgresql_backup_with_pg_dump_restores(
    pg_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = generate_key()
    settings = Settings(data_dir=tmp_path, database_url=pg_database, encryption_keys=key)
    svc = Services(settings, AppConfig())
    install_one(svc)
    put_events(svc, 5, "e")
    svc.close()
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "B24APP_DATA_DIR": str(tmp_path),
        "B24APP_DATABASE_URL": pg_database,
        "B24APP_ENCRYPTION_KEYS": key,
    }.items():
        monkeypatch.setenv(name, value)
    dump = tmp_path / "b24app.dump"
    assert main(["backup", "--output", str(dump)]) == 0
    assert "backup written" in capsys.readouterr().out
    target = pg_database.rsplit("/", 1)[0] + "/r_" + pg_database.rsplit("/b_", 1)[1]
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={libpq_url(target)}", str(dump)], check=True
    )
    restored = Services(dataclasses.replace(settings, database_url=target), AppConfig())
    portal = restored.portals.get("m1")
    pending = restored.inbox.stats()["pending"]
    restored.close()
    assert portal is not None
    assert portal.refresh_token == REFRESH
    assert pending == 5


def test_libpq_url_drops_the_driver() -> None:
    assert libpq_url("postgresql+psycopg://u@h/db") == "postgresql://u@h/db"
    assert libpq_url("postgres://u@h/db") == "postgresql://u@h/db"
