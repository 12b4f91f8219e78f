"""Tokens at rest: encrypted in the database, useless without the key, rotate-able, and a
database of the previous release (revision 0002, plain tokens) upgraded by `b24app migrate`."""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from b24app.cli.main import main
from b24app.config.errors import ConfigError
from b24app.config.settings import Settings
from b24app.services import Services
from b24app.storage import migrations
from b24app.storage.crypto import (
    KeyMismatchError,
    TokenCipher,
    generate_key,
    is_encrypted,
    key_file,
    load_cipher,
)
from b24app.storage.database import Database
from b24app.storage.schema import portals, tasks
from rules.regulation import AppConfig
from tests.storage.test_migrations import insert_pre_0004_row

ACCESS, REFRESH, APP_TOKEN = "a1b2c3d4e5f6a7b8c9d0", "r9q8p7o6n5m4l3k2j1", "51856fefc120afa4b628"
WEBHOOK = "https://acme.bitrix24.ru/rest/7/hook5ecret9x2/"


def portal_row(member_id: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "member_id": member_id,
        "domain": "acme.bitrix24.ru",
        "client_endpoint": "https://acme.bitrix24.ru/rest/",
        "server_endpoint": "",
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "expires_at": 0.0,
        "application_token": APP_TOKEN,
        "scope": "task",
        "user_id": 1,
        "status": "installed",
        "mode": "app",
        "installed_at": 1.0,
        "refreshed_at": 0.0,
        "last_error": "",
    }
    return row | values


def services_at(tmp_path: Path, **settings: str) -> Services:
    return Services(Settings(data_dir=tmp_path, **settings), AppConfig())  # type: ignore[arg-type]


def install_one(svc: Services) -> None:
    svc.portals.save_install(
        **{k: v for k, v in portal_row("m1").items() if k not in ("status", "installed_at")}
    )


def raw_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.glob("b24app.sqlite3*"))


def test_tokens_are_stored_encrypted_and_read_back_open(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    install_one(svc)
    with svc.db.begin() as conn:
        row = conn.execute(select(portals)).one()
    portal = svc.portals.get("m1")
    svc.close()
    assert portal is not None
    assert (portal.access_token, portal.refresh_token, portal.application_token) == (
        ACCESS,
        REFRESH,
        APP_TOKEN,
    )
    assert all(is_encrypted(getattr(row, c)) for c in ("access_token", "refresh_token"))
    assert is_encrypted(row.application_token)
    for secret in (ACCESS, REFRESH, APP_TOKEN):
        assert secret.encode() not in raw_bytes(tmp_path)
    assert ACCESS not in repr(portal)


def test_the_key_file_is_made_private_and_only_for_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "new-data-dir"
    cipher = load_cipher(Settings(data_dir=data))
    assert stat.S_IMODE(os.stat(key_file(Settings(data_dir=data))).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data).st_mode) & 0o077 == 0  # the directory is private too
    assert cipher.source.startswith("key file")
    again = load_cipher(Settings(data_dir=data))
    assert again.decrypt(cipher.encrypt("x")) == "x"
    with pytest.raises(ConfigError, match="B24APP_ENCRYPTION_KEYS: required with PostgreSQL"):
        load_cipher(Settings(data_dir=tmp_path / "pg", database_url="postgresql://h/db"))


@pytest.mark.parametrize(
    "value",
    [pytest.param("not-a-key", id="garbage"), pytest.param(generate_key() + ",x", id="one-bad")],
)
def test_a_bad_key_names_the_variable(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="B24APP_ENCRYPTION_KEYS: not a Fernet key"):
        load_cipher(Settings(data_dir=tmp_path, encryption_keys=value))


def test_a_database_copied_without_its_key_is_useless(tmp_path: Path) -> None:
    svc = services_at(tmp_path / "a")
    install_one(svc)
    svc.close()
    (tmp_path / "b").mkdir()
    for part in (tmp_path / "a").glob("b24app.sqlite3*"):
        shutil.copy(part, tmp_path / "b" / part.name)
    with pytest.raises(KeyMismatchError, match="cannot be opened with the configured key"):
        services_at(tmp_path / "b")  # a new key file is made there: it opens nothing
    with pytest.raises(KeyMismatchError):
        services_at(tmp_path / "b", encryption_keys=generate_key())
    assert ACCESS.encode() not in raw_bytes(tmp_path / "b")


def test_rotation_re_encrypts_under_the_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = generate_key(), generate_key()
    svc = services_at(tmp_path, encryption_keys=old)
    install_one(svc)
    svc.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("B24APP_ENCRYPTION_KEYS", f"{new},{old}")
    assert main(["keys", "reencrypt"]) == 0
    assert "1 portals' tokens re-encrypted" in capsys.readouterr().out
    with pytest.raises(KeyMismatchError):
        services_at(tmp_path, encryption_keys=old)  # the old key alone opens nothing now
    rotated = services_at(tmp_path, encryption_keys=new)
    portal = rotated.portals.get("m1")
    rotated.close()
    assert portal is not None
    assert portal.refresh_token == REFRESH


def test_keys_generate_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate"]) == 0
    key = capsys.readouterr().out.strip()
    cipher = TokenCipher([key.encode()], "test")
    assert cipher.decrypt(cipher.encrypt("token")) == "token"


def previous_release(db_url: str) -> Database:
    """A database as the previous release (head 0002) left it: plain tokens, a webhook row
    whose URL carries its secret, events and a task."""
    db = Database(db_url)
    with db.begin() as conn:
        migrations.upgrade(conn, target="0002", build_fresh=False)
        webhook = portal_row("webhook", mode="webhook", client_endpoint=WEBHOOK)
        conn.execute(insert(portals), [portal_row("m1"), webhook])
        conn.execute(
            insert(tasks).values(
                member_id="m1",
                task_id=42,
                state="in_progress",
                client="ООО Ромашка",
                title="Поле ИНН",
                responsible_id=3,
                updated_at=2.0,
                record="{}",
            )
        )
        insert_pre_0004_row(conn, "u:" + "f" * 64, "m1", "ONTASKUPDATE", 42, {})
    return db


def test_migrate_from_the_previous_release_encrypts_its_tokens(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = previous_release(db_url)
    key = generate_key()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("B24APP_DATABASE_URL", db_url)
    monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("B24APP_ENCRYPTION_KEYS", key)
    assert main(["migrate"]) == 0
    assert f"0002 → {migrations.head()}" in capsys.readouterr().out
    with db.begin() as conn:
        rows = {r.member_id: r for r in conn.execute(select(portals)).all()}
        task = conn.execute(select(tasks)).one()
    assert all(is_encrypted(rows[m].refresh_token) for m in rows)
    assert rows["webhook"].client_endpoint == "https://acme.bitrix24.ru/rest/7/***/"
    assert (task.task_id, task.client, task.title) == (42, "ООО Ромашка", "Поле ИНН")
    settings = Settings(data_dir=tmp_path, database_url=db_url, encryption_keys=key)
    svc = Services(settings, AppConfig())
    portal = svc.portals.get("m1")
    pending = svc.inbox.stats()["pending"]
    svc.close()
    db.dispose()
    assert portal is not None
    assert (portal.access_token, portal.refresh_token, portal.application_token) == (
        ACCESS,
        REFRESH,
        APP_TOKEN,
    )
    assert pending == 1


def test_migrate_without_a_key_on_postgresql_changes_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = previous_release(db_url)
    with (
        pytest.raises(migrations.MigrationError, match="B24APP_ENCRYPTION_KEYS"),
        db.begin() as conn,
    ):
        migrations.upgrade(conn, cipher=None)
    state = db.schema_state()
    with db.begin() as conn:
        refresh = conn.execute(select(portals.c.refresh_token).where(portals.c.member_id == "m1"))
        stored = refresh.scalar()
    db.dispose()
    assert state.current == "0002"  # the failed upgrade was rolled back whole
    assert stored == REFRESH
    if not db.is_sqlite:  # PostgreSQL: the command itself refuses without the variable
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("B24APP_DATABASE_URL", db_url)
        monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path))
        monkeypatch.delenv("B24APP_ENCRYPTION_KEYS", raising=False)
        assert main(["migrate"]) == 2
        assert "B24APP_ENCRYPTION_KEYS: required with PostgreSQL" in capsys.readouterr().err


def test_a_services_object_never_keeps_the_keys_in_its_repr(tmp_path: Path) -> None:
    key = generate_key()
    settings = dataclasses.replace(Settings(data_dir=tmp_path), encryption_keys=key)
    assert key not in repr(settings)
