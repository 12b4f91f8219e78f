"""The month's billing report: stored time entries, task records and audit → rules.billing → model.

Decisions (the pure ones are in rules/billing.py):
- An entry belongs to the month of its CREATED_DATE in the calendar's time zone, and to the
  client of its task's record; entries of tasks without a configured client are only counted.
- Urgent (п. 6.2.2) comes from TaskRecord.urgent (priority high or the tag, kept by the handler).
- Warranty rework (п. 3.2): an entry created inside a closed rework period or after
  `rework_since` (the same test handlers/tasks.py uses for the overrun count).
- Re-estimation overruns (п. 3.3): audit rows "overrun" dated in the month; a record at
  overrun_level "exceeded" without any such row (older data, shadow imports) counts in a month
  where it has entries. They are listed for the extra invoice with the estimate approved now
  (after a re-approval, the new one) and the one the time passed; their minutes are already
  priced in the entry lines, so they add nothing to the total.
- Time past the approved estimate that the client has not approved (п. 3.3): each entry's part
  past it (rules.overrun.unapproved_parts over all the task's entries up to the month's end, in
  time order, warranty time left out) is its own line «сверх оценки, не согласовано», not in the
  total, unless the client's regulation says `bill_unapproved_overrun`. The task tab shows the
  same figures (TaskRecord.billable_minutes / unapproved_minutes, from the same rules).
- Time sync: entries come from `b24app sync-time`; the report says when none ran this month.
- Detail = the package fee of every contract part, the chat line and every invoice line, so the
  detail amounts sum exactly to the client's total.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Row, select

from b24app.schema import audit, time_entries, users
from b24app.storage import Database
from b24app.task_store import TaskStore
from b24app.time_sync import last_sync_at
from handlers import messages
from handlers.records import TaskRecord, approved_estimate, is_warranty_rework
from rules.billing import (
    BillableEntry,
    ClientBill,
    InvoiceLine,
    TaskOverrun,
    bill_month,
    billed_minutes,
)
from rules.overrun import unapproved_parts
from rules.regulation import AppConfig, ClientCompany, RegulationConfig

PACKAGE_FEE, CHAT_FEE = "package_fee", "chat"


class UnknownClientError(KeyError):
    """The report was asked for a client the config does not have."""


@dataclass(frozen=True, slots=True)
class DetailLine:
    """One line of the detail; entry lines carry the time entry id they come from."""

    client: str
    kind: str  # package_fee | chat | package | regular | urgent | warranty
    title: str
    amount_kopecks: int
    task_id: int = 0
    at: datetime | None = None
    integrator: str = ""
    entry_id: int = 0
    raw_seconds: int | None = None  # shown on the first part of a split entry only
    billed_minutes: int = 0
    rate_kopecks: int = 0


@dataclass(frozen=True, slots=True)
class ClientReport:
    """One client's bill with its detail lines and the regulation acknowledgement date."""

    bill: ClientBill
    details: tuple[DetailLine, ...]
    acknowledged_on: date | None = None


@dataclass(frozen=True, slots=True)
class MonthReport:
    """Every client's bill for a month."""

    year: int
    month: int
    clients: tuple[ClientReport, ...]
    unassigned_entries: int = 0
    time_synced_at: datetime | None = None  # the last read of time entries from the portal

    @property
    def time_not_synced(self) -> bool:
        """No time sync has run since the month began: its time may be missing."""
        synced = self.time_synced_at
        return synced is None or synced < datetime(self.year, self.month, 1, tzinfo=synced.tzinfo)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def total_kopecks(self) -> int:
        return sum(c.bill.total_kopecks for c in self.clients)


def parse_month(text: str) -> tuple[int, int]:
    """ "2026-11" → (2026, 11)."""
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"month must look like 2026-11, got {text!r}") from None
    if not (1 <= month <= 12 and 2000 <= year <= 9999):
        raise ValueError(f"month must look like 2026-11, got {text!r}")
    return year, month


def month_range(year: int, month: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) in the calendar's zone."""
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=tz), datetime(*nxt, 1, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the report reads from the database, once for all clients."""

    records: dict[int, TaskRecord]
    entries: list[BillableEntry]
    overrun_rows: list[tuple[int, float, dict[str, object]]]
    acknowledged: dict[str, date]  # company → first «Ознакомлен» comment


def build_month_report(
    db: Database,
    config: AppConfig,
    member_id: str,
    year: int,
    month: int,
    tz: tzinfo,
    *,
    client: str | None = None,
) -> MonthReport:
    """The month's report for every configured client (or one, by name)."""
    clients = [c for c in config.clients if client is None or c.name == client]
    if client is not None and not clients:
        raise UnknownClientError(client)
    start, end = month_range(year, month, tz)
    facts = _gather(db, config, member_id, start, end, tz)
    by_client: dict[str, list[BillableEntry]] = defaultdict(list)
    unassigned = 0
    known = {c.name for c in config.clients}
    for entry in facts.entries:
        owner = facts.records[entry.task_id].client
        if owner in known:
            by_client[owner].append(entry)
        else:
            unassigned += 1
    overruns = _overruns(facts, by_client, start, end)
    reports = tuple(
        _client_report(config, c, year, month, by_client[c.name], overruns[c.name], facts)
        for c in clients
    )
    synced = last_sync_at(db, member_id)
    synced_at = None if synced is None else datetime.fromtimestamp(synced, tz)
    return MonthReport(year, month, reports, unassigned, synced_at)


def _client_report(
    config: AppConfig,
    client: ClientCompany,
    year: int,
    month: int,
    entries: Sequence[BillableEntry],
    overruns: Sequence[TaskOverrun],
    facts: _Facts,
) -> ClientReport:
    unit = config.regulation_for(client).rounding_unit_minutes
    bill = bill_month(
        client, year, month, entries, config.packages, config.rates, unit, overruns=overruns
    )
    return ClientReport(bill, detail_lines(bill), facts.acknowledged.get(client.name))


def detail_lines(bill: ClientBill) -> tuple[DetailLine, ...]:
    """Package fee per contract part, chat, then every invoice line: they sum to the total."""
    fees = [
        DetailLine(
            client=bill.client,
            kind=PACKAGE_FEE,
            title=messages.report_package_fee(part.package.value, part.first_day, part.last_day),
            amount_kopecks=part.price_kopecks,
            billed_minutes=part.included_minutes,
        )
        for part in bill.parts
    ]
    if bill.chat_amount_kopecks:
        fees.append(
            DetailLine(bill.client, CHAT_FEE, messages.report_chat_fee(), bill.chat_amount_kopecks)
        )
    return (*fees, *(_entry_line(bill.client, line) for line in bill.lines))


def _entry_line(client: str, line: InvoiceLine) -> DetailLine:
    entry = line.entry
    return DetailLine(
        client=client,
        kind=line.kind.value,
        title=entry.task_title,
        amount_kopecks=line.amount_kopecks,
        task_id=entry.task_id,
        at=entry.at,
        integrator=entry.integrator_name,
        entry_id=entry.entry_id,
        raw_seconds=None if line.continued else entry.raw_seconds,
        billed_minutes=line.billed_minutes,
        rate_kopecks=line.rate_kopecks,
    )


def _gather(
    db: Database, config: AppConfig, member_id: str, start: datetime, end: datetime, tz: tzinfo
) -> _Facts:
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
    return _Facts(records, entries, overrun_rows, acknowledged)


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
        and not _regulation_of(config, record.client).bill_unapproved_overrun
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
        unit = _regulation_of(config, record.client).rounding_unit_minutes
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


def _regulation_of(config: AppConfig, client: str) -> RegulationConfig:
    company = next((c for c in config.clients if c.name == client), None)
    return config.regulation_for(company)


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


def _overruns(
    facts: _Facts, by_client: Mapping[str, list[BillableEntry]], start: datetime, end: datetime
) -> dict[str, list[TaskOverrun]]:
    """п. 3.3: overrun audit rows of the month, plus exceeded records without any such row;
    each with the estimate approved now and the one the time passed."""
    found: dict[str, list[TaskOverrun]] = defaultdict(list)
    seen: set[int] = set()
    unapproved: dict[int, int] = defaultdict(int)
    for entries in by_client.values():
        for entry in entries:
            unapproved[entry.task_id] += entry.unapproved_minutes
    for task_id, at, details in facts.overrun_rows:
        record = facts.records.get(task_id)
        if record is None or not start.timestamp() <= at < end.timestamp() or task_id in seen:
            continue
        seen.add(task_id)
        passed = _int(details.get("approved_minutes"))
        billed = max(_int(details.get("billable_minutes")), record.billable_minutes)
        found[record.client].append(_task_overrun(record, passed, billed, unapproved[task_id]))
    audited = {task_id for task_id, _, _ in facts.overrun_rows}
    billed_tasks = {e.task_id for entries in by_client.values() for e in entries}
    for task_id, record in facts.records.items():
        if (
            record.overrun_level == "exceeded"
            and task_id not in audited
            and task_id in billed_tasks
        ):
            passed = approved_estimate(record) or 0
            found[record.client].append(
                _task_overrun(record, passed, record.billable_minutes, unapproved[task_id])
            )
    return found


def _task_overrun(record: TaskRecord, passed: int, billed: int, unapproved: int) -> TaskOverrun:
    now = approved_estimate(record)
    approved = passed if now is None else now
    return TaskOverrun(
        record.task_id, record.title, approved, billed, first_minutes=passed,
        unapproved_minutes=unapproved,
    )  # fmt: skip


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float | str) and str(value).isdigit() else 0
