"""The task tab's data: regulation state, clauses, estimate, approval, clocks, time, warranty."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from b24app.pages import labels
from b24app.pages.history import detail_phrases, trigger_text
from b24app.pages.people import user_names
from b24app.services import Services
from b24app.storage.schema import clocks
from handlers.records import TaskRecord, approved_estimate
from rules.types import TaskId
from rules.worktime import CalendarNotCovered, ClockMode, clock_status


@dataclass(frozen=True, slots=True)
class ClockView:
    """One SLA clock of the task; `left` is signed working minutes (< 0: overdue)."""

    kind: str
    started_at: datetime
    due_at: datetime
    total_minutes: int
    stopped_at: datetime | None
    breached_at: datetime | None
    left: int | None

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    @property
    def overdue(self) -> bool:
        return self.is_open and self.left is not None and self.left < 0


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One audit entry: when, the move, the clause, the decision and what triggered it."""

    at: datetime
    from_state: str
    to_state: str
    clause: str
    decision: str
    trigger: str  # in words (pages.history)
    details: tuple[str, ...]  # phrases in words (pages.history)
    shadow: bool


@dataclass(frozen=True, slots=True)
class TaskPage:
    """What the task tab shows for one task."""

    record: TaskRecord
    names: dict[int, str]
    clauses: tuple[tuple[str, str], ...]  # (clause, decision) in the order they fired
    clocks: tuple[ClockView, ...]
    history: tuple[HistoryRow, ...]
    now: datetime
    auto_accept_minutes: int = 60  # п. 3.5 in the client's regulation
    problems: tuple[str, ...] = ()  # п. 2.1–2.3: why the task was refused, in the comment's words

    @property
    def approved_minutes(self) -> int | None:
        """п. 3.3: the estimate approved now (the one the bill and the overrun rule use)."""
        return approved_estimate(self.record)

    @property
    def payable_minutes(self) -> int:
        """«К оплате»: what the month's bill counts for the task — billable time without
        warranty rework and without time past the estimate the client has not approved."""
        return self.record.billable_minutes - self.record.unapproved_minutes

    @property
    def time_percent(self) -> int | None:
        """Billable minutes as a percent of the approved estimate (п. 3.3)."""
        estimate = self.approved_minutes
        return self.record.billable_minutes * 100 // estimate if estimate else None

    @property
    def warranty_days_left(self) -> int | None:
        last: date | None = self.record.warranty_last_day
        return None if last is None else (last - self.now.date()).days

    def name(self, user_id: int | None) -> str:
        return self.names.get(int(user_id), f"#{user_id}") if user_id else "—"


def build_task_page(svc: Services, member_id: str, task_id: int) -> TaskPage | None:
    """None when the app keeps no record of the task (not a client task, or not seen yet)."""
    store = svc.task_store(member_id)
    record = store.get_task(TaskId(task_id))
    if record is None:
        return None
    now = svc.now()
    rows = [(r, _details(r)) for r in store.history(task_id)]
    people = [record.responsible_id, record.created_by, record.estimated_by, record.approved_by]
    people += [d.get("by") for _, d in rows if isinstance(d.get("by"), int)]
    names = user_names(svc, member_id, people)
    history = tuple(_history_row(r, d, svc, names) for r, d in rows)
    clauses = tuple(dict.fromkeys((h.clause, h.decision) for h in history if h.clause))
    client = svc.config.client_named(record.client)
    regulation = svc.config.regulation_for(client)
    return TaskPage(
        record=record,
        names=names,
        clauses=clauses,
        clocks=_clocks(svc, member_id, task_id, now),
        history=history,
        now=now,
        auto_accept_minutes=regulation.auto_accept_max_minutes,
        problems=tuple(labels.problems(record.refused_codes, record.title, regulation)),
    )


def _details(row: dict[str, Any]) -> dict[str, Any]:
    try:
        details = json.loads(row["details"] or "{}")
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


def _history_row(
    row: dict[str, Any], details: dict[str, Any], svc: Services, names: dict[int, str]
) -> HistoryRow:
    return HistoryRow(
        at=datetime.fromtimestamp(row["at"], svc.tz),
        from_state=row["from_state"] or "",
        to_state=row["to_state"] or "",
        clause=row["clause"] or "",
        decision=row["decision"],
        trigger=trigger_text(row["trigger"] or ""),
        details=detail_phrases(details, names),
        shadow=bool(row["shadow"]),
    )


def _clocks(svc: Services, member_id: str, task_id: int, now: datetime) -> tuple[ClockView, ...]:
    with svc.db.begin() as conn:
        rows = conn.execute(
            select(clocks)
            .where(clocks.c.member_id == member_id, clocks.c.task_id == task_id)
            .order_by(clocks.c.started_at)
        ).all()
    tz = svc.tz
    views = []
    for r in rows:
        started = datetime.fromtimestamp(r.started_at, tz)
        stopped = datetime.fromtimestamp(r.stopped_at, tz) if r.stopped_at else None
        views.append(
            ClockView(
                kind=r.kind,
                started_at=started,
                due_at=datetime.fromtimestamp(r.due_at, tz),
                total_minutes=r.total_minutes,
                stopped_at=stopped,
                breached_at=datetime.fromtimestamp(r.breached_at, tz) if r.breached_at else None,
                left=_left(svc, started, r.total_minutes, stopped or now, ClockMode(r.mode)),
            )
        )
    return tuple(views)


def _left(
    svc: Services, started: datetime, total: int, at: datetime, mode: ClockMode
) -> int | None:
    """rules.worktime: working minutes left at `at` (negative once past due)."""
    reminder = svc.config.regulation.sla_reminder_percent
    try:
        status = clock_status(started, total, at, svc.calendar, mode, reminder)
    except CalendarNotCovered:
        return None
    return total - status.elapsed_minutes
