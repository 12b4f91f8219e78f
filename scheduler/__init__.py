"""Timed jobs: SLA clocks, warranty expiry, token upkeep, catch-up of missed events.

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
from scheduler.bindings import INTERVAL_SECONDS as BINDINGS_INTERVAL
from scheduler.bindings import refresh_bindings
from scheduler.catchup import catch_up
from scheduler.package_usage import INTERVAL_SECONDS as PACKAGE_USAGE_INTERVAL
from scheduler.package_usage import check_package_usage
from scheduler.sla import (
    SLA_TICK_SECONDS,
    TIME_REFRESH_SECONDS,
    WARRANTY_TICK_SECONDS,
    check_sla_clocks,
    expire_warranties,
    refresh_time_entries,
)
from scheduler.tokens import keep_tokens_alive

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_SECONDS = 30.0

Job = Callable[[Services], object]


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


JOBS: list[tuple[str, Job, Callable[[Services], int]]] = [
    ("refresh_bindings", refresh_bindings, lambda s: BINDINGS_INTERVAL),
    ("catch_up", catch_up, lambda s: s.settings.catchup_interval_seconds),
    ("keep_tokens_alive", keep_tokens_alive, lambda s: 24 * 3600),
    ("check_package_usage", check_package_usage, lambda s: PACKAGE_USAGE_INTERVAL),
    ("check_sla_clocks", check_sla_clocks, lambda s: SLA_TICK_SECONDS),
    ("expire_warranties", expire_warranties, lambda s: WARRANTY_TICK_SECONDS),
    ("refresh_time_entries", refresh_time_entries, lambda s: TIME_REFRESH_SECONDS),
]


# jobs that also run as soon as a process becomes the leader (at start, or taking over from one
# that died): plans and bindings may have changed meanwhile, and what was missed waits in the
# offline queue
RUN_WHEN_ELECTED = ("refresh_bindings", "catch_up")


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
