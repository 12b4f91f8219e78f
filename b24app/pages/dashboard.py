"""The dashboard's data: the integrator's queues, the month's breaches, package hours, the bill."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from b24app.pages.charts import UsageBar, UsageChart, layout
from b24app.pages.people import user_names
from b24app.reporting.billing import MonthReport, build_month_report
from b24app.reporting.sla import ClockLine, build_report
from b24app.services import Services
from handlers.records import TaskRecord
from rules.billing import ClientBill
from rules.types import TaskState

ESTIMATE_STATES = (TaskState.AWAITING_ESTIMATE, TaskState.REESTIMATE)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A task in one of the queues, with its SLA clock when one runs."""

    task_id: int
    title: str
    client: str
    responsible: str
    state: str
    left_minutes: int | None = None  # signed working minutes; < 0: overdue
    due_at: datetime | None = None
    since: datetime | None = None
    estimate_minutes: int | None = None
    by_actual_time: bool = False

    @property
    def overdue(self) -> bool:
        return self.left_minutes is not None and self.left_minutes < 0


@dataclass(frozen=True, slots=True)
class BreachRow:
    """An SLA clock breached this month (п. 4.1 estimate, п. 1.2 reaction)."""

    task_id: int
    title: str
    kind: str
    responsible: str
    due_at: datetime


@dataclass(slots=True)
class Dashboard:
    """Everything the main page shows, already limited to the viewer's company for a client."""

    now: datetime
    company: str | None
    awaiting_estimate: list[QueueRow] = field(default_factory=list)
    awaiting_reply: list[QueueRow] = field(default_factory=list)
    awaiting_approval: list[QueueRow] = field(default_factory=list)
    breaches: list[BreachRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    chart: UsageChart = field(default_factory=lambda: UsageChart(()))
    report: MonthReport | None = None


def build_dashboard(
    svc: Services, member_id: str, company: str | None, month: tuple[int, int] | None = None
) -> Dashboard:
    """The queues from the task records and open clocks; the bill from stored time entries."""
    now = svc.now()
    records = [
        r
        for r in svc.task_store(member_id).list_tasks()
        if not r.deleted and (company is None or r.client == company)
    ]
    by_id = {int(r.task_id): r for r in records}
    sla = build_report(svc, member_id)
    names = user_names(svc, member_id, [r.responsible_id for r in records])
    board = Dashboard(now=now, company=company)
    board.counts = dict(Counter(r.state.value for r in records))
    clocks = {(c.task_id, c.kind): c for c in sla.open if c.task_id in by_id}
    board.awaiting_estimate = _by_time_left(
        _row(r, names, clocks.get((int(r.task_id), "estimate")))
        for r in records
        if r.state in ESTIMATE_STATES
    )
    board.awaiting_reply = _by_time_left(
        _row(by_id[c.task_id], names, c) for (_, kind), c in clocks.items() if kind == "reaction"
    )
    board.awaiting_approval = sorted(
        (_row(r, names, None) for r in records if r.state is TaskState.AWAITING_APPROVAL),
        key=lambda q: (q.since is None, q.since or now),
    )
    board.breaches = [
        _breach(c, by_id[c.task_id], names) for c in sla.breaches if c.task_id in by_id
    ]
    year, month_no = month or (now.year, now.month)
    board.report = build_month_report(
        svc.db, svc.config, member_id, year, month_no, svc.tz, client=company
    )
    board.chart = layout([_usage(c.bill) for c in board.report.clients])
    return board


def _by_time_left(rows: Iterable[QueueRow]) -> list[QueueRow]:
    """Most overdue first; tasks without a running clock last."""
    return sorted(rows, key=lambda q: (q.left_minutes is None, q.left_minutes or 0, q.task_id))


def _row(record: TaskRecord, names: dict[int, str], clock: ClockLine | None) -> QueueRow:
    since = record.estimated_at if record.state is TaskState.AWAITING_APPROVAL else None
    return QueueRow(
        task_id=int(record.task_id),
        title=record.title,
        client=record.client,
        responsible=names.get(record.responsible_id, ""),
        state=record.state.value,
        left_minutes=clock.left if clock else None,
        due_at=clock.due_at if clock else None,
        since=since or record.accepted_at,
        estimate_minutes=record.estimate_minutes,
        by_actual_time=record.by_actual_time,
    )


def _breach(clock: ClockLine, record: TaskRecord, names: dict[int, str]) -> BreachRow:
    return BreachRow(
        task_id=clock.task_id,
        title=record.title,
        kind=clock.kind,
        responsible=names.get(record.responsible_id, ""),
        due_at=clock.breached_at or clock.due_at,
    )


def _usage(bill: ClientBill) -> UsageBar:
    return UsageBar(
        client=bill.client,
        package=bill.package.value,
        included_minutes=bill.included_minutes,
        used_minutes=bill.package_used_minutes,
        overflow_minutes=bill.overflow_regular_minutes + bill.overflow_urgent_minutes,
    )
