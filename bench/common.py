"""Shared helpers for bench/ and tests/proof: a real `b24app serve`, a sandbox, a client world.

The app always runs as a subprocess (real HTTP, real SQLite file, real SIGKILL). The sandbox
portal runs in this process so that a scenario can inject faults through its Python API. A
small TCP relay sits between the portal's event deliveries and the app, so that a scenario can
cut the portal → app direction too (a network partition) without stopping the app.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24app.storage.crypto import generate_key
from b24demo.stack import free_port
from b24sandbox.portal import SandboxPortal

API_TOKEN = "bench-api-token"  # noqa: S105 - loopback benchmarks only
ENCRYPTION_KEY = generate_key()

GOOD_TITLE = "Исправить опечатку на главной странице сайта №{n}"
GOOD_TEXT = (
    "На главной странице сайта в блоке «О нас» опечатка: написано «превет» вместо «привет». "
    "Нужно исправить текст; ожидаемый результат: правильное слово на странице."
)
BAD_TITLE = "Сайт {n}"
APP_USER = 1


# -- the app as a real process ---------------------------------------------------------------
class Relay:
    """A TCP relay 127.0.0.1:port → target; while `blocked`, connections are closed at once."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.blocked = False
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        threading.Thread(target=self._accept, name="relay", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self.blocked:
                conn.close()
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=60)
        except OSError:
            conn.close()
            return
        threading.Thread(target=_pump, args=(upstream, conn), daemon=True).start()
        _pump(conn, upstream)

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class AppProcess:
    """`b24app serve` as a subprocess, configured for the sandbox; killable and restartable."""

    def __init__(
        self,
        portal: SandboxPortal,
        data_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
        relay: bool = True,
        log_path: Path | None = None,
    ) -> None:
        self.portal = portal
        self.data_dir = data_dir
        self.port = free_port()
        self.relay = Relay(self.port) if relay else None
        self.public_url = self.relay.url if self.relay else f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or data_dir / "app.log"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - a harmless default for HOME
            # a benchmark of another tree (PYTHONPATH=<its copy>) runs that tree's app too
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "B24APP_DATA_DIR": str(data_dir),
            "B24APP_PUBLIC_URL": self.public_url,
            "B24_CLIENT_ID": portal.client_id,
            "B24_CLIENT_SECRET": portal.client_secret,
            "B24_OAUTH_URL": portal.oauth_token_url,
            "B24APP_WORKER_POLL_SECONDS": "0.05",
            "B24APP_CATCHUP_INTERVAL_SECONDS": "2",
            "B24APP_LOG_LEVEL": "INFO",
            "B24APP_API_TOKEN": API_TOKEN,  # /metrics and /healthz details need it
            "B24APP_ENCRYPTION_KEYS": ENCRYPTION_KEY,  # the same for every instance (PostgreSQL)
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "b24app.sqlite3"

    def start(self, timeout: float = 30.0) -> AppProcess:
        command = [
            sys.executable,
            "-c",
            "from b24app.cli.main import main; raise SystemExit(main())",
        ]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.data_dir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.starts += 1
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"b24app serve exited: {self.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                status, _ = http_get(self.url + "/healthz", timeout=1.0)
                if status in (200, 503):
                    return
            time.sleep(0.05)
        raise TimeoutError(f"b24app serve did not answer in {timeout}s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def close(self) -> None:
        self.stop()
        if self.relay:
            self.relay.close()

    def install(self) -> None:
        result = self.portal.install_app(
            f"{self.public_url}/b24/install", f"{self.public_url}/b24/app"
        )
        if result.status != 200:
            raise RuntimeError(f"install failed: {result.status} {result.error} {result.body}")

    def health(self) -> dict[str, Any]:
        _, body = http_get(self.url + "/healthz")
        return dict(json.loads(body))

    def metrics(self) -> dict[str, float]:
        _, body = http_get(self.url + "/metrics")
        return parse_metrics(body)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the app's SQLite file (WAL: readers never block the running app)."""
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=30)) as db:
            return db.execute(sql, params).fetchall()


def http_get(url: str, timeout: float = 10.0) -> tuple[int, str]:
    """GET with the bench's API token (the app's /metrics and /api are closed without it)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {API_TOKEN}"})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - loopback
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode()


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text → {name{labels}: value}."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


# -- the portal and its client ---------------------------------------------------------------
@dataclass
class World:
    """A client company on the sandbox: an extranet user in a group, and the tasks it sets."""

    portal: SandboxPortal
    client_id: int = 0
    group_id: int = 0
    good: list[int] = field(default_factory=list)
    bad: list[int] = field(default_factory=list)

    @classmethod
    def create(cls, portal: SandboxPortal) -> World:
        client = portal.add_user("Анна", "Клиентова", extranet=True)
        group = portal.add_group("ООО Ромашка", members=[client, APP_USER])
        return cls(portal, client, group)

    def add_task(self, n: int, *, good: bool | None = None) -> int:
        """Every third task breaks the regulation (short title, no text) → a refusal."""
        is_good = good if good is not None else n % 3 != 0
        title = (GOOD_TITLE if is_good else BAD_TITLE).format(n=n)
        task_id = self.portal.create_task(
            self.client_id,
            title,
            GOOD_TEXT if is_good else "",
            responsible_id=APP_USER,
            group_id=self.group_id,
        )
        (self.good if is_good else self.bad).append(task_id)
        return task_id

    @property
    def tasks(self) -> list[int]:
        return sorted(self.good + self.bad)


@dataclass(frozen=True)
class Tally:
    """The fault table's row: what went in, what came out."""

    fault: str
    events_in: int
    processed: int
    duplicates: int
    lost: int
    wrong_state: int
    seconds: float
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and self.wrong_state == 0


EXPECTED_STATE = {True: "awaiting_estimate", False: "needs_info"}


def app_comments(portal: SandboxPortal) -> dict[int, int]:
    """Comments the app's user wrote, per task (the portal's own record, not the app's)."""
    counts: dict[int, int] = {}
    with portal.core.lock:
        for comment in portal.core.state.comments.values():
            if comment.author_id == APP_USER:
                counts[comment.task_id] = counts.get(comment.task_id, 0) + 1
    return counts


def tally(fault: str, world: World, app: AppProcess, seconds: float, note: str = "") -> Tally:
    """Each task must end with exactly one app comment and the right regulation state."""
    comments = app_comments(world.portal)
    states = dict(app.query("SELECT task_id, state FROM tasks"))
    expected = dict.fromkeys(world.good, EXPECTED_STATE[True])
    expected.update(dict.fromkeys(world.bad, EXPECTED_STATE[False]))
    processed = [t for t in expected if t in states and comments.get(t, 0) >= 1]
    wrong = [t for t in processed if states[t] != expected[t]]
    duplicates = sum(max(0, comments.get(t, 0) - 1) for t in expected)
    return Tally(
        fault=fault,
        events_in=len(expected),
        processed=len(processed),
        duplicates=duplicates,
        lost=len(expected) - len(processed),
        wrong_state=len(wrong),
        seconds=round(seconds, 1),
        note=note,
    )


def wait_processed(world: World, app: AppProcess, timeout: float) -> bool:
    """Until every task has its state in the app and the inbox holds nothing unfinished."""
    deadline = time.monotonic() + timeout
    want = set(world.tasks)
    while time.monotonic() < deadline:
        world.portal.wait_idle(timeout=1.0)
        with contextlib.suppress(sqlite3.Error):
            done = {r[0] for r in app.query("SELECT task_id FROM tasks")}
            busy = app.query(
                "SELECT count(*) FROM inbox WHERE status IN ('pending', 'processing')"
            )[0][0]
            if want <= done and not busy and want <= set(app_comments(world.portal)):
                return True
        time.sleep(0.2)
    return False


@contextlib.contextmanager
def running(
    tmp: Path,
    *,
    rate_limit: tuple[float, int] | None = None,
    env: Mapping[str, str] | None = None,
    data_dir: Path | None = None,
) -> Iterator[tuple[SandboxPortal, AppProcess, World]]:
    """A started sandbox + an installed app process + a client world; all stopped after."""
    portal = SandboxPortal(rate_limit=rate_limit).start()
    app = AppProcess(portal, data_dir or tmp, env=env, log_path=tmp / "app.log")
    try:
        app.start()
        app.install()
        yield portal, app, World.create(portal)
    finally:
        app.close()
        portal.stop()


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]
