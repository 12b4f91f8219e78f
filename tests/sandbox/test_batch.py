"""Batch fidelity (bitrix24-rest.md §9)."""

from __future__ import annotations

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import hook_post


def test_batch_result_references_and_errors_keep_http_200(portal: SandboxPortal) -> None:
    """§9: sequential sub-calls, `$result[key][path]` and `$result[k][0][ID]` references;
    failing sub-calls land in result_error while the HTTP status stays 200; empty
    collections are `[]`."""
    user = portal.add_user("Иван", "Петров")
    task_id = portal.create_task(1, "Сайт", responsible_id=user)
    portal.webhook_url(1, scopes=["task", "user_basic", "im", "department"])
    response = hook_post(
        portal,
        "batch",
        {
            "halt": 0,
            "cmd": {
                "me": "user.current",
                "dep": "department.get?ID=$result[me][UF_DEPARTMENT][0]",
                "list": f"tasks.task.list?filter[ID]={task_id}&select[]=ID&select[]=RESPONSIBLE_ID",
                "who": "user.get?ID=$result[list][tasks][0][responsibleId]",
                "bad": "tasks.task.start?taskId=999999",
            },
        },
    )
    assert response.status_code == 200
    body = response.json()["result"]
    assert body["result"]["me"]["ID"] == "1"
    assert body["result"]["dep"][0]["ID"] == "1"
    assert body["result"]["who"][0]["ID"] == str(user)
    assert body["result_error"]["bad"]["error"] == "0"
    assert body["result_total"]["list"] == 1
    assert body["result_next"] == []
    assert set(body["result_time"]) == {"me", "dep", "list", "who"}
    assert "operating" in body["result_time"]["me"]
    assert "time" in response.json()


def test_batch_halt_stops_at_first_error(portal: SandboxPortal) -> None:
    """§9: `halt=1` stops at the first failing sub-call."""
    cmd = {"a": "user.current", "b": "no.such.method", "c": "user.admin"}
    body = hook_post(portal, "batch", {"halt": 1, "cmd": cmd}).json()["result"]
    assert list(body["result"]) == ["a"]
    assert body["result_error"]["b"]["error"] == "ERROR_METHOD_NOT_FOUND"


def test_batch_over_50_commands_is_rejected(portal: SandboxPortal) -> None:
    """§9/§12: > 50 sub-calls → ERROR_BATCH_LENGTH_EXCEEDED (400). The docs say "for the
    excess"; the stricter reading refuses the whole batch, so nothing runs."""
    cmd = {f"c{i}": "tasks.task.add?fields[TITLE]=x&fields[RESPONSIBLE_ID]=1" for i in range(51)}
    response = hook_post(portal, "batch", {"halt": 0, "cmd": cmd})
    assert response.status_code == 400
    assert response.json()["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"
    assert portal.core.state.tasks == {}
    cmd.pop("c50")
    assert hook_post(portal, "batch", {"halt": 0, "cmd": cmd}).status_code == 200


def test_nested_batch_is_not_allowed(portal: SandboxPortal) -> None:
    """§9: a nested `batch` → ERROR_BATCH_METHOD_NOT_ALLOWED for that sub-call."""
    body = hook_post(portal, "batch", {"cmd": {"x": "batch?cmd[y]=user.current"}}).json()
    assert body["result"]["result_error"]["x"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"


def test_batch_is_one_request_in_the_log(portal: SandboxPortal) -> None:
    """§9: a batch is one HTTP request; the log keeps its sub-methods."""
    hook_post(portal, "batch", {"cmd": {"a": "user.current", "b": "user.admin"}})
    assert portal.count() == 1
    assert portal.requests_for("user.admin")[0].rest_method == "batch"
    assert portal.requests[0].sub_methods == ["user.current", "user.admin"]


def test_unknown_method_is_404(portal: SandboxPortal) -> None:
    """§12: unknown method → 404 ERROR_METHOD_NOT_FOUND (unconfirmed code; used as given)."""
    response = hook_post(portal, "tasks.task.frobnicate")
    assert response.status_code == 404
    assert response.json()["error"] == "ERROR_METHOD_NOT_FOUND"
