"""Acknowledgement against its floor, side by side in one run, measured with wrk.

    python -m bench.ack_wrk [--seconds 10] [--connections 4] [--rounds 2]

Two servers, one after the other, each hammered by wrk (2 threads, `--connections` keep-alive
connections) with valid ONTASKADD bodies (a new task id every request, so every one is stored):

- **floor**: the least durable acknowledgement on the same stack: waitress (8 threads) + Flask
  parsing the form, checking the application token with `hmac.compare_digest` and one SQLite
  INSERT (WAL, synchronous=NORMAL, one connection shared under a lock) before the 200;
- **b24app serve**: webhook mode, SQLite, the worker off (`B24APP_WORKER_ENABLED=off`), the
  scheduler on as in production.

The rounds alternate the two servers so that the machine's other load falls on both.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from b24app.storage.crypto import generate_key
from b24demo.stack import free_port

TOKEN = "bench-application-token"  # noqa: S105 - loopback benchmark only
MEMBER_ID = "bench-member"
WEBHOOK_URL = "http://127.0.0.1:9/rest/1/bench-webhook-secret/"  # never called: worker off

WRK_SCRIPT = """
counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  counter = counter + 1
  local id = tostring(counter * 1000 + math.random(0, 999))
  local body = "event=ONTASKADD&event_handler_id=1&data%%5BFIELDS_BEFORE%%5D=undefined"
    .. "&data%%5BFIELDS_AFTER%%5D%%5BID%%5D=" .. id .. "&ts=" .. tostring(os.time())
    .. "&auth%%5Bdomain%%5D=bench.bitrix24.ru&auth%%5Bmember_id%%5D=%(member)s"
    .. "&auth%%5Bapplication_token%%5D=%(token)s"
  return wrk.format(nil, "/b24/events", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%%d errors=%%d non2xx=%%d p50=%%.3f p99=%%.3f\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""

FLOOR_APP = """
import hmac, json, sqlite3, sys, threading, time
from flask import Flask, jsonify, request
from waitress import serve

TOKEN, DB = sys.argv[1], sys.argv[2]
lock = threading.Lock()
setup = sqlite3.connect(DB)
setup.execute("PRAGMA journal_mode=WAL")
setup.execute(
    "CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, dedup_key TEXT UNIQUE, "
    "member_id TEXT, event TEXT, task_id INTEGER, payload TEXT, received_at REAL)"
)
setup.commit()
setup.close()
app = Flask(__name__)


conn = sqlite3.connect(DB, timeout=30, isolation_level=None, check_same_thread=False)
conn.execute("PRAGMA synchronous=NORMAL")


@app.post("/b24/events")
def events():
    form = request.form
    if not hmac.compare_digest(form.get("auth[application_token]", "").encode(), TOKEN.encode()):
        return jsonify({"error": "invalid_application_token"}), 401
    task_id = int(form["data[FIELDS_AFTER][ID]"])
    row = (
        f"{form['event']}:{task_id}:{form['ts']}",
        form["auth[member_id]"],
        form["event"],
        task_id,
        json.dumps({"FIELDS_AFTER": {"ID": str(task_id)}}),
        time.time(),
    )
    with lock:  # one connection, one writer at a time: no busy-handler sleeps
        conn.execute(
            "INSERT OR IGNORE INTO inbox (dedup_key, member_id, event, task_id, payload,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?)",
            row,
        )
    return jsonify({"status": "queued"})


serve(app, host="127.0.0.1", port=int(sys.argv[3]), threads=8, _quiet=True)
"""


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def start_floor(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    script = tmp / "floor.py"
    script.write_text(FLOOR_APP, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), TOKEN, str(tmp / "floor.sqlite3"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, port


def start_app(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    data_dir = tmp / "app"
    data_dir.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - a harmless default
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # another tree's app (bench.common)
        "B24APP_DATA_DIR": str(data_dir),
        "B24_WEBHOOK_URL": WEBHOOK_URL,
        "B24_APPLICATION_TOKEN": TOKEN,
        "B24APP_WORKER_ENABLED": "off",
        "B24APP_ENCRYPTION_KEYS": generate_key(),
        "B24APP_LOG_LEVEL": "WARNING",
    }
    command = "from b24app.cli.main import main; raise SystemExit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=data_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / "app.log").open("ab"),
    )
    wait_port(port, proc)
    return proc, port


def run_wrk(port: int, script: Path, seconds: int, connections: int) -> dict[str, float]:
    answer = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/b24/events",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(
        r"RESULT requests=(\d+) errors=(\d+) non2xx=(\d+) p50=([\d.]+) p99=([\d.]+)", answer.stdout
    )
    if match is None:
        raise RuntimeError(f"wrk said: {answer.stdout} {answer.stderr}")
    requests, errors, non2xx = (int(match.group(i)) for i in (1, 2, 3))
    return {
        "acks": (requests - errors) / seconds,
        "errors": errors,
        "non2xx": non2xx,
        "p50": float(match.group(4)),
        "p99": float(match.group(5)),
    }


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ack-wrk-") as raw_tmp:
        tmp = Path(raw_tmp)
        script = tmp / "events.lua"
        script.write_text(WRK_SCRIPT % {"member": MEMBER_ID, "token": TOKEN}, encoding="utf-8")
        floor, floor_port = start_floor(tmp)
        app, app_port = start_app(tmp)
        try:
            for _ in range(args.rounds):
                for label, port in (("floor", floor_port), ("b24app serve", app_port)):
                    run_wrk(port, script, 2, args.connections)  # warm up
                    rows.append((label, run_wrk(port, script, args.seconds, args.connections)))
        finally:
            stop(floor)
            stop(app)
    print("| server | acks/s | p50 ms | p99 ms | errors | non-2xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, r in rows:
        print(
            f"| {label} | {r['acks']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{r['errors']:.0f} | {r['non2xx']:.0f} |"
        )
    for label in ("floor", "b24app serve"):
        mine = [r for name, r in rows if name == label]
        acks = sum(r["acks"] for r in mine) / len(mine)
        p99 = sum(r["p99"] for r in mine) / len(mine)
        print(f"{label}: mean {acks:.0f} acks/s, mean p99 {p99:.1f} ms")
    floor_rows = [r for name, r in rows if name == "floor"]
    app_rows = [r for name, r in rows if name == "b24app serve"]
    ratio = sum(r["acks"] for r in app_rows) / sum(r["acks"] for r in floor_rows)
    p99_ratio = (sum(r["p99"] for r in app_rows) / len(app_rows)) / (
        sum(r["p99"] for r in floor_rows) / len(floor_rows)
    )
    print(f"b24app serve / floor: {ratio:.0%} of the acks/s, p99 × {p99_ratio:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
