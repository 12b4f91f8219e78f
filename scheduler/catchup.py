"""Recover events Bitrix24 did not deliver: the offline queue (local app) or a sweep (webhook)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from b24app.events import dedup_key
from b24app.gateway import clear_offline, fetch_offline
from b24app.portals import Portal
from b24app.services import Services

log = logging.getLogger(__name__)

SWEEP_OVERLAP = timedelta(minutes=5)
MAX_OFFLINE_ROUNDS = 20


def catch_up(services: Services) -> int:
    """Run the right recovery for every installed portal; returns events queued."""
    queued = 0
    for portal in services.portals.installed():
        if portal.status != "installed":
            continue
        if portal.mode == "webhook":
            queued += sweep_changed_tasks(services, portal)
        else:
            queued += drain_offline_queue(services, portal)
    return queued


def drain_offline_queue(services: Services, portal: Portal) -> int:
    """event.offline.get(clear=0) → inbox (durably) → event.offline.clear(process_id).

    The process_id is saved before the rows are stored, so a crash in between re-fetches the
    same reserved records next time instead of losing them.
    """
    client = services.client_for(portal)
    connector = services.settings.auth_connector
    queued = 0
    for _ in range(MAX_OFFLINE_ROUNDS):
        pending = services.db.get_value(portal.member_id, "offline_process_id") or ""
        batch = fetch_offline(client, connector, pending)
        if batch.process_id:
            services.db.set_value(portal.member_id, "offline_process_id", batch.process_id)
        for record in batch.events:
            queued += _store_offline(services, portal.member_id, record)
        if batch.process_id and batch.events:
            clear_offline(client, batch.process_id, connector)
        services.db.set_value(portal.member_id, "offline_process_id", "")
        if len(batch.events) < 50:
            break
    if queued:
        log.info(
            "portal %s: %d missed events recovered from the offline queue", portal.member_id, queued
        )
    return queued


def _store_offline(services: Services, member_id: str, record: dict[str, Any]) -> int:
    name = str(record.get("EVENT_NAME") or "").upper()
    raw_data = record.get("EVENT_DATA")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    after = _fields(data, "FIELDS_AFTER")
    before = _fields(data, "FIELDS_BEFORE")
    is_comment = "COMMENT" in name
    raw_task = (after.get("TASK_ID") if is_comment else after.get("ID")) or before.get("ID") or 0
    task_id = _int(raw_task)
    if not name or not task_id:
        log.warning("offline event %s without a task id skipped", record.get("ID"))
        return 0
    if not is_comment and _seen_after(services, member_id, task_id, record.get("TIMESTAMP_X")):
        return 0  # an online event already made us read the task after this change
    comment_id = _int(after.get("ID")) if is_comment else 0
    message_id = _int(after.get("MESSAGE_ID"))
    stamp = f"offline:{record.get('TIMESTAMP_X')}:{record.get('ID')}"
    key = dedup_key(member_id, name, task_id, comment_id, message_id, 0, stamp)
    stored = services.inbox.put_raw(
        dedup_key=key, member_id=member_id, name=name, task_id=task_id, data=data, source="offline"
    )
    return int(stored)


def sweep_changed_tasks(services: Services, portal: Portal) -> int:
    """Webhook mode has no offline queue: re-read tasks changed since the last sweep."""
    gateway = services.gateway_for(portal.member_id)
    if gateway is None:
        return 0
    now = services.now()
    last = services.db.get_value(portal.member_id, "sweep_since")
    since = datetime.fromisoformat(last) if last else now - timedelta(hours=1)
    queued = 0
    for task_id, _changed in gateway.changed_task_ids(since - SWEEP_OVERLAP):
        queued += services.inbox.queue_task_update(portal.member_id, task_id, source="sweep")
    services.db.set_value(portal.member_id, "sweep_since", now.isoformat())
    return queued


def _seen_after(services: Services, member_id: str, task_id: int, stamp: Any) -> bool:
    """Online and offline events of one task change are deduplicated: the offline record is
    dropped when the task was read (processing an event of it) after the change happened."""
    try:
        changed = datetime.fromisoformat(str(stamp)).timestamp()
    except ValueError:
        return False
    last = services.inbox.last_processed_at(member_id, task_id)
    return last is not None and last >= changed


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _fields(data: dict[str, Any], side: str) -> dict[str, Any]:
    value = data.get(side)
    return value if isinstance(value, dict) else {}
