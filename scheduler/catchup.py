"""Recover events Bitrix24 did not deliver: the offline queue (local app) or a sweep (webhook)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from b24app.bitrix import offline
from b24app.bitrix.client import BitrixClient
from b24app.bitrix.errors import LicenseRefusedError, PortalUnavailableError
from b24app.bitrix.events import EventSource, task_update
from b24app.bitrix.features import OFFLINE_EXTENDED
from b24app.install.bindings import forget_legacy, legacy_connectors
from b24app.services import Services
from b24app.storage.portals import Portal

log = logging.getLogger(__name__)

SWEEP_OVERLAP = timedelta(minutes=5)
MAX_OFFLINE_ROUNDS = 20
DOUBT_KEY = "offline_read_in_doubt"


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
    """Read the app's offline queue into the inbox: first what is left under connectors the
    app no longer binds (an older version's), then the queue of the current connector.

    With the plan feature rest_offline_extended the records are reserved (clear=0), stored,
    then confirmed; without it they are taken (clear=1). A read whose answer may have been
    lost leaves a mark, and the next run recovers: the reservations through
    event.offline.list, the taken records through a sweep of the tasks changed since.
    """
    client = services.client_for(portal)
    queued = _recover_doubt(services, portal, client)
    for legacy in legacy_connectors(services, portal.member_id):
        if legacy and not services.features.get(portal.member_id).uses_connector:
            continue  # readable only with that connector, which the plan now refuses
        drained, empty = _drain(services, portal, client, legacy)
        queued += drained
        if empty:
            forget_legacy(services, portal.member_id, legacy)
    queued += _drain(services, portal, client, services.connector_for(portal))[0]
    if queued:
        log.info(
            "portal %s: %d missed events recovered from the offline queue", portal.member_id, queued
        )
    return queued


def _drain(
    services: Services, portal: Portal, client: BitrixClient, connector: str
) -> tuple[int, bool]:
    """Events queued from one connector's queue, and whether the queue was read to its end."""
    queued = 0
    for _ in range(MAX_OFFLINE_ROUNDS):
        records = _read_round(services, portal, client, connector)
        if records is None:
            return queued, False
        queued += records[0]
        if records[1] < offline.PAGE:
            return queued, True
    return queued, False


def _read_round(
    services: Services, portal: Portal, client: BitrixClient, connector: str
) -> tuple[int, int] | None:
    """One read of up to 50 records: (events queued, records read)."""
    features = services.features.get(portal.member_id)
    try:
        if features.reserves_offline:
            return _reserved_round(services, portal.member_id, client, connector)
        batch = offline.take(client, connector)
    except LicenseRefusedError as exc:
        # clear=0 or a connector the plan does not allow (core Event::eventOfflineGet,
        # CRestServer::checkAuth): remembered, and the next read uses the fallback
        services.features.mark_missing(portal.member_id, exc.feature or OFFLINE_EXTENDED)
        if exc.feature == OFFLINE_EXTENDED:
            return _read_round(services, portal, client, connector)
        return None
    except PortalUnavailableError:
        _note_doubt(services, portal.member_id, connector)
        raise
    return sum(_store_offline(services, portal.member_id, r) for r in batch.events), len(
        batch.events
    )


def _reserved_round(
    services: Services, member_id: str, client: BitrixClient, connector: str
) -> tuple[int, int]:
    """clear=0 → inbox (durably) → event.offline.clear(process_id). The process_id is saved
    before the rows are stored, so a crash in between re-fetches the same reserved records."""
    key = f"offline_process_id:{connector}"
    pending = services.db.get_value(member_id, key) or ""
    try:
        batch = offline.reserve(client, connector, pending)
    except PortalUnavailableError:
        _note_doubt(services, member_id, connector)
        raise
    if batch.process_id:
        services.db.set_value(member_id, key, batch.process_id)
    queued = sum(_store_offline(services, member_id, r) for r in batch.events)
    if batch.process_id and batch.events:
        offline.confirm(client, batch.process_id, connector)
    services.db.set_value(member_id, key, "")
    return queued, len(batch.events)


def _note_doubt(services: Services, member_id: str, connector: str) -> None:
    """A read got no answer: the portal may have reserved or deleted records meanwhile."""
    if not services.db.get_value(member_id, DOUBT_KEY):
        services.db.set_value(
            member_id, DOUBT_KEY, json.dumps({"since": services.now().isoformat(), "c": connector})
        )
    log.warning("portal %s: an offline queue read got no answer; recovering next run", member_id)


def _recover_doubt(services: Services, portal: Portal, client: BitrixClient) -> int:
    raw = services.db.get_value(portal.member_id, DOUBT_KEY)
    if not raw:
        return 0
    doubt = json.loads(raw)
    connector = str(doubt.get("c") or "")
    queued = 0
    if services.features.get(portal.member_id).reserves_offline:
        for process_id in offline.reserved_process_ids(client, connector):
            batch = offline.reserve(client, connector, process_id)
            queued += sum(_store_offline(services, portal.member_id, r) for r in batch.events)
            offline.confirm(client, process_id, connector)
    else:
        since = datetime.fromisoformat(str(doubt["since"]))
        queued += _sweep(services, portal, since)
    services.db.set_value(portal.member_id, DOUBT_KEY, "")
    if queued:
        log.info("portal %s: %d events recovered after a lost queue read", portal.member_id, queued)
    return queued


def _store_offline(services: Services, member_id: str, record: dict[str, Any]) -> int:
    found = offline.normalise(member_id, record)
    if found is None:
        return 0
    if not found.is_comment and _seen_after(
        services, member_id, found.event.task_id, found.changed_at
    ):
        return 0  # an online event already made us read the task after this change
    return int(services.inbox.put(found.event))


def sweep_changed_tasks(services: Services, portal: Portal) -> int:
    """Webhook mode has no offline queue: re-read tasks changed since the last sweep."""
    now = services.now()
    last = services.db.get_value(portal.member_id, "sweep_since")
    since = datetime.fromisoformat(last) if last else now - timedelta(hours=1)
    queued = _sweep(services, portal, since)
    services.db.set_value(portal.member_id, "sweep_since", now.isoformat())
    return queued


def _sweep(services: Services, portal: Portal, since: datetime) -> int:
    """Queue a re-read of every task changed since `since`, except where the app has seen the
    last change already: CHANGED_DATE not later than the portal's clock at the end of the app's
    own write to the task (TaskStore.own_changes), or than the end of the app's processing of
    an event of the task (the same test as for offline records, _seen_after). A change by
    anyone else after that is later, so it is read."""
    gateway = services.gateway_for(portal.member_id)
    if gateway is None:
        return 0
    changed = gateway.changed_task_ids(since - SWEEP_OVERLAP)
    ids = [task_id for task_id, _ in changed]
    own = services.task_store(portal.member_id).own_changes(ids)
    seen = services.inbox.last_processed(portal.member_id, ids)
    queued = skipped = 0
    for task_id, changed_date in changed:
        if _is_seen(changed_date, own.get(task_id), seen.get(task_id)):
            skipped += 1
            continue
        queued += services.inbox.put(task_update(portal.member_id, task_id, EventSource.SWEEP))
    if skipped:
        member = portal.member_id
        log.info("portal %s: %d tasks changed last by the app: not re-read", member, skipped)
    return queued


def _is_seen(changed_date: str, *seen_at: float | None) -> bool:
    known = [at for at in seen_at if at is not None]
    if not known or not changed_date:
        return False
    try:
        changed = datetime.fromisoformat(changed_date).timestamp()
    except ValueError:
        return False
    return changed <= max(known)


def _seen_after(
    services: Services, member_id: str, task_id: int, changed_at: datetime | None
) -> bool:
    """Online and offline events of one task change are deduplicated: the offline record is
    dropped when the task was read (processing an event of it) after the change happened."""
    if changed_at is None:
        return False
    last = services.inbox.last_processed(member_id, [task_id]).get(task_id)
    return last is not None and last >= changed_at.timestamp()
