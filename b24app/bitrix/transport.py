"""One REST request through fast-bitrix24 on an event loop of its own, paced by our bucket.

fast-bitrix24 gives the leaky-bucket throttle and the per-method operating-time window. It is
not thread-safe and hides Bitrix error bodies behind aiohttp exceptions, so every call runs on
one event loop owned by a dedicated thread, through an aiohttp session that does not raise for
status: b24app.bitrix.client reads Bitrix's `{"error", "error_description"}` itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import aiohttp
from fast_bitrix24 import BitrixAsync

from b24app.bitrix.limits import LeakyBucket, OperatingWindows

# fast-bitrix24 logs call arguments (tokens included) at INFO: keep it quiet.
logging.getLogger("fast_bitrix24").setLevel(logging.WARNING)
logging.getLogger("fast_bitrix24").propagate = False

CALL_TIMEOUT_SECONDS = 120.0


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

    def post(
        self,
        endpoint: str,
        method: str,
        params: Mapping[str, Any],
        *,
        timeout: float = CALL_TIMEOUT_SECONDS,
    ) -> dict[str, Any]:
        """One request, after its turn in the endpoint's bucket. `timeout` bounds the request
        itself (fast-bitrix24's retries included), not the turn: a page behind a busy worker
        waits for its turn rather than reporting a portal that is up as not answering. A request
        not answered in time is cancelled and raises TimeoutError."""
        coro = self._post(endpoint, method, dict(params), timeout)
        result: dict[str, Any] = self._loop.run(coro, timeout + CALL_TIMEOUT_SECONDS)
        return result

    async def _post(
        self, endpoint: str, method: str, params: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        client = self._client(endpoint)
        await self.buckets[endpoint].take()
        _forgive_failures(client)
        answer = await asyncio.wait_for(client.call(method, params, raw=True), timeout)
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
