"""The app and a sandbox portal on free loopback ports, wired together (demo and tests)."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from b24app.app import create_app
from b24app.bitrix.limits import RetryPolicy
from b24app.config.settings import Settings
from b24app.services import Services
from b24app.worker import Worker
from b24sandbox.portal import SandboxPortal
from rules.regulation import AppConfig
from scheduler.jobs import JOBS

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalStack:
    """Sandbox portal + app (waitress, worker thread) in this process."""

    def __init__(
        self,
        data_dir: Path,
        *,
        config: AppConfig | None = None,
        rate_limit: tuple[float, int] | None = (2.0, 50),
        settings: dict[str, Any] | None = None,
        run_worker: bool = True,
        clock: Any = None,
        use_portal_clock: bool = False,
        retry: RetryPolicy | None = None,
        **sandbox_options: Any,
    ) -> None:
        self.portal = SandboxPortal(rate_limit=rate_limit, **sandbox_options)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = Settings(
            data_dir=data_dir,
            public_url=self.url,
            client_id=self.portal.client_id,
            client_secret=self.portal.client_secret,
            oauth_url=self.portal.oauth_token_url,
            worker_poll_seconds=0.05,
            api_token=secrets.token_urlsafe(24),  # /api and /metrics are closed without one
        )
        self.settings = dataclasses.replace(base, **(settings or {}))
        if use_portal_clock:
            clock = self.portal.clock.now  # one timeline: moving the portal's time moves ours
        extra = {"clock": clock} if clock else {}
        self.services = Services(
            self.settings,
            config or AppConfig(),
            retry=retry or RetryPolicy(attempts=8, base_delay=0.2, max_delay=2.0),
            **extra,
        )
        self.worker = Worker(self.services)
        self.app = create_app(self.services, wakeup=self.worker.wakeup.set)
        self._http_sockets: dict[int, Any] = {}  # waitress's socket map: its loop runs while any
        self._server = create_server(
            self.app, map=self._http_sockets, host="127.0.0.1", port=self.port, threads=8
        )
        self._stop = threading.Event()
        self._http_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self.run_worker = run_worker

    def start(self) -> LocalStack:
        self.portal.start()
        self._http_thread = threading.Thread(target=self._serve, name="app-http", daemon=True)
        self._http_thread.start()
        if self.run_worker:
            worker = threading.Thread(target=self.worker.run, args=(self._stop,), daemon=True)
            worker.start()
            self._threads.append(worker)
        return self

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stop.is_set():  # closing the server under waitress's loop is expected
                raise

    def install(self, *, ui: bool = False) -> None:
        """Install the app into the sandbox the way a real portal does."""
        result = self.portal.install_app(f"{self.url}/b24/install", f"{self.url}/b24/app", ui=ui)
        if ui:
            self.portal.install_finish()
        log.info("install answered %s", getattr(result, "status", result))

    @property
    def auth(self) -> dict[str, str]:
        """Headers for /api/*, /metrics and /healthz details."""
        return {"Authorization": f"Bearer {self.settings.api_token}"}

    @property
    def member_id(self) -> str:
        return self.portal.member_id

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the portal delivered every event and the inbox is empty, seen twice 50 ms
        apart: the echo of the app's own write may be on its way, or just claimed, at one look."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.portal.wait_idle(timeout=max(0.1, deadline - time.monotonic()))
            if not self.run_worker:
                self.worker.drain_all()
            if self._quiet():
                time.sleep(0.05)
                if self._quiet():
                    return
            time.sleep(0.02)
        raise TimeoutError(f"events still pending after {timeout}s: {self.services.inbox.stats()}")

    def _quiet(self) -> bool:
        """No row pending or in processing, and no event on its way from the portal."""
        stats = self.services.inbox.stats()
        return stats["pending"] == 0 and stats["processing"] == 0 and self.portal.wait_idle(0)

    def tick(self) -> None:
        """One run of every scheduled job, as the scheduler's interval ticks would do."""
        for _, job, _ in JOBS:
            job(self.services)

    def stop(self) -> None:
        self.portal.stop()  # first: no more events arrive while the app shuts down
        self._stop.set()
        self.worker.wakeup.set()
        self._stop_http()
        for thread in self._threads:
            thread.join(timeout=5)
        self.services.close()

    def _stop_http(self) -> None:
        """Stop waitress at once: its loop sleeps up to 1 s in select(), so wake it with its
        trigger and let it close every socket itself (its map empties, so `run()` returns)."""
        self._server.task_dispatcher.shutdown()
        if self._http_thread is not None and self._http_thread.is_alive():
            self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._http_sockets))
            self._http_thread.join(timeout=5)
        wasyncore.close_all(self._http_sockets)  # never started, or the loop did not wake

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
