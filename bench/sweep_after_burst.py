"""The webhook-mode catch-up sweep right after a burst: how many tasks it re-reads.

    python -m bench.sweep_after_burst [--tasks 100]

A client sets `--tasks` tasks at once; the app (in this process, sandbox without a rate limit)
processes them and writes its comments. Then the sweep over `>=CHANGED_DATE` runs as the
webhook-mode catch-up does (scheduler.catchup._sweep, since one hour ago): reported are the
tasks it queued for a re-read and the REST requests of the sweep and of those re-reads. Then
someone else changes a few tasks (a later second, their events lost) and the sweep runs again:
those must be queued.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import timedelta
from pathlib import Path

from b24demo.stack import LocalStack
from bench.common import APP_USER, World
from scheduler.catchup import _sweep

CHANGED_BY_OTHERS = 5


def sweep(stack: LocalStack) -> tuple[int, int]:
    """(tasks queued, REST requests of the sweep and of processing what it queued)."""
    portal = stack.services.portals.get(stack.member_id)
    assert portal is not None  # noqa: S101 - installed just before
    before = stack.portal.count()
    queued = _sweep(stack.services, portal, stack.services.now() - timedelta(hours=1))
    stack.settle()
    return queued, stack.portal.count() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp,
        LocalStack(Path(tmp), rate_limit=None, run_worker=False) as stack,
    ):
        stack.install()
        world = World.create(stack.portal)
        tasks = [world.add_task(n) for n in range(args.tasks)]
        stack.settle()
        own = sweep(stack)
        stack.portal.advance_time(2)
        for task_id in tasks[:CHANGED_BY_OTHERS]:
            stack.portal.update_task(APP_USER, task_id, description="Уточнение от коллеги.")
        stack.portal.wait_idle()
        with stack.services.db.begin() as conn:  # their events are lost on the way
            conn.exec_driver_sql("DELETE FROM inbox WHERE status = 'pending'")
        others = sweep(stack)
    print("| sweep | tasks queued for a re-read | REST requests (sweep + re-reads) |")
    print("|---|---:|---:|")
    print(f"| right after {args.tasks} tasks the app answered | {own[0]} | {own[1]} |")
    changed = f"after {CHANGED_BY_OTHERS} of them were changed by a colleague"
    print(f"| {changed} | {others[0]} | {others[1]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
