"""The fault suite: real `b24app serve` processes against the sandbox portal, one fault each.

    python -m bench.faults            # short durations (as in pytest), about two minutes
    python -m bench.faults --full     # the issue's durations: 1 min of 503, 10 min outage,
                                      # 1 000 events under kill -9; about 20 minutes
    python -m bench.faults --full --write RELIABILITY.md   # also refresh the table there

Every row counts the client tasks created (events in), the tasks the app finished with the
expected regulation state and comment (processed), extra comments on a task (duplicates) and
tasks without their comment or state (lost). Each task must get exactly one comment.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import AppProcess, Tally, running, tally, wait_processed

FAST_APP = {"B24APP_REQUESTS_PER_SECOND": "200", "B24APP_BURST": "200"}


@dataclass(frozen=True)
class Scale:
    """How long each fault lasts and how much traffic it sees."""

    rate_limit_seconds: float = 4.0
    outage_seconds: float = 6.0
    tasks: int = 12
    kill_events: int = 120
    kills: int = 4
    settle_seconds: float = 90.0


SHORT = Scale()
FULL = Scale(
    rate_limit_seconds=60.0,
    outage_seconds=600.0,
    tasks=40,
    kill_events=1000,
    kills=12,
    settle_seconds=1200.0,
)


def rate_limited(tmp: Path, scale: Scale) -> Tally:
    """The portal answers 503 QUERY_LIMIT_EXCEEDED to every REST request for a while."""
    started = time.monotonic()
    with running(tmp, rate_limit=(2.0, 50)) as (portal, app, world):
        portal.fail_next(
            "*",
            status=503,
            error="QUERY_LIMIT_EXCEEDED",
            description="Too many requests",
            times=10**9,
        )
        fault_until = time.monotonic() + scale.rate_limit_seconds
        for n in range(scale.tasks):
            world.add_task(n)
        portal.wait_idle(30)
        acked = len(portal.failed_deliveries) == 0
        time.sleep(max(0.0, fault_until - time.monotonic()))
        portal.clear_faults()
        wait_processed(world, app, scale.settle_seconds)
        limited = app.metrics().get("b24app_rest_rate_limited_total", 0)
        note = f"{scale.rate_limit_seconds:.0f}s of 503; {limited:.0f} rate-limit answers"
        note += "" if acked else "; SOME EVENTS NOT ACKNOWLEDGED"
        return tally("503 QUERY_LIMIT_EXCEEDED", world, app, time.monotonic() - started, note)


def outage(tmp: Path, scale: Scale) -> Tally:
    """Portal unreachable both ways: REST fails, online events are lost, the offline queue keeps
    them; half the tasks were already in the inbox when the outage began."""
    started = time.monotonic()
    with running(tmp) as (portal, app, world):
        half = scale.tasks // 2
        portal.set_unreachable(scale.outage_seconds)
        assert app.relay is not None  # noqa: S101 - running() always builds the relay
        for n in range(half):
            world.add_task(n)
        portal.wait_idle(30)
        app.relay.blocked = True
        for n in range(half, scale.tasks):
            world.add_task(n)
        portal.wait_idle(30)
        lost_online = len(portal.failed_deliveries)
        time.sleep(max(0.0, scale.outage_seconds - (time.monotonic() - started) + 1))
        app.relay.blocked = False
        wait_processed(world, app, scale.settle_seconds + scale.outage_seconds)
        note = (
            f"{scale.outage_seconds:.0f}s unreachable; {lost_online} online deliveries lost, "
            "recovered from the offline queue"
        )
        return tally("portal unreachable", world, app, time.monotonic() - started, note)


def token_expiry(tmp: Path, scale: Scale) -> Tally:
    """Every access token expires while events are being processed (and one batch is refused
    with expired_token in flight)."""
    started = time.monotonic()
    with running(tmp) as (portal, app, world):
        for n in range(scale.tasks):
            world.add_task(n)
            if n == scale.tasks // 3:
                portal.expire_tokens()
            if n == 2 * scale.tasks // 3:
                portal.fail_next("batch", status=401, error="expired_token", times=1)
        wait_processed(world, app, scale.settle_seconds)
        refreshes = app.metrics().get("b24app_token_refreshes_total", 0)
        note = f"{refreshes:.0f} refreshes"
        return tally("access token expires mid-batch", world, app, time.monotonic() - started, note)


def refresh_revoked(tmp: Path, scale: Scale) -> Tally:
    """The refresh token is refused: the app says it needs reinstalling, keeps the events, and
    processes them promptly once the portal reinstalls it."""
    started = time.monotonic()
    with running(tmp) as (portal, app, world):
        portal.revoke_refresh_tokens()
        portal.expire_tokens()
        for n in range(scale.tasks):
            world.add_task(n)
        health = _wait_for(lambda: _needs_reinstall(app), 30)
        kept = app.query("SELECT count(*) FROM inbox WHERE status = 'pending'")[0][0]
        reinstall_at = time.monotonic()
        app.install()
        wait_processed(world, app, scale.settle_seconds)
        resumed = time.monotonic() - reinstall_at
        note = (
            f"healthz {'degraded, needs_reinstall' if health else 'NOT DEGRADED'}; "
            f"{kept} events kept; all done {resumed:.1f}s after reinstall"
        )
        return tally("refresh token revoked", world, app, time.monotonic() - started, note)


def _needs_reinstall(app: AppProcess) -> bool:
    health = app.health()
    portals = health.get("portals") or [{}]
    return health.get("status") == "degraded" and portals[0].get("status") == "needs_reinstall"


def _wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if check():
                return True
        time.sleep(0.1)
    return False


def kill9(tmp: Path, scale: Scale, seed: int = 8) -> Tally:
    """SIGKILL at random moments while events stream in; restart each time."""
    rng = random.Random(seed)
    started = time.monotonic()
    with running(tmp, env=FAST_APP) as (portal, app, world):
        done = threading.Event()

        def produce() -> None:
            for n in range(scale.kill_events):
                world.add_task(n)
                time.sleep(0.01)
            done.set()

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        kills = 0
        while kills < scale.kills or not done.is_set():
            time.sleep(rng.uniform(0.3, 2.0))
            app.kill()
            kills += 1
            app.start()
        producer.join()
        wait_processed(world, app, scale.settle_seconds)
        note = f"{kills} kills; {len(portal.failed_deliveries)} deliveries hit a dead process"
        return tally("kill -9 while processing", world, app, time.monotonic() - started, note)


def disk_full(tmp: Path, scale: Scale) -> Tally:
    """The database's file system fills up: events are answered 503 (never 200 unstored); after
    space is freed, the offline queue brings them back."""
    mount = tmp / "tiny"
    mount.mkdir()
    if not _mount_tmpfs(mount, "8m"):
        raise RuntimeError("cannot mount a tmpfs (needs root); the disk-full fault is skipped")
    started = time.monotonic()
    try:
        with running(tmp, data_dir=mount / "data") as (portal, app, world):
            world.add_task(0)
            wait_processed(world, app, 30)
            filler = mount / "filler"
            _fill(filler)
            for n in range(1, scale.tasks + 1):
                world.add_task(n)
            portal.wait_idle(60)
            refused = [d.status for d in portal.failed_deliveries]
            filler.unlink()
            wait_processed(world, app, scale.settle_seconds)
            note = f"{refused.count(503)} of {len(refused)} refused deliveries answered 503"
            if any(s != 503 for s in refused):
                note += f" (others: {sorted({str(s) for s in refused if s != 503})})"
            return tally("disk full", world, app, time.monotonic() - started, note)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _mount_tmpfs(path: Path, size: str) -> bool:
    if not shutil.which("mount"):
        return False
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        check=False,
        capture_output=True,
    )
    return result.returncode == 0


def _fill(path: Path) -> None:
    """Fill the file system; it may be full already (the app's own writes), so even opening
    the filler may fail with ENOSPC."""
    try:
        with path.open("wb") as out:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
    except OSError:
        pass


SCENARIOS: dict[str, Callable[[Path, Scale], Tally]] = {
    "rate_limited": rate_limited,
    "outage": outage,
    "token_expiry": token_expiry,
    "refresh_revoked": refresh_revoked,
    "kill9": kill9,
    "disk_full": disk_full,
}


def table(rows: list[Tally]) -> str:
    lines = [
        "| fault | events in | processed | duplicates | lost | wrong state | seconds | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.fault} | {r.events_in} | {r.processed} | {r.duplicates} | {r.lost} | "
        f"{r.wrong_state} | {r.seconds} | {r.note} |"
        for r in rows
    ]
    return "\n".join(lines)


BEGIN, END = "<!-- fault-table:begin -->", "<!-- fault-table:end -->"


def write_table(path: Path, text: str, command: str) -> None:
    body = path.read_text(encoding="utf-8")
    head, _, rest = body.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n`{command}`\n\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's full durations")
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--write", type=Path, help="replace the fault table in this file")
    args = parser.parse_args(argv)
    scale = FULL if args.full else SHORT
    rows = []
    for name in args.only or list(SCENARIOS):
        with tempfile.TemporaryDirectory(prefix=f"fault-{name}-") as tmp:
            print(f"running {name} …", flush=True)
            rows.append(SCENARIOS[name](Path(tmp), scale))
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    text = table(rows)
    print(text)
    if args.write:
        command = "python -m bench.faults" + (" --full" if args.full else "")
        write_table(args.write, text, command)
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
