"""Install, update and uninstall of the local application on a portal."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b24app.bitrix import BatchResult, LicenseRefusedError
from b24app.events import Event, tokens_match
from b24app.features import (
    AUTH_CONNECTOR,
    FEATURE_CODES,
    PortalFeatures,
    feature_commands,
    features_from,
)
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


LEGACY_CONNECTORS_KEY = "offline_legacy_connectors"


@dataclass(frozen=True, slots=True)
class Bindings:
    """What event.get said: online (event, handler) pairs and each offline event's connectors.

    An offline binding comes back as `{event, connector_id, offline: 1}` with no handler
    (core: modules/rest/lib/api/event.php Event::eventGet)."""

    online: frozenset[tuple[str, str]]
    offline: dict[str, frozenset[str]]


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
    bindings = _bindings(current.results.get("events"), connector)
    offline = _offline_commands(manifest.offline_events, bindings, connector)
    plain = _online_commands(manifest, public_url, bindings, current) if online else {}
    stale = {c for cs in bindings.offline.values() for c in cs if c != connector}
    errors = 0
    if connector:
        # bound before the old handlers go, so no change falls between the two
        errors += _run(services, portal, offline, connector)
    else:
        plain.update(offline)
    if "" in stale:
        plain.update(_unbind_commands(bindings, ""))
    errors += _run(services, portal, plain, "")
    if services.connector_for(portal) != connector:
        return {"bound": 0, "already": 0, "errors": errors}  # refused: planned again
    removed = stale & {""}
    for old in sorted(stale - {""}):
        if not connector:  # the plan refuses connectors: those handlers stay until an update
            log.warning("offline handlers with connector %r cannot be removed on this plan", old)
            continue
        errors += _run(services, portal, _unbind_commands(bindings, old), old)
        removed.add(old)
    _remember_legacy(services, portal.member_id, removed)
    bound = len(offline) + sum(1 for k in plain if not k.startswith("un_"))
    return {"bound": bound - errors, "already": len(bindings.online), "errors": errors}


def _bindings(rows: Any, connector_asked: str = "") -> Bindings:
    online: set[tuple[str, str]] = set()
    offline: dict[str, set[str]] = {}
    for row in rows or []:
        if not isinstance(row, dict):
            continue
        event = str(row.get("event", "")).upper()
        if int(row.get("offline") or 0):
            # a portal that does not say the connector (the docs show no offline row) is taken
            # to have the one asked for: nothing is re-bound or removed on a guess
            connector = row.get("connector_id", connector_asked)
            offline.setdefault(event, set()).add(str(connector or ""))
        else:
            online.add((event, str(row.get("handler", ""))))
    return Bindings(frozenset(online), {e: frozenset(c) for e, c in offline.items()})


def _offline_commands(
    events: tuple[str, ...], bindings: Bindings, connector: str
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Offline binds for the events that have no handler with `connector`; the connector
    itself goes at the top level of the batch (a command's own is ignored: core
    CRestProvider::methodsBatch)."""
    return {
        f"off_{name}": ("event.bind", {"event": name, "event_type": "offline"})
        for name in events
        if connector not in bindings.offline.get(name, frozenset())
    }


def _unbind_commands(bindings: Bindings, connector: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """event.unbind of the offline handlers with `connector` (taken from the request's top
    level, '' when absent: core Event::eventUnbind)."""
    return {
        f"un_{name}": ("event.unbind", {"event": name, "event_type": "offline"})
        for name, connectors in bindings.offline.items()
        if connector in connectors
    }


def _online_commands(
    manifest: Any, public_url: str, bindings: Bindings, current: BatchResult
) -> dict[str, tuple[str, dict[str, Any]]]:
    handler = public_url.rstrip("/") + manifest.event_handler_path
    commands: dict[str, tuple[str, dict[str, Any]]] = {
        f"on_{name}": ("event.bind", {"event": name, "handler": handler})
        for name in manifest.events
        if (name, handler) not in bindings.online
    }
    placements = {
        str(p.get("placement", "")).upper()
        for p in current.results.get("placements") or []
        if isinstance(p, dict)
    }
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


def _run(
    services: Services,
    portal: Portal,
    commands: dict[str, tuple[str, dict[str, Any]]],
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


def uninstall(services: Services, event: Event) -> bool:
    """ONAPPUNINSTALL: verified by application_token alone (no usable tokens remain)."""
    portal = services.portals.get(event.member_id)
    if portal is None or not tokens_match(event.application_token, portal.application_token):
        return False
    services.portals.mark_uninstalled(portal.member_id)
    log.info("uninstalled from %s (member %s)", portal.domain, portal.member_id)
    return True


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """`b24app check`: the app, the acting user, the plan's features and the offline handlers."""

    app: dict[str, Any]
    profile: dict[str, Any]
    features: PortalFeatures
    offline: dict[str, frozenset[str]]  # event → connectors of its offline handlers
    connector: str  # the connector the plan allows the app

    def offline_problems(self) -> list[str]:
        """Offline handlers that are missing or bound with another connector."""
        wanted = load_manifest().offline_events
        problems = [
            f"{name}: no offline handler with connector '{self.connector}'"
            for name in wanted
            if self.connector not in self.offline.get(name, frozenset())
        ]
        problems += [
            f"{name}: an offline handler with connector '{c}' (queue not read)"
            for name, connectors in sorted(self.offline.items())
            for c in sorted(connectors - {self.connector})
        ]
        return problems


def check_connection(services: Services, portal: Portal) -> ConnectionReport:
    """app.info, profile, feature.get and event.get, in one request."""
    client = services.client_for(portal)
    commands: dict[str, tuple[str, dict[str, Any]]] = {
        "app": ("app.info", {}),
        "profile": ("profile", {}),
    }
    if portal.mode == "app":
        commands.update({"events": ("event.get", {}), **feature_commands()})
    answer = client.batch(commands)
    for key in ("app", "profile"):
        if key in answer.errors:
            raise answer.errors[key]
    features = features_from(answer, services.clock(), {c: c for c in FEATURE_CODES})
    if portal.mode == "app":
        services.features.save(portal.member_id, features)
    app, profile = answer.results.get("app"), answer.results.get("profile")
    connector = services.connector_for(portal)
    return ConnectionReport(
        app=app if isinstance(app, dict) else {},
        profile=profile if isinstance(profile, dict) else {},
        features=features,
        offline=_bindings(answer.results.get("events"), connector).offline,
        connector=connector,
    )
