"""REST calls for one portal: our retry policy, token refresh, typed errors, request counting.

The transport (b24app.bitrix.transport) sends; this reads Bitrix's `{"error",
"error_description"}` itself and decides what is retried (503 QUERY_LIMIT_EXCEEDED, 5xx), what
waits for the method's operating-time window (429 OPERATION_TIME_LIMIT), what refreshes the
token (401 expired_token) and what is a typed error for the caller.

`auth_connector` (the offline-queue source key) goes at the TOP LEVEL of a request, never
inside a batch command: the core reads it only there and batch commands inherit the outer
request's auth (core: modules/rest/lib/oauth/auth.php Auth::onRestCheckAuth,
modules/rest/classes/general/rest_provider.php CRestProvider::methodsBatch).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from fast_bitrix24.utils import http_build_query

from b24app.bitrix.errors import (
    OPERATING_LIMIT,
    RETRYABLE_CODES,
    TOKEN_CODES,
    BitrixError,
    LicenseRefusedError,
    PortalUnavailableError,
    RateLimitedError,
    typed_error,
)
from b24app.bitrix.limits import OPERATING_WAIT_IN_PLACE_SECONDS, CallStats, RetryPolicy
from b24app.bitrix.transport import CALL_TIMEOUT_SECONDS, Transport

log = logging.getLogger(__name__)


class TokenSource(Protocol):
    """Gives the current access token and refreshes it once a call says it expired."""

    def access_token(self) -> str: ...

    def refresh(self, rejected_token: str) -> str: ...


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Per-command results and errors of one `batch` request."""

    results: dict[str, Any]
    errors: dict[str, BitrixError]
    totals: dict[str, int]
    next: dict[str, int]
    # the portal's clock when it finished the request (the answer's `time.finish`, docs:
    # b24-rest-docs _includes/result-common-data.md); None when the answer has no time block
    finished_at: float | None = None


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
        call_timeout: float = CALL_TIMEOUT_SECONDS,
    ) -> None:
        self.transport = transport
        self.gate = gate  # b24app.storage.rate_gate.SharedRateGate with several instances
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.tokens = tokens
        self.retry = retry or RetryPolicy()
        self.stats = stats or CallStats()
        self.windows = transport.window(self.endpoint)
        # told when the plan refuses `auth_connector` (WRONG_LICENSE), so the portal's features
        # are corrected; the request itself is sent again without it
        self.on_connector_refused = on_connector_refused
        self.call_timeout = call_timeout  # a page's reads: limits.INTERACTIVE_CALL_TIMEOUT_SECONDS

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
            finished_at=_finish_time(answer.get("time")),
        )

    def _command_error(self, err: Mapping[str, Any], method: str) -> BitrixError:
        code = str(err.get("error", ""))
        description = str(err.get("error_description", ""))
        if code == OPERATING_LIMIT:
            wait = self.windows.block(method)
            self.stats.rate_limited += 1
            return RateLimitedError(code, description, method=method, retry_after=wait)
        return typed_error(code, description, method)

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
            raise typed_error(code, description, method)

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
            return self.transport.post(self.endpoint, method, params, timeout=self.call_timeout)
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


def _finish_time(block: Any) -> float | None:
    finish = block.get("finish") if isinstance(block, dict) else None
    return float(finish) if isinstance(finish, int | float) else None
