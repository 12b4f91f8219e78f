"""Bind the manifest's events (online and offline) and placements on a portal, with the
connector its plan allows; remember the connectors of removed offline handlers."""

from __future__ import annotations

import json
import logging

from b24app.bitrix.bindings import (
    Commands,
    offline_commands,
    online_commands,
    read_bindings,
    unbind_commands,
)
from b24app.bitrix.errors import LicenseRefusedError
from b24app.bitrix.features import AUTH_CONNECTOR, FEATURE_CODES, feature_commands, features_from
from b24app.bitrix.manifest import load_manifest
from b24app.services import Services
from b24app.storage.portals import Portal

log = logging.getLogger(__name__)

LEGACY_CONNECTORS_KEY = "offline_legacy_connectors"


def bind(
    services: Services, portal: Portal, public_url: str, *, online: bool = True
) -> dict[str, int]:
    """Bind every manifest event (online + offline) and placement that is not bound yet, and
    move offline handlers to the connector the portal's plan allows.

    Bindings vanish when the app is updated, so every install and update calls this; the
    offline part also runs at start and daily (`online=False`), which is how a portal left
    with connector-less offline handlers by an older version gets connector ones. It reads
    the current bindings and the plan's features first, so a second call binds nothing.
    """
    report: dict[str, int] = {}
    for _ in range(2):  # a plan that refuses the connector mid-way is planned again without it
        connector = services.connector_for(portal)
        report = _bind_once(services, portal, public_url, online=online)
        if services.connector_for(portal) == connector:
            break
    return report


def _bind_once(
    services: Services, portal: Portal, public_url: str, *, online: bool
) -> dict[str, int]:
    manifest = load_manifest()
    client = services.client_for(portal)
    current = client.batch(
        {"events": ("event.get", {}), "placements": ("placement.get", {}), **feature_commands()}
    )
    if "events" in current.errors:
        raise current.errors["events"]
    services.features.save(
        portal.member_id,
        features_from(current, services.clock(), {code: code for code in FEATURE_CODES}),
    )
    connector = services.connector_for(portal)
    bindings = read_bindings(current.results.get("events"), connector)
    offline = offline_commands(manifest.offline_events, bindings, connector)
    plain = online_commands(manifest, public_url, bindings, current) if online else {}
    stale = {c for cs in bindings.offline.values() for c in cs if c != connector}
    errors = 0
    if connector:
        # bound before the old handlers go, so no change falls between the two
        errors += _run(services, portal, offline, connector)
    else:
        plain.update(offline)
    if "" in stale:
        plain.update(unbind_commands(bindings, ""))
    errors += _run(services, portal, plain, "")
    if services.connector_for(portal) != connector:
        return {"bound": 0, "already": 0, "errors": errors}  # refused: planned again
    removed = stale & {""}
    for old in sorted(stale - {""}):
        if not connector:  # the plan refuses connectors: those handlers stay until an update
            log.warning("offline handlers with connector %r cannot be removed on this plan", old)
            continue
        errors += _run(services, portal, unbind_commands(bindings, old), old)
        removed.add(old)
    _remember_legacy(services, portal.member_id, removed)
    bound = len(offline) + sum(1 for k in plain if not k.startswith("un_"))
    return {"bound": bound - errors, "already": len(bindings.online), "errors": errors}


def _run(
    services: Services,
    portal: Portal,
    commands: Commands,
    connector: str,
) -> int:
    """One batch of binds/unbinds; returns how many failed. A plan that refuses the connector
    is remembered (the caller plans again without it)."""
    if not commands:
        return 0
    try:
        result = services.client_for(portal).batch(commands, connector=connector)
    except LicenseRefusedError as exc:
        services.features.mark_missing(portal.member_id, exc.feature or AUTH_CONNECTOR)
        return len(commands)
    for key, error in result.errors.items():
        log.warning("binding %s failed: %s", key, error)
    return len(result.errors)


def _remember_legacy(services: Services, member_id: str, connectors: set[str]) -> None:
    """Records queued for a removed handler stay in the queue under its connector (the core
    deletes handlers, not records: modules/rest/lib/event.php EventTable); the catch-up reads
    them out before forgetting the connector."""
    if not connectors:
        return
    known = set(legacy_connectors(services, member_id)) | connectors
    services.db.set_value(member_id, LEGACY_CONNECTORS_KEY, json.dumps(sorted(known)))


def legacy_connectors(services: Services, member_id: str) -> list[str]:
    raw = services.db.get_value(member_id, LEGACY_CONNECTORS_KEY)
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(c) for c in value] if isinstance(value, list) else []


def forget_legacy(services: Services, member_id: str, connector: str) -> None:
    left = [c for c in legacy_connectors(services, member_id) if c != connector]
    services.db.set_value(member_id, LEGACY_CONNECTORS_KEY, json.dumps(left))
