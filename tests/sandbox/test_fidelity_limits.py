"""Fidelity: task errors per method, the operating-time limit, user scopes, notification tags,
time tracking (research/tasks_limits.md, chat.md §4)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App, Receiver, hook_post

NOT_ALLOWED = "Action on the task is not allowed"


@pytest.mark.parametrize(
    ("method", "params", "code", "description"),
    [
        pytest.param("start", {}, "0", NOT_ALLOWED, id="start"),
        pytest.param("complete", {}, "0", NOT_ALLOWED, id="complete"),
        pytest.param("delegate", {"userId": 1}, "0", NOT_ALLOWED, id="delegate"),
        pytest.param("pause", {}, "1048582", NOT_ALLOWED, id="pause"),
        pytest.param("defer", {}, "1048582", NOT_ALLOWED, id="defer"),
        pytest.param("renew", {}, "1048582", NOT_ALLOWED, id="renew"),
        pytest.param("approve", {}, "1048582", NOT_ALLOWED, id="approve"),
        pytest.param("disapprove", {}, "1048582", NOT_ALLOWED, id="disapprove"),
        pytest.param(
            "update",
            {"fields": {"TITLE": "x"}},
            "0",
            NOT_ALLOWED + " (internal error)",
            id="update",
        ),
        pytest.param("delete", {}, "1048582", "No access to delete the task", id="delete"),
    ],
)
def test_task_action_on_missing_task_uses_the_methods_own_code(
    portal: SandboxPortal, method: str, params: dict[str, Any], code: str, description: str
) -> None:
    """An action on a missing or inaccessible task → HTTP 400 with the code of THAT method's
    docs table ("0" for start/complete/delegate/update, "1048582" for the others).
    # docs: api-reference/tasks/status/tasks-task-{start,complete,pause,defer,renew}.md,
    # tasks-task-{approve,disapprove,delegate,update,delete}.md ("Error Handling")"""
    response = hook_post(portal, f"tasks.task.{method}", {"taskId": 999, **params})
    assert response.status_code == 400
    assert response.json() == {"error": code, "error_description": description}


def test_operating_limit_error_has_no_time_block(portal: SandboxPortal) -> None:
    """A blocked method → HTTP 429 with exactly {"error":"OPERATION_TIME_LIMIT",
    "error_description":"Method is blocked due to operation time limit."} — no `time` block;
    successful answers carry time.operating and time.operating_reset_at.
    # core: classes/general/rest.php (CRestServer::processCall throws; processException →
    # outputError has no appendDebugInfo), lib/restexception.php"""
    portal.set_operating_limit("tasks.task.list", 5)
    ok = hook_post(portal, "tasks.task.list").json()
    assert {"operating", "operating_reset_at"} <= set(ok["time"])
    portal.charge_operating("tasks.task.list", 6)
    blocked = hook_post(portal, "tasks.task.list")
    assert blocked.status_code == 429
    assert blocked.json() == {
        "error": "OPERATION_TIME_LIMIT",
        "error_description": "Method is blocked due to operation time limit.",
    }


def test_operating_reset_at_is_oldest_bucket_first_call_plus_600(portal: SandboxPortal) -> None:
    """`operating_reset_at` = the first call recorded in the OLDEST non-empty minute bucket +
    600 s; the block lifts once enough buckets drop out; hits of ≤ 0.1 s are not charged.
    # core: modules/rest/lib/engine/access/loadlimiter.php (LoadLimiter::getResetTime,
    # LoadLimiter::is, $minimalFixTime); docs: limits.md ("when the oldest minute basket is
    # excluded from the calculation")"""
    portal.set_operating_limit("tasks.task.list", 5)
    first_call = portal.clock.now()
    portal.charge_operating("tasks.task.list", 4)
    portal.advance_time(120)
    portal.charge_operating("tasks.task.list", 2)
    blocked = hook_post(portal, "tasks.task.list")
    assert blocked.status_code == 429
    timing = hook_post(portal, "batch", {"cmd": {"a": "tasks.task.list"}}).json()
    assert timing["result"]["result_error"]["a"]["error"] == "OPERATION_TIME_LIMIT"
    portal.advance_time(600 - 120 + 1)  # the oldest bucket (4 s) drops: 2 s < 5 s
    answer = hook_post(portal, "tasks.task.list").json()
    assert answer["time"]["operating"] == pytest.approx(2, abs=0.1)
    assert answer["time"]["operating_reset_at"] == int(first_call + 120 + 600)


def test_blocked_sub_command_is_a_result_error_with_http_200(portal: SandboxPortal) -> None:
    """In a batch a blocked sub-command is a `result_error` entry (and has no `result_time`);
    the batch answers HTTP 200 and the other sub-commands run, each with its own
    operating/operating_reset_at in result_time.
    # core: classes/general/rest_provider.php (CRestProvider::methodsBatch); docs:
    # settings/how-to-call-rest-api/batch.md (HTTP 200), limits.md (nested calls counted)"""
    portal.set_operating_limit("tasks.task.list", 1)
    portal.charge_operating("tasks.task.list", 2)
    response = hook_post(portal, "batch", {"cmd": {"a": "tasks.task.list", "b": "user.current"}})
    assert response.status_code == 200
    body = response.json()["result"]
    assert body["result_error"]["a"] == {
        "error": "OPERATION_TIME_LIMIT",
        "error_description": "Method is blocked due to operation time limit.",
    }
    assert list(body["result_time"]) == ["b"]
    assert {"operating", "operating_reset_at"} <= set(body["result_time"]["b"])


def test_user_basic_scope_has_no_user_type(app: App) -> None:
    """With `user_basic` (or `user_brief`) user.get/user.current return only the listed fields:
    no USER_TYPE (user_brief: no EMAIL either); filtering by USER_TYPE still works. Full `user`
    scope has USER_TYPE.
    # docs: api-reference/user/user-scope.md ("Limited user scope versions"), user-get.md
    # (FILTER USER_TYPE). The core adds USER_TYPE on cloud (rest/lib/api/user.php
    # User::getAllowedUserFields) — the stricter docs reading is modelled."""
    client = app.portal.add_user("Клиент", extranet=True)
    me = app.ok("user.current")
    assert "USER_TYPE" not in me
    assert me["UF_DEPARTMENT"] == [1]
    rows = app.ok("user.get", {"FILTER": {"USER_TYPE": "extranet"}})
    assert [r["ID"] for r in rows] == [str(client)]
    assert "USER_TYPE" not in rows[0]
    app.portal.set_app_scopes(["task", "user_brief", "im"])
    assert "EMAIL" not in app.ok("user.current")
    app.portal.set_app_scopes(["task", "user", "im"])
    assert app.ok("user.current")["USER_TYPE"] == "employee"


def test_method_outside_token_scope_is_insufficient_scope(portal: SandboxPortal) -> None:
    """A method outside the token's scopes → 403 `insufficient_scope`; the webhook's scopes are
    those of its form (default task, user_basic, im), the app's those of the app form.
    # docs: _includes/system-errors.md (403 insufficient_scope "The request requires higher
    # privileges than provided by the webhook token")"""
    response = hook_post(portal, "department.get")
    assert response.status_code == 403
    assert response.json() == {
        "error": "insufficient_scope",
        "error_description": (
            "The request requires higher privileges than provided by the webhook token"
        ),
    }
    batch = hook_post(portal, "batch", {"cmd": {"d": "department.get"}}).json()["result"]
    assert batch["result_error"]["d"]["error"] == "insufficient_scope"
    assert hook_post(portal, "scope").json()["result"] == ["task", "user_basic", "im"]


def test_webhook_notify_tag_needs_client_id(app: App) -> None:
    """im.notify.system.add over a webhook applies TAG/SUB_TAG only with CLIENT_ID; otherwise
    they are ignored (no replacement). With the app's OAuth token TAG applies. Each caller has
    its own tag namespace.
    # docs: api-reference/chats/notifications/im-notify-system-add.md (TAG, SUB_TAG, CLIENT_ID)
    # core: im/classes/general/im_rest.php (CIMRestService::notifyAdd prefixes the app key)"""
    portal = app.portal
    user = portal.add_user("Иван")

    def hook(body: dict[str, Any]) -> None:
        response = hook_post(portal, "im.notify.system.add", {"USER_ID": user, **body})
        assert response.status_code == 200, response.text

    hook({"MESSAGE": "1", "TAG": "t"})
    hook({"MESSAGE": "2", "TAG": "t"})
    assert [(n.message, n.tag) for n in portal.notifications(user)] == [("1", ""), ("2", "")]
    hook({"MESSAGE": "3", "TAG": "t", "CLIENT_ID": "reglament"})
    hook({"MESSAGE": "4", "TAG": "t", "CLIENT_ID": "reglament"})
    app.ok("im.notify.system.add", {"USER_ID": user, "MESSAGE": "5", "TAG": "t"})
    app.ok("im.notify.system.add", {"USER_ID": user, "MESSAGE": "6", "TAG": "t"})
    assert [n.message for n in portal.notifications(user)] == ["1", "2", "4", "6"]


def test_elapsed_time_does_not_need_time_tracking(portal: SandboxPortal) -> None:
    """task.elapseditem.add works with ALLOW_TIME_TRACKING=N (only task access is checked);
    tasks.task.get keeps `allowTimeTracking`.
    # core (bitrix24-core-corp): tasks/classes/general/elapseditem.php (CTaskElapsedItem::add →
    # ACTION_TASK_ELAPSED_TIME, TaskElapsedTimeRule has no tracking check); the timer
    # (TaskTimeTrackingRule) needs Y but is not modelled. docs: api-reference/tasks/fields.md"""
    task_id = portal.create_task(1, "T", responsible_id=1)
    portal.update_task(1, task_id, allow_time_tracking="N")
    item = hook_post(
        portal, "task.elapseditem.add", [task_id, {"SECONDS": 600, "COMMENT_TEXT": ""}]
    )
    assert item.status_code == 200
    task = hook_post(
        portal,
        "tasks.task.get",
        {"taskId": task_id, "select": ["ALLOW_TIME_TRACKING", "TIME_SPENT_IN_LOGS"]},
    ).json()["result"]["task"]
    assert (task["allowTimeTracking"], task["timeSpentInLogs"]) == ("N", "600")


def test_scopes_and_features_survive_a_restart(tmp_path: Any, receiver: Receiver) -> None:
    """Plan features and scopes are part of the persisted portal state (sandbox, not Bitrix)."""
    path = tmp_path / "portal.json"
    with SandboxPortal(rate_limit=None, state_file=path, features={"rest_auth_connector": False}):
        pass
    with SandboxPortal(rate_limit=None, state_file=path) as again:
        assert again.features["rest_auth_connector"] is False
        info = requests.get(again.url + "/_sandbox/info", timeout=5).json()["result"]
        assert "user_basic" in info["app_scopes"]
