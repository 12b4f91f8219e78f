"""Limits and fault injection (bitrix24-rest.md §11, §12)."""

from __future__ import annotations

import time

import pytest
import requests

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import hook_post


def test_leaky_bucket_503_then_recovers() -> None:
    """§11: +1 per request, drains `rate`/s, above the burst → HTTP 503
    {"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}; a batch is one
    request; after draining calls pass again."""
    with SandboxPortal(rate_limit=(5.0, 5)) as portal:
        hook = portal.webhook_url(1)
        batch = {"cmd": {f"c{i}": "user.current" for i in range(10)}}
        statuses = [
            requests.post(hook + "batch", json=batch, timeout=5).status_code for _ in range(7)
        ]
        assert statuses[:5] == [200] * 5
        blocked = requests.post(hook + "user.current", timeout=5)
        assert blocked.status_code == 503
        assert blocked.json() == {
            "error": "QUERY_LIMIT_EXCEEDED",
            "error_description": "Too many requests",
        }
        portal.advance_time(0.3)  # 5/s drains 1.5 slots (the bucket runs on the portal's clock)
        assert requests.post(hook + "user.current", timeout=5).status_code == 200


def test_operating_time_limit_gives_429(portal: SandboxPortal) -> None:
    """§11: a method past its execution budget → HTTP 429 OPERATION_TIME_LIMIT for that method
    only; `time.operating` and `time.operating_reset_at` tell when it resumes."""
    portal.set_operating_limit("tasks.task.list", 5)
    portal.charge_operating("tasks.task.list", 6)
    response = hook_post(portal, "tasks.task.list")
    assert (response.status_code, response.json()["error"]) == (429, "OPERATION_TIME_LIMIT")
    timing = hook_post(portal, "user.current").json()["time"]
    assert {"operating", "operating_reset_at", "date_start", "processing"} <= set(timing)
    portal.advance_time(601)
    assert hook_post(portal, "tasks.task.list").status_code == 200


def test_fail_next_direct_batch_and_wildcard(portal: SandboxPortal) -> None:
    """Fault injection: a named method fails directly (HTTP status) and inside a batch
    (result_error, HTTP 200); "batch" fails the batch request itself; "*" any request."""
    portal.fail_next("tasks.task.get", status=500, error="INTERNAL_SERVER_ERROR", times=2)
    task_id = portal.create_task(1, "T", responsible_id=1)
    direct = hook_post(portal, "tasks.task.get", {"taskId": task_id})
    assert (direct.status_code, direct.json()["error"]) == (500, "INTERNAL_SERVER_ERROR")
    batch = hook_post(portal, "batch", {"cmd": {"a": f"tasks.task.get?taskId={task_id}"}})
    assert batch.status_code == 200
    assert batch.json()["result"]["result_error"]["a"]["error"] == "INTERNAL_SERVER_ERROR"
    assert hook_post(portal, "tasks.task.get", {"taskId": task_id}).status_code == 200
    portal.fail_next("batch", status=503, error="QUERY_LIMIT_EXCEEDED")
    assert hook_post(portal, "batch", {"cmd": {"a": "user.current"}}).status_code == 503
    portal.fail_next("*", status=401, error="expired_token")
    assert hook_post(portal, "user.current").status_code == 401
    assert hook_post(portal, "user.current").status_code == 200


def test_unreachable_and_slow(portal: SandboxPortal) -> None:
    """Fault injection: an unreachable portal drops the connection; a slow one answers late."""
    portal.set_unreachable(30)
    with pytest.raises(requests.ConnectionError):
        hook_post(portal, "user.current")
    portal.set_unreachable(0)
    portal.set_slow(0.3)
    began = time.monotonic()
    assert hook_post(portal, "user.current").status_code == 200
    assert time.monotonic() - began >= 0.3


def test_fault_over_http_control(portal: SandboxPortal) -> None:
    """POST /_sandbox/fault scripts the same faults for other processes."""
    body = {"method": "user.current", "status": 503, "error": "OVERLOAD_LIMIT"}
    assert requests.post(portal.url + "/_sandbox/fault", json=body, timeout=5).ok
    assert hook_post(portal, "user.current").json()["error"] == "OVERLOAD_LIMIT"
