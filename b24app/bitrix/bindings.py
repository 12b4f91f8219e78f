"""Event and placement bindings as Bitrix24 lists and makes them: event.get read, and the
event.bind / event.unbind / placement.bind commands that bring a portal to the manifest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from b24app.bitrix.client import BatchResult
from b24app.bitrix.manifest import Manifest

Commands = dict[str, tuple[str, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Bindings:
    """What event.get said: online (event, handler) pairs and each offline event's connectors.

    An offline binding comes back as `{event, connector_id, offline: 1}` with no handler
    (core: modules/rest/lib/api/event.php Event::eventGet)."""

    online: frozenset[tuple[str, str]]
    offline: dict[str, frozenset[str]]


def read_bindings(rows: Any, connector_asked: str = "") -> Bindings:
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


def offline_commands(events: tuple[str, ...], bindings: Bindings, connector: str) -> Commands:
    """Offline binds for the events that have no handler with `connector`; the connector
    itself goes at the top level of the batch (a command's own is ignored: core
    CRestProvider::methodsBatch)."""
    return {
        f"off_{name}": ("event.bind", {"event": name, "event_type": "offline"})
        for name in events
        if connector not in bindings.offline.get(name, frozenset())
    }


def unbind_commands(bindings: Bindings, connector: str) -> Commands:
    """event.unbind of the offline handlers with `connector` (taken from the request's top
    level, '' when absent: core Event::eventUnbind)."""
    return {
        f"un_{name}": ("event.unbind", {"event": name, "event_type": "offline"})
        for name, connectors in bindings.offline.items()
        if connector in connectors
    }


def online_commands(
    manifest: Manifest, public_url: str, bindings: Bindings, current: BatchResult
) -> Commands:
    handler = public_url.rstrip("/") + manifest.event_handler_path
    commands: Commands = {
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
