"""Read time entries (task.elapseditem) of the tracked tasks from the portal into `time_entries`.

Bitrix24 sends no events for time entries (bitrix24-rest.md §6), so the app polls. The cursor is
`>ID` per task, not `>=CREATED_DATE`: entry ids only grow, while CREATED_DATE of a back-dated
manual entry lies in the past (the §6 quirk) and a date cursor would miss it; `>ID` also needs no
time zone and never returns the boundary entry twice. The cursor is the highest entry id stored
for the task, so it needs no separate bookkeeping. An ID cursor cannot see edits and deletions:
a full read (`full=True`, what `b24app sync-time --month` does) reads every entry of the tasks
again and reconciles the table (new rows added, changed rows updated, vanished rows deleted); an
incremental read also re-reads a task in full when the time the portal reported for it
(TaskRecord.time_spent_minutes) disagrees with the stored entries. For a task with fewer than
50 entries a full read costs the same single sub-call as an incremental one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from b24app.bitrix.errors import NOT_FOUND_CODES
from b24app.bitrix.gateway import PortalGateway
from b24app.storage.database import Database
from b24app.storage.schema import time_entries, users
from handlers.records import TaskRecord
from rules.types import TaskId, TaskState, TimeEntry

log = logging.getLogger(__name__)

PAGE_SIZE = 50  # task.elapseditem.getlist answers at most 50 rows
LAST_SYNC_KEY = "time_sync_at"  # kv: when entries were last read (the report says if never)
BATCH_SIZE = 50  # sub-calls in one `batch` request (§9)


@dataclass(slots=True)
class SyncReport:
    """What one sync read and changed."""

    tasks: int = 0
    batches: int = 0
    fetched: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    gone: list[int] = field(default_factory=list)  # tasks the portal no longer has

    def summary(self) -> str:
        return (
            f"{self.tasks} tasks in {self.batches} batch requests: {self.fetched} entries read, "
            f"{self.added} added, {self.changed} changed, {self.deleted} deleted"
            + (f", {len(self.gone)} tasks gone" if self.gone else "")
            + (f", {len(self.failed)} tasks failed" if self.failed else "")
        )


def last_sync_at(db: Database, member_id: str) -> float | None:
    """When time entries were last read from the portal (None: never)."""
    value = db.get_value(member_id, LAST_SYNC_KEY)
    return None if value is None else float(value)


def tasks_active_in(
    records: Iterable[TaskRecord], month_start: datetime, month_end: datetime
) -> list[TaskId]:
    """Tracked tasks that may have time in [month_start, month_end): created by its end, not
    deleted, and not closed before it began (a closed task's warranty ended before the month)."""
    chosen = []
    for record in records:
        if record.deleted or (record.created_at and record.created_at >= month_end):
            continue
        closed_before = (
            record.state is TaskState.CLOSED
            and record.warranty_last_day is not None
            and record.warranty_last_day < month_start.date()
        )
        if not closed_before:
            chosen.append(record.task_id)
    return chosen


def sync_time(
    db: Database,
    gateway: PortalGateway,
    member_id: str,
    task_ids: Sequence[TaskId],
    *,
    full: bool = False,
    spent_minutes: Mapping[TaskId, int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Read new (or, with `full`, all) entries of the tasks and store them; see the module notes.
    `progress` is told how many tasks each batch finished (the command's progress bar)."""
    report = SyncReport(tasks=len(task_ids))
    stored = _stored_state(db, member_id, task_ids)
    cursors = {t: 0 if full else stored.get(t, (0, 0))[0] for t in task_ids}
    if not full and spent_minutes:
        for task_id, minutes in spent_minutes.items():
            if task_id in cursors and minutes != stored.get(task_id, (0, 0))[1] // 60:
                cursors[task_id] = 0  # the portal's total disagrees: read the task again
    fetched = _fetch(gateway, cursors, report, progress)
    complete = {t for t, after in cursors.items() if after == 0 and t in fetched}
    _store(db, member_id, fetched, complete, report)
    _remember_users(db, gateway, member_id, fetched)
    db.set_value(member_id, LAST_SYNC_KEY, repr(db.clock()))
    log.info("time sync %s: %s", member_id, report.summary(), extra={"member_id": member_id})
    return report


def _fetch(
    gateway: PortalGateway,
    cursors: Mapping[TaskId, int],
    report: SyncReport,
    progress: Callable[[int], None] | None = None,
) -> dict[TaskId, list[TimeEntry]]:
    """Batches of 50 getlist calls; a full page asks again from its last id in a later batch."""
    fetched: dict[TaskId, list[TimeEntry]] = {}
    pending = dict(cursors)
    while pending:
        chunk = dict(list(pending.items())[:BATCH_SIZE])
        for task_id in chunk:
            del pending[task_id]
        pages, errors = gateway.time_entries_after(chunk)
        report.batches += 1
        for task_id, error in errors.items():
            fetched.pop(task_id, None)
            if error.code in NOT_FOUND_CODES:
                report.gone.append(task_id)
            else:
                report.failed[task_id] = str(error)
        for task_id, rows in pages.items():
            fetched.setdefault(task_id, []).extend(rows)
            report.fetched += len(rows)
            if len(rows) >= PAGE_SIZE:
                pending[task_id] = rows[-1].entry_id
        if progress is not None:
            progress(len([t for t in chunk if t not in pending]))  # a full page asks again
    return fetched


def _stored_state(
    db: Database, member_id: str, task_ids: Sequence[TaskId]
) -> dict[TaskId, tuple[int, int]]:
    """Per task: (highest stored entry id, stored seconds)."""
    wanted = set(task_ids)
    with db.begin() as conn:
        rows = conn.execute(
            select(
                time_entries.c.task_id,
                func.max(time_entries.c.entry_id),
                func.sum(time_entries.c.seconds),
            )
            .where(time_entries.c.member_id == member_id)
            .group_by(time_entries.c.task_id)
        ).all()
    return {TaskId(r[0]): (int(r[1]), int(r[2] or 0)) for r in rows if r[0] in wanted}


def _row(entry: TimeEntry, task_id: TaskId) -> dict[str, object]:
    return {
        "task_id": entry.task_id or task_id,
        "user_id": entry.user_id,
        "seconds": entry.seconds,
        "created_at": entry.created_at.timestamp(),
        "comment": entry.comment,
    }


def _store(
    db: Database,
    member_id: str,
    fetched: Mapping[TaskId, list[TimeEntry]],
    complete: set[TaskId],
    report: SyncReport,
) -> None:
    """Upsert what was read; for tasks read in full, delete the rows the portal no longer has."""
    new = {e.entry_id: _row(e, t) for t, rows in fetched.items() for e in rows}
    with db.begin() as conn:
        old = _existing(conn, member_id, set(fetched))
        added = [dict(v, member_id=member_id, entry_id=k) for k, v in new.items() if k not in old]
        if added:
            conn.execute(insert(time_entries), added)
        for entry_id, values in new.items():
            if entry_id in old and old[entry_id] != values:
                conn.execute(
                    update(time_entries)
                    .where(
                        time_entries.c.member_id == member_id,
                        time_entries.c.entry_id == entry_id,
                    )
                    .values(values)
                )
                report.changed += 1
        vanished = [k for k, v in old.items() if v["task_id"] in complete and k not in new]
        for start in range(0, len(vanished), 500):
            conn.execute(
                delete(time_entries).where(
                    time_entries.c.member_id == member_id,
                    time_entries.c.entry_id.in_(vanished[start : start + 500]),
                )
            )
    report.added += len(added)
    report.deleted += len(vanished)


def _existing(
    conn: Connection, member_id: str, task_ids: set[TaskId]
) -> dict[int, dict[str, object]]:
    if not task_ids:
        return {}
    rows = conn.execute(
        select(time_entries).where(
            time_entries.c.member_id == member_id, time_entries.c.task_id.in_(task_ids)
        )
    ).all()
    return {
        int(r.entry_id): {
            "task_id": r.task_id,
            "user_id": r.user_id,
            "seconds": r.seconds,
            "created_at": r.created_at,
            "comment": r.comment,
        }
        for r in rows
    }


def _remember_users(
    db: Database, gateway: PortalGateway, member_id: str, fetched: Mapping[TaskId, list[TimeEntry]]
) -> None:
    """Names of integrators for the report: one user.get for the ids not yet known."""
    ids = {int(e.user_id) for rows in fetched.values() for e in rows if e.user_id}
    with db.begin() as conn:
        known = {
            int(r.user_id)
            for r in conn.execute(
                select(users.c.user_id).where(users.c.member_id == member_id)
            ).all()
        }
    missing = sorted(ids - known)
    found = {}
    for start in range(0, len(missing), PAGE_SIZE):  # user.get answers 50 users a page
        found.update(gateway.load_users(missing[start : start + PAGE_SIZE]))
    with db.begin() as conn:
        for user in found.values():
            data = {"name": user.name, "is_extranet": user.is_extranet}
            conn.execute(
                insert(users).values(
                    member_id=member_id,
                    user_id=user.user_id,
                    data=json.dumps(data, ensure_ascii=False),
                    fetched_at=db.clock(),
                )
            )
