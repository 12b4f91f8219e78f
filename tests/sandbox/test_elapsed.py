"""Time entries (bitrix24-rest.md §6)."""

from __future__ import annotations

from datetime import datetime

from b24sandbox.clock import PORTAL_TZ
from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import hook_post


def test_elapseditem_positional_crud(portal: SandboxPortal) -> None:
    """§6: add(TASKID, ARFIELDS{SECONDS, COMMENT_TEXT}) → id; get → record with ID, TASK_ID,
    USER_ID, COMMENT_TEXT, SECONDS, MINUTES, SOURCE, CREATED_DATE, DATE_START, DATE_STOP;
    update/delete → null."""
    task_id = portal.create_task(1, "T", responsible_id=1)
    item = hook_post(
        portal, "task.elapseditem.add", [task_id, {"SECONDS": 3600, "COMMENT_TEXT": "работа"}]
    ).json()["result"]
    record = hook_post(portal, "task.elapseditem.get", [task_id, item]).json()["result"]
    assert set(record) == {
        "ID",
        "TASK_ID",
        "USER_ID",
        "COMMENT_TEXT",
        "SECONDS",
        "MINUTES",
        "SOURCE",
        "CREATED_DATE",
        "DATE_START",
        "DATE_STOP",
    }
    assert (record["SECONDS"], record["MINUTES"], record["USER_ID"]) == ("3600", "60", "1")
    update = [task_id, item, {"SECONDS": 1800, "COMMENT_TEXT": "меньше"}]
    assert hook_post(portal, "task.elapseditem.update", update).json()["result"] is None
    record = hook_post(portal, "task.elapseditem.get", [task_id, item]).json()["result"]
    assert record["SECONDS"] == "1800"
    assert hook_post(portal, "task.elapseditem.delete", [task_id, item]).json()["result"] is None
    reordered = {"ARFIELDS": {"SECONDS": 1, "COMMENT_TEXT": ""}, "TASKID": task_id}
    assert hook_post(portal, "task.elapseditem.add", reordered).status_code == 400


def test_elapseditem_getlist_all_tasks_and_cursors(portal: SandboxPortal) -> None:
    """§6: getlist with FILTER `>ID` / `>=CREATED_DATE`; TASKID is optional (no * in the docs):
    absent or 0 means all visible tasks (chosen reading)."""
    t1 = portal.create_task(1, "A", responsible_id=1)
    t2 = portal.create_task(1, "B", responsible_id=1)
    old = datetime(2026, 1, 5, 10, 0, tzinfo=PORTAL_TZ)
    e1 = portal.add_time(1, t1, 600, "old", created_date=old)
    e2 = portal.add_time(1, t2, 900, "new")
    e3 = portal.add_time(1, t1, 300, "newer")

    def ids(params: object) -> list[int]:
        rows = hook_post(portal, "task.elapseditem.getlist", params).json()["result"]
        return [int(r["ID"]) for r in rows]

    assert ids([{"ID": "asc"}, {">ID": e1}]) == [e2, e3]
    assert ids({"ORDER": {"ID": "asc"}, "FILTER": {">=CREATED_DATE": "2026-02-01"}}) == [e2, e3]
    assert ids([t1, {"ID": "asc"}]) == [e1, e3]
    assert ids([0, {"ID": "desc"}]) == [e3, e2, e1]
