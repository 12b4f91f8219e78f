"""Online event delivery fidelity (bitrix24-rest.md §1.2, §3)."""

from __future__ import annotations

import pytest

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App, Receiver


def _bind(app: App, receiver: Receiver, *events: str) -> None:
    for event in events:
        assert app.ok("event.bind", {"event": event, "handler": receiver.url + "/b24/events"})


def test_event_post_has_php_brackets_undefined_and_application_token(
    app: App, receiver: Receiver
) -> None:
    """§3.2/§3.3: form-encoded POST, PHP bracket keys, `undefined` for the missing side, ids
    only, `ts`, `event_handler_id`, auth[...] with the install's application_token and the
    acting user's token; auth[scope] space-separated."""
    _bind(app, receiver, "ONTASKADD", "ONTASKUPDATE")
    user = app.portal.add_user("Иван")
    task_id = app.portal.create_task(user, "T", responsible_id=user)
    app.portal.update_task(user, task_id, title="T2")
    assert app.portal.wait_idle()
    add = receiver.events("ONTASKADD")[0]
    assert add["data[FIELDS_BEFORE]"] == "undefined"
    assert add["data[FIELDS_AFTER][ID]"] == str(task_id)
    assert add["data[IS_ACCESSIBLE_BEFORE]"] == "N"
    assert add["data[IS_ACCESSIBLE_AFTER]"] == "undefined"
    assert add["auth[application_token]"] == app.application_token
    assert add["auth[member_id]"] == app.portal.member_id
    assert add["auth[user_id]"] == str(user)
    assert add["auth[scope]"] == "task user_basic department sonet_group im placement"
    assert add["auth[client_endpoint]"] == app.portal.rest_url
    assert add["auth[status]"] == "L"
    assert add["event_handler_id"].isdigit()
    assert add["ts"].isdigit()
    assert "auth[refresh_token]" not in add
    raw = next(r.raw for r in receiver.received if r.form.get("event") == "ONTASKADD")
    assert raw.startswith("event=ONTASKADD&event_handler_id=")
    assert "data%5BFIELDS_AFTER%5D%5BID%5D=" in raw
    upd = receiver.events("ONTASKUPDATE")[0]
    assert (upd["data[FIELDS_BEFORE][ID]"], upd["data[FIELDS_AFTER][ID]"]) == (str(task_id),) * 2
    # the event token belongs to the acting user and works against the portal
    app.access_token = upd["auth[access_token]"]
    assert app.ok("user.current")["ID"] == str(user)


def test_delete_event_shape(app: App, receiver: Receiver) -> None:
    """§3.3 ONTASKDELETE: FIELDS_BEFORE[ID], FIELDS_AFTER=undefined, IS_ACCESSIBLE_AFTER=N."""
    _bind(app, receiver, "ONTASKDELETE")
    task_id = app.portal.create_task(1, "T", responsible_id=1)
    assert app.ok("tasks.task.delete", {"taskId": task_id}) == {"task": True}
    app.portal.wait_idle()
    event = receiver.events("ONTASKDELETE")[0]
    assert event["data[FIELDS_BEFORE][ID]"] == str(task_id)
    assert event["data[FIELDS_AFTER]"] == "undefined"
    assert event["data[IS_ACCESSIBLE_AFTER]"] == "N"


def test_app_own_rest_changes_also_fire_events(app: App, receiver: Receiver) -> None:
    """§3.3: events fire for every change, including the app's own REST writes (the handler
    must recognise its own changes); the acting user is the token's user."""
    _bind(app, receiver, "ONTASKADD")
    app.ok("tasks.task.add", {"fields": {"TITLE": "via REST", "RESPONSIBLE_ID": 1}})
    app.portal.wait_idle()
    assert receiver.events("ONTASKADD")[0]["auth[user_id]"] == "1"


def test_failed_delivery_is_lost_not_retried(app: App, receiver: Receiver) -> None:
    """§3.5: no redelivery; a handler answering non-2xx loses the event (recorded)."""
    _bind(app, receiver, "ONTASKADD")
    receiver.status = 500
    app.portal.create_task(1, "T", responsible_id=1)
    app.portal.wait_idle()
    assert len(receiver.received) == 2  # the install POST + one attempt
    assert [d.event for d in app.portal.failed_deliveries] == ["ONTASKADD"]
    assert app.portal.failed_deliveries[0].status == 500


def test_unreachable_handler_is_recorded(app: App) -> None:
    """§3.5: an unreachable handler loses the event."""
    app.ok("event.bind", {"event": "ONTASKADD", "handler": "http://127.0.0.1:9/nowhere"})
    app.portal.create_task(1, "T", responsible_id=1)
    app.portal.wait_idle()
    assert app.portal.failed_deliveries[0].error is not None


def test_handler_dying_mid_answer_loses_that_event_only(app: App, receiver: Receiver) -> None:
    """§3.5: a handler whose answer breaks off (killed while answering) loses that event; the
    portal's queue goes on delivering the next ones."""
    _bind(app, receiver, "ONTASKADD")
    receiver.cut_answer = True
    app.portal.create_task(1, "T", responsible_id=1)
    assert app.portal.wait_idle()
    receiver.cut_answer = False
    app.portal.create_task(1, "T2", responsible_id=1)
    assert app.portal.wait_idle()
    assert [d.event for d in app.portal.failed_deliveries] == ["ONTASKADD"]
    assert "IncompleteRead" in (app.portal.failed_deliveries[0].error or "")
    assert len(receiver.events("ONTASKADD")) == 2


def test_event_bind_errors(app: App, receiver: Receiver) -> None:
    """§3.1: unknown event → 400 ERROR_EVENT_NOT_FOUND; the same binding twice → 400 ERROR_CORE
    "Unable to set event handler: Handler already binded"; event.get lists bindings;
    event.unbind returns {"count": N}.
    # core: modules/rest/lib/api/event.php (Event::eventBind), lib/event.php
    # (EventTable::checkUniq), lib/restexception.php (RestException::getStatus → 400)"""
    _bind(app, receiver, "ONTASKADD")
    bad = app.call("event.bind", {"event": "ONTASKFROB", "handler": receiver.url})
    assert (bad.status_code, bad.json()["error"]) == (400, "ERROR_EVENT_NOT_FOUND")
    dup = app.call("event.bind", {"event": "ontaskadd", "handler": receiver.url + "/b24/events"})
    assert dup.status_code == 400
    assert dup.json() == {
        "error": "ERROR_CORE",
        "error_description": "Unable to set event handler: Handler already binded",
    }
    listed = app.ok("event.get")
    assert listed == [
        {
            "event": "ONTASKADD",
            "handler": receiver.url + "/b24/events",
            "auth_type": "0",
            "offline": 0,
        }
    ]
    unbind = {"event": "ONTASKADD", "handler": receiver.url + "/b24/events"}
    assert app.ok("event.unbind", unbind) == {"count": 1}


def test_non_admin_cannot_bind_offline(app: App) -> None:
    """§3.1: non-admins may bind only online handlers → 403 ACCESS_DENIED."""
    user = app.portal.add_user("Иван")
    app.access_token = app.portal.issue_token(user).token
    response = app.call("event.bind", {"event": "ONTASKADD", "event_type": "offline"})
    assert (response.status_code, response.json()["error"]) == (403, "ACCESS_DENIED")


def test_app_update_wipes_bindings(app: App, receiver: Receiver) -> None:
    """§1.2: bindings vanish when the app is updated to a new version."""
    _bind(app, receiver, "ONTASKADD")
    app.ok("placement.bind", {"PLACEMENT": "TASK_VIEW_TAB", "HANDLER": receiver.url + "/tab"})
    app.portal.app_update()
    assert app.ok("event.get") == []
    assert app.ok("placement.get") == []
    assert app.ok("app.info")["VERSION"] == 2


def test_install_api_only(portal: SandboxPortal, receiver: Receiver) -> None:
    """§1.2/§3.3: API-only install = ONAPPINSTALL POSTed to the install path with the full
    auth incl. refresh_token; installed at once (app.info INSTALLED true)."""
    result = portal.install_app(receiver.url + "/install")
    assert result.status == 200
    form = receiver.received[0].form
    assert form["event"] == "ONAPPINSTALL"
    assert form["data[VERSION]"] == "1"
    assert form["data[LANGUAGE_ID]"] == "ru"
    for key in (
        "access_token",
        "refresh_token",
        "application_token",
        "member_id",
        "domain",
        "client_endpoint",
        "server_endpoint",
        "expires_in",
        "user_id",
        "scope",
        "status",
    ):
        assert form[f"auth[{key}]"], key
    assert form["auth[server_endpoint]"] == portal.rest_url
    app = App(portal, form["auth[access_token]"], form["auth[refresh_token]"], "")
    assert app.ok("app.info")["INSTALLED"] is True


def test_reinstall_issues_new_application_token(portal: SandboxPortal, receiver: Receiver) -> None:
    """§3.4: reinstall ⇒ new application_token (reasoned in the docs; we do it)."""
    portal.install_app(receiver.url)
    first = receiver.received[-1].form["auth[application_token]"]
    portal.uninstall_app(clean=True)
    portal.wait_idle()
    uninstall = receiver.events("ONAPPUNINSTALL")[0]
    assert uninstall["data[CLEAN]"] == "1"
    assert uninstall["auth[application_token]"] == first
    assert "auth[access_token]" not in uninstall
    portal.install_app(receiver.url)
    assert receiver.received[-1].form["auth[application_token]"] != first


def test_install_ui_no_events_before_install_finish(
    portal: SandboxPortal, receiver: Receiver
) -> None:
    """§1.2/§13.2: UI install = the install page POST (AUTH_ID, REFRESH_ID, member_id,
    APPLICATION_TOKEN, PLACEMENT=DEFAULT, query DOMAIN/PROTOCOL/LANG/APP_SID); not installed
    and no events until BX24.installFinish()."""
    result = portal.install_app(receiver.url + "/install", ui=True)
    assert result.status == 200
    page = receiver.received[0]
    assert page.path.startswith("/install?DOMAIN=")
    assert "PROTOCOL=0" in page.path
    assert "LANG=ru" in page.path
    assert "APP_SID=" in page.path
    assert page.form["PLACEMENT"] == "DEFAULT"
    assert page.form["status"] == "L"
    assert page.form["member_id"] == portal.member_id
    app = App(portal, page.form["AUTH_ID"], page.form["REFRESH_ID"], page.form["APPLICATION_TOKEN"])
    assert app.ok("app.info")["INSTALLED"] is False
    _bind(app, receiver, "ONTASKADD")
    portal.create_task(1, "before", responsible_id=1)
    portal.wait_idle()
    assert receiver.events("ONTASKADD") == []
    portal.install_finish()
    assert app.ok("app.info")["INSTALLED"] is True
    task_id = portal.create_task(1, "after", responsible_id=1)
    portal.wait_idle()
    assert [e["data[FIELDS_AFTER][ID]"] for e in receiver.events("ONTASKADD")] == [str(task_id)]


@pytest.mark.parametrize("fires", [False, True], ids=["default-no-event", "configured"])
def test_time_entry_event_is_configurable(receiver: Receiver, fires: bool) -> None:
    """§3.3/§6: no elapsed-time events exist; whether adding time fires ONTASKUPDATE is
    (unconfirmed) — the stricter default sends nothing."""
    with SandboxPortal(rate_limit=None, time_entry_fires_update=fires) as portal:
        portal.install_app(receiver.url)
        app = App(portal, receiver.received[0].form["auth[access_token]"], "", "")
        _bind(app, receiver, "ONTASKUPDATE")
        task_id = portal.create_task(1, "T", responsible_id=1)
        portal.add_time(1, task_id, 600, "work")
        portal.wait_idle()
        assert len(receiver.events("ONTASKUPDATE")) == int(fires)
