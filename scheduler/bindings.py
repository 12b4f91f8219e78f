"""Keep each portal's offline handlers on the connector its plan allows (at start, then daily).

Plans change and older versions of the app bound its offline handlers without a connector;
re-reading the plan's features and the bindings once a day (2–4 requests per portal) moves
them, and the catch-up reads out whatever the old handlers had queued.
"""

from __future__ import annotations

import logging

from b24app.bitrix.errors import BitrixError
from b24app.install.bindings import bind
from b24app.services import Services

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 24 * 3600


def refresh_bindings(services: Services) -> int:
    """Reconcile the offline bindings of every installed local-app portal; returns binds made."""
    bound = 0
    for portal in services.portals.installed():
        if portal.mode != "app" or portal.status != "installed":
            continue
        try:
            bound += bind(services, portal, services.settings.public_url, online=False)["bound"]
        except BitrixError as exc:
            log.warning("portal %s: bindings not checked: %s", portal.member_id, exc)
    return bound
