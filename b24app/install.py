"""Install, update and uninstall of the local application on a portal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b24app.bitrix import BitrixClient, BitrixError
from b24app.events import Event, tokens_match
from b24app.manifest import load_manifest
from b24app.portals import OAuthError, Portal, TokenPair
from b24app.services import Services

log = logging.getLogger(__name__)


class InstallError(Exception):
    """The install request cannot be trusted or completed; the message says why."""


@dataclass(frozen=True, slots=True)
class InstallRequest:
    """Tokens and ids from ONAPPINSTALL (API-only app) or the install page POST (UI app)."""

    member_id: str
    domain: str
    access_token: str
    refresh_token: str
    application_token: str
    client_endpoint: str


def from_event(event: Event) -> InstallRequest:
    auth = event.auth
    return InstallRequest(
        member_id=auth.get("member_id", ""),
        domain=auth.get("domain", ""),
        access_token=auth.get("access_token", ""),
        refresh_token=auth.get("refresh_token", ""),
        application_token=auth.get("application_token", ""),
        client_endpoint=auth.get("client_endpoint", ""),
    )


def from_page(form: Mapping[str, str], query: Mapping[str, str]) -> InstallRequest:
    domain = query.get("DOMAIN", "") or form.get("DOMAIN", "")
    protocol = "https" if query.get("PROTOCOL", "1") == "1" else "http"
    return InstallRequest(
        member_id=form.get("member_id", ""),
        domain=domain,
        access_token=form.get("AUTH_ID", ""),
        refresh_token=form.get("REFRESH_ID", ""),
        application_token=form.get("APPLICATION_TOKEN", ""),
        client_endpoint=f"{protocol}://{domain}/rest/" if domain else "",
    )


def install(services: Services, request: InstallRequest, public_url: str) -> Portal:
    """Verify the tokens with the OAuth server, store the portal, (re)bind events and placements.

    The OAuth server is the configured one (never a URL from the request): a refresh with our
    client secret succeeds only for tokens Bitrix24 issued to this app, and its answer names the
    real member_id and REST endpoint. A forged install therefore cannot replace a portal's token.
    """
    if not (request.member_id and request.refresh_token and request.application_token):
        raise InstallError(
            "the install request lacks member_id, refresh token or application token"
        )
    if not services.settings.client_id or not services.settings.client_secret:
        raise InstallError("B24_CLIENT_ID and B24_CLIENT_SECRET must be set to install the app")
    try:
        pair = services.oauth.refresh(request.refresh_token, services.clock())
    except OAuthError as exc:
        raise InstallError(f"the OAuth server refused the install tokens: {exc}") from exc
    if pair.member_id and pair.member_id != request.member_id:
        raise InstallError("the tokens belong to another portal than the request says")
    portal = services.portals.save_install(**_portal_values(request, pair))
    bind(services, portal, public_url)
    resumed = services.inbox.resume_portal(portal.member_id)
    if resumed:
        log.info("%d events kept while the portal needed reinstalling are queued again", resumed)
    log.info("installed on %s (member %s)", portal.domain, portal.member_id)
    return portal


def _portal_values(request: InstallRequest, pair: TokenPair) -> dict[str, Any]:
    return {
        "member_id": request.member_id,
        "domain": request.domain,
        "client_endpoint": pair.client_endpoint or request.client_endpoint,
        "server_endpoint": pair.server_endpoint,
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_at": pair.expires_at,
        "application_token": request.application_token,
        "scope": pair.scope,
        "user_id": pair.user_id,
        "mode": "app",
    }


def bind(services: Services, portal: Portal, public_url: str) -> dict[str, int]:
    """Bind every manifest event (online + offline) and placement that is not bound yet.

    Bindings vanish when the app is updated, so every install and update calls this; it reads
    the current bindings first, so calling it again binds nothing twice (2 requests in all).
    """
    manifest = load_manifest()
    client = services.client_for(portal)
    handler = public_url.rstrip("/") + manifest.event_handler_path
    current = client.batch({"events": ("event.get", {}), "placements": ("placement.get", {})})
    bound = {
        (
            str(b.get("event", "")).upper(),
            str(b.get("handler", "")),
            bool(int(b.get("offline") or 0)),
        )
        for b in current.results.get("events") or []
        if isinstance(b, dict)
    }
    placements = {
        str(p.get("placement", "")).upper()
        for p in current.results.get("placements") or []
        if isinstance(p, dict)
    }
    commands = _bind_commands(manifest, handler, public_url, bound, placements, services)
    result = client.batch(commands) if commands else None
    errors = {k: str(e) for k, e in (result.errors.items() if result else [])}
    for key, error in errors.items():
        log.warning("binding %s failed: %s", key, error)
    return {"bound": len(commands) - len(errors), "already": len(bound), "errors": len(errors)}


def _bind_commands(
    manifest: Any,
    handler: str,
    public_url: str,
    bound: set[tuple[str, str, bool]],
    placements: set[str],
    services: Services,
) -> dict[str, tuple[str, dict[str, Any]]]:
    commands: dict[str, tuple[str, dict[str, Any]]] = {}
    for name in manifest.events:
        if (name, handler, False) not in bound:
            commands[f"on_{name}"] = ("event.bind", {"event": name, "handler": handler})
    for name in manifest.offline_events:
        if not any(b[0] == name and b[2] for b in bound):
            commands[f"off_{name}"] = (
                "event.bind",
                {
                    "event": name,
                    "event_type": "offline",
                    "auth_connector": services.settings.auth_connector,
                },
            )
    for placement in manifest.placements:
        if placement["placement"].upper() not in placements:
            commands[f"pl_{placement['placement']}"] = (
                "placement.bind",
                {
                    "PLACEMENT": placement["placement"],
                    "HANDLER": public_url.rstrip("/") + placement["handler_path"],
                    "TITLE": placement.get("title", manifest.name),
                },
            )
    return commands


def uninstall(services: Services, event: Event) -> bool:
    """ONAPPUNINSTALL: verified by application_token alone (no usable tokens remain)."""
    portal = services.portals.get(event.member_id)
    if portal is None or not tokens_match(event.application_token, portal.application_token):
        return False
    services.portals.mark_uninstalled(portal.member_id)
    log.info("uninstalled from %s (member %s)", portal.domain, portal.member_id)
    return True


def check_connection(client: BitrixClient) -> dict[str, Any]:
    """`b24app check`: app.info and profile, in one request."""
    answer = client.batch({"app": ("app.info", {}), "profile": ("profile", {})})
    if answer.errors:
        first = next(iter(answer.errors.values()))
        raise BitrixError(first.code, first.description, method=first.method)
    return {"app": answer.results.get("app"), "profile": answer.results.get("profile")}
