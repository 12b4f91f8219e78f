"""The durable inbox: accepted events are rows before the acknowledgement; workers claim them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, case, cast, func, or_, select, update

from b24app.bitrix.events import COALESCE_PREFIX, InboxEvent
from b24app.redact import redact
from b24app.storage.database import Database
from b24app.storage.schema import inbox, leases

log = logging.getLogger(__name__)

PENDING, PROCESSING, DONE, FAILED, IGNORED = "pending", "processing", "done", "failed", "ignored"
WORKER_LEASE_PREFIX = "worker:"
WORKER_LEASE_SECONDS = 30.0  # a worker beats every 10 s (Worker); 30 s of silence = dead
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0
TRANSIENT_BACKOFF_MAX_SECONDS = 300.0
# events whose handling reads the task itself (handlers.tasks.on_task_changed); a comment event
# may be dropped unread (the app's own comment, an untracked task), so it says nothing of what
# the app has seen of the task
TASK_READ_EVENTS = ("ONTASKADD", "ONTASKUPDATE")


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A claimed inbox row: the normalised event (b24app.bitrix.events.InboxEvent) and its
    processing state."""

    id: int
    member_id: str
    event: str
    task_id: int
    comment_id: int
    message_id: int
    source: str
    attempts: int
    received_at: float
    claimed_by: str = ""


class Inbox:
    """Put, claim, finish, retry and park events."""

    def __init__(
        self, db: Database, *, max_attempts: int = 8, lease_seconds: float = 300.0
    ) -> None:
        self.db = db
        self.max_attempts = max_attempts
        self.lease_seconds = lease_seconds

    def put(self, event: InboxEvent) -> bool:
        """Store the event durably; False when the same delivery is already stored (or, for a
        task update, while one of that task is still waiting: the keys coalesce)."""
        row = {
            "dedup_key": event.dedup_key,
            "member_id": event.member_id,
            "event": event.name,
            "task_id": event.task_id,
            "comment_id": event.comment_id,
            "message_id": event.message_id,
            "source": str(event.source),
            "received_at": self.db.clock(),
            "status": PENDING,
        }
        return self.db.insert_row(inbox, row)

    def claim(self, worker_id: str, limit: int = 10) -> list[InboxItem]:
        """Take due rows (and rows whose claimer died) atomically for this worker."""
        now = self.db.clock()
        due = or_(
            (inbox.c.status == PENDING) & (inbox.c.next_attempt_at <= now),
            (inbox.c.status == PROCESSING)
            & ((inbox.c.lease_until < now) | inbox.c.claimed_by.in_(_dead_workers(now))),
        )
        ids = select(inbox.c.id).where(due).order_by(inbox.c.id).limit(limit)
        if self.db.is_sqlite:  # BEGIN IMMEDIATE: one writer at a time, the subquery is safe
            stmt = update(inbox).where(inbox.c.id.in_(ids.scalar_subquery()))
        else:
            # PostgreSQL: lock the picked rows in a CTE (evaluated once, SKIP LOCKED passes over
            # rows another instance is claiming; a row changed meanwhile is re-checked against
            # `due`), then update exactly those. An IN (subquery … LIMIT) may be re-planned.
            picked = ids.with_for_update(skip_locked=True).cte("picked")
            stmt = update(inbox).where(inbox.c.id == picked.c.id)
        stmt = stmt.values(
            dedup_key=case(
                (  # free a coalesced key once (a retried row keeps "<key>:<id>")
                    inbox.c.dedup_key.startswith(COALESCE_PREFIX)
                    & ~inbox.c.dedup_key.like(COALESCE_PREFIX + "%:%"),
                    inbox.c.dedup_key + ":" + cast(inbox.c.id, String),
                ),
                else_=inbox.c.dedup_key,
            ),
            status=PROCESSING,
            claimed_by=worker_id,
            lease_until=now + self.lease_seconds,
            attempts=inbox.c.attempts + 1,
        ).returning(
            inbox.c.id,
            inbox.c.member_id,
            inbox.c.event,
            inbox.c.task_id,
            inbox.c.comment_id,
            inbox.c.message_id,
            inbox.c.source,
            inbox.c.attempts,
            inbox.c.received_at,
        )
        with self.db.begin() as conn:
            rows = conn.execute(stmt).all()
        items = [
            InboxItem(
                r.id,
                r.member_id,
                r.event,
                r.task_id,
                r.comment_id,
                r.message_id,
                r.source,
                r.attempts,
                r.received_at,
                worker_id,
            )
            for r in rows
        ]
        return sorted(items, key=lambda i: i.id)

    def heartbeat(self, worker_id: str) -> None:
        """A live worker keeps its claims; a dead one's rows are taken over at once."""
        self.db.try_lease(f"{WORKER_LEASE_PREFIX}{worker_id}", worker_id, WORKER_LEASE_SECONDS)

    def finish(
        self,
        item_id: int,
        *,
        ignored_reason: str = "",
        worker_id: str = "",
        read_at: float | None = None,
    ) -> None:
        """Mark done (or ignored); with `worker_id`, only while that worker still holds it.
        `read_at`: when the handling began, before the task was read (processed_at, what the
        app has seen of the task: last_processed); by default now."""
        values: dict[str, Any] = {
            "status": IGNORED if ignored_reason else DONE,
            "processed_at": self.db.clock() if read_at is None else read_at,
            "last_error": ignored_reason,
            "lease_until": 0.0,
        }
        stmt = update(inbox).where(inbox.c.id == item_id)
        if worker_id:
            stmt = stmt.where(inbox.c.claimed_by == worker_id, inbox.c.status == PROCESSING)
        with self.db.begin() as conn:
            if not conn.execute(stmt.values(**values)).rowcount and worker_id:
                log.warning("event %s was taken over by another worker before it finished", item_id)

    def fail(
        self,
        item: InboxItem,
        error: str,
        *,
        retry_after: float | None = None,
        transient: bool = False,
    ) -> bool:
        """Record a failed attempt; back off, or park the row as failed. True when parked.

        A transient failure (the portal down or rate-limiting, tokens refused until reinstall)
        is never parked: it waits at most TRANSIENT_BACKOFF_MAX_SECONDS and tries again, however
        long the outage lasts. Only errors a retry cannot cure use up the attempts.
        """
        parked = not transient and item.attempts >= self.max_attempts
        ceiling = TRANSIENT_BACKOFF_MAX_SECONDS if transient else BACKOFF_MAX_SECONDS
        delay = retry_after
        if delay is None:
            delay = min(BACKOFF_BASE_SECONDS * 2 ** min(item.attempts - 1, 20), ceiling)
        values: dict[str, Any] = {
            "status": FAILED if parked else PENDING,
            "next_attempt_at": self.db.clock() + delay,
            "last_error": redact(error)[:2000],  # shown by `events list`, /api/events
            "lease_until": 0.0,
        }
        stmt = update(inbox).where(inbox.c.id == item.id)
        if item.claimed_by:
            stmt = stmt.where(inbox.c.claimed_by == item.claimed_by, inbox.c.status == PROCESSING)
        with self.db.begin() as conn:
            conn.execute(stmt.values(**values))
        return parked

    def last_processed(self, member_id: str, task_ids: Sequence[int]) -> dict[int, float]:
        """When an event of each task that reads it was last processed (the task was read then),
        in one transaction; the tasks with none are left out."""
        found: dict[int, float] = {}
        with self.db.begin() as conn:
            for start in range(0, len(task_ids), 500):
                rows = conn.execute(
                    select(inbox.c.task_id, func.max(inbox.c.processed_at).label("at"))
                    .where(
                        inbox.c.member_id == member_id,
                        inbox.c.task_id.in_(task_ids[start : start + 500]),
                        inbox.c.event.in_(TASK_READ_EVENTS),
                        inbox.c.status.in_([DONE, IGNORED]),
                    )
                    .group_by(inbox.c.task_id)
                ).all()
                found.update((int(r.task_id), float(r.at)) for r in rows if r.at)
        return found

    def release_claims_of_dead_workers(self) -> int:
        """At start: rows left `processing` by a process that no longer beats go back now."""
        now = self.db.clock()
        with self.db.begin() as conn:
            return conn.execute(
                update(inbox)
                .where(inbox.c.status == PROCESSING, inbox.c.claimed_by.not_in(_live_workers(now)))
                .values(status=PENDING, lease_until=0.0, next_attempt_at=0.0)
            ).rowcount

    def release(self, worker_id: str, item_ids: Sequence[int]) -> int:
        """Hand claimed rows back untouched (due at once, the claim's attempt not counted)."""
        if not item_ids:
            return 0
        with self.db.begin() as conn:
            return conn.execute(
                update(inbox)
                .where(
                    inbox.c.id.in_(list(item_ids)),
                    inbox.c.status == PROCESSING,
                    inbox.c.claimed_by == worker_id,
                )
                .values(
                    status=PENDING,
                    lease_until=0.0,
                    next_attempt_at=0.0,
                    attempts=inbox.c.attempts - 1,
                )
            ).rowcount

    def resume_portal(self, member_id: str) -> int:
        """After a (re)install: events waiting out an auth back-off go again now."""
        with self.db.begin() as conn:
            return conn.execute(
                update(inbox)
                .where(inbox.c.member_id == member_id, inbox.c.status == PENDING)
                .values(next_attempt_at=0.0)
            ).rowcount

    def retry_failed(self, ids: list[int] | None = None) -> int:
        """Send parked rows back to the queue (`b24app events retry`)."""
        stmt = update(inbox).where(inbox.c.status == FAILED)
        if ids:
            stmt = stmt.where(inbox.c.id.in_(ids))
        with self.db.begin() as conn:
            return conn.execute(
                stmt.values(status=PENDING, attempts=0, next_attempt_at=0.0)
            ).rowcount

    def stats(self) -> dict[str, Any]:
        """Counts per status and the age of the oldest unprocessed event."""
        with self.db.begin() as conn:
            counts: dict[str, int] = dict(
                conn.execute(select(inbox.c.status, func.count()).group_by(inbox.c.status)).all()
            )
            oldest = conn.execute(
                select(func.min(inbox.c.received_at)).where(
                    inbox.c.status.in_([PENDING, PROCESSING])
                )
            ).scalar()
        now = self.db.clock()
        return {
            "pending": counts.get(PENDING, 0),
            "processing": counts.get(PROCESSING, 0),
            "done": counts.get(DONE, 0),
            "failed": counts.get(FAILED, 0),
            "ignored": counts.get(IGNORED, 0),
            "oldest_pending_age_seconds": round(now - oldest, 3) if oldest else 0.0,
        }

    def list_rows(self, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        stmt = select(inbox).order_by(inbox.c.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(inbox.c.status == status)
        with self.db.begin() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt).all()]


def _dead_workers(now: float) -> Select[tuple[str]]:
    """Workers that did beat and then stopped: their claims are taken over at once."""
    return select(leases.c.holder).where(
        leases.c.name.like(WORKER_LEASE_PREFIX + "%"), leases.c.until < now
    )


def _live_workers(now: float) -> Select[tuple[str]]:
    """Holders of an unexpired worker heartbeat lease."""
    return select(leases.c.holder).where(
        leases.c.name.like(WORKER_LEASE_PREFIX + "%"), leases.c.until >= now
    )
