"""End to end: events processed per second against a portal limited to 2 requests/s (burst 50).

    python -m bench.end_to_end [--tasks 200]

A client sets `--tasks` tasks at once; a real `b24app serve` takes the events, reads each task
and writes its comment. Reported: wall time until every task has its comment, events per
second, the portal's own count of rejected requests (QUERY_LIMIT_EXCEEDED) and the busiest
windows of the request log, which must stay within the leaky bucket (50 + 2 × seconds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import running, wait_processed


def busiest(times: list[float], window: float) -> int:
    """Most requests inside any `window`-second span."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] > window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def run(tmp: Path, tasks: int) -> list[str]:
    env = {"B24APP_CATCHUP_INTERVAL_SECONDS": "60"}  # the default, not the fault suite's 2 s
    with running(tmp, rate_limit=(2.0, 50), env=env) as (portal, app, world):
        portal.reset_log()
        started = time.monotonic()
        for n in range(tasks):
            world.add_task(n)
        ok = wait_processed(world, app, timeout=tasks * 3 + 120)
        wall = time.monotonic() - started
        log = [r for r in portal.requests if r.rest_method != "oauth.token"]
        times = sorted(r.time for r in log)
        methods = Counter(m for r in log for m in (r.sub_methods or [r.rest_method or "?"]))
        rejected = sum(1 for r in log if r.error == "QUERY_LIMIT_EXCEEDED")
        events = app.query("SELECT count(*) FROM inbox WHERE status IN ('done', 'ignored')")[0][0]
        waited = app.metrics().get("b24app_rest_rate_limit_wait_seconds_total", 0)
    span = (times[-1] - times[0]) if len(times) > 1 else 1.0
    return [
        f"| tasks set at once | {tasks} (all processed: {'yes' if ok else 'NO'}) |",
        f"| events processed (task adds + the app's own comment events) | {events} |",
        f"| wall time until every task has its comment | {wall:.1f} s |",
        f"| client events per second | {tasks / wall:.2f} |",
        f"| REST requests | {len(log)} ({len(log) / tasks:.2f} per task) |",
        f"| mean request rate | {len(log) / span:.2f}/s |",
        f"| busiest 1 s / 10 s / 60 s | {busiest(times, 1)} / {busiest(times, 10)} / "
        f"{busiest(times, 60)} (bucket allows 52 / 70 / 170) |",
        f"| commands by method | {', '.join(f'{m} {n}' for m, n in methods.most_common())} |",
        f"| QUERY_LIMIT_EXCEEDED answers from the portal | {rejected} |",
        f"| app rate-limit waits | {waited} s |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        rows = run(Path(tmp), args.tasks)
    print("| measure | value |\n|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
