"""A month's bill locked once it is sent (as Kimai locks exported time): the report as billed is
stored, and a later time sync changes only what the «changes since the lock» part shows.

Stored in the per-portal `kv` table under `bill_lock:YYYY-MM` as JSON (reporting.snapshot): the
whole MonthReport of every client, when and by whom. No schema migration is needed, and unlocking
deletes the row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from sqlalchemy import delete

from b24app.reporting.changes import entry_changes
from b24app.reporting.model import MonthReport
from b24app.reporting.snapshot import report_from_data, report_to_data
from b24app.storage.database import Database
from b24app.storage.schema import kv

LOCK_PREFIX = "bill_lock:"
SNAPSHOT_VERSION = 1


@dataclass(frozen=True, slots=True)
class MonthLock:
    """A locked month: when, by whom, and the report as it was billed."""

    locked_at: datetime
    locked_by: str
    report: MonthReport


def lock_key(year: int, month: int) -> str:
    return f"{LOCK_PREFIX}{year:04d}-{month:02d}"


def save_lock(db: Database, member_id: str, report: MonthReport, by: str, tz: tzinfo) -> MonthLock:
    """Store `report` (every client's, as computed now) as the month's billed figures."""
    at = datetime.fromtimestamp(db.clock(), tz)
    document = {
        "version": SNAPSHOT_VERSION,
        "locked_at": at.isoformat(),
        "locked_by": by,
        "report": report_to_data(report),
    }
    db.set_value(member_id, lock_key(report.year, report.month), json.dumps(document))
    return MonthLock(at, by, report)


def load_lock(db: Database, member_id: str, year: int, month: int) -> MonthLock | None:
    raw = db.get_value(member_id, lock_key(year, month))
    if raw is None:
        return None
    document = json.loads(raw)
    return MonthLock(
        datetime.fromisoformat(document["locked_at"]),
        str(document.get("locked_by", "")),
        report_from_data(document["report"]),
    )


def remove_lock(db: Database, member_id: str, year: int, month: int) -> bool:
    """Unlock; False when the month was not locked."""
    with db.begin() as conn:
        gone = conn.execute(
            delete(kv).where(kv.c.member_id == member_id, kv.c.key == lock_key(year, month))
        ).rowcount
    return bool(gone)


def as_billed(lock: MonthLock, now: MonthReport, client: str | None = None) -> MonthReport:
    """The locked figures, with what changed since (entries, and each client's total now)."""
    keep = [c for c in lock.report.clients if client is None or c.bill.client == client]
    names = {c.bill.client for c in keep}
    current = [c for c in now.clients if c.bill.client in names]
    return replace(
        lock.report,
        clients=tuple(keep),
        locked_at=lock.locked_at,
        changes=entry_changes(keep, current),
        totals_now={c.bill.client: c.bill.total_kopecks for c in current},
    )
