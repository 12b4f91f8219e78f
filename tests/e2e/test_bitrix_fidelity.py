"""The app against Bitrix24 as it really behaves (issue 12), over real HTTP with the sandbox.

Each test names the Bitrix behaviour it depends on and its source; docs/SANDBOX.md keeps the
ledger of what the sandbox models.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import request

from b24app.bitrix.features import AUTH_CONNECTOR, OFFLINE_EXTENDED
from b24app.install.bindings import legacy_connectors
from b24demo.stack import LocalStack
from rules.regulation import AppConfig
from rules.types import TaskId, TaskState
from scheduler.bindings import refresh_bindings
from scheduler.catchup import catch_up
from tests.e2e.conftest import GOOD_TEXT, GOOD_TITLE, app_comments, people
from tests.waiting import wait_until

APP_USER = 1  # the installing admin: the app's REST calls run as this user
OFFLINE_EVENTS = ("ONTASKADD", "ONTASKUPDATE", "ONTASKCOMMENTADD")


def _stack(tmp_path: Path, **options: Any) -> LocalStack:
    return LocalStack(tmp_path, config=AppConfig(), rate_limit=None, **options)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with _stack(tmp_path) as running:
        running.install()
        yield running


def app_down(stack: LocalStack) -> Callable[[bool], None]:
    """While down, the app answers Bitrix24's event POSTs with 503: the portal drops the online
    event (no redelivery: bitrix24-rest.md §3.5); only the offline queue keeps it."""
    state = {"down": True}

    def refuse() -> tuple[str, int] | None:
        return ("", 503) if state["down"] and request.path == "/b24/events" else None

    stack.app.before_request_funcs.setdefault(None, []).insert(0, refuse)
    return lambda down: state.update(down=down)


def offline_bindings(stack: LocalStack) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for b in stack.portal.snapshot()["bindings"]:
        if b["offline"]:
            found.setdefault(b["event"], set()).add(b["auth_connector"])
    return found


def queued(stack: LocalStack, connector: str | None = None) -> list[dict[str, Any]]:
    rows = stack.portal.snapshot()["offline"]
    return [r for r in rows if connector is None or r["connector"] == connector]


def record(stack: LocalStack, task: int) -> Any:
    return stack.services.task_store(stack.member_id).get_task(TaskId(task))


def test_offline_handlers_are_bound_with_the_connector_at_the_top_level(
    stack: LocalStack,
) -> None:
    """core: modules/rest/lib/oauth/auth.php reads auth_connector only at the request's top
    level; CRestProvider::methodsBatch ignores a batch command's own."""
    connector = stack.settings.auth_connector
    assert offline_bindings(stack) == {
        "ONTASKADD": {connector},
        "ONTASKUPDATE": {connector},
        "ONTASKCOMMENTADD": {connector},
    }
    binds = [r for r in stack.portal.requests if "event.bind" in r.sub_methods]
    assert any(r.params.get("auth_connector") == connector for r in binds)


def test_the_apps_own_writes_stay_out_of_its_queue(stack: LocalStack) -> None:
    """core: modules/rest/lib/event/provideroffline.php ProviderOffline::finalize skips a change
    made by the same app with the handler's connector; everyone else's changes are queued."""
    integrator, client = people(stack.portal)
    task = stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    stack.settle()
    stack.portal.add_comment(integrator, task, "Оценка: 30 мин")
    stack.settle()
    assert len(app_comments(stack.portal, task)) >= 2  # accepted, auto-accepted and started
    actors = {r["additional"]["user_id"] for r in queued(stack, stack.settings.auth_connector)}
    assert actors
    assert str(APP_USER) not in actors
    assert str(integrator) in actors


def test_events_missed_while_the_app_was_down_come_from_the_offline_queue(
    stack: LocalStack,
) -> None:
    integrator, client = people(stack.portal)
    switch = app_down(stack)
    task = stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    stack.portal.wait_idle()
    assert stack.portal.failed_deliveries
    assert record(stack, task) is None
    switch(False)
    assert catch_up(stack.services) >= 1
    stack.settle()
    assert record(stack, task).state is TaskState.AWAITING_ESTIMATE
    assert queued(stack) == []  # confirmed with event.offline.clear once stored


def test_a_portal_left_with_connectorless_handlers_is_moved_without_loss(
    stack: LocalStack,
) -> None:
    """The upgrade path: earlier versions bound the offline handlers inside a batch, so they got
    no connector and their queue was never read. At start (refresh_bindings, also daily and
    `b24app check --fix`) the app binds connector handlers first, removes the old ones, and
    the catch-up reads what the old ones had queued (the core keeps queued records when a
    handler is removed: modules/rest/lib/event.php EventTable has no delete hook)."""
    portal = stack.services.portals.get(stack.member_id)
    assert portal is not None
    client = stack.services.client_for(portal)
    connector = stack.settings.auth_connector
    events = OFFLINE_EVENTS
    client.batch(
        {
            f"u{n}": ("event.unbind", {"event": e, "event_type": "offline"})
            for n, e in enumerate(events)
        },
        connector=connector,
    )
    client.batch(
        {
            f"b{n}": ("event.bind", {"event": e, "event_type": "offline"})
            for n, e in enumerate(events)
        }
    )
    assert offline_bindings(stack) == {e: {""} for e in events}  # what old installs left
    integrator, client_user = people(stack.portal)
    switch = app_down(stack)
    task = stack.portal.create_task(client_user, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    stack.portal.wait_idle()
    assert catch_up(stack.services) == 0  # the old picture: the connector queue is empty
    assert queued(stack, "")
    switch(False)
    assert refresh_bindings(stack.services) == 3
    assert offline_bindings(stack) == {e: {connector} for e in events}
    assert legacy_connectors(stack.services, stack.member_id) == [""]
    late = stack.portal.create_task(client_user, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    stack.settle()
    assert catch_up(stack.services) >= 1
    stack.settle()
    assert record(stack, task).state is TaskState.AWAITING_ESTIMATE
    assert record(stack, late).state is TaskState.AWAITING_ESTIMATE
    assert queued(stack, "") == []
    assert legacy_connectors(stack.services, stack.member_id) == []
    assert refresh_bindings(stack.services) == 0  # nothing left to move


def test_a_plan_without_auth_connector_binds_and_writes_without_it(tmp_path: Path) -> None:
    """docs: offline-events.md — auth_connector needs the Professional plan; core:
    CRestServer::checkAuth refuses any request carrying it (WRONG_LICENSE). The suppression rule
    treats an empty connector as equal to an empty one, so own writes still stay out."""
    with _stack(tmp_path, features={AUTH_CONNECTOR: False}) as stack:
        stack.install()
        assert offline_bindings(stack) == {e: {""} for e in OFFLINE_EVENTS}
        integrator, client = people(stack.portal)
        switch = app_down(stack)
        task = stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
        stack.portal.wait_idle()
        switch(False)
        assert catch_up(stack.services) == 1
        stack.settle()
        assert record(stack, task).state is TaskState.AWAITING_ESTIMATE
        assert app_comments(stack.portal, task)
        assert not [r for r in stack.portal.requests if r.error == "WRONG_LICENSE"]
        actors = {r["additional"]["user_id"] for r in queued(stack)}
        assert str(APP_USER) not in actors


def test_a_plan_that_loses_auth_connector_still_gets_the_writes(stack: LocalStack) -> None:
    """A write refused for its connector goes again without it, and the features are corrected
    (the next reconcile binds connector-less handlers)."""
    stack.portal.set_feature(AUTH_CONNECTOR, False)
    integrator, client = people(stack.portal)
    task = stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    stack.settle()
    assert app_comments(stack.portal, task)
    assert stack.services.features.get(stack.member_id).auth_connector is False
    refresh_bindings(stack.services)
    assert all("" in c for c in offline_bindings(stack).values())


def test_a_plan_without_offline_extended_takes_records_with_clear_1(tmp_path: Path) -> None:
    """core: Event::eventOfflineGet refuses clear=0 without rest_offline_extended."""
    with _stack(tmp_path, features={OFFLINE_EXTENDED: False}) as stack:
        stack.install()
        integrator, client = people(stack.portal)
        switch = app_down(stack)
        task = stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
        stack.portal.wait_idle()
        switch(False)
        assert catch_up(stack.services) == 1
        stack.settle()
        assert record(stack, task).state is TaskState.AWAITING_ESTIMATE
        reads = stack.portal.requests_for("event.offline.get")
        assert reads
        assert all(str(r.params.get("clear", "1")) != "0" for r in reads)
        assert queued(stack) == []


def test_a_lost_queue_answer_is_recovered_from_the_reservation(stack: LocalStack) -> None:
    """A reservation whose answer never arrived stays in the queue under its process_id
    (docs: event-offline-list.md lists PROCESS_ID); the next run fetches it again."""
    integrator, client = people(stack.portal)
    switch = app_down(stack)
    task = stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    stack.portal.wait_idle()
    switch(False)
    portal = stack.services.portals.get(stack.member_id)
    assert portal is not None
    reserved = stack.services.client_for(portal).call(
        "event.offline.get", {"clear": 0}, connector=stack.settings.auth_connector
    )
    assert reserved["events"]  # reserved, and the answer "lost": the app never saw it
    stack.services.db.set_value(
        stack.member_id,
        "offline_read_in_doubt",
        json.dumps({"since": stack.services.now().isoformat(), "c": stack.settings.auth_connector}),
    )
    assert catch_up(stack.services) >= 1
    stack.settle()
    assert record(stack, task).state is TaskState.AWAITING_ESTIMATE
    assert queued(stack) == []


def test_a_chat_comment_is_found_among_portal_wide_message_ids(tmp_path: Path) -> None:
    """docs: im-dialog-messages-get.md — an id that is not in the chat gives an empty array;
    core: modules/im/lib/chat.php Chat::getMessages — FIRST_ID has no order, LAST_ID pages back.
    Message ids are one counter for the whole portal, so the id before a message is usually
    another chat's; the app finds the message by paging from ids the chat itself returned."""
    # ~85 REST calls: unpaced (the sandbox has no limit here; pacing is test_intake's subject),
    # or the app's own 2 requests/s would make this test wait ~17 s.
    unpaced = {"requests_per_second": 1000.0}
    with _stack(tmp_path, run_worker=False, settings=unpaced) as stack:
        stack.install()
        integrator, client = people(stack.portal)
        task = stack.portal.create_task(
            client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator, chat_card=True
        )
        stack.settle()
        other = stack.portal.add_chat(integrator, "Обед", [client])
        stack.portal.post_message(integrator, other, "кто идёт?")
        stack.portal.add_comment(integrator, task, "Оценка: 30 мин")
        for n in range(60):  # the estimate falls out of the newest page before it is read
            stack.portal.post_message(client, other, f"сообщение {n}")
            stack.portal.add_comment(client, task, f"Уточнение {n}: поле в карточке компании")
        stack.settle(timeout=120)
        assert record(stack, task).state is TaskState.IN_PROGRESS
        assert any("3.5" in text for text in app_comments(stack.portal, task))
        assert stack.services.inbox.stats()["failed"] == 0


def test_a_chat_message_that_cannot_be_read_is_kept_and_reported(stack: LocalStack) -> None:
    """Never dropped as unreadable: retried, then parked with its error (`b24app events retry`)."""
    integrator, client = people(stack.portal)
    task = stack.portal.create_task(
        client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator, chat_card=True
    )
    stack.settle()
    other = stack.portal.add_chat(integrator, "Другое", [client])
    stranger = stack.portal.post_message(client, other, "Согласовано")
    body = {
        "event": "ONTASKCOMMENTADD",
        "data[FIELDS_AFTER][ID]": "0",
        "data[FIELDS_AFTER][TASK_ID]": str(task),
        "data[FIELDS_AFTER][MESSAGE_ID]": str(stranger),
        "ts": "1",
        "auth[member_id]": stack.member_id,
        "auth[application_token]": stack.portal.application_token,
        "auth[domain]": stack.portal.domain,
    }
    assert requests.post(f"{stack.url}/b24/events", data=body, timeout=5).status_code == 200

    def rows() -> list[dict[str, Any]]:
        found = stack.services.inbox.list_rows(None, limit=50)
        return [r for r in found if r["task_id"] == task and r["event"] == "ONTASKCOMMENTADD"]

    wait_until(lambda: any("cannot read the task chat" in r["last_error"] for r in rows()))
    assert stack.services.chat_access_errors >= 1
    kept = [r["status"] for r in rows() if "cannot read the task chat" in r["last_error"]]
    assert kept in (["pending"], ["failed"])  # kept for a retry, never "ignored"


def test_the_app_joins_a_client_task_chat_with_its_first_comment(stack: LocalStack) -> None:
    """Task chat members are the creator, responsible, accomplices and auditors, and access
    follows task read rights (core: the tasks module's Task::getMemberIds and chat access
    check; docs/SANDBOX.md); tasks.task.startwatch makes the caller an auditor (docs:
    tasks-task-start-watch.md). It goes in the write batch of the app's first comment."""
    integrator, client = people(stack.portal)
    task = stack.portal.create_task(
        client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator, chat_card=True
    )
    stack.settle()
    snapshot = stack.portal.snapshot()
    raw = next(t for t in snapshot["tasks"] if t["id"] == task)
    assert APP_USER in raw["auditors"]
    chat = next(c for c in snapshot["chats"] if c["task_id"] == task)
    assert APP_USER in chat["members"]
    writes = [r for r in stack.portal.requests if "tasks.task.startwatch" in r.sub_methods]
    assert len(writes) == 1
    assert "task.commentitem.add" in writes[0].sub_methods


def test_a_method_over_its_operating_time_waits_in_the_inbox(stack: LocalStack) -> None:
    """docs: limits.md — 429 OPERATION_TIME_LIMIT has no `time` block; wait for the method's
    reset (up to 10 min); calls of other methods are not affected."""
    integrator, client = people(stack.portal)
    stack.portal.set_operating_limit("tasks.task.get", 1.0)
    stack.portal.charge_operating("tasks.task.get", 5.0)
    stack.portal.create_task(client, GOOD_TITLE, GOOD_TEXT, responsible_id=integrator)
    wait_until(lambda: stack.services.stats.rate_limited)
    refused = [r for r in stack.portal.requests if r.error == "OPERATION_TIME_LIMIT"]
    batches = [r for r in stack.portal.requests if "tasks.task.get" in r.sub_methods]
    assert stack.services.stats.rate_limited == 1
    assert len(batches) == 1
    assert not refused
    rows = stack.services.inbox.list_rows(None, limit=10)
    assert [r["status"] for r in rows] == ["pending"]
    assert "OPERATION_TIME_LIMIT" in rows[0]["last_error"]
    assert stack.services.inbox.stats()["failed"] == 0
