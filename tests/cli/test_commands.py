"""The commands as an admin runs them: from any folder, on the same data dir (which each names),
with one-line answers for a busy port, an unreachable portal and an unknown event."""

from __future__ import annotations

import io
import socket
import time
from pathlib import Path

import pytest

from b24app.cli import reach
from b24app.cli.main import main
from b24app.cli.progress import progress_for
from b24app.cli.startup import CommandError
from b24app.config.regulation import load_app_config
from b24app.config.settings import load_settings
from b24app.services import Services

REGULATION = """
[[clients]]
name = "ООО Сохранённая"
group_ids = [11]
package = "standard"
start = 2026-01-01
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No B24APP_DATA_DIR: the per-user default, under this test's XDG_DATA_HOME."""
    for name in ("B24APP_DATA_DIR", "B24APP_CONFIG", "B24APP_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("B24_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/rest/1/secret/")
    monkeypatch.setenv("B24_APPLICATION_TOKEN", "token")
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / "first")
    return tmp_path / "xdg" / "b24app"


def install_webhook_portal(env: dict[str, str] | None = None) -> None:
    """What the first event of a webhook portal leaves: the portal row."""
    import os

    services = Services(load_settings(env or dict(os.environ)), load_app_config(None))
    services.ensure_webhook_portal("member", "portal.example")
    services.close()


def test_the_same_data_dir_from_any_folder(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert (home / "b24app.sqlite3").is_file()
    assert not (tmp_path / "first" / ".b24app").exists()
    monkeypatch.chdir(tmp_path / "second")
    capsys.readouterr()
    assert main(["events", "list"]) == 0
    err = capsys.readouterr().err
    assert f"data dir {home} (set B24APP_DATA_DIR to change)" in err
    assert f"database sqlite:///{home}/b24app.sqlite3" in err


def test_reading_commands_refuse_a_missing_database(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "first" / ".b24app"
    old.mkdir()
    (old / "b24app.sqlite3").write_bytes(b"")  # the data dir an older version made here
    for command in (["sla"], ["events", "list"], ["report"], ["sync-time"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert f"no database at {home}/b24app.sqlite3" in err
        assert f"B24APP_DATA_DIR={old}" in err
    assert not home.exists()  # nothing created by a command that only reads


def test_report_reads_the_clients_saved_from_the_settings_page(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_webhook_portal()
    (home / "regulation.toml").write_text(REGULATION, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "second")
    capsys.readouterr()
    command = ["report", "--month", "2026-11", "--format", "csv", "--table", "summary"]
    assert main(command) == 0
    assert "ООО Сохранённая;Стандарт;10,00" in capsys.readouterr().out


def test_a_busy_port_is_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"b24app: cannot listen on 127.0.0.1:{port}: Address already in use;" in err
    assert "Traceback" not in err


def test_an_unreachable_portal_is_said_at_once(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_webhook_portal()
    started = time.monotonic()
    assert main(["sync-time", "--month", "2026-11"]) == 2
    assert time.monotonic() - started < reach.CONNECT_TIMEOUT_SECONDS
    err = capsys.readouterr().err
    assert "connecting to the portal 127.0.0.1:" in err
    assert "giving up after 5 s" in err
    assert "cannot be reached (Connection refused" in err
    assert "secret" not in err


def test_a_portal_that_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def silent(address: tuple[str, int], timeout: float) -> socket.socket:
        raise TimeoutError

    monkeypatch.setattr(socket, "create_connection", silent)
    with pytest.raises(CommandError, match=r"acme.bitrix24.ru:443 cannot be reached \(no answer"):
        reach.check_reachable("https://acme.bitrix24.ru/rest/1/secret/", timeout=0.1)


def test_retry_of_an_unknown_event(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install_webhook_portal()
    assert main(["events", "retry", "99999"]) == 1
    captured = capsys.readouterr()
    assert "b24app: event #99999: no such event in the inbox" in captured.err
    assert "queued" not in captured.out
    assert main(["events", "retry"]) == 0
    assert "0 failed events queued again" in capsys.readouterr().out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal() -> None:
    terminal, log_file = Terminal(), io.StringIO()
    with progress_for(3, "tasks", terminal) as advance:
        advance(2)
    with progress_for(3, "tasks", log_file) as advance:
        advance(2)
    assert "2/3" in terminal.getvalue()
    assert log_file.getvalue() == ""
