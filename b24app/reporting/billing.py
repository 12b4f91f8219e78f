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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from b24app.reporting.billing_facts import BillingFacts, gather_facts
from b24app.reporting.locks import as_billed, load_lock
from b24app.reporting.model import CHAT_FEE, PACKAGE_FEE, ClientReport, DetailLine, MonthReport
from b24app.reporting.months import month_range
from b24app.reporting.time_sync import last_sync_at
from b24app.storage.database import Database
from handlers.records import TaskRecord, approved_estimate
from handlers.report_texts import report_chat_fee, report_package_fee
from rules.billing import BillableEntry, ClientBill, InvoiceLine, TaskOverrun, bill_month
from rules.regulation import AppConfig, ClientCompany

__all__ = [  # the report's model lives in reporting.model; pages and jobs import it from here
    "CHAT_FEE",
    "PACKAGE_FEE",
    "ClientReport",
    "DetailLine",
    "MonthReport",
    "UnknownClientError",
    "build_month_report",
    "compute_month_report",
    "detail_lines",
]


class UnknownClientError(KeyError):
    """The report was asked for a client the config does not have."""


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
    """The month's report as billed when the month is locked (with what changed since), else
    as the stored time entries give it now."""
    now = compute_month_report(db, config, member_id, year, month, tz, client=client)
    lock = load_lock(db, member_id, year, month)
    return now if lock is None else as_billed(lock, now, client)


def compute_month_report(
    db: Database,
    config: AppConfig,
    member_id: str,
    year: int,
    month: int,
    tz: tzinfo,
    *,
    client: str | None = None,
) -> MonthReport:
    """The month's report for every configured client (or one, by name) from the entries now."""
    clients = [c for c in config.clients if client is None or c.name == client]
    if client is not None and not clients:
        raise UnknownClientError(client)
    start, end = month_range(year, month, tz)
    facts = gather_facts(db, config, member_id, start, end, tz)
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
    facts: BillingFacts,
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
            title=report_package_fee(part.package.value, part.first_day, part.last_day),
            amount_kopecks=part.price_kopecks,
            billed_minutes=part.included_minutes,
        )
        for part in bill.parts
    ]
    if bill.chat_amount_kopecks:
        fees.append(DetailLine(bill.client, CHAT_FEE, report_chat_fee(), bill.chat_amount_kopecks))
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


def _overruns(
    facts: BillingFacts,
    by_client: Mapping[str, list[BillableEntry]],
    start: datetime,
    end: datetime,
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
