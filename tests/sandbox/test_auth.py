"""OAuth and webhook fidelity (bitrix24-rest.md §1.1, §2, §12)."""

from __future__ import annotations

import requests

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App


def _refresh(portal: SandboxPortal, refresh_token: str) -> requests.Response:
    params = {
        "grant_type": "refresh_token",
        "client_id": portal.client_id,
        "client_secret": portal.client_secret,
        "refresh_token": refresh_token,
    }
    return requests.get(portal.oauth_token_url, params=params, timeout=10)


def test_expired_token_then_refresh_rotates_both(app: App) -> None:
    """§2: access token lives token_ttl; expired → 401 expired_token; refresh returns a new
    pair (both rotate) in the §2 shape; the old refresh token → invalid_grant."""
    portal = app.portal
    assert app.call("user.current").status_code == 200
    portal.advance_time(3601)
    expired = app.call("user.current")
    assert expired.status_code == 401
    assert expired.json() == {
        "error": "expired_token",
        "error_description": "The access token provided has expired.",
    }
    fresh = _refresh(portal, app.refresh_token)
    assert fresh.status_code == 200
    pair = fresh.json()
    assert pair["access_token"] != app.access_token
    assert pair["refresh_token"] != app.refresh_token
    assert pair["expires_in"] == 3600
    assert pair["client_endpoint"] == portal.rest_url
    assert pair["member_id"] == portal.member_id
    assert pair["scope"] == "task,user_basic,department,sonet_group,im,placement"
    assert (pair["status"], pair["user_id"]) == ("L", 1)
    app.access_token = pair["access_token"]
    assert app.call("user.current").status_code == 200
    again = _refresh(portal, app.refresh_token)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_unknown_token_and_wrong_client(app: App) -> None:
    """§2/§12: an unknown token → 401 NO_AUTH_FOUND; bad client_secret → invalid_client."""
    app.access_token = "deadbeef"
    response = app.call("user.current")
    assert (response.status_code, response.json()["error"]) == (401, "NO_AUTH_FOUND")
    params = {
        "grant_type": "refresh_token",
        "client_id": app.portal.client_id,
        "client_secret": "nope",
        "refresh_token": app.refresh_token,
    }
    bad = requests.get(app.portal.oauth_token_url, params=params, timeout=10)
    assert bad.json()["error"] == "invalid_client"


def test_revoked_refresh_tokens_give_invalid_grant(app: App) -> None:
    """§2: invalid_grant means full re-auth/reinstall."""
    app.portal.revoke_refresh_tokens()
    assert _refresh(app.portal, app.refresh_token).json()["error"] == "invalid_grant"


def test_auth_in_query_string(app: App) -> None:
    """§0: `https://PORTAL/rest/METHOD?auth=ACCESS_TOKEN` works as well as a body `auth`."""
    url = f"{app.portal.rest_url}user.current.json?auth={app.access_token}"
    assert requests.get(url, timeout=10).json()["result"]["ID"] == "1"


def test_webhook_runs_as_its_user(portal: SandboxPortal) -> None:
    """§1.1: /rest/{USER_ID}/{SECRET}/{method}.json acts as the webhook owner; a wrong
    secret → 401 NO_AUTH_FOUND; params may come as query string or form."""
    user = portal.add_user("Анна", "Смирнова")
    hook = portal.webhook_url(user)
    assert requests.get(hook + "user.current.json", timeout=10).json()["result"]["ID"] == str(user)
    form = requests.post(hook + "user.get", data={"FILTER[ID][0]": str(user)}, timeout=10)
    assert form.json()["result"][0]["NAME"] == "Анна"
    wrong = requests.get(f"{portal.url}/rest/{user}/wrong/user.current.json", timeout=10)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "NO_AUTH_FOUND")


def test_event_methods_refuse_webhooks(portal: SandboxPortal) -> None:
    """§1.1/§3.1: event.* and placement.* need application auth → WRONG_AUTH_TYPE (the webhook
    has the placement scope, else insufficient_scope comes first)."""
    hook = portal.webhook_url(1, scopes=["task", "user_basic", "im", "placement"])
    for method in ("event.bind", "event.get", "placement.bind", "event.offline.get"):
        response = requests.post(hook + method, json={"event": "ONTASKADD"}, timeout=10)
        assert response.json()["error"] == "WRONG_AUTH_TYPE", method


def test_uninstall_revokes_tokens(app: App) -> None:
    """§3.3: after ONAPPUNINSTALL the API access is already revoked."""
    app.portal.uninstall_app()
    assert app.call("user.current").json()["error"] == "NO_AUTH_FOUND"
