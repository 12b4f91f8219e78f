"""What the month's bill reads from the database: records, time entries, overruns, sign-offs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Row, select

from b24app.storage.database import Database
from b24app.storage.schema import audit, time_entries, users
from b24app.storage.task_store import TaskStore
from handlers.records import TaskRecord, approved_estimate, is_warranty_rework
from rules.billing import BillableEntry, billed_minutes
from rules.overrun import unapproved_parts
from rules.regulation import AppConfig


@dataclass(frozen=True, slots=True)
class BillingFacts:
    """What the report reads from the database, once for all clients."""

    records: dict[int, TaskRecord]
    entries: list[BillableEntry]
    overrun_rows: list[tuple[int, float, dict[str, object]]]
    acknowledged: dict[str, date]  # company → first «Ознакомлен» comment


def gather_facts(
    db: Database, config: AppConfig, member_id: str, start: datetime, end: datetime, tz: tzinfo
) -> BillingFacts:
    records = {int(r.task_id): r for r in TaskStore(db, member_id).list_tasks()}
    with db.begin() as conn:
        rows = conn.execute(
            select(time_entries)
            .where(
                time_entries.c.member_id == member_id,
                time_entries.c.created_at >= start.timestamp(),
                time_entries.c.created_at < end.timestamp(),
            )
            .order_by(time_entries.c.entry_id)
        ).all()
        names = {
            int(r.user_id): str(json.loads(r.data).get("name") or f"#{r.user_id}")
            for r in conn.execute(select(users).where(users.c.member_id == member_id)).all()
        }
        audits = conn.execute(
            select(audit.c.task_id, audit.c.at, audit.c.decision, audit.c.details)
            .where(
                audit.c.member_id == member_id,
                audit.c.decision.in_(("overrun", "regulation_acknowledged")),
            )
            .order_by(audit.c.at)
        ).all()
    unapproved = _unapproved(db, config, member_id, records, {int(r.task_id) for r in rows}, end)
    entries = [
        _billable(r, records[r.task_id], names, tz, unapproved.get(int(r.entry_id), 0))
        for r in rows
        if r.task_id in records
    ]
    overrun_rows = [
        (int(a.task_id), float(a.at), _details(a.details))
        for a in audits
        if a.decision == "overrun"
    ]
    acknowledged: dict[str, date] = {}
    for a in audits:
        if a.decision == "regulation_acknowledged":
            task = records.get(int(a.task_id))
            company = str(_details(a.details).get("company") or (task.client if task else ""))
            acknowledged.setdefault(company, datetime.fromtimestamp(a.at, tz).date())
    return BillingFacts(records, entries, overrun_rows, acknowledged)


def _unapproved(
    db: Database,
    config: AppConfig,
    member_id: str,
    records: Mapping[int, TaskRecord],
    task_ids: set[int],
    end: datetime,
) -> dict[int, int]:
    """п. 3.3: entry id → its minutes past the task's approved estimate, for the tasks with an
    estimate approved with a limit whose client's regulation does not bill such time."""
    capped = {
        task_id: approved
        for task_id in task_ids
        if (record := records.get(task_id)) is not None
        and (approved := approved_estimate(record)) is not None
        and not config.regulation_for(config.client_named(record.client)).bill_unapproved_overrun
    }
    if not capped:
        return {}
    with db.begin() as conn:
        rows = conn.execute(
            select(time_entries)
            .where(
                time_entries.c.member_id == member_id,
                time_entries.c.task_id.in_(list(capped)),
                time_entries.c.created_at < end.timestamp(),
            )
            .order_by(time_entries.c.created_at, time_entries.c.entry_id)
        ).all()
    found: dict[int, int] = {}
    for task_id, approved in capped.items():
        record = records[task_id]
        unit = config.regulation_for(config.client_named(record.client)).rounding_unit_minutes
        tz = end.tzinfo
        billable = [
            r
            for r in rows
            if r.task_id == task_id
            and r.seconds >= 0
            and not is_warranty_rework(record, datetime.fromtimestamp(r.created_at, tz))
        ]
        parts = unapproved_parts([billed_minutes(int(r.seconds), unit) for r in billable], approved)
        found.update(
            {int(r.entry_id): part for r, part in zip(billable, parts, strict=True) if part}
        )
    return found


def _billable(
    row: Row[Any], record: TaskRecord, names: Mapping[int, str], tz: tzinfo, unapproved: int
) -> BillableEntry:
    at = datetime.fromtimestamp(row.created_at, tz)
    user_id = int(row.user_id)
    return BillableEntry(
        entry_id=int(row.entry_id),
        task_id=int(record.task_id),
        task_title=record.title,
        integrator_id=user_id,
        integrator_name=names.get(user_id, f"#{user_id}"),
        at=at,
        raw_seconds=int(row.seconds),
        urgent=record.urgent,
        warranty_rework=is_warranty_rework(record, at),
        unapproved_minutes=unapproved,
    )


def _details(raw: str) -> dict[str, object]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
