"""The portal's offline event queue (docs: api-reference/events/offline-events.md).

Every call carries the queue's `auth_connector` at the top level of the request: the core reads
it only there (core: modules/rest/lib/oauth/auth.php; modules/rest/lib/api/event.php reads it
from the request's auth data), and the queue of a connector is seen only with that connector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from b24app.bitrix.client import BitrixClient

PAGE = 50
MAX_LIST_PAGES = 20


@dataclass(frozen=True, slots=True)
class OfflineBatch:
    """Records read from the queue; `process_id` is set when they are reserved (clear=0)."""

    process_id: str
    events: list[dict[str, Any]]


def reserve(client: BitrixClient, connector: str, process_id: str = "") -> OfflineBatch:
    """event.offline.get with clear=0: records stay reserved until `confirm` (needs the plan
    feature rest_offline_extended). With a process_id, the records of that reservation."""
    params: dict[str, Any] = {"clear": 0, "limit": PAGE}
    if process_id:
        params["process_id"] = process_id
    return _batch(client.call("event.offline.get", params, connector=connector))


def take(client: BitrixClient, connector: str) -> OfflineBatch:
    """event.offline.get with clear=1 (the default): the records are deleted as they are read."""
    return _batch(client.call("event.offline.get", {"limit": PAGE}, connector=connector))


def confirm(client: BitrixClient, process_id: str, connector: str) -> None:
    """event.offline.clear: the reserved records were stored; delete them from the queue."""
    client.call("event.offline.clear", {"process_id": process_id}, connector=connector)


def reserved_process_ids(client: BitrixClient, connector: str) -> list[str]:
    """Reservations whose answer never arrived (a timeout mid-flight) are still in the queue
    under their process_id (docs: event-offline-list.md lists PROCESS_ID); the app is the only
    reader of its queue, so every one of them is its own."""
    found: list[str] = []
    start = 0
    for _ in range(MAX_LIST_PAGES):
        answer = client.call("event.offline.list", {"start": start}, connector=connector)
        rows = answer if isinstance(answer, list) else []
        for row in rows:
            process_id = str(row.get("PROCESS_ID") or "") if isinstance(row, dict) else ""
            if process_id and process_id not in found:
                found.append(process_id)
        if len(rows) < PAGE:
            break
        start += PAGE
    return found


def _batch(result: Any) -> OfflineBatch:
    result = result if isinstance(result, dict) else {}
    events = [e for e in result.get("events") or [] if isinstance(e, dict)]
    return OfflineBatch(str(result.get("process_id") or ""), events)
