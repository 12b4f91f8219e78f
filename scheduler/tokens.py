"""Keep idle portals' refresh tokens alive (they die after 180 days without a refresh)."""

from __future__ import annotations

import logging

from b24app.bitrix.errors import BitrixError
from b24app.services import Services
from b24app.storage.portals import PortalTokens

log = logging.getLogger(__name__)

REFRESH_IF_OLDER_THAN_SECONDS = 30 * 24 * 3600.0


def keep_tokens_alive(services: Services) -> int:
    """Refresh every app-mode portal whose tokens were last renewed over 30 days ago."""
    refreshed = 0
    now = services.clock()
    for portal in services.portals.installed():
        if portal.mode != "app" or portal.status != "installed":
            continue
        last = max(portal.refreshed_at, portal.installed_at)
        if now - last < REFRESH_IF_OLDER_THAN_SECONDS:
            continue
        tokens = PortalTokens(services.portals, services.oauth, portal.member_id)
        try:
            tokens.refresh(portal.access_token)
            refreshed += 1
        except BitrixError as exc:
            log.error("portal %s: keep-alive refresh failed: %s", portal.member_id, exc)
    return refreshed
