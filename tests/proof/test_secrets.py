"""Everything the app printed and logged during an install, token refreshes, failures (an
unreachable OAuth server, a refused refresh token, a wrong webhook) and `b24app check`, read
as one text: no token, client secret, webhook secret or key appears in it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from b24app.bitrix.oauth import OAuthServer
from b24app.cli.main import main
from b24app.cli.startup import configure_logging, known_secrets
from b24demo.stack import LocalStack, free_port
from tests.e2e.conftest import GOOD_TEXT, GOOD_TITLE, people
from tests.waiting import wait_until


def test_nothing_printed_or_logged_holds_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    logged = io.StringIO()
    data = tmp_path / "data"
    with LocalStack(data, rate_limit=None, settings={"log_level": "DEBUG"}) as stack:
        configure_logging("DEBUG", known_secrets(stack.settings), stream=logged)
        portal = stack.portal
        stack.install()  # install: tokens verified with the OAuth server and stored
        integrator, client = people(portal)
        portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
        stack.settle()
        portal.expire_tokens()  # a refresh
        portal.create_task(client, GOOD_TITLE + " 2", GOOD_TEXT, responsible_id=integrator)
        stack.settle()
        # failure: the refresh cannot reach the OAuth server (requests names the URL, whose
        # query string carries the client secret and the refresh token)
        real_oauth = stack.services.oauth
        stack.services.oauth = OAuthServer(
            f"http://127.0.0.1:{free_port()}/oauth/token/",
            real_oauth.client_id,
            portal.client_secret,
        )
        portal.expire_tokens()
        portal.create_task(client, GOOD_TITLE + " 3", GOOD_TEXT, responsible_id=integrator)
        wait_until(lambda: "OAUTH_UNAVAILABLE" in logged.getvalue(), timeout=30)
        stack.services.oauth = real_oauth
        # the event is kept (pending, not failed) with a 5 s back-off: run it now, as after a
        # reinstall, instead of waiting the back-off out
        assert stack.services.inbox.resume_portal(stack.member_id) == 1
        stack.settle(timeout=60)
        portal.revoke_refresh_tokens()  # failure: the refresh token is refused
        portal.expire_tokens()
        portal.create_task(client, GOOD_TITLE + " 4", GOOD_TEXT, responsible_id=integrator)
        wait_until(
            lambda: stack.services.portals.installed()[0].status == "needs_reinstall", timeout=30
        )
        stack.install()  # reinstall
        stack.settle(timeout=60)
        stored = stack.services.portals.get(stack.member_id)
        assert stored is not None
        with portal.core.lock:
            secrets = {
                portal.client_secret,
                portal.application_token,
                stored.access_token,
                stored.refresh_token,
                *portal.core.state.access_tokens,
                *portal.core.state.refresh_tokens,
            }
        settings = stack.settings
        for name, value in {
            "B24APP_DATA_DIR": str(data),
            "B24_CLIENT_ID": settings.client_id,
            "B24_CLIENT_SECRET": settings.client_secret,
            "B24_OAUTH_URL": settings.oauth_url,
            "B24APP_API_TOKEN": settings.api_token,
            "B24APP_LOG_LEVEL": "DEBUG",
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["check"]) == 0
        assert main(["events", "list"]) == 0
        webhook = portal.webhook_url(1)
        monkeypatch.setenv("B24_WEBHOOK_URL", webhook)
        monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path / "webhook"))
        assert main(["check"]) == 0
        bad_webhook = webhook.replace("/rest/1/", "/rest/1/x")
        monkeypatch.setenv("B24_WEBHOOK_URL", bad_webhook)
        monkeypatch.setenv("B24APP_DATA_DIR", str(tmp_path / "webhook-bad"))
        assert main(["check"]) == 1
    printed = capsys.readouterr()
    text = logged.getvalue() + printed.out + printed.err
    # the scenario happened: an install, refreshes, the failures and the check runs
    assert "installed on" in text
    assert "OAUTH_UNAVAILABLE" in text
    assert "access token refreshed" in text
    assert "refresh refused" in text
    assert "FAILED" in printed.out
    assert "app: installed" in printed.out
    assert stack.services.stats.refreshes >= 2
    secrets |= {
        webhook.rstrip("/").rsplit("/", 1)[1],
        bad_webhook.rstrip("/").rsplit("/", 1)[1],
        settings.api_token,
        (data / "encryption.key").read_text().strip(),
    }
    leaked = sorted(s for s in secrets if s and len(s) >= 8 and s in text)
    assert leaked == []
