"""SandboxPortal: a local HTTP server that behaves like a Bitrix24 cloud portal for our app."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from b24sandbox.clock import Clock
from b24sandbox.control import handle_control
from b24sandbox.core import PortalCore
from b24sandbox.delivery import Deliverer, Delivery
from b24sandbox.events import Endpoints, EventBus
from b24sandbox.faults import Faults
from b24sandbox.http import SandboxServer
from b24sandbox.install import InstallActions
from b24sandbox.model import AccessToken, Department, Notification, User
from b24sandbox.oauth import Tokens
from b24sandbox.ratelimit import LeakyBucket
from b24sandbox.reqlog import LoggedRequest, RequestLog
from b24sandbox.rest import Rest
from b24sandbox.state import PortalState
from b24sandbox.ui import UiActions

log = logging.getLogger(__name__)


class SandboxPortal(UiActions, InstallActions):
    """The stand-in portal: its state, its HTTP face, its event delivery and its faults."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rate_limit: tuple[float, int] | None = (2.0, 50),
        token_ttl: int = 3600,
        domain: str | None = None,
        state_file: Path | None = None,
        delivery_delay: float = 0.0,
        delivery_timeout: float = 5.0,
        add_app_to_chats: bool = False,
        time_entry_fires_update: bool = False,
        features: dict[str, bool] | None = None,
        app_scopes: tuple[str, ...] | list[str] | None = None,
    ) -> None:
        loaded = state_file is not None and state_file.exists()
        state = PortalState.load(state_file) if loaded and state_file else PortalState()
        self.clock = Clock()
        self.clock.set_offset(state.clock_offset)
        self._server = SandboxServer((host, port), self)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self.domain = domain or f"{host}:{self._server.server_address[1]}"
        self.delivery_timeout = delivery_timeout
        tokens = Tokens(state, self.clock, token_ttl)
        self.deliverer = Deliverer(self.clock, delay=delivery_delay, timeout=delivery_timeout)
        endpoints = Endpoints(self.domain, self.rest_url, self.rest_url)
        bus = EventBus(state, self.clock, tokens, self.deliverer, endpoints)
        self.core = PortalCore(state, self.clock, tokens, bus, self.deliverer, state_file)
        self.core.options.add_app_to_chats = add_app_to_chats
        self.core.options.time_entry_fires_update = time_entry_fires_update
        if features:
            state.features.update({str(k): bool(v) for k, v in features.items()})
        if app_scopes is not None:
            state.app_scopes = list(app_scopes)
        self.faults = Faults(self.clock)
        self.bucket = LeakyBucket(self.clock, *rate_limit) if rate_limit else None
        self.rest = Rest(self.core, self.bucket, self.faults)
        self.log = RequestLog()
        self._thread: threading.Thread | None = None
        if not loaded:
            self._seed()

    def _seed(self) -> None:
        """User 1 = admin employee «Администратор» in department 1 from the start."""
        state = self.core.state
        state.departments[1] = Department(state.next_id("departments"), "Компания")
        state.users[1] = User(
            state.next_id("users"),
            "Администратор",
            admin=True,
            departments=[1],
            date_register=self.clock.now(),
        )
        self.core.save()

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> SandboxPortal:
        self.deliverer.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()
        self.deliverer.stop()

    def __enter__(self) -> SandboxPortal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses and credentials ---------------------------------------------------------
    @property
    def rest_url(self) -> str:
        return self.url + "/rest/"

    @property
    def oauth_token_url(self) -> str:
        return self.url + "/oauth/token/"

    @property
    def member_id(self) -> str:
        return self.core.state.member_id

    @property
    def client_id(self) -> str:
        return self.core.state.client_id

    @property
    def client_secret(self) -> str:
        return self.core.state.client_secret

    @property
    def application_token(self) -> str:
        return self.core.state.install.application_token

    def webhook_url(
        self, user_id: int = 1, scopes: tuple[str, ...] | list[str] | None = None
    ) -> str:
        """§1.1 incoming webhook: /rest/{user_id}/{secret}/ acting as that user, with the scopes
        ticked in its form (default `task, user_basic, im`, as the README asks; `scopes`
        replaces them for this user's webhook)."""
        with self.core.lock:
            secret = self.core.state.webhook_secret(user_id)
            if scopes is not None:
                self.core.state.webhook_scopes[user_id] = list(scopes)
            self.core.save()
        return f"{self.url}/rest/{user_id}/{secret}/"

    # --- plan features ----------------------------------------------------------------------
    @property
    def features(self) -> dict[str, bool]:
        """feature.get codes → on/off (default: both documented codes on, a Professional plan)."""
        with self.core.lock:
            return dict(self.core.state.features)

    def set_feature(self, code: str, on: bool) -> None:
        """Switch a plan feature (`rest_offline_extended`, `rest_auth_connector`, …)."""
        with self.core.lock:
            self.core.state.features[str(code)] = bool(on)
            self.core.save()

    def set_app_scopes(self, scopes: tuple[str, ...] | list[str]) -> None:
        """The scopes the admin gave the local app (tokens carry them at once)."""
        with self.core.lock:
            self.core.state.app_scopes = list(scopes)
            self.core.save()

    def issue_token(self, user_id: int = 1) -> AccessToken:
        """A fresh OAuth pair for `user_id`, as if that user opened the app."""
        with self.core.lock:
            access = self.core.tokens.issue(user_id)
            self.core.save()
            return access

    def oauth_response(self, access: AccessToken) -> dict[str, Any]:
        """§2 token response; `domain` is the auth server (here: the sandbox itself)."""
        return {
            "access_token": access.token,
            "refresh_token": access.refresh_token,
            "expires": int(access.expires),
            "expires_in": self.core.tokens.ttl,
            "scope": ",".join(self.core.state.app_scopes),
            "domain": self.url.split("://", 1)[1],
            "server_endpoint": self.rest_url,
            "status": "L",
            "client_endpoint": self.rest_url,
            "member_id": self.member_id,
            "user_id": access.user_id,
        }

    # --- clock and tokens ------------------------------------------------------------------
    def advance_time(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.core.save()

    def expire_tokens(self) -> None:
        with self.core.lock:
            self.core.tokens.expire_all()
            self.core.save()

    def revoke_refresh_tokens(self) -> None:
        with self.core.lock:
            self.core.tokens.revoke_refresh()
            self.core.save()

    # --- the control API (/_sandbox/<action>) -----------------------------------------------
    def control(self, action: str, http_method: str, body: bytes, query: str) -> tuple[int, Any]:
        """The seed/UI API for other processes (b24sandbox.control)."""
        return handle_control(self, action, http_method, body, query)

    # --- faults and limits -----------------------------------------------------------------
    def fail_next(
        self, method: str, *, status: int, error: str, description: str = "", times: int = 1
    ) -> None:
        """Script an error: `method` ("*" any request, "batch" the batch request itself)."""
        self.faults.fail_next(
            method, status=status, error=error, description=description, times=times
        )

    def set_unreachable(self, seconds: float) -> None:
        self.faults.set_unreachable(seconds)

    def set_slow(self, seconds: float) -> None:
        self.faults.slow_seconds = seconds

    def set_operating_limit(self, method: str, seconds: float | None) -> None:
        """§11: past `seconds` of summed execution the method answers 429 OPERATION_TIME_LIMIT."""
        if seconds is None:
            self.core.meter.limits.pop(method.lower(), None)
        else:
            self.core.meter.limits[method.lower()] = seconds

    def charge_operating(self, method: str, seconds: float) -> None:
        self.core.meter.charge(method.lower(), seconds, force=True)

    def set_rate_limit(self, rate_limit: tuple[float, int] | None) -> None:
        self.bucket = LeakyBucket(self.clock, *rate_limit) if rate_limit else None
        self.rest.bucket = self.bucket

    def clear_faults(self) -> None:
        self.faults.clear()
        self.core.meter.limits.clear()

    # --- observation -----------------------------------------------------------------------
    @property
    def requests(self) -> list[LoggedRequest]:
        return self.log.entries()

    def requests_for(self, method: str) -> list[LoggedRequest]:
        return self.log.requests_for(method)

    def count(self, method: str | None = None) -> int:
        return self.log.count(method)

    def reset_log(self) -> None:
        self.log.reset()

    @property
    def failed_deliveries(self) -> list[Delivery]:
        return list(self.deliverer.failed)

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.deliverer.delivered)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.deliverer.wait_idle(timeout)

    def notifications(self, user_id: int | None = None) -> list[Notification]:
        with self.core.lock:
            notes = sorted(self.core.state.notifications.values(), key=lambda n: n.id)
        return [n for n in notes if user_id is None or n.user_id == user_id]

    def snapshot(self) -> dict[str, Any]:
        with self.core.lock:
            data = self.core.state.to_json()
        for secret in ("client_secret", "access_tokens", "refresh_tokens", "webhook_secrets"):
            data.pop(secret, None)
        return data
