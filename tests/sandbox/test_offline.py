"""Offline events (bitrix24-rest.md §3.6)."""

from __future__ import annotations

from tests.sandbox.conftest import App, Receiver


def _bind_offline(app: App, connector: str = "") -> None:
    params = {"event": "ONTASKUPDATE", "event_type": "offline"}
    if connector:
        params["auth_connector"] = connector
    assert app.ok("event.bind", params) is True


def test_reserve_with_clear_0_then_clear_by_process_id(app: App) -> None:
    """§3.6: get(clear=0) reserves a batch and returns process_id; re-get with process_id returns
    the still-unconfirmed records; parallel gets see disjoint batches; clear(process_id)
    confirms. Records carry ID, TIMESTAMP_X, EVENT_NAME, EVENT_DATA, EVENT_ADDITIONAL,
    MESSAGE_ID."""
    _bind_offline(app)
    t1 = app.portal.create_task(1, "A", responsible_id=1)
    t2 = app.portal.create_task(1, "B", responsible_id=1)
    app.portal.update_task(1, t1, title="A2")
    app.portal.update_task(1, t2, title="B2")
    batch = app.ok("event.offline.get", {"clear": 0, "limit": 1})
    assert batch["process_id"]
    (record,) = batch["events"]
    assert set(record) == {
        "ID",
        "TIMESTAMP_X",
        "EVENT_NAME",
        "EVENT_DATA",
        "EVENT_ADDITIONAL",
        "MESSAGE_ID",
    }
    assert record["EVENT_DATA"]["FIELDS_AFTER"]["ID"] == str(t1)
    other = app.ok("event.offline.get", {"clear": 0})
    assert [e["EVENT_DATA"]["FIELDS_AFTER"]["ID"] for e in other["events"]] == [str(t2)]
    again = app.ok("event.offline.get", {"clear": 0, "process_id": batch["process_id"]})
    assert [e["ID"] for e in again["events"]] == [record["ID"]]
    assert app.ok("event.offline.clear", {"process_id": batch["process_id"]}) is True
    assert app.ok("event.offline.get", {"process_id": batch["process_id"]})["events"] == []
    listed = app.ok("event.offline.list")
    assert [r["PROCESS_ID"] for r in listed] == [other["process_id"]]


def test_coalesced_per_object(app: App) -> None:
    """§3.6: 1 000 edits of one task leave one record (latest TIMESTAMP_X)."""
    _bind_offline(app)
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    for i in range(20):
        app.portal.update_task(1, task_id, title=f"v{i}")
    events = app.ok("event.offline.get")["events"]
    assert len(events) == 1
    assert app.ok("event.offline.get")["events"] == []  # clear=1 (default) deleted it


def test_auth_connector_skips_own_writes(app: App) -> None:
    """§3.6: a write carrying the binding's auth_connector is not queued for it; records of a
    connector binding are seen only when get passes that auth_connector."""
    _bind_offline(app, connector="myapp")
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    update = {"taskId": task_id, "fields": {"TITLE": "own"}, "auth_connector": "myapp"}
    app.ok("tasks.task.update", update)
    assert app.ok("event.offline.get", {"auth_connector": "myapp"})["events"] == []
    app.portal.update_task(1, task_id, title="by a person")
    assert app.ok("event.offline.get")["events"] == []
    events = app.ok("event.offline.get", {"auth_connector": "myapp"})["events"]
    assert len(events) == 1


def test_error_marks_records(app: App) -> None:
    """§3.6: event.offline.error marks records; they come back only with error=1."""
    _bind_offline(app)
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    app.portal.update_task(1, task_id, title="x")
    batch = app.ok("event.offline.get", {"clear": 0})
    message_ids = [e["MESSAGE_ID"] for e in batch["events"]]
    app.ok("event.offline.error", {"process_id": batch["process_id"], "message_id": message_ids})
    assert app.ok("event.offline.get", {"clear": 0})["events"] == []
    assert len(app.ok("event.offline.get", {"error": 1})["events"]) == 1


def test_onofflineevent_ping(app: App, receiver: Receiver) -> None:
    """§3.6: ONOFFLINEEVENT ping with empty data and full auth incl. refresh_token; with
    minTimeout > 0 at most one ping per that many seconds."""
    _bind_offline(app)
    params = {"event": "ONOFFLINEEVENT", "handler": receiver.url, "options": {"minTimeout": 30}}
    app.ok("event.bind", params)
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    app.portal.update_task(1, task_id, title="x")
    app.portal.update_task(1, task_id, title="y")
    app.portal.wait_idle()
    pings = receiver.events("ONOFFLINEEVENT")
    assert len(pings) == 1
    assert not any(k.startswith("data") for k in pings[0])
    assert pings[0]["auth[refresh_token]"]
    app.portal.advance_time(31)
    app.portal.update_task(1, task_id, title="z")
    app.portal.wait_idle()
    assert len(receiver.events("ONOFFLINEEVENT")) == 2
