"""Token refresh across instances on SQLite and PostgreSQL: one OAuth call, everyone gets it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from b24app.bitrix.oauth import OAuthServer
from b24app.storage.crypto import TokenCipher, generate_key
from b24app.storage.database import Database
from b24app.storage.portals import PortalStore, PortalTokens
from b24sandbox.portal import SandboxPortal

INSTANCES = 4
CIPHER = TokenCipher([generate_key().encode()], "test")  # every instance shares the key


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    with SandboxPortal(rate_limit=None) as running:
        with running.core.lock:
            running.core.state.install.installed = True
        yield running


def test_concurrent_refreshes_make_one_oauth_call(
    db: Database, db_url: str, portal: SandboxPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = portal.issue_token(1)
    PortalStore(db, CIPHER).save_install(
        member_id=portal.member_id,
        domain=portal.domain,
        client_endpoint=portal.rest_url,
        server_endpoint=portal.rest_url,
        access_token=old.token,
        refresh_token=old.refresh_token,
        expires_at=old.expires,
        application_token="app-token",
        scope="task",
        user_id=1,
        mode="app",
    )
    # Each thread stands for an instance: its own engine, and no shared in-process lock, so
    # only the database lease "refresh:<member_id>" can keep them apart.
    monkeypatch.setattr(PortalTokens, "_lock", lambda self: threading.Lock())
    engines = [Database(db_url) for _ in range(INSTANCES)]
    oauth = OAuthServer(portal.oauth_token_url, portal.client_id, portal.client_secret)
    got: list[str] = []
    start = threading.Barrier(INSTANCES)

    def refresh(engine: Database) -> None:
        tokens = PortalTokens(PortalStore(engine, CIPHER), oauth, portal.member_id)
        start.wait()
        got.append(tokens.refresh(old.token))

    threads = [threading.Thread(target=refresh, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    stored = PortalStore(db, CIPHER).get(portal.member_id)
    assert stored is not None
    assert portal.count("oauth.token") == 1
    assert got == [stored.access_token] * INSTANCES
    assert stored.refresh_token != old.refresh_token
    assert stored.status == "installed"
    portal.core.tokens.check(stored.access_token)  # the portal accepts it (raises if not)
