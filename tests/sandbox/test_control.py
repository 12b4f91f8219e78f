"""HTTP control endpoints, persistence, users and notifications (§7, §8, §13)."""

from __future__ import annotations

from pathlib import Path

import requests

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App, Receiver, hook_post


def _control(portal: SandboxPortal, action: str, body: dict[str, object]) -> object:
    response = requests.post(f"{portal.url}/_sandbox/{action}", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_http_control_drives_the_portal(portal: SandboxPortal, receiver: Receiver) -> None:
    """/_sandbox/<action> mirrors the Python seed API for other processes; GET requests/state."""
    result = _control(portal, "install", {"install_url": receiver.url + "/install"})
    assert isinstance(result, dict)
    assert result["status"] == 200
    user = _control(portal, "add_user", {"name": "Клиент", "extranet": True})
    task_id = _control(
        portal,
        "create_task",
        {
            "as_user": 1,
            "title": "T",
            "responsible_id": 1,
            "created_date": "2026-03-01T10:00:00+03:00",
        },
    )
    _control(portal, "add_comment", {"as_user": 1, "task_id": task_id, "text": "hi"})
    _control(portal, "complete_task", {"as_user": 1, "task_id": task_id})
    _control(portal, "add_time", {"as_user": 1, "task_id": task_id, "seconds": 60})
    hook_post(portal, "user.current")
    log = requests.get(portal.url + "/_sandbox/requests", timeout=10).json()["result"]
    assert [e["rest_method"] for e in log] == ["user.current"]
    state = requests.get(portal.url + "/_sandbox/state", timeout=10).json()["result"]
    assert [t["status"] for t in state["tasks"]] == [5]
    assert state["tasks"][0]["created_date"] < state["tasks"][0]["changed_date"]
    assert {u["id"] for u in state["users"]} == {1, user}
    assert "client_secret" not in state
    unknown = requests.post(portal.url + "/_sandbox/frobnicate", json={}, timeout=10)
    assert unknown.status_code == 404


def test_install_finish_over_http(portal: SandboxPortal, receiver: Receiver) -> None:
    """§1.2: the app's install page triggers installFinish; over HTTP: /_sandbox/install_finish."""
    _control(portal, "install", {"install_url": receiver.url, "ui": True})
    assert portal.core.state.install.finished is False
    _control(portal, "install_finish", {})
    assert portal.core.state.install.finished is True


def test_state_file_persists(tmp_path: Path) -> None:
    """With state_file the state is saved after each change and loaded at start."""
    path = tmp_path / "portal.json"
    with SandboxPortal(rate_limit=None, state_file=path) as first:
        user = first.add_user("Иван")
        task_id = first.create_task(1, "T", responsible_id=user)
        hook = first.webhook_url(1)
        member_id = first.member_id
    with SandboxPortal(rate_limit=None, state_file=path) as second:
        assert second.member_id == member_id
        hook = second.webhook_url(1).replace(second.url, "")
        got = requests.post(
            second.url + hook + "tasks.task.get", json={"taskId": task_id}, timeout=10
        ).json()
        assert got["result"]["task"]["responsibleId"] == str(user)
        assert second.create_task(1, "next", responsible_id=1) == task_id + 1


def test_user_get_filters_and_extranet(portal: SandboxPortal) -> None:
    """§7: user.get FILTER by ID list, USER_TYPE, ACTIVE, UF_DEPARTMENT; extranet users have
    USER_TYPE "extranet" and empty UF_DEPARTMENT; department.get; sonet_group.get."""
    portal.webhook_url(1, scopes=["task", "user", "department", "sonet_group"])
    dep = portal.add_department("Разработка", parent=1)
    dev = portal.add_user("Пётр", departments=[dep])
    client = portal.add_user("Клиент", extranet=True)
    portal.add_group("Клиент: сайт", members=[client])

    def ids(flt: dict[str, object]) -> list[str]:
        return [u["ID"] for u in hook_post(portal, "user.get", {"FILTER": flt}).json()["result"]]

    assert ids({"ID": [1, client]}) == ["1", str(client)]
    assert ids({"USER_TYPE": "employee", "ACTIVE": True}) == ["1", str(dev)]
    assert ids({"UF_DEPARTMENT": dep}) == [str(dev)]
    extranet = hook_post(portal, "user.get", {"ID": client}).json()["result"][0]
    assert (extranet["USER_TYPE"], extranet["UF_DEPARTMENT"]) == ("extranet", [])
    deps = hook_post(portal, "department.get", {"PARENT": 1}).json()["result"]
    assert [d["ID"] for d in deps] == [str(dep)]
    groups = hook_post(portal, "sonet_group.get", {"IS_ADMIN": "Y"}).json()["result"]
    assert groups[0]["IS_EXTRANET"] == "Y"
    assert hook_post(portal, "user.admin").json()["result"] is True


def test_notifications_are_stored_with_tag_dedup(app: App) -> None:
    """§8: im.notify.system.add / personal.add; re-using a TAG removes the older notification
    with that tag (literal reading: for any recipient)."""
    user = app.portal.add_user("Иван")
    app.ok("im.notify.system.add", {"USER_ID": user, "MESSAGE": "первое", "TAG": "t1"})
    app.ok("im.notify.personal.add", {"USER_ID": 1, "MESSAGE": "второе", "TAG": "t1"})
    app.ok("im.notify.system.add", {"USER_ID": user, "MESSAGE": "третье"})
    notes = app.portal.notifications()
    assert [(n.user_id, n.message, n.from_user) for n in notes] == [
        (1, "второе", 1),
        (user, "третье", None),
    ]


def test_placements_and_open_app(app: App, receiver: Receiver) -> None:
    """§13: placement.bind/get; opening a placement POSTs AUTH_ID, PLACEMENT and
    PLACEMENT_OPTIONS (a JSON string) to its handler."""
    app.ok(
        "placement.bind",
        {"PLACEMENT": "TASK_VIEW_TAB", "HANDLER": receiver.url + "/tab", "TITLE": "Регламент"},
    )
    assert app.ok("placement.get")[0]["placement"] == "TASK_VIEW_TAB"
    bad = app.call("placement.bind", {"PLACEMENT": "NOPE", "HANDLER": receiver.url})
    assert bad.json()["error"] == "ERROR_PLACEMENT_NOT_FOUND"
    result = app.portal.open_app(1, "TASK_VIEW_TAB", {"taskId": "5"})
    assert result.status == 200
    form = receiver.received[-1].form
    assert (form["PLACEMENT"], form["PLACEMENT_OPTIONS"]) == ("TASK_VIEW_TAB", '{"taskId":"5"}')
    app.access_token = form["AUTH_ID"]
    assert app.ok("user.current")["ID"] == "1"


def test_user_search_find_matches_the_start_of_a_name(portal: SandboxPortal) -> None:
    """docs: api-reference/user/user-search.md — FILTER[FIND] searches first and last name, job
    title and department; other FILTER fields still apply; user.get ignores FIND."""
    portal.webhook_url(1, scopes=["task", "user", "department", "sonet_group"])
    ivanov = portal.add_user("Иван", "Иванов")
    portal.add_user("Пётр", "Сидоров")
    extranet = portal.add_user("Ирина", "Иванова", extranet=True)

    def found(flt: dict[str, object], method: str = "user.search") -> list[str]:
        return [u["ID"] for u in hook_post(portal, method, {"FILTER": flt}).json()["result"]]

    assert found({"FIND": "иван"}) == [str(ivanov), str(extranet)]
    assert found({"FIND": "Иванов Ив"}) == [str(ivanov), str(extranet)]
    assert found({"FIND": "ванов"}) == []
    assert found({"FIND": "иван", "USER_TYPE": "extranet"}) == [str(extranet)]
    assert len(found({"FIND": "иван"}, "user.get")) == 4
