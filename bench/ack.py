"""Event intake: acknowledgement throughput and latency of a running `b24app serve` (SQLite).

    python -m bench.ack [--rate 100] [--seconds 10] [--burst-factor 10] [--burst-seconds 2]

The sender is a bounded open loop on loopback: event i is due at start + i / rate and is sent by
one of a few keep-alive connections; latency is measured from the send to the answer. The
sandbox portal answers every REST call 3 s late during the run, so the numbers also show that
the acknowledgement never waits on the portal.
"""

from __future__ import annotations

import argparse
import http.client
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from b24sandbox.portal import SandboxPortal
from bench.common import AppProcess, percentile

SENDERS = 16


def event_body(member_id: str, token: str, task_id: int) -> str:
    return urlencode(
        {
            "event": "ONTASKADD",
            "event_handler_id": "1",
            "data[FIELDS_BEFORE]": "undefined",
            "data[FIELDS_AFTER][ID]": str(task_id),
            "ts": str(int(time.time())),
            "auth[domain]": "bench.bitrix24.ru",
            "auth[member_id]": member_id,
            "auth[application_token]": token,
        }
    )


def send_at_rate(port: int, bodies: list[str], rate: float) -> tuple[list[float], int, float]:
    """(latencies in ms, non-200 answers, wall seconds)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    next_index = [0]
    start = time.perf_counter() + 0.2

    def sender() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(bodies):
                conn.close()
                return
            due = start + i / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            sent = time.perf_counter()
            try:
                conn.request("POST", "/b24/events", body=bodies[i], headers=headers)
                answer = conn.getresponse()
                answer.read()
                ok = answer.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - sent) * 1000
            with lock:
                latencies.append(elapsed)
                failures[0] += 0 if ok else 1

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0], time.perf_counter() - start


def run(tmp: Path, rate: float, seconds: float, factor: float, burst_seconds: float) -> list[str]:
    portal = SandboxPortal(rate_limit=(2.0, 50)).start()
    app = AppProcess(portal, tmp, relay=False)
    rows = []
    try:
        app.start()
        app.install()
        portal.set_slow(3.0)  # the portal is slow: the acknowledgement must not notice
        token, member = portal.application_token, portal.member_id
        next_id = 1_000_000
        for label, r, secs in (
            ("steady", rate, seconds),
            (f"burst ×{factor:g}", rate * factor, burst_seconds),
        ):
            count = int(r * secs)
            bodies = [event_body(member, token, next_id + i) for i in range(count)]
            next_id += count
            latencies, failed, wall = send_at_rate(app.port, bodies, r)
            rows.append(
                f"| {label} | {r:g}/s × {secs:g} s | {count} | {len(latencies) / wall:.0f}/s | "
                f"{percentile(latencies, 50):.1f} | {percentile(latencies, 99):.1f} | "
                f"{max(latencies):.1f} | {failed} |"
            )
        stored = app.query("SELECT count(*) FROM inbox")[0][0]
        rows.append(f"\nstored in the inbox: {stored} rows (every acknowledged event)")
    finally:
        portal.set_slow(0)
        app.close()
        portal.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="steady events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--burst-factor", type=float, default=10.0)
    parser.add_argument("--burst-seconds", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
        rows = run(Path(tmp), args.rate, args.seconds, args.burst_factor, args.burst_seconds)
    print("| load | offered | events | achieved | p50 ms | p99 ms | max ms | non-200 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
