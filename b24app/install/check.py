"""`b24app check`: the app, the acting user, the plan's features and the offline handlers, asked
of the portal in one request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from b24app.bitrix.bindings import read_bindings
from b24app.bitrix.features import FEATURE_CODES, PortalFeatures, feature_commands, features_from
from b24app.bitrix.manifest import load_manifest
from b24app.services import Services
from b24app.storage.portals import Portal


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
        offline=read_bindings(answer.results.get("events"), connector).offline,
        connector=connector,
    )
