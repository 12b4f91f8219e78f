"""OPERATION_TIME_LIMIT over real HTTP: wait for the method's window, never burn retries.

docs: limits.md — the error answer has no `time` block; "for the first retry, refer to
`operating_reset_at` from the last successful response. If the error persists, wait for the next
bucket reset"; a block can last up to 10 minutes; other methods are not affected.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b24app.bitrix.client import BitrixClient
from b24app.bitrix.errors import RateLimitedError
from b24app.bitrix.limits import OperatingWindows, RetryPolicy
from b24app.bitrix.transport import Transport
from b24sandbox.portal import SandboxPortal


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    with SandboxPortal(rate_limit=None) as sandbox:
        yield sandbox


@pytest.fixture
def client(portal: SandboxPortal) -> Iterator[BitrixClient]:
    transport = Transport()
    sleeps: list[float] = []
    retry = RetryPolicy(attempts=6, base_delay=0.01, sleep=sleeps.append)
    yield BitrixClient(transport, portal.webhook_url(1), None, retry=retry)
    transport.close()


def _block(portal: SandboxPortal, method: str) -> None:
    portal.set_operating_limit(method, 1.0)
    portal.charge_operating(method, 5.0)


def test_a_blocked_method_costs_one_request_and_waits_for_its_reset(
    portal: SandboxPortal, client: BitrixClient
) -> None:
    client.call("tasks.task.list", {"select": ["ID"]})  # a success tells when the window frees
    _block(portal, "tasks.task.list")
    before = portal.count("tasks.task.list")
    with pytest.raises(RateLimitedError) as first:
        client.call("tasks.task.list", {"select": ["ID"]})
    assert portal.count("tasks.task.list") == before + 1  # not six short retries
    assert 60 < first.value.retry_after <= 600  # the reset of the last success
    with pytest.raises(RateLimitedError):
        client.call("tasks.task.list", {"select": ["ID"]})
    assert portal.count("tasks.task.list") == before + 1  # blocked here, nothing sent
    assert client.call("user.get", {"FILTER": {"ID": 1}})  # other methods go on


def test_a_blocked_command_in_a_batch_blocks_only_its_method(
    portal: SandboxPortal, client: BitrixClient
) -> None:
    _block(portal, "tasks.task.get")
    task = portal.create_task(1, "Задача", responsible_id=1)
    answer = client.batch(
        {
            "task": ("tasks.task.get", {"taskId": task, "select": ["ID"]}),
            "me": ("user.get", {"FILTER": {"ID": 1}}),
        }
    )
    assert isinstance(answer.errors["task"], RateLimitedError)
    assert answer.errors["task"].retry_after >= OperatingWindows.FALLBACK_SECONDS - 1
    assert answer.results["me"]
    with pytest.raises(RateLimitedError):
        client.batch({"task": ("tasks.task.get", {"taskId": task, "select": ["ID"]})})
    assert client.batch({"me": ("user.get", {"FILTER": {"ID": 1}})}).results["me"]


def test_windows_fall_back_to_the_next_bucket_without_a_success() -> None:
    windows = OperatingWindows()
    assert windows.wait_for(["a"]) == (0.0, "")
    assert windows.block("a") == pytest.approx(OperatingWindows.FALLBACK_SECONDS, abs=1)
    wait, method = windows.wait_for(["b", "a"])
    assert method == "a"
    assert wait == pytest.approx(OperatingWindows.FALLBACK_SECONDS, abs=1)


def test_windows_take_the_reset_in_the_portals_clock() -> None:
    """The portal's clock may differ from ours: the wait is reset_at - start of that answer."""
    windows = OperatingWindows()
    windows.observe("a", {"start": 1_000_000.0, "operating_reset_at": 1_000_240})
    assert windows.block("a") == pytest.approx(240, abs=1)
    windows.observe("b", {"start": 5.0, "operating_reset_at": 10**9})
    assert windows.block("b") == pytest.approx(OperatingWindows.MAX_SECONDS, abs=1)
    windows.observe("c", {"operating_reset_at": 99})  # no start: nothing learnt
    assert windows.block("c") == pytest.approx(OperatingWindows.FALLBACK_SECONDS, abs=1)
