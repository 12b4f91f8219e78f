"""fast-bitrix24 1.8.14 against the sandbox (LIBRARIES.md; bitrix24-rest.md §9, §10)."""

from __future__ import annotations

import logging

import pytest
import requests
from fast_bitrix24 import Bitrix

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App


@pytest.fixture(autouse=True)
def _quiet_fast_bitrix() -> None:
    logging.getLogger("fast_bitrix").setLevel(logging.WARNING)


def _client(url: str, **kwargs: object) -> Bitrix:
    # respect_velocity_policy must stay on: with it off, fast-bitrix24 1.8.14 raises KeyError
    # on any answer carrying `time.operating` (its per-method throttlers are never created).
    return Bitrix(url, verbose=False, ssl=False, **kwargs)


def test_call_goes_through_batch(portal: SandboxPortal) -> None:
    """LIBRARIES.md: call() always uses `batch` with `cmd[key]="method?query"` (PHP
    http_build_query); a one-key result is unwrapped."""
    task_id = portal.create_task(1, "Задача", "[B]x[/B]", responsible_id=1)
    task = _client(portal.webhook_url(1)).call(
        "tasks.task.get", {"taskId": task_id, "select": ["ID", "TITLE", "DESCRIPTION"]}
    )
    assert task == {"id": str(task_id), "title": "Задача", "description": "[B]x[/B]"}
    assert portal.requests[-1].rest_method == "batch"
    assert portal.requests[-1].sub_methods == ["tasks.task.get"]


def test_get_all_pages_through_120_tasks(portal: SandboxPortal) -> None:
    """§10: get_all reads page 1 directly, sees total=120 and fetches start=50,100 in a batch."""
    for i in range(120):
        portal.create_task(1, f"T{i}", responsible_id=1)
    tasks = _client(portal.webhook_url(1)).get_all("tasks.task.list", {"select": ["ID"]})
    assert sorted(int(t["id"]) for t in tasks) == list(range(1, 121))


def test_batch_errors_surface_as_exceptions(portal: SandboxPortal) -> None:
    """§9: a failing sub-call is result_error with HTTP 200; fast-bitrix24 raises for it."""
    with pytest.raises(Exception, match="1048582"):
        _client(portal.webhook_url(1)).call("tasks.task.pause", {"taskId": 999})


def test_oauth_token_func_refreshes_on_expired_token(app: App) -> None:
    """§2: on 401 expired_token fast-bitrix24 calls token_func again; we refresh there."""
    portal = app.portal
    calls: list[str] = []

    async def token() -> str:
        if calls:
            params = {
                "grant_type": "refresh_token",
                "client_id": portal.client_id,
                "client_secret": portal.client_secret,
                "refresh_token": app.refresh_token,
            }
            pair = requests.get(portal.oauth_token_url, params=params, timeout=5).json()
            app.access_token, app.refresh_token = pair["access_token"], pair["refresh_token"]
        calls.append(app.access_token)
        return app.access_token

    task_id = portal.create_task(1, "T", responsible_id=1)
    client = _client(portal.rest_url, token_func=token)
    params = {"taskId": task_id, "select": ["ID"]}
    assert client.call("tasks.task.get", params) == {"id": str(task_id)}
    portal.expire_tokens()
    assert client.call("tasks.task.get", params) == {"id": str(task_id)}
    assert len(calls) == 2
    assert [r.error for r in portal.requests_for("tasks.task.get")] == [None, "expired_token", None]
