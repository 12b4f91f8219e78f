"""Install, update and uninstall of the local application on a portal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b24app.bitrix.events import Event, tokens_match
from b24app.bitrix.oauth import OAuthError, TokenPair
from b24app.install.bindings import bind
from b24app.services import Services
from b24app.storage.portals import Portal

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


def uninstall(services: Services, event: Event) -> bool:
    """ONAPPUNINSTALL: verified by application_token alone (no usable tokens remain)."""
    portal = services.portals.get(event.member_id)
    if portal is None or not tokens_match(event.application_token, portal.application_token):
        return False
    services.portals.mark_uninstalled(portal.member_id)
    log.info("uninstalled from %s (member %s)", portal.domain, portal.member_id)
    return True
