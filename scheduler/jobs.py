"""The job table: every timed job with its interval (scheduler.runner runs them)."""

from __future__ import annotations

from collections.abc import Callable

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

Job = Callable[[Services], object]

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
