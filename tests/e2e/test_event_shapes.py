"""Every event shape a real portal sends, posted over real HTTP to the app's event intake.

The payloads are copied from Bitrix24's own descriptions: `docs:` paths are in the REST docs
repository bitrix24/b24restdocs, `core:` paths in avshatalov48/bitrix-core-business (module
`rest`) or, marked *(corp)*, avshatalov48/bitrix24-core-corp (module `tasks`). Only the portal's
ids and application token are swapped in, so that the app can verify them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from b24demo.stack import LocalStack
from rules.regulation import AppConfig

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# docs: _includes/auth-params-in-events.md, the `auth` block every task/comment page prints
DOC_AUTH = {
    "access_token": "s6p6eclrvim6da22ft9ch94ekreb52lv",
    "expires_in": "3600",
    "scope": "task",
    "domain": "some-domain.bitrix24.com",
    "server_endpoint": "https://oauth.bitrix.info/rest/",
    "status": "F",
    "client_endpoint": "https://some-domain.bitrix24.com/rest/",
    "member_id": "a223c6b3710f85df22e9377d6c4f7553",
    "refresh_token": "4s386p3q0tr8dy89xvmt96234v3dljg8",
    "application_token": "51856fefc120afa4b628cc82d3935cce",
}
UNDEF = "undefined"


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[LocalStack]:
    """The app installed on a sandbox portal; no worker, so what the intake stored stays."""
    with LocalStack(tmp_path, config=AppConfig(), rate_limit=None, run_worker=False) as stack:
        stack.install()
        yield stack


def ours(stack: LocalStack, auth: dict[str, Any]) -> dict[str, Any]:
    """A documented auth block with this portal's member_id and application token."""
    portal = stack.services.portals.get(stack.member_id)
    assert portal is not None
    mine = {"member_id": stack.member_id, "application_token": portal.application_token}
    return {**auth, **{k: v for k, v in mine.items() if k in auth}}


def php_pairs(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A documented payload as the portal's form POST (PHP http_build_query's rules)."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [(prefix, str(value))]
    pairs: list[tuple[str, str]] = []
    for key, item in items:
        pairs += php_pairs(item, f"{prefix}[{key}]" if prefix else str(key))
    return pairs


def post(stack: LocalStack, payload: dict[str, Any]) -> requests.Response:
    payload = {**payload, "auth": ours(stack, payload["auth"])}
    body = urlencode(php_pairs(payload))
    return requests.post(f"{stack.url}/b24/events", data=body, headers=FORM, timeout=10)


def post_raw(stack: LocalStack, body: bytes | str, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{stack.url}/b24/events", data=body, headers=headers, timeout=10)


def rows(stack: LocalStack) -> list[tuple[str, int, int, int]]:
    """(event, task, comment, message) of every inbox row, oldest first."""
    found = reversed(stack.services.inbox.list_rows())
    return [(r["event"], r["task_id"], r["comment_id"], r["message_id"]) for r in found]


def doc_event(event: str, data: dict[str, Any], auth: dict[str, Any] | None = None) -> Any:
    return {"event": event, "data": data, "ts": "1466439714", "auth": dict(auth or DOC_AUTH)}


STORED = [
    pytest.param(
        # docs: api-reference/tasks/events-tasks/on-task-add.md
        doc_event(
            "ONTASKADD",
            {
                "FIELDS_BEFORE": UNDEF,
                "FIELDS_AFTER": {"ID": 123},
                "IS_ACCESSIBLE_BEFORE": "N",
                "IS_ACCESSIBLE_AFTER": UNDEF,
            },
        ),
        ("ONTASKADD", 123, 0, 0),
        id="ontaskadd",
    ),
    pytest.param(
        # docs: api-reference/tasks/events-tasks/on-task-update.md
        doc_event(
            "ONTASKUPDATE",
            {
                "FIELDS_BEFORE": {"ID": 123},
                "FIELDS_AFTER": {"ID": 123},
                "IS_ACCESSIBLE_BEFORE": UNDEF,
                "IS_ACCESSIBLE_AFTER": UNDEF,
            },
        ),
        ("ONTASKUPDATE", 123, 0, 0),
        id="ontaskupdate",
    ),
    pytest.param(
        # docs: api-reference/tasks/events-tasks/on-task-delete.md (the id is only BEFORE)
        doc_event(
            "ONTASKDELETE",
            {
                "FIELDS_BEFORE": {"ID": 123},
                "FIELDS_AFTER": UNDEF,
                "IS_ACCESSIBLE_BEFORE": UNDEF,
                "IS_ACCESSIBLE_AFTER": "N",
            },
        ),
        ("ONTASKDELETE", 123, 0, 0),
        id="ontaskdelete",
    ),
    pytest.param(
        # docs: api-reference/tasks/comment-item/events-comment/on-task-comment-add.md (old card)
        doc_event(
            "ONTASKCOMMENTADD",
            {
                "FIELDS_BEFORE": UNDEF,
                "FIELDS_AFTER": {"ID": 123, "TASK_ID": 555},
                "IS_ACCESSIBLE_BEFORE": UNDEF,
                "IS_ACCESSIBLE_AFTER": UNDEF,
            },
        ),
        ("ONTASKCOMMENTADD", 555, 123, 0),
        id="ontaskcommentadd-old-card",
    ),
    pytest.param(
        # core (corp): modules/tasks/classes/general/commentitem.php (CTaskCommentItem::
        # onEventFilter): the old card's comment event says IS_ACCESSIBLE_BEFORE=N
        doc_event(
            "ONTASKCOMMENTADD",
            {
                "FIELDS_BEFORE": UNDEF,
                "FIELDS_AFTER": {"ID": 124, "TASK_ID": 555},
                "IS_ACCESSIBLE_BEFORE": "N",
                "IS_ACCESSIBLE_AFTER": UNDEF,
            },
        ),
        ("ONTASKCOMMENTADD", 555, 124, 0),
        id="ontaskcommentadd-core",
    ),
    pytest.param(
        # docs: on-task-comment-add.md, new chat card from tasks 25.700.0: ID 0 + MESSAGE_ID
        doc_event(
            "ONTASKCOMMENTADD",
            {
                "FIELDS_BEFORE": UNDEF,
                "FIELDS_AFTER": {"ID": 0, "TASK_ID": 555, "MESSAGE_ID": 1458},
                "IS_ACCESSIBLE_BEFORE": UNDEF,
                "IS_ACCESSIBLE_AFTER": UNDEF,
            },
        ),
        ("ONTASKCOMMENTADD", 555, 0, 1458),
        id="ontaskcommentadd-chat-card",
    ),
    pytest.param(
        # docs: on-task-add.md binds "onTaskAdd"; core (corp): modules/tasks/classes/general/
        # restservice.php (CTaskRestService::onEventFilter) matches the name case-insensitively
        doc_event("onTaskAdd", {"FIELDS_BEFORE": UNDEF, "FIELDS_AFTER": {"ID": 125}}),
        ("ONTASKADD", 125, 0, 0),
        id="lower-case-name",
    ),
    pytest.param(
        # docs: _includes/auth-params-in-events.md ("tokens are not passed" when no user
        # caused the hit); core: modules/rest/lib/event/sender.php (Sender::getAuth: domain,
        # member_id and application_token only)
        doc_event(
            "ONTASKUPDATE",
            {"FIELDS_BEFORE": {"ID": 126}, "FIELDS_AFTER": {"ID": 126}},
            {k: DOC_AUTH[k] for k in ("domain", "member_id", "application_token")},
        ),
        ("ONTASKUPDATE", 126, 0, 0),
        id="no-user-tokens",
    ),
    pytest.param(
        # docs: api-reference/events/index.md, "Event Sent to an Outgoing Webhook": five auth
        # keys and an event_handler_id
        {
            **doc_event(
                "ONTASKADD",
                {"FIELDS_BEFORE": UNDEF, "FIELDS_AFTER": {"ID": 127}},
                {
                    k: DOC_AUTH[k]
                    for k in (
                        "domain",
                        "client_endpoint",
                        "server_endpoint",
                        "member_id",
                        "application_token",
                    )
                },
            ),
            "event_handler_id": "975",
        },
        ("ONTASKADD", 127, 0, 0),
        id="webhook-auth-and-handler-id",
    ),
]


@pytest.mark.parametrize(("payload", "stored"), STORED)
def test_a_documented_event_is_queued_with_its_ids(
    intake: LocalStack, payload: dict[str, Any], stored: tuple[str, int, int, int]
) -> None:
    """The documented payload is answered 200 and becomes one inbox row with the right ids."""
    answer = post(intake, payload)
    assert (answer.status_code, answer.json()) == (200, {"status": "queued"})
    assert rows(intake) == [stored]


IGNORED = [
    pytest.param(
        # docs: on-task-comment-update.md (old card only; the app does not bind it)
        doc_event(
            "ONTASKCOMMENTUPDATE",
            {
                "FIELDS_BEFORE": {"ID": 123, "TASK_ID": 555},
                "FIELDS_AFTER": {"ID": 123, "TASK_ID": 555, "ACTION": "EDIT"},
                "IS_ACCESSIBLE_BEFORE": UNDEF,
                "IS_ACCESSIBLE_AFTER": UNDEF,
            },
        ),
        id="ontaskcommentupdate",
    ),
    pytest.param(
        # docs: on-task-comment-delete.md
        doc_event(
            "ONTASKCOMMENTDELETE",
            {
                "FIELDS_BEFORE": {"ID": 123, "TASK_ID": 555},
                "FIELDS_AFTER": {"ID": 123, "TASK_ID": 555, "ACTION": "DEL"},
                "IS_ACCESSIBLE_BEFORE": UNDEF,
                "IS_ACCESSIBLE_AFTER": UNDEF,
            },
        ),
        id="ontaskcommentdelete",
    ),
    pytest.param(
        # docs: api-reference/events/index.md (an entity the app does not handle)
        {**doc_event("ONCRMDEALADD", {"FIELDS": {"ID": "7405"}}), "event_handler_id": "185"},
        id="oncrmdealadd",
    ),
]


@pytest.mark.parametrize("payload", IGNORED)
def test_an_event_the_app_does_not_use_is_acknowledged_and_not_stored(
    intake: LocalStack, payload: dict[str, Any]
) -> None:
    """A 200 (so the portal does not demote the handler) with the reason, and no inbox row."""
    answer = post(intake, payload)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ignored"
    assert rows(intake) == []


APP_EVENTS = [
    # docs: api-reference/common/events/on-app-update.md (VERSION, PREVIOUS_VERSION)
    pytest.param(
        "ONAPPUPDATE",
        {"VERSION": "2.1.0", "PREVIOUS_VERSION": "2.0.3", "LANGUAGE_ID": "de"},
        id="onappupdate",
    ),
    # docs: api-reference/events/on-offline-event.md ("data": [] — nothing in the form)
    pytest.param("ONOFFLINEEVENT", [], id="onofflineevent"),
    # docs: api-reference/events/test-handler.md (event.test echoes its params in data.QUERY)
    pytest.param("ONAPPTEST", {"QUERY": {"any": "data"}}, id="onapptest"),
]


@pytest.mark.parametrize(("event", "data"), APP_EVENTS)
def test_an_app_event_with_the_portals_token_is_accepted(
    intake: LocalStack, event: str, data: Any
) -> None:
    """Acknowledged, and nothing goes to the inbox: they name no task."""
    answer = post(intake, {**doc_event(event, data), "event_handler_id": "7"})
    assert (answer.status_code, answer.json()) == (200, {"status": "accepted"})
    assert rows(intake) == []


def test_install_event_with_tokens_bitrix_did_not_issue_is_refused(intake: LocalStack) -> None:
    """docs: api-reference/common/events/on-app-install.md, posted as is (integers and all):
    the OAuth server does not know its refresh token, so the portal's stored token stays."""
    before = intake.services.portals.get(intake.member_id)
    data = {"VERSION": "1.0.0", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "de"}
    auth = {**DOC_AUTH, "scope": "imbot", "expires_in": 3600}
    answer = post(intake, {**doc_event("ONAPPINSTALL", data, auth), "ts": "1696527000"})
    assert answer.status_code == 403
    assert answer.json()["error"] == "install_refused"
    assert intake.services.portals.get(intake.member_id) == before


def test_install_event_as_json_at_the_install_path_is_read_too(intake: LocalStack) -> None:
    """docs: on-app-install.md, as printed (JSON), at the installation path: handled as an
    ONAPPINSTALL (here refused: the docs' tokens), not answered with the install help page."""
    data = {"VERSION": "1.0.0", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "de"}
    payload = doc_event("ONAPPINSTALL", data, {**DOC_AUTH, "expires_in": 3600})
    answer = requests.post(f"{intake.url}/b24/install", json=payload, timeout=10)
    assert answer.status_code == 403
    assert answer.json()["error"] == "install_refused"


def test_uninstall_event_from_the_docs_uninstalls(intake: LocalStack) -> None:
    """docs: api-reference/common/events/on-app-uninstall.md (CLEAN=1, no user tokens); the
    next event of that portal is refused."""
    auth = {
        k: DOC_AUTH[k]
        for k in ("domain", "server_endpoint", "client_endpoint", "member_id", "application_token")
    }
    answer = post(intake, doc_event("ONAPPUNINSTALL", {"LANGUAGE_ID": "de", "CLEAN": 1}, auth))
    assert (answer.status_code, answer.json()) == (200, {"status": "uninstalled"})
    portal = intake.services.portals.get(intake.member_id)
    assert portal is not None
    assert portal.status == "uninstalled"
    again = post(intake, doc_event("ONTASKADD", {"FIELDS_AFTER": {"ID": 9}}))
    assert again.status_code == 401
    assert rows(intake) == []


def test_the_docs_json_rendering_is_read_like_the_form(intake: LocalStack) -> None:
    """docs: on-task-comment-add.md prints the payload as JSON with integer ids ("ID": 123);
    a body posted that way is read as the form Bitrix24 sends (core: classes/general/
    rest_util.php, CRestUtil::getRequestData, reads a JSON body the same as a form)."""
    payload = doc_event(
        "ONTASKCOMMENTADD",
        {
            "FIELDS_BEFORE": UNDEF,
            "FIELDS_AFTER": {"ID": 123, "TASK_ID": 555},
            "IS_ACCESSIBLE_BEFORE": UNDEF,
            "IS_ACCESSIBLE_AFTER": UNDEF,
        },
    )
    payload["auth"] = ours(intake, {**payload["auth"], "expires_in": 3600})
    answer = post_raw(intake, json.dumps(payload), {"Content-Type": "application/json"})
    assert (answer.status_code, answer.json()) == (200, {"status": "queued"})
    assert rows(intake) == [("ONTASKCOMMENTADD", 555, 123, 0)]


def test_duplicate_keys_keep_the_last_value_like_php(intake: LocalStack) -> None:
    """PHP's form parsing (core: CRestUtil::getRequestData → parse_str) keeps the last of
    repeated keys; so does the app, and the row names that task."""
    head = {"event": "ONTASKADD", "ts": "1", "auth": ours(intake, dict(DOC_AUTH))}
    repeated = [("data[FIELDS_AFTER][ID]", "130"), ("data[FIELDS_AFTER][ID]", "131")]
    pairs = [*php_pairs(head), *repeated]
    answer = post_raw(intake, urlencode(pairs), FORM)
    assert answer.status_code == 200
    assert rows(intake) == [("ONTASKADD", 131, 0, 0)]


def _task_add_body(stack: LocalStack) -> str:
    payload = doc_event("ONTASKADD", {"FIELDS_BEFORE": UNDEF, "FIELDS_AFTER": {"ID": 140}})
    return urlencode(php_pairs({**payload, "auth": ours(stack, payload["auth"])}))


@pytest.mark.parametrize(
    ("mutate", "status", "error", "says"),
    [
        pytest.param(
            lambda body: body.encode() + b"&data%5BNOTE%5D=" + "Заявка".encode("cp1251"),
            400,
            "malformed_event",
            "UTF-8",
            id="raw-cp1251-bytes",
        ),
        pytest.param(
            lambda body: body.encode()[:-1] + b"\xff",
            400,
            "malformed_event",
            "UTF-8",
            id="cut-utf8",
        ),
        pytest.param(
            lambda body: "{" + body,
            400,
            "malformed_event",
            "JSON",
            id="broken-json",
        ),
        pytest.param(
            lambda body: body + "&data%5BX%5D=" + "a" * 300_000,
            413,
            "request_entity_too_large",
            "",
            id="huge",
        ),
        pytest.param(
            lambda body: body + "".join(f"&data%5BK{i}%5D=1" for i in range(2100)),
            400,
            "malformed_event",
            "too many fields",
            id="too-many-fields",
        ),
    ],
)
def test_a_malformed_body_is_a_clear_4xx_and_nothing_is_stored(
    intake: LocalStack, mutate: Any, status: int, error: str, says: str
) -> None:
    """Not a shape Bitrix24 sends (its queue posts percent-encoded UTF-8, core: modules/rest/
    lib/event/sender.php): refused with a JSON error that says what is wrong."""
    kind = "application/json" if says == "JSON" else FORM["Content-Type"]
    answer = post_raw(intake, mutate(_task_add_body(intake)), {"Content-Type": kind})
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert says in answer.json()["detail"]
    assert rows(intake) == []


@pytest.mark.parametrize("kind", ["", "text/plain"])
def test_a_body_that_is_not_a_form_is_415(intake: LocalStack, kind: str) -> None:
    """docs: api-reference/events/index.md, "content-type application/x-www-form-urlencoded"."""
    answer = post_raw(intake, _task_add_body(intake), {"Content-Type": kind} if kind else {})
    assert answer.status_code == 415
    assert answer.json()["error"] == "unsupported_media_type"
    assert "application/x-www-form-urlencoded" in answer.json()["detail"]
    assert rows(intake) == []


def test_an_event_of_a_portal_the_app_is_not_installed_on_is_401_and_logged(
    intake: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    """docs: on-task-add.md ("Events will not be sent to the application until the installation
    is complete"): an event of an unknown portal cannot be verified. The answer is the same as
    for a forged token (it must not tell who has the app); the log says which it was."""
    payload = doc_event("ONTASKADD", {"FIELDS_AFTER": {"ID": 150}})
    body = urlencode(php_pairs(payload))  # the docs' own member_id: not this sandbox portal
    with caplog.at_level(logging.WARNING, logger="b24app.web.intake"):
        answer = post_raw(intake, body, FORM)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_application_token"
    assert any(
        "portal not installed" in r.getMessage() and DOC_AUTH["member_id"] in r.getMessage()
        for r in caplog.records
    )
    assert rows(intake) == []
