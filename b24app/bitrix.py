"""The one place that talks Bitrix24 REST: fast-bitrix24 over aiohttp, with our retry policy.

fast-bitrix24 gives the leaky-bucket throttle and the per-method operating-time window. It is
not thread-safe and hides Bitrix error bodies behind aiohttp exceptions, so every call runs on
one event loop owned by a dedicated thread, through an aiohttp session that does not raise for
status: we read Bitrix's `{"error", "error_description"}` ourselves and decide here what is
retried (503 QUERY_LIMIT_EXCEEDED, 5xx), what waits for the method's operating-time window
(429 OPERATION_TIME_LIMIT), what refreshes the token (401 expired_token) and what is a typed
error for the caller.

`auth_connector` (the offline-queue source key) goes at the TOP LEVEL of a request, never
inside a batch command: the core reads it only there and batch commands inherit the outer
request's auth (core: modules/rest/lib/oauth/auth.php Auth::onRestCheckAuth,
modules/rest/classes/general/rest_provider.php CRestProvider::methodsBatch).
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from fast_bitrix24 import BitrixAsync
from fast_bitrix24.utils import http_build_query

log = logging.getLogger(__name__)

# fast-bitrix24 logs call arguments (tokens included) at INFO: keep it quiet.
logging.getLogger("fast_bitrix24").setLevel(logging.WARNING)
logging.getLogger("fast_bitrix24").propagate = False

CALL_TIMEOUT_SECONDS = 120.0
RETRYABLE_CODES = frozenset({"QUERY_LIMIT_EXCEEDED", "INTERNAL_SERVER_ERROR", "OVERLOAD_LIMIT"})
OPERATING_LIMIT = "OPERATION_TIME_LIMIT"
# An operating-time block shorter than this is waited out in place; a longer one goes back to
# the inbox with its retry time (a block can last up to 10 minutes: docs limits.md).
OPERATING_WAIT_IN_PLACE_SECONDS = 5.0
WRONG_LICENSE = "WRONG_LICENSE"
TOKEN_CODES = frozenset({"expired_token", "invalid_token", "NO_AUTH_FOUND"})


class BitrixError(Exception):
    """A Bitrix24 error answer: its code and description."""

    def __init__(self, code: str, description: str = "", *, method: str = "") -> None:
        super().__init__(f"{method}: {code}: {description}" if method else f"{code}: {description}")
        self.code = code
        self.description = description
        self.method = method


class RateLimitedError(BitrixError):
    """The portal kept answering QUERY_LIMIT_EXCEEDED/OPERATION_TIME_LIMIT after our retries."""

    def __init__(
        self, code: str, description: str = "", *, method: str = "", retry_after: float = 60.0
    ):
        super().__init__(code, description, method=method)
        self.retry_after = retry_after


class PortalUnavailableError(BitrixError):
    """The portal could not be reached or kept failing with 5xx."""


class AuthRevokedError(BitrixError):
    """The tokens cannot be refreshed (invalid_grant, app uninstalled): reinstall is needed."""


class LicenseRefusedError(BitrixError):
    """403 WRONG_LICENSE: the portal's plan lacks a feature the request used (core:
    modules/rest/lib/licenseexception.php); e.g. `auth_connector` below the Professional plan."""

    @property
    def feature(self) -> str:
        """The plan feature refused, read from the core's message ('' when not recognised)."""
        if "auth_connector" in self.description:
            return "rest_auth_connector"
        if "offline" in self.description:
            return "rest_offline_extended"
        return ""


class AccessDeniedError(BitrixError):
    """The app's user may not do this (ACCESS_DENIED, ACCESS_ERROR, insufficient_scope, …)."""


ACCESS_CODES = frozenset(
    {
        "ACCESS_DENIED",
        "ACCESS_ERROR",
        "insufficient_scope",
        "INVALID_CREDENTIALS",
        "user_access_error",
    }
)


class TokenSource(Protocol):
    """Gives the current access token and refreshes it once a call says it expired."""

    def access_token(self) -> str: ...

    def refresh(self, rejected_token: str) -> str: ...


@dataclass(slots=True)
class RetryPolicy:
    """How hard to try before giving the error back to the inbox (which retries later)."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        jitter = 0.5 + random.random() / 2  # noqa: S311 - jitter, not security
        return float(min(self.max_delay, self.base_delay * 2**attempt) * jitter)


@dataclass(slots=True)
class CallStats:
    """Counters for /metrics and the benchmarks."""

    requests: int = 0
    batch_commands: int = 0
    retries: int = 0
    rate_limited: int = 0
    rate_limit_wait_seconds: float = 0.0
    shared_throttle_wait_seconds: float = 0.0  # waits for the bucket shared by all instances
    refreshes: int = 0
    errors: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


class LoopThread:
    """One asyncio loop in a daemon thread; every fast-bitrix24 call runs here."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="bitrix-loop", daemon=True
        )
        self._thread.start()

    def run(self, coro: Any, timeout: float = CALL_TIMEOUT_SECONDS) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            # A call we gave up on must not reach the portal later (fast-bitrix24 keeps
            # retrying connection errors): a late event.offline.get would reserve records
            # under a process_id nobody knows, and a late write would run behind our back.
            future.cancel()
            raise

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


class OperatingWindows:
    """docs limits.md: each method of an app has an operating-time budget over ten one-minute
    buckets; past it the method answers 429 OPERATION_TIME_LIMIT, with no `time` block, until
    the oldest bucket drops. The answer to wait for is `operating_reset_at` of the method's last
    successful response; without one, the next bucket (a minute). Kept per portal endpoint and
    method, in the portal's clock turned into ours (`reset_at - time.start` of that answer)."""

    FALLBACK_SECONDS = 60.0
    MAX_SECONDS = 600.0

    def __init__(self) -> None:
        self._reset_at: dict[str, float] = {}  # local monotonic time the window frees up
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def observe(self, method: str, time_block: Any) -> None:
        """A successful answer of `method`: remember when its oldest bucket drops."""
        if not isinstance(time_block, dict):
            return
        reset_at = _float(time_block.get("operating_reset_at"))
        portal_now = _float(time_block.get("start")) or _float(time_block.get("finish"))
        if not reset_at or not portal_now:
            return
        ahead = min(max(reset_at - portal_now, 0.0), self.MAX_SECONDS)
        with self._lock:
            self._reset_at[method] = time.monotonic() + ahead

    def block(self, method: str) -> float:
        """`method` answered OPERATION_TIME_LIMIT: blocked until its reset; returns seconds."""
        now = time.monotonic()
        with self._lock:
            reset = self._reset_at.get(method, 0.0)
            until = reset if reset > now + 0.5 else now + self.FALLBACK_SECONDS
            self._blocked_until[method] = until
            self._reset_at.pop(method, None)  # used once: blocked again → the next bucket
        return until - now

    def wait_for(self, methods: list[str]) -> tuple[float, str]:
        """Seconds until every one of `methods` may be called again, and the blocking one."""
        now = time.monotonic()
        with self._lock:
            waits = [(self._blocked_until.get(m, 0.0) - now, m) for m in methods]
        wait, method = max(waits, default=(0.0, ""))
        return (wait, method) if wait > 0 else (0.0, "")


class LeakyBucket:
    """§11's bucket, kept on our side: +1 per request, drains `rate`/s, never above `burst`.

    fast-bitrix24's own throttle lets two waiting callers (the worker and a scheduler job)
    wake together and send at once, which overflows a full bucket (bench/end_to_end.py saw
    34 QUERY_LIMIT_EXCEEDED in 200 tasks). This one is taken under a lock on the loop thread.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.level = 0.0
        self.waited = 0.0
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            now = time.monotonic()
            self.level = max(0.0, self.level - (now - self._last) * self.rate)
            self._last = now
            if self.level + 1 > self.burst:
                wait = (self.level + 1 - self.burst) / self.rate
                self.waited += wait
                await asyncio.sleep(wait)
                self.level = max(0.0, self.level - wait * self.rate)
                self._last = time.monotonic()
            self.level += 1


class Transport:
    """Sends one REST request through fast-bitrix24, paced by our bucket per endpoint."""

    def __init__(self, *, requests_per_second: float = 2.0, burst: int = 50) -> None:
        self._loop = LoopThread()
        self._clients: dict[str, tuple[BitrixAsync, aiohttp.ClientSession]] = {}
        self.buckets: dict[str, LeakyBucket] = {}
        self.windows: dict[str, OperatingWindows] = {}
        self.requests_per_second = requests_per_second
        self.burst = burst

    def window(self, endpoint: str) -> OperatingWindows:
        return self.windows.setdefault(endpoint, OperatingWindows())

    def post(self, endpoint: str, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._loop.run(self._post(endpoint, method, dict(params)))
        return result

    async def _post(self, endpoint: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
        client = self._client(endpoint)
        await self.buckets[endpoint].take()
        _forgive_failures(client)
        answer = await client.call(method, params, raw=True)
        if not isinstance(answer, dict):
            return {"error": "ERROR_UNEXPECTED_ANSWER", "error_description": str(answer)[:200]}
        return answer

    def _client(self, endpoint: str) -> BitrixAsync:
        if endpoint not in self._clients:
            session = aiohttp.ClientSession(
                raise_for_status=False, timeout=aiohttp.ClientTimeout(total=65)
            )
            bitrix = BitrixAsync(
                endpoint,
                verbose=False,
                client=session,
                ssl=endpoint.startswith("https://"),
                requests_per_second=self.requests_per_second,
                request_pool_size=self.burst,
            )
            self._clients[endpoint] = (bitrix, session)
            self.buckets[endpoint] = LeakyBucket(self.requests_per_second, self.burst)
        return self._clients[endpoint][0]

    def close(self) -> None:
        async def _close() -> None:
            for _, session in self._clients.values():
                await session.close()

        try:
            self._loop.run(_close(), timeout=10)
        finally:
            self._loop.stop()


def _forgive_failures(client: BitrixAsync) -> None:
    """fast-bitrix24 sleeps 0.5 × 1.5ⁿ s before a request after n failures in a row, and n keeps
    growing across calls: after a long outage every call would time out before it even tried
    (the fault suite's 10-minute outage never recovered). Our RetryPolicy and the inbox's
    backoff decide about waiting, so each call starts with a clean slate."""
    handler = getattr(client, "srh", None)
    if handler is not None and getattr(handler, "successive_results", 0) < 0:
        handler.successive_results = 0


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Per-command results and errors of one `batch` request."""

    results: dict[str, Any]
    errors: dict[str, BitrixError]
    totals: dict[str, int]
    next: dict[str, int]


class BitrixClient:
    """REST calls for one portal: retries, token refresh, typed errors, request counting."""

    def __init__(
        self,
        transport: Transport,
        endpoint: str,
        tokens: TokenSource | None,
        *,
        retry: RetryPolicy | None = None,
        stats: CallStats | None = None,
        gate: Callable[[], float] | None = None,
        on_connector_refused: Callable[[], None] | None = None,
    ) -> None:
        self.transport = transport
        self.gate = gate  # b24app.rate_gate.SharedRateGate with several instances
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.tokens = tokens
        self.retry = retry or RetryPolicy()
        self.stats = stats or CallStats()
        self.windows = transport.window(self.endpoint)
        # told when the plan refuses `auth_connector` (WRONG_LICENSE), so the portal's features
        # are corrected; the request itself is sent again without it
        self.on_connector_refused = on_connector_refused

    def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, connector: str = ""
    ) -> Any:
        """One method call; returns its `result`. `connector`: the top-level auth_connector
        (a plan that refuses it raises LicenseRefusedError)."""
        answer = self._request(method, _with_connector(params, connector), [method])
        return answer.get("result")

    def call_full(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One method call; returns the whole answer (`result`, `total`, `next`, `time`)."""
        return self._request(method, dict(params or {}), [method])

    def batch(
        self,
        commands: Mapping[str, tuple[str, Mapping[str, Any]]],
        *,
        halt: bool = False,
        connector: str = "",
        send_without_connector: bool = False,
    ) -> BatchResult:
        """Up to 50 commands in one HTTP request; later commands may use `$result[key]…`.

        `connector` goes at the top level of the batch request: every command runs with it
        (core: CRestProvider::methodsBatch gives commands the outer request's auth data and
        ignores a command's own). Each command carries a copy too, for portals that read the
        documented method parameter; the core overwrites it with the outer value. A plan that
        refuses the connector raises LicenseRefusedError, unless `send_without_connector`
        (writes, which must reach the portal anyway): then the batch goes again without it."""
        if not commands:
            return BatchResult({}, {}, {}, {})
        if len(commands) > 50:
            raise ValueError("a batch holds at most 50 commands")
        self.stats.batch_commands += len(commands)
        methods = {key: method for key, (method, _) in commands.items()}
        try:
            answer = self._request(
                "batch", _batch_params(commands, halt, connector), [*methods.values()]
            )
        except LicenseRefusedError as exc:
            if not (connector and send_without_connector and exc.feature == "rest_auth_connector"):
                raise
            log.warning("the portal's plan refuses auth_connector; the batch goes without it")
            if self.on_connector_refused is not None:
                self.on_connector_refused()
            answer = self._request("batch", _batch_params(commands, halt, ""), [*methods.values()])
        body = answer.get("result") or {}
        for key, block in _as_mapping(body.get("result_time")).items():
            if key in methods:
                self.windows.observe(methods[key], block)
        errors_raw = _as_mapping(body.get("result_error"))
        errors = {
            key: self._command_error(err, methods[key])
            for key, err in errors_raw.items()
            if isinstance(err, dict) and key in methods
        }
        results = body.get("result") or {}
        return BatchResult(
            results=results if isinstance(results, dict) else {},
            errors=errors,
            totals=_as_dict(body.get("result_total")),
            next=_as_dict(body.get("result_next")),
        )

    def _command_error(self, err: Mapping[str, Any], method: str) -> BitrixError:
        code = str(err.get("error", ""))
        description = str(err.get("error_description", ""))
        if code == OPERATING_LIMIT:
            wait = self.windows.block(method)
            self.stats.rate_limited += 1
            return RateLimitedError(code, description, method=method, retry_after=wait)
        return _typed_error(code, description, method)

    def _request(self, method: str, params: dict[str, Any], methods: list[str]) -> dict[str, Any]:
        refreshed = False
        attempt = 0
        while True:
            self._wait_for_operating_window(methods)
            token = self.tokens.access_token() if self.tokens else ""
            sent = dict(params, auth=token) if token else params
            answer = self._send(method, sent)
            code = str(answer.get("error", "")) if "error" in answer else ""
            if not code:
                if method != "batch":
                    self.windows.observe(method, answer.get("time"))
                return answer
            description = str(answer.get("error_description", ""))
            if code in TOKEN_CODES and self.tokens and not refreshed:
                refreshed = True
                self.stats.refreshes += 1
                self.tokens.refresh(token)
                continue
            if code in TOKEN_CODES and self.tokens:
                # The refresh itself succeeded (a refused refresh raises AuthRevokedError and
                # marks the portal): a token error right after it is a passing one, retried
                # with the inbox's backoff rather than parked for AUTH_RETRY_SECONDS.
                self.stats.errors += 1
                raise BitrixError(code, description, method=method)
            if code == OPERATING_LIMIT:
                self.stats.rate_limited += 1
                self.windows.block(method)
                continue  # _wait_for_operating_window waits or gives the event back
            if code in RETRYABLE_CODES:
                attempt += 1
                wait = self._retry_wait(code, attempt)
                if attempt >= self.retry.attempts:
                    self.stats.errors += 1
                    raise RateLimitedError(
                        code, description, method=method, retry_after=max(wait, 30)
                    )
                self.stats.retries += 1
                log.warning("bitrix %s answered %s; retry %d in %.1fs", method, code, attempt, wait)
                self.retry.sleep(wait)
                continue
            self.stats.errors += 1
            raise _typed_error(code, description, method)

    def _wait_for_operating_window(self, methods: list[str]) -> None:
        """Never send a method that is inside its operating-time block: a short block is
        waited out here, a long one gives the work back with its retry time (no request)."""
        wait, blocked = self.windows.wait_for(methods)
        if not wait:
            return
        if wait > OPERATING_WAIT_IN_PLACE_SECONDS:
            raise RateLimitedError(
                OPERATING_LIMIT,
                f"{blocked} is blocked by its operating-time limit for {wait:.0f}s",
                method=blocked,
                retry_after=wait,
            )
        self.stats.rate_limit_wait_seconds += wait
        self.retry.sleep(wait)

    def _retry_wait(self, code: str, attempt: int) -> float:
        if code == "QUERY_LIMIT_EXCEEDED":
            self.stats.rate_limited += 1
            wait = self.retry.delay(attempt)
            self.stats.rate_limit_wait_seconds += wait
            return wait
        return self.retry.delay(attempt)

    def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.gate is not None:
            self.stats.shared_throttle_wait_seconds += self.gate()
        self.stats.requests += 1
        self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
        try:
            return self.transport.post(self.endpoint, method, params)
        except (RuntimeError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            # fast-bitrix24 already retried connection errors and 5xx before giving up
            self.stats.errors += 1
            raise PortalUnavailableError(
                "PORTAL_UNAVAILABLE", str(exc)[:300], method=method
            ) from exc


def _batch_params(
    commands: Mapping[str, tuple[str, Mapping[str, Any]]], halt: bool, connector: str
) -> dict[str, Any]:
    cmd = {
        key: f"{method}?{http_build_query(_stringify(_with_connector(params, connector)))}"
        for key, (method, params) in commands.items()
    }
    return _with_connector({"halt": 1 if halt else 0, "cmd": cmd}, connector)


def _with_connector(params: Mapping[str, Any] | None, connector: str) -> dict[str, Any]:
    sent = dict(params or {})
    if connector:
        sent["auth_connector"] = connector
    return sent


def _as_mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _typed_error(code: str, description: str, method: str) -> BitrixError:
    if code in ACCESS_CODES:
        return AccessDeniedError(code, description, method=method)
    if code == WRONG_LICENSE:
        return LicenseRefusedError(code, description, method=method)
    if code in ("QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"):
        return RateLimitedError(code, description, method=method)
    return BitrixError(code, description, method=method)


def _stringify(params: Mapping[str, Any]) -> dict[str, Any]:
    """fast-bitrix24 turns None/True into "None"/"True": send what Bitrix understands instead."""

    def convert(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "Y" if value else "N"
        if isinstance(value, Mapping):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return {k: convert(v) for k, v in params.items()}


def _as_dict(value: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _float(value: Any) -> float:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return 0.0
