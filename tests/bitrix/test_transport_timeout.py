"""A call's timeout bounds the request, not its turn in our bucket (b24app.bitrix.transport):
a page's 4 s read behind a busy worker waits for its turn instead of calling a portal that is
up «не отвечает»; a portal that does not answer still ends the call at the timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.errors import PortalUnavailableError
from b24app.bitrix.limits import RetryPolicy
from b24app.bitrix.transport import Transport
from b24sandbox.portal import SandboxPortal


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    with SandboxPortal(rate_limit=None) as sandbox:
        yield sandbox


def _client(portal: SandboxPortal, transport: Transport, timeout: float) -> BitrixClient:
    hook = portal.webhook_url(1, scopes=["user"])
    return BitrixClient(transport, hook, None, retry=RetryPolicy(attempts=1), call_timeout=timeout)


def test_the_wait_for_a_turn_in_the_bucket_is_not_the_call_timeout(portal: SandboxPortal) -> None:
    transport = Transport(requests_per_second=1.0, burst=1)
    try:
        client = _client(portal, transport, timeout=0.5)
        assert client.call("user.current")["ID"] == "1"  # takes the only token
        started = time.monotonic()
        assert client.call("user.current")["ID"] == "1"  # waits ~1 s for the next one
        assert time.monotonic() - started > 0.5
    finally:
        transport.close()


def test_a_portal_that_does_not_answer_ends_the_call_at_the_timeout(
    portal: SandboxPortal,
) -> None:
    portal.set_unreachable(60)
    transport = Transport()
    try:
        client = _client(portal, transport, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(PortalUnavailableError):
            client.call("user.current")
        assert time.monotonic() - started < 3  # fast-bitrix24 alone retries for ~17 s
    finally:
        transport.close()
