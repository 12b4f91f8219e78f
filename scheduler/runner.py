"""Run the jobs (scheduler.jobs) as APScheduler interval ticks, only in the process that holds
the scheduler lease.

APScheduler only drives short interval ticks; the work itself is rows in our tables, claimed
atomically, and one process at a time holds the scheduler lease, so several app processes on
one database never run a job twice.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from b24app.services import Services
from scheduler.jobs import JOBS, RUN_WHEN_ELECTED, Job

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_SECONDS = 30.0


class Leader:
    """Holds the scheduler lease; a job runs only while this process holds it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.leading = False
        self.on_elected: list[Callable[[], None]] = []

    def is_leader(self) -> bool:
        """Take or renew the lease; each time this process becomes the leader (at start, or
        when it takes over from a process that died) the `on_elected` callbacks run."""
        leading = self.services.db.try_lease(LEASE_NAME, self.holder, LEASE_SECONDS)
        if leading and not self.leading:
            for callback in self.on_elected:
                callback()
        self.leading = leading
        return leading

    def release(self) -> None:
        self.services.db.release_lease(LEASE_NAME, self.holder)


def guarded(services: Services, leader: Leader, job: Job, name: str) -> Callable[[], None]:
    def run() -> None:
        if not leader.is_leader():
            return
        try:
            result = job(services)
        except Exception:
            log.exception("job %s failed", name)
            return
        if result:
            log.info("job %s: %s", name, result)

    return run


def _run_now(scheduler: BackgroundScheduler, names: tuple[str, ...]) -> None:
    for name in names:
        scheduler.modify_job(name, next_run_time=datetime.now(UTC))


def build_scheduler(services: Services) -> tuple[BackgroundScheduler, Leader]:
    """One BackgroundScheduler with every job as a leader-only interval tick."""
    scheduler = BackgroundScheduler(timezone=services.config.calendar.timezone)
    leader = Leader(services)
    for name, job, interval in JOBS:
        scheduler.add_job(
            guarded(services, leader, job, name),
            "interval",
            seconds=interval(services),
            id=name,
            max_instances=1,
            coalesce=True,
        )
    leader.on_elected.append(lambda: _run_now(scheduler, RUN_WHEN_ELECTED))
    # renew the lease between job runs, so leadership never lapses while a tick is pending;
    # the first renewal runs at once, so a new leader starts its catch-up without waiting
    scheduler.add_job(
        leader.is_leader,
        "interval",
        seconds=LEASE_SECONDS / 3,
        id="leader_heartbeat",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    return scheduler, leader
