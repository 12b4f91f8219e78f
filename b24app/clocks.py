"""SLA clocks as rows: started, due, reminded, breached, stopped (claimed atomically by jobs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from b24app.schema import clocks
from b24app.storage import Database
from rules.worktime import ClockMode, WorkCalendar, add_duration

ESTIMATE, REACTION = "estimate", "reaction"


class ClockStore:
    """Open and close SLA clocks for one portal."""

    def __init__(self, db: Database, member_id: str) -> None:
        self.db = db
        self.member_id = member_id

    def start(
        self,
        *,
        task_id: int,
        kind: str,
        started_at: datetime,
        source: str,
        total_minutes: int,
        mode: ClockMode,
        reminder_percent: int,
        calendar: WorkCalendar,
    ) -> bool:
        """Open a clock unless one of this kind is already open; False when nothing changed."""
        due = add_duration(started_at, total_minutes, calendar, mode)
        remind = add_duration(started_at, total_minutes * reminder_percent // 100, calendar, mode)
        with self.db.begin() as conn:
            open_clock = conn.execute(
                select(clocks.c.id).where(
                    clocks.c.member_id == self.member_id,
                    clocks.c.task_id == task_id,
                    clocks.c.kind == kind,
                    clocks.c.stopped_at.is_(None),
                )
            ).first()
            if open_clock:
                return False
            try:
                conn.execute(
                    insert(clocks).values(
                        member_id=self.member_id,
                        task_id=task_id,
                        kind=kind,
                        mode=mode.value,
                        total_minutes=total_minutes,
                        started_at=started_at.timestamp(),
                        due_at=due.timestamp(),
                        remind_at=remind.timestamp(),
                        source=source,
                    )
                )
            except IntegrityError:
                return False
        return True

    def stop(self, task_id: int, kind: str, at: datetime) -> int:
        with self.db.begin() as conn:
            return conn.execute(
                update(clocks)
                .where(
                    clocks.c.member_id == self.member_id,
                    clocks.c.task_id == task_id,
                    clocks.c.kind == kind,
                    clocks.c.stopped_at.is_(None),
                )
                .values(stopped_at=at.timestamp())
            ).rowcount

    def open_due(self, task_id: int, kind: str) -> float | None:
        """Due time of the open clock of a kind (for /api/tasks)."""
        with self.db.begin() as conn:
            row = conn.execute(
                select(clocks.c.due_at).where(
                    clocks.c.member_id == self.member_id,
                    clocks.c.task_id == task_id,
                    clocks.c.kind == kind,
                    clocks.c.stopped_at.is_(None),
                )
            ).first()
        return None if row is None else float(row.due_at)
