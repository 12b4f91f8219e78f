"""`b24app check`: it prints (masked) the endpoint it really calls, and says what the app is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from b24app.cli.check import describe_app
from b24app.cli.main import main
from b24demo.stack import LocalStack
from b24sandbox.portal import SandboxPortal


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    with SandboxPortal(rate_limit=None) as running:
        yield running


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_webhook_check_prints_the_url_it_calls_masked_after_a_change(
    portal: SandboxPortal, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = portal.webhook_url(1)
    env.setenv("B24_WEBHOOK_URL", first)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    secret = first.rstrip("/").rsplit("/", 1)[1]
    assert f"{portal.url}/rest/1/***/ (B24_WEBHOOK_URL)" in out
    assert "acting user: #1" in out
    assert "app: none: an incoming webhook has no application" in out
    other = portal.add_user("Мария", "Соколова", departments=[1])
    second = portal.webhook_url(other)
    env.setenv("B24_WEBHOOK_URL", second)  # the stored portal row still names the first
    assert main(["check"]) == 0
    out2 = capsys.readouterr().out
    assert f"/rest/{other}/***/" in out2
    assert f"acting user: #{other}" in out2
    assert "/rest/1/" not in out2
    everything = out + out2 + capsys.readouterr().err
    assert secret not in everything
    assert second.rstrip("/").rsplit("/", 1)[1] not in everything
    assert "None" not in everything


def test_a_failing_webhook_is_reported_without_its_secret(
    portal: SandboxPortal, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = f"{portal.url}/rest/1/not-the-real-secret-0000/"
    env.setenv("B24_WEBHOOK_URL", wrong)
    env.setenv("B24APP_REQUESTS_PER_SECOND", "100")
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out
    assert "not-the-real-secret-0000" not in captured.out + captured.err


def test_local_app_check_says_installed(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalStack(tmp_path / "data", rate_limit=None) as stack:
        stack.install()
        settings = stack.settings
        env.setenv("B24_CLIENT_ID", settings.client_id)
        env.setenv("B24_CLIENT_SECRET", settings.client_secret)
        env.setenv("B24_OAUTH_URL", settings.oauth_url)
        assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "app: installed (version" in out
    assert "None" not in out
    assert "tokens at rest: encrypted (key file" in out
    assert "in production set B24APP_ENCRYPTION_KEYS" in out
    assert "/api/*: closed (no B24APP_API_TOKEN)" in out
    assert f"portal {stack.portal.domain}: ok" in out


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        pytest.param({"INSTALLED": True, "VERSION": 1, "STATUS": "L"}, "installed", id="yes"),
        pytest.param({"INSTALLED": False, "VERSION": 1}, "NOT finished", id="not-finished"),
        pytest.param({"SCOPE": ["task"], "LICENSE": "ru_pro"}, "none: an incoming", id="webhook"),
        pytest.param(None, "none: an incoming", id="nothing"),
    ],
)
def test_app_info_in_words(app: Any, expected: str) -> None:
    words = describe_app(app)
    assert words.startswith(expected)
    assert "None" not in words
