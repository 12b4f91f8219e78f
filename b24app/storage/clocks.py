"""SLA clocks as rows: started, due, reminded, breached, stopped (claimed atomically by jobs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from b24app.storage.database import Database
from b24app.storage.schema import clocks, inbox

ESTIMATE, REACTION = "estimate", "reaction"


class ClockWriter(Protocol):
    """Where the effect applier stores the clocks a handler starts and stops (ClockStore, or
    b24app.storage.task_memory.MemoryClocks in replay and handler tests)."""

    def start(
        self,
        *,
        task_id: int,
        kind: str,
        started_at: datetime,
        source: str,
        total_minutes: int,
        mode: str,
        due_at: datetime,
        remind_at: datetime,
    ) -> bool: ...

    def stop(self, task_id: int, kind: str, at: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class ClaimedClock:
    """A clock row a job has just claimed for a reminder or a breach notification."""

    id: int
    task_id: int
    kind: str
    started_at: float
    due_at: float


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
        mode: str,
        due_at: datetime,
        remind_at: datetime,
    ) -> bool:
        """Open a clock unless one of this kind is already open; False when nothing changed.

        Due and reminder times come computed (rules.sla.plan_clock in the handler); they are
        stored as given, never recomputed here.
        """
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
                        mode=mode,
                        total_minutes=total_minutes,
                        started_at=started_at.timestamp(),
                        due_at=due_at.timestamp(),
                        remind_at=remind_at.timestamp(),
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

    # -- claims for the scheduler: one conditional UPDATE … RETURNING, so two runs never share
    def claim_reminders(self, now: float, limit: int) -> list[ClaimedClock]:
        """п. 4.1: open clocks past the reminder point and not yet due (a due one is a breach)."""
        due = clocks.c.reminded_at.is_(None) & (clocks.c.remind_at <= now) & (clocks.c.due_at > now)
        return self._claim(due, {"reminded_at": now}, limit)

    def claim_breaches(self, now: float, limit: int) -> list[ClaimedClock]:
        """п. 4.1, 1.2: open clocks past due; breached_at is the true breach time, due_at."""
        due = clocks.c.breached_at.is_(None) & (clocks.c.due_at <= now)
        return self._claim(due, {"breached_at": clocks.c.due_at, "breach_notified_at": now}, limit)

    def release(self, claimed: Sequence[ClaimedClock], columns: Sequence[str]) -> None:
        """Undo claims whose notifications did not go out: the next run claims them again."""
        if claimed:
            with self.db.begin() as conn:
                conn.execute(
                    update(clocks)
                    .where(clocks.c.id.in_([c.id for c in claimed]))
                    .values(dict.fromkeys(columns))
                )

    def _claim(
        self, due: ColumnElement[bool], values: dict[str, Any], limit: int
    ) -> list[ClaimedClock]:
        # A task with an event still waiting in the inbox may be answered by that event
        # (a comment that stops the clock): wait for the worker instead of a false alarm.
        waiting = exists().where(
            inbox.c.member_id == clocks.c.member_id,
            inbox.c.task_id == clocks.c.task_id,
            inbox.c.status.in_(("pending", "processing")),
        )
        where = (
            (clocks.c.member_id == self.member_id) & clocks.c.stopped_at.is_(None) & due & ~waiting
        )
        ids = select(clocks.c.id).where(where).order_by(clocks.c.due_at).limit(limit)
        if not self.db.is_sqlite:
            ids = ids.with_for_update(skip_locked=True)
        stmt = (
            update(clocks)
            .where(clocks.c.id.in_(ids.scalar_subquery()), where)
            .values(values)
            .returning(
                clocks.c.id, clocks.c.task_id, clocks.c.kind, clocks.c.started_at, clocks.c.due_at
            )
        )
        with self.db.begin() as conn:
            rows = conn.execute(stmt).all()
        return sorted(
            (ClaimedClock(r.id, r.task_id, r.kind, r.started_at, r.due_at) for r in rows),
            key=lambda c: (c.due_at, c.id),
        )
