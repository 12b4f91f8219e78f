"""Fidelity: auth_connector, batch auth inheritance, the offline suppression rule, event.* shapes
and plan features (issue 12; research/offline.md). Every test runs over real HTTP."""

from __future__ import annotations

from typing import Any

import requests

from b24sandbox.portal import SandboxPortal
from tests.sandbox.conftest import App, hook_post


def _bind_offline(app: App, event: str = "ONTASKUPDATE", connector: str | None = None) -> None:
    params: dict[str, Any] = {"event": event, "event_type": "offline"}
    if connector is not None:
        params["auth_connector"] = connector
    assert app.ok("event.bind", params) is True


def _queued(app: App, connector: str | None = None) -> list[str]:
    """Task ids queued for `connector` (peek with event.offline.list; '' = no connector)."""
    params = {} if connector is None else {"auth_connector": connector}
    rows = app.ok("event.offline.list", params)
    return [r["EVENT_DATA"]["FIELDS_AFTER"]["ID"] for r in rows]


def _update(task_id: int, title: str) -> dict[str, Any]:
    return {"taskId": task_id, "fields": {"TITLE": title}}


def test_auth_connector_read_only_from_top_level(app: App) -> None:
    """Only a TOP-LEVEL `auth_connector` counts; nested inside the method's fields it is
    nothing, and it is moved out of the method's parameters.
    # core: modules/rest/lib/oauth/auth.php (Auth::onRestCheckAuth: array_key_exists on the
    # request's top level), classes/general/rest.php (CRestServer::checkAuth moves it out)"""
    _bind_offline(app, connector="cx")
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    nested = {"taskId": task_id, "fields": {"TITLE": "n", "auth_connector": "cx"}}
    app.ok("tasks.task.update", nested)
    assert _queued(app, "cx") == [str(task_id)]
    app.ok("event.offline.get", {"auth_connector": "cx"})  # drain
    app.ok("tasks.task.update", {**_update(task_id, "top"), "auth_connector": "cx"})
    assert _queued(app, "cx") == []


def test_batch_sub_commands_inherit_outer_connector(app: App) -> None:
    """In `batch`, sub-commands run with the OUTER request's auth data, connector included; a
    sub-command's own `auth_connector` is ignored.
    # core: classes/general/rest_provider.php (CRestProvider::methodsBatch: setAuthData of the
    # outer server), classes/general/rest.php (CRestServerBatchItem::checkAuth)"""
    _bind_offline(app, connector="cx")
    t1 = app.portal.create_task(1, "A", responsible_id=1)
    t2 = app.portal.create_task(1, "B", responsible_id=1)
    inner = {"cmd": {"a": f"tasks.task.update?taskId={t1}&fields[TITLE]=x&auth_connector=cx"}}
    assert app.call("batch", inner).status_code == 200
    assert _queued(app, "cx") == [str(t1)]  # the sub-command's connector did nothing
    app.ok("event.offline.get", {"auth_connector": "cx"})
    outer = {
        "auth_connector": "cx",
        "cmd": {
            "a": f"tasks.task.update?taskId={t1}&fields[TITLE]=y",
            "b": f"tasks.task.update?taskId={t2}&fields[TITLE]=y&auth_connector=other",
        },
    }
    assert app.call("batch", outer).status_code == 200
    assert _queued(app, "cx") == []  # both inherited the outer connector


def test_event_bind_in_batch_binds_with_outer_connector(app: App) -> None:
    """event.bind/event.offline.* read the connector from the request's auth data only, so an
    offline binding made by a batch sub-command with its own auth_connector has connector ''.
    # core: modules/rest/lib/api/event.php (Event::eventBind, eventOfflineGet: getAuthData())"""
    cmd = {"b": "event.bind?event=ONTASKUPDATE&event_type=offline&auth_connector=cx"}
    assert app.call("batch", {"cmd": cmd}).status_code == 200
    assert app.ok("event.get") == [{"event": "ONTASKUPDATE", "connector_id": "", "offline": 1}]
    app.ok(
        "batch",
        {"auth_connector": "cx", "cmd": {"b": "event.bind?event=ONTASKADD&event_type=offline"}},
    )
    assert {"event": "ONTASKADD", "connector_id": "cx", "offline": 1} in app.ok("event.get")
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    app.portal.update_task(1, task_id, title="B")
    got = app.ok("batch", {"cmd": {"g": "event.offline.get?auth_connector=cx"}})
    assert [e["EVENT_NAME"] for e in got["result"]["g"]["events"]] == ["ONTASKUPDATE"]


def test_suppression_rule_empty_connector_equals_empty(app: App, portal: SandboxPortal) -> None:
    """Not queued only when the change came from the same application AND its connector strictly
    equals the binding's CONNECTOR_ID — a request without auth_connector counts as '', so the
    app's own plain writes are NOT queued for its connector-less bindings. Changes by a person
    (UI), a webhook, or the app with another connector are queued.
    # core: modules/rest/lib/event/provideroffline.php (ProviderOffline::finalize,
    # getServerAuthData)"""
    _bind_offline(app)
    task_id = portal.create_task(1, "A", responsible_id=1)
    app.ok("event.offline.get")  # drain the ONTASKUPDATE-free queue state
    app.ok("tasks.task.update", _update(task_id, "own, no connector"))
    assert _queued(app) == []
    portal.update_task(1, task_id, title="by a person")
    assert _queued(app) == [str(task_id)]
    app.ok("event.offline.get")
    hook_post(portal, "tasks.task.update", _update(task_id, "by a webhook"))
    assert _queued(app) == [str(task_id)]
    app.ok("event.offline.get")
    app.ok("tasks.task.update", {**_update(task_id, "own, connector x"), "auth_connector": "x"})
    assert _queued(app) == [str(task_id)]


def test_suppression_is_strict_about_the_connector_type(app: App) -> None:
    """The comparison is `!==`: a JSON number never equals the stored string connector.
    # core: provideroffline.php (ProviderOffline::finalize: `$serverAuthData['auth_connector']
    # !== $handler['CONNECTOR_ID']`)"""
    _bind_offline(app, connector="7")
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    app.ok("tasks.task.update", {**_update(task_id, "n"), "auth_connector": 7})
    assert _queued(app, "7") == [str(task_id)]
    app.ok("event.offline.get", {"auth_connector": "7"})
    app.ok("tasks.task.update", {**_update(task_id, "s"), "auth_connector": "7"})
    assert _queued(app, "7") == []


def test_event_get_offline_shape_and_unbind_by_connector(app: App) -> None:
    """event.get lists an offline binding as {event, connector_id ('' if none), offline: 1}
    with NO handler/auth_type; event.unbind event_type=offline ignores `handler` and removes
    only the bindings of the request's auth connector ('' when absent); records already queued
    for that connector stay readable.
    # core: modules/rest/lib/api/event.php (Event::eventGet, Event::eventUnbind)"""
    _bind_offline(app)
    _bind_offline(app, connector="cx")
    assert app.ok("event.get") == [
        {"event": "ONTASKUPDATE", "connector_id": "", "offline": 1},
        {"event": "ONTASKUPDATE", "connector_id": "cx", "offline": 1},
    ]
    task_id = app.portal.create_task(1, "A", responsible_id=1)
    app.portal.update_task(1, task_id, title="B")
    unbind = {"event": "ONTASKUPDATE", "event_type": "offline", "handler": "http://x.example/h"}
    assert app.ok("event.unbind", unbind) == {"count": 1}
    assert app.ok("event.get") == [{"event": "ONTASKUPDATE", "connector_id": "cx", "offline": 1}]
    assert app.ok("event.unbind", {**unbind, "auth_connector": "cx"}) == {"count": 1}
    assert app.ok("event.get") == []
    assert [e["EVENT_NAME"] for e in app.ok("event.offline.get")["events"]] == ["ONTASKUPDATE"]
    got = app.ok("event.offline.get", {"auth_connector": "cx"})
    assert len(got["events"]) == 1


def test_duplicate_offline_binding_is_error_core(app: App) -> None:
    """Binding the same (app, event, handler, user, connector) twice → HTTP 400 ERROR_CORE
    "Unable to set event handler: Handler already binded"; another connector is a new binding.
    # core: modules/rest/lib/event.php (EventTable::checkUniq), lib/api/event.php
    # (Event::eventBind), lib/restexception.php (RestException::getStatus: default 400)"""
    _bind_offline(app, connector="cx")
    again = app.call(
        "event.bind", {"event": "ONTASKUPDATE", "event_type": "offline", "auth_connector": "cx"}
    )
    assert again.status_code == 400
    assert again.json() == {
        "error": "ERROR_CORE",
        "error_description": "Unable to set event handler: Handler already binded",
    }
    _bind_offline(app)  # connector '' is another binding


def test_feature_get(app: App, portal: SandboxPortal) -> None:
    """feature.get CODE → {"value": "Y"|"N"}; no CODE → 400 CODE_EMPTY "CODE can't be empty";
    an unknown code → "N"; webhooks may call it too.
    # docs: api-reference/common/system/feature-get.md
    # core: classes/general/rest_provider.php (CRestProvider::getFeature)"""
    assert app.ok("feature.get", {"CODE": "rest_offline_extended"}) == {"value": "Y"}
    assert app.ok("feature.get", {"CODE": "rest_auth_connector"}) == {"value": "Y"}
    assert app.ok("feature.get", {"CODE": "no_such_feature"}) == {"value": "N"}
    empty = app.call("feature.get", {})
    assert (empty.status_code, empty.json()) == (
        400,
        {"error": "CODE_EMPTY", "error_description": "CODE can't be empty"},
    )
    portal.set_feature("rest_auth_connector", False)
    got = hook_post(portal, "feature.get", {"CODE": "rest_auth_connector"}).json()
    assert got["result"] == {"value": "N"}


def test_auth_connector_without_plan_feature_is_wrong_license(receiver: Any) -> None:
    """Below the plan, a request with a top-level `auth_connector` KEY (even empty) fails as a
    whole with 403 WRONG_LICENSE before the method runs; without the key all works; a batch
    sub-command's own auth_connector is not checked (nor used).
    # core: classes/general/rest.php (CRestServer::checkAuth, newer `isset` version),
    # lib/licenseexception.php (LicenseException: 403, WRONG_LICENSE)"""
    with SandboxPortal(rate_limit=None, features={"rest_auth_connector": False}) as portal:
        portal.install_app(receiver.url)
        app = App(portal, receiver.received[-1].form["auth[access_token]"], "", "")
        fields = {"fields": {"TITLE": "T", "RESPONSIBLE_ID": 1}}
        for value in ("cx", ""):
            refused = app.call("tasks.task.add", {**fields, "auth_connector": value})
            assert refused.status_code == 403
            assert refused.json() == {
                "error": "WRONG_LICENSE",
                "error_description": (
                    "This feature is not enabled for the current license: auth_connector"
                ),
            }
        batch = app.call("batch", {"auth_connector": "cx", "cmd": {"a": "user.current"}})
        assert batch.json()["error"] == "WRONG_LICENSE"
        assert portal.core.state.tasks == {}
        assert app.call("tasks.task.add", fields).status_code == 200
        inner = {
            "cmd": {
                "a": "tasks.task.add?fields[TITLE]=B&fields[RESPONSIBLE_ID]=1&auth_connector=cx"
            }
        }
        assert app.ok("batch", inner)["result_error"] == []


def test_offline_get_clear_0_needs_extended_feature(app: App, portal: SandboxPortal) -> None:
    """Without `rest_offline_extended`, event.offline.get with clear=0 → 403 WRONG_LICENSE
    "…: extended offline events handling", and nothing is reserved; plain get still works.
    # core: modules/rest/lib/api/event.php (Event::eventOfflineGet, isExtendedModeEnabled)"""
    _bind_offline(app)
    task_id = portal.create_task(1, "A", responsible_id=1)
    portal.update_task(1, task_id, title="B")
    portal.set_feature("rest_offline_extended", False)
    refused = app.call("event.offline.get", {"clear": 0})
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "WRONG_LICENSE",
        "error_description": (
            "This feature is not enabled for the current license: extended offline events handling"
        ),
    }
    assert [r["PROCESS_ID"] for r in app.ok("event.offline.list")] == [""]
    assert len(app.ok("event.offline.get")["events"]) == 1


def test_features_over_http_control(portal: SandboxPortal) -> None:
    """The plan features are shown by GET /_sandbox/info and switched by POST
    /_sandbox/set_feature (sandbox control, not Bitrix)."""
    info = requests.get(portal.url + "/_sandbox/info", timeout=5).json()["result"]
    assert info["features"] == {"rest_offline_extended": True, "rest_auth_connector": True}
    body = {"code": "rest_offline_extended", "on": False}
    assert requests.post(portal.url + "/_sandbox/set_feature", json=body, timeout=5).ok
    assert portal.features["rest_offline_extended"] is False


def test_legacy_binding_seed_reads_like_an_old_install(app: App, portal: SandboxPortal) -> None:
    """add_binding leaves a connector-less offline binding as today's install does; the app sees
    it in event.get and its queue is the '' one (sandbox seed API for upgrade tests)."""
    portal.add_binding("ONTASKUPDATE")
    assert app.ok("event.get") == [{"event": "ONTASKUPDATE", "connector_id": "", "offline": 1}]
    task_id = portal.create_task(1, "A", responsible_id=1)
    portal.update_task(1, task_id, title="B")
    assert _queued(app) == [str(task_id)]
    assert _queued(app, "b24reglament") == []
