"""The portal's offline event queue (docs: api-reference/events/offline-events.md).

Every call carries the queue's `auth_connector` at the top level of the request: the core reads
it only there (core: modules/rest/lib/oauth/auth.php; modules/rest/lib/api/event.php reads it
from the request's auth data), and the queue of a connector is seen only with that connector.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.events import EventSource, InboxEvent, dedup_key

log = logging.getLogger(__name__)

PAGE = 50
MAX_LIST_PAGES = 20


@dataclass(frozen=True, slots=True)
class OfflineBatch:
    """Records read from the queue; `process_id` is set when they are reserved (clear=0)."""

    process_id: str
    events: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class OfflineEvent:
    """A queue record normalised for the inbox, with when its change happened."""

    event: InboxEvent
    is_comment: bool
    changed_at: datetime | None  # TIMESTAMP_X; None when unreadable


def normalise(member_id: str, record: dict[str, Any]) -> OfflineEvent | None:
    """An offline record (EVENT_NAME, EVENT_DATA, TIMESTAMP_X, ID) as an inbox event; None (and
    a warning) when it names no task."""
    name = str(record.get("EVENT_NAME") or "").upper()
    raw_data = record.get("EVENT_DATA")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    after = _fields(data, "FIELDS_AFTER")
    before = _fields(data, "FIELDS_BEFORE")
    is_comment = "COMMENT" in name
    # a comment event's ID is the comment's (0 on the chat card); its task is TASK_ID (docs:
    # api-reference/tasks/comment-item/events-comment/on-task-comment-add.md)
    id_key = "TASK_ID" if is_comment else "ID"
    task_id = _int(after.get(id_key)) or _int(before.get(id_key))
    if not name or not task_id:
        log.warning("offline event %s without a task id skipped", record.get("ID"))
        return None
    comment_id = _int(after.get("ID")) if is_comment else 0
    message_id = _int(after.get("MESSAGE_ID"))
    stamp = f"offline:{record.get('TIMESTAMP_X')}:{record.get('ID')}"
    event = InboxEvent(
        member_id=member_id,
        name=name,
        task_id=task_id,
        dedup_key=dedup_key(member_id, name, task_id, comment_id, message_id, 0, stamp),
        comment_id=comment_id,
        message_id=message_id,
        source=EventSource.OFFLINE,
    )
    return OfflineEvent(event, is_comment, _time(record.get("TIMESTAMP_X")))


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


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _fields(data: dict[str, Any], side: str) -> dict[str, Any]:
    value = data.get(side)
    return value if isinstance(value, dict) else {}


def _time(stamp: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
