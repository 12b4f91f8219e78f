"""The dashboard's data: the integrator's queues, tasks in work, the month's breaches, package
hours and the bill; a client's view of its own tasks (what each waits for)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from b24app.pages import labels
from b24app.pages.charts import UsageBar, UsageChart, layout
from b24app.pages.people import user_names
from b24app.reporting.billing import MonthReport, build_month_report
from b24app.reporting.sla import ClockLine, build_report
from b24app.services import Services
from handlers.records import TaskRecord, approved_estimate
from rules.billing import ClientBill
from rules.types import TaskState

ESTIMATE_STATES = (TaskState.AWAITING_ESTIMATE, TaskState.REESTIMATE)
WORK_STATES = (TaskState.IN_PROGRESS, TaskState.REESTIMATE)


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
    responsible_id: int = 0
    deadline: datetime | None = None  # the task's deadline (п. 4.3), set when work starts
    billable_minutes: int = 0
    approved_minutes: int | None = None  # п. 3.3

    @property
    def overdue(self) -> bool:
        return self.left_minutes is not None and self.left_minutes < 0

    @property
    def due(self) -> datetime | None:
        """The clock's due time, else the task's deadline (a task in re-estimation has no clock)."""
        return self.due_at or self.deadline

    @property
    def used_percent(self) -> int | None:
        """п. 3.3: billable time as a percent of the approved estimate."""
        if not self.approved_minutes:
            return None
        return self.billable_minutes * 100 // self.approved_minutes


@dataclass(frozen=True, slots=True)
class BreachRow:
    """An SLA clock breached this month (п. 4.1 estimate, п. 1.2 reaction)."""

    task_id: int
    title: str
    kind: str
    responsible: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ClientTask:
    """A client's task as the client view shows it: what it waits for and what to do."""

    task_id: int
    title: str
    state: str
    waits_for: str
    to_do: str
    due: datetime | None
    problems: tuple[str, ...] = ()


@dataclass(slots=True)
class Dashboard:
    """Everything the main page shows, already limited to the viewer's company for a client."""

    now: datetime
    company: str | None
    month: str = ""  # «2026-11»
    months: tuple[str, ...] = ()  # the picker's choices, newest first
    mine: bool = False  # only the viewing integrator's tasks
    awaiting_estimate: list[QueueRow] = field(default_factory=list)
    in_work: list[QueueRow] = field(default_factory=list)
    client_tasks: list[ClientTask] = field(default_factory=list)
    awaiting_reply: list[QueueRow] = field(default_factory=list)
    awaiting_approval: list[QueueRow] = field(default_factory=list)
    breaches: list[BreachRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    chart: UsageChart = field(default_factory=lambda: UsageChart(()))
    report: MonthReport | None = None


def build_dashboard(
    svc: Services,
    member_id: str,
    company: str | None,
    month: tuple[int, int] | None = None,
    mine: int | None = None,
) -> Dashboard:
    """The queues from the task records and open clocks; the month's breaches and bill.
    `mine`: only tasks whose responsible is this user."""
    now = svc.now()
    records = [
        r
        for r in svc.task_store(member_id).list_tasks()
        if not r.deleted
        and (company is None or r.client == company)
        and (mine is None or r.responsible_id == mine)
    ]
    by_id = {int(r.task_id): r for r in records}
    year, month_no = month or (now.year, now.month)
    sla = build_report(svc, member_id, (year, month_no))
    names = user_names(svc, member_id, [r.responsible_id for r in records])
    board = Dashboard(now=now, company=company, mine=mine is not None)
    board.month = f"{year:04d}-{month_no:02d}"
    board.months = _months(now, board.month)
    board.counts = dict(Counter(r.state.value for r in records))
    clocks = {(c.task_id, c.kind): c for c in sla.open if c.task_id in by_id}
    board.awaiting_estimate = _by_time_left(
        _row(r, names, clocks.get((int(r.task_id), "estimate")))
        for r in records
        if r.state in ESTIMATE_STATES
    )
    board.in_work = sorted(
        (_row(r, names, None) for r in records if r.state in WORK_STATES),
        key=lambda q: (q.deadline is None, q.deadline or now, q.task_id),
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
    if company is not None:
        board.client_tasks = _client_tasks(svc, records, clocks)
    board.report = build_month_report(
        svc.db, svc.config, member_id, year, month_no, svc.tz, client=company
    )
    board.chart = layout([_usage(c.bill) for c in board.report.clients])
    return board


def _months(now: datetime, chosen: str) -> tuple[str, ...]:
    """The twelve months up to now (newest first), and the chosen one if it is older."""
    labels_: list[str] = []
    year, month = now.year, now.month
    for _ in range(12):
        labels_.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if chosen not in labels_:
        labels_.append(chosen)
    return tuple(labels_)


_CLIENT_ORDER = {
    "needs_info": 0,
    "awaiting_approval": 1,
    "done": 2,
    "awaiting_estimate": 3,
    "reestimate": 4,
    "in_progress": 5,
    "new": 6,
    "closed": 7,
}


def _client_tasks(
    svc: Services, records: list[TaskRecord], clocks: dict[tuple[int, str], ClockLine]
) -> list[ClientTask]:
    """What needs the client first (refused, waiting for approval, to check), closed last."""
    rows = []
    for r in records:
        waits, to_do = labels.CLIENT_WAITS.get(r.state.value, ("—", "—"))
        clock = clocks.get((int(r.task_id), "estimate"))
        due = clock.due_at if clock else r.deadline
        if r.state is TaskState.DONE and r.warranty_last_day is not None:
            to_do = (
                f"Проверьте результат; замечания пишите в задаче до "
                f"{labels.when(r.warranty_last_day)} включительно."
            )
        regulation = svc.config.regulation_for(svc.config.client_named(r.client))
        problems = tuple(labels.problems(r.refused_codes, r.title, regulation))
        rows.append(ClientTask(int(r.task_id), r.title, r.state.value, waits, to_do, due, problems))
    return sorted(rows, key=lambda t: (_CLIENT_ORDER.get(t.state, 9), -t.task_id))


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
        responsible_id=record.responsible_id,
        deadline=record.deadline,
        billable_minutes=record.billable_minutes,
        approved_minutes=approved_estimate(record),
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
