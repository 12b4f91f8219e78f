"""tasks.task.* fidelity (bitrix24-rest.md §4, §10)."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from b24sandbox.clock import PORTAL_TZ
from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import hook_post


def _ids(response: requests.Response) -> list[int]:
    return [int(t["id"]) for t in response.json()["result"]["tasks"]]


def test_pagination_pages_of_50_with_next_and_total(portal: SandboxPortal) -> None:
    """§10: ≤ 50 rows per page, `next` = start of the next page (absent on the last), `total`."""
    for i in range(120):
        portal.create_task(1, f"T{i}", responsible_id=1)
    seen: list[int] = []
    start: int | None = 0
    pages = []
    while start is not None:
        body = hook_post(
            portal, "tasks.task.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": start}
        ).json()
        assert body["total"] == 120
        pages.append(len(body["result"]["tasks"]))
        seen += [int(t["id"]) for t in body["result"]["tasks"]]
        start = body.get("next")
    assert pages == [50, 50, 20]
    assert seen == list(range(1, 121))


def test_fast_mode_start_minus_one_has_no_total(portal: SandboxPortal) -> None:
    """§10: `start=-1` skips COUNT(*): no `total`, no `next`; page with `>ID` instead."""
    for i in range(60):
        portal.create_task(1, f"T{i}", responsible_id=1)
    params = {"order": {"ID": "ASC"}, "filter": {">ID": 50}, "select": ["ID"], "start": -1}
    body = hook_post(portal, "tasks.task.list", params).json()
    assert "total" not in body
    assert "next" not in body
    assert [int(t["id"]) for t in body["result"]["tasks"]] == list(range(51, 61))


def test_filter_prefixes(portal: SandboxPortal) -> None:
    """§4.2: `>=`, `<`, `!`, `=` prefixes on ID, CREATED_DATE, REAL_STATUS, RESPONSIBLE_ID."""
    user = portal.add_user("Анна")
    old = datetime(2026, 1, 10, 12, 0, tzinfo=PORTAL_TZ)
    t1 = portal.create_task(1, "old", responsible_id=user, created_date=old)
    t2 = portal.create_task(1, "new", responsible_id=user)
    t3 = portal.create_task(1, "mine", responsible_id=1)
    portal.start_task(1, t3)

    def ids(flt: dict[str, object]) -> list[int]:
        params = {"filter": flt, "order": {"ID": "ASC"}, "select": ["ID"]}
        return _ids(hook_post(portal, "tasks.task.list", params))

    assert ids({">=CREATED_DATE": "2026-02-01T00:00:00+03:00"}) == [t2, t3]
    assert ids({"<CREATED_DATE": "2026-02-01T00:00:00+03:00"}) == [t1]
    assert ids({"!REAL_STATUS": 3}) == [t1, t2]
    assert ids({"=REAL_STATUS": 3}) == [t3]
    assert ids({"RESPONSIBLE_ID": user, ">ID": t1}) == [t2]
    assert ids({"ID": [t1, t3]}) == [t1, t3]


def test_select_upper_names_give_camel_case(portal: SandboxPortal) -> None:
    """§4.2: select takes UPPER names, output is camelCase with string ids; one system UF in
    select returns all three; timeEstimate is seconds."""
    task_id = portal.create_task(
        1, "Т", "[B]описание[/B]", responsible_id=1, crm=["D_27"], files=2, time_estimate=5400
    )
    select = [
        "ID",
        "TITLE",
        "DESCRIPTION",
        "STATUS",
        "TIME_ESTIMATE",
        "UF_CRM_TASK",
        "TASK_CONTROL",
    ]
    task = hook_post(portal, "tasks.task.get", {"taskId": task_id, "select": select}).json()
    task = task["result"]["task"]
    assert task["id"] == str(task_id)
    assert task["description"] == "[B]описание[/B]"
    assert task["status"] == "2"
    assert task["timeEstimate"] == "5400"
    assert task["ufCrmTask"] == ["D_27"]
    assert task["ufTaskWebdavFiles"] == ["n1001", "n1002"]
    assert task["taskControl"] == "Y"
    assert "responsibleId" not in task


def test_missing_or_hidden_task_get_is_an_empty_result(portal: SandboxPortal) -> None:
    """A task that does not exist or that the caller cannot read → HTTP 200, `"result": []`;
    a non-integer taskId → 400 `0` "wrong task id"; no taskId → 400 `100`.
    # docs: api-reference/tasks/tasks-task-get.md ("Returns an empty array "result":[] if the
    # task does not exist or the user does not have access to the task")
    # core: modules/tasks/lib/rest/controllers/task.php (Task::getAction), bitrix24-core-corp"""
    response = hook_post(portal, "tasks.task.get", {"taskId": 404})
    assert response.status_code == 200
    assert response.json()["result"] == []
    outsider = portal.add_user("Чужой")
    hidden = portal.create_task(1, "T", responsible_id=1)
    as_outsider = requests.post(
        portal.webhook_url(outsider) + "tasks.task.get", json={"taskId": hidden}, timeout=10
    )
    assert (as_outsider.status_code, as_outsider.json()["result"]) == (200, [])
    wrong = hook_post(portal, "tasks.task.get", {"taskId": "abc"})
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"error": "0", "error_description": "wrong task id"},
    )
    assert hook_post(portal, "tasks.task.get", {}).json()["error"] == "100"


@pytest.mark.parametrize(
    ("control", "actor", "expected"),
    [
        pytest.param(True, "responsible", 4, id="control-by-responsible-waits"),
        pytest.param(False, "responsible", 5, id="no-control-closes"),
        pytest.param(True, "creator", 5, id="creator-closes-directly"),
    ],
)
def test_complete_goes_to_4_under_control(
    portal: SandboxPortal, control: bool, actor: str, expected: int
) -> None:
    """§4.3: TASK_CONTROL=Y and completion by the responsible → 4 «Ждёт контроля»; else 5.
    Completion by the creator closing directly is (unconfirmed); we follow the doc's reading."""
    user = portal.add_user("Исполнитель")
    task_id = portal.create_task(1, "T", responsible_id=user, task_control=control)
    who = user if actor == "responsible" else 1
    response = requests.post(
        portal.webhook_url(who) + "tasks.task.complete", json={"taskId": task_id}, timeout=10
    )
    assert response.json()["result"]["task"]["status"] == str(expected)


def test_status_action_chain_and_forbidden_actions(portal: SandboxPortal) -> None:
    """§4.1: start → 3, approve 4 → 5 by the creator; an action on a missing task or one not
    allowed in the current status → 400 {"error":"1048582", "Action on the task is not allowed"}."""
    user = portal.add_user("Исполнитель")
    task_id = portal.create_task(1, "T", responsible_id=user)
    as_user = portal.webhook_url(user)
    assert requests.post(as_user + "tasks.task.start", json={"taskId": task_id}, timeout=10).ok
    requests.post(as_user + "tasks.task.complete", json={"taskId": task_id}, timeout=10)
    denied = requests.post(as_user + "tasks.task.approve", json={"taskId": task_id}, timeout=10)
    assert denied.status_code == 400
    assert denied.json() == {
        "error": "1048582",
        "error_description": "Action on the task is not allowed",
    }
    approved = hook_post(portal, "tasks.task.approve", {"taskId": task_id}).json()
    assert approved["result"]["task"]["status"] == "5"
    assert approved["result"]["task"]["closedDate"] is not None
    missing = hook_post(portal, "tasks.task.start", {"taskId": 999})
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "0",
        "error_description": "Action on the task is not allowed",
    }


def test_time_spent_in_logs_follows_time_entries(portal: SandboxPortal) -> None:
    """§4.2/§6: timeSpentInLogs is the sum of the time log in seconds (null with no entries —
    stricter reading)."""
    task_id = portal.create_task(1, "T", responsible_id=1)
    get = {"taskId": task_id, "select": ["ID", "TIME_SPENT_IN_LOGS"]}
    assert (
        hook_post(portal, "tasks.task.get", get).json()["result"]["task"]["timeSpentInLogs"] is None
    )
    portal.add_time(1, task_id, 1800)
    portal.add_time(1, task_id, 600)
    task = hook_post(portal, "tasks.task.get", get).json()["result"]["task"]
    assert task["timeSpentInLogs"] == "2400"


def test_extranet_user_sees_only_group_tasks(portal: SandboxPortal) -> None:
    """§7: an extranet client sees only tasks of their groups (or where they take part)."""
    client = portal.add_user("Клиент", extranet=True)
    group = portal.add_group("Клиент: проект", members=[client])
    visible = portal.create_task(1, "в группе", responsible_id=1, group_id=group)
    portal.create_task(1, "внутренняя", responsible_id=1)
    response = requests.post(
        portal.webhook_url(client) + "tasks.task.list", json={"select": ["ID"]}, timeout=10
    )
    assert _ids(response) == [visible]
