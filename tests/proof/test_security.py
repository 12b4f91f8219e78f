"""Security checks: forged, replayed and foreign events, oversized bodies, BBCode injection
through client text, secrets in logs, and the API without its token."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from b24app.app import create_app
from b24app.cli.startup import configure_logging
from b24app.config.settings import Settings
from b24app.services import Services
from b24demo.stack import LocalStack
from handlers import messages
from rules.types import TaskId
from tests.webapp import MEMBER, TOKEN, event_body, installed_services

FORM = {"content_type": "application/x-www-form-urlencoded"}
HOSTILE = (
    "<script>alert(1)</script> [URL=javascript:alert(1)]жми[/URL] [USER=1]Админ[/USER] "
    "[IMG]http://evil.example/x.png[/IMG] [/LIST][B]"
)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = installed_services(tmp_path)
    yield svc
    svc.close()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return create_app(services).test_client()


# -- forged, replayed, foreign ---------------------------------------------------------------
FORGERIES = [
    pytest.param({"auth[application_token]": "0" * 32}, id="wrong-token"),
    pytest.param({"auth[application_token]": ""}, id="empty-token"),
    pytest.param({"auth[application_token]": TOKEN.upper()}, id="token-case-changed"),
    pytest.param({"auth[application_token]": TOKEN + " "}, id="token-with-space"),
    pytest.param({"auth[member_id]": "f" * 32}, id="portal-not-installed"),
]


@pytest.mark.parametrize("changes", FORGERIES)
def test_forged_event_is_401_and_stores_nothing(
    client: FlaskClient, services: Services, changes: dict[str, str]
) -> None:
    answer = client.post("/b24/events", data=event_body("ontaskadd.txt", **changes), **FORM)
    assert answer.status_code == 401
    assert answer.json is not None
    assert answer.json["error"] == "invalid_application_token"
    assert services.inbox.stats()["pending"] == 0


@pytest.mark.parametrize(
    "fixture", ["ontaskadd.txt", "ontaskcommentadd_classic.txt", "ontaskcommentadd_chat.txt"]
)
def test_replayed_event_is_deduplicated(
    client: FlaskClient, services: Services, fixture: str
) -> None:
    """A captured valid event sent again, even with a later ts and other tokens, is one row."""
    first = client.post("/b24/events", data=event_body(fixture), **FORM)
    replays = [
        client.post("/b24/events", data=event_body(fixture), **FORM),
        client.post("/b24/events", data=event_body(fixture, ts="1999999999"), **FORM),
        client.post("/b24/events", data=event_body(fixture, **{"auth[access_token]": "x"}), **FORM),
    ]
    assert first.json == {"status": "queued"}
    assert [r.json for r in replays] == [{"status": "duplicate"}] * 3
    assert services.inbox.stats()["pending"] == 1


def test_replayed_update_is_harmless(client: FlaskClient, services: Services) -> None:
    """Task updates coalesce: a replay adds nothing while one waits, and a processed one only
    makes the app re-read the task (events carry ids, never data the app trusts)."""
    for _ in range(3):
        assert (
            client.post("/b24/events", data=event_body("ontaskupdate.txt"), **FORM).status_code
            == 200
        )
    assert services.inbox.stats()["pending"] == 1


def test_uninstall_with_a_wrong_token_changes_nothing(
    client: FlaskClient, services: Services
) -> None:
    for token in ("bad", "", TOKEN[:-1]):
        wrong = event_body("onappuninstall.txt", **{"auth[application_token]": token})
        answer = client.post("/b24/events", data=wrong, **FORM)
        assert answer.status_code == 401
        assert answer.json is not None
        assert answer.json["error"]
    portal = services.portals.get(MEMBER)
    assert portal is not None
    assert (portal.status, portal.access_token) == ("installed", "a")


def test_uninstall_of_another_portal_is_refused(client: FlaskClient) -> None:
    other = event_body("onappuninstall.txt", **{"auth[member_id]": "f" * 32})
    assert client.post("/b24/events", data=other, **FORM).status_code == 401


def test_forged_install_event_cannot_replace_tokens(
    client: FlaskClient, services: Services
) -> None:
    """ONAPPINSTALL is verified with the OAuth server, never trusted from the body."""
    forged = event_body("ontaskadd.txt", event="ONAPPINSTALL", **{"auth[refresh_token]": "forged"})
    answer = client.post("/b24/events", data=forged, **FORM)
    assert answer.status_code in (401, 403)
    assert answer.json is not None
    assert answer.json["error"]
    portal = services.portals.get(MEMBER)
    assert portal is not None
    assert portal.application_token == TOKEN


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param("x=" + "a" * 300_000, id="one-huge-field"),
        pytest.param("&".join(f"data[k{i}]=1" for i in range(30_000)), id="many-fields"),
    ],
)
def test_oversized_body_is_refused_with_json(client: FlaskClient, payload: str) -> None:
    answer = client.post("/b24/events", data=payload, **FORM)
    assert answer.status_code == 413
    assert answer.json is not None
    assert answer.json["error"]


def test_too_many_fields_under_the_size_limit_is_400(client: FlaskClient) -> None:
    payload = "&".join(f"d[{i}]=" for i in range(5000))
    answer = client.post("/b24/events", data=payload, **FORM)
    assert answer.status_code == 400
    assert answer.json is not None
    assert answer.json["error"] == "malformed_event"


def test_deeply_nested_field_is_400(client: FlaskClient) -> None:
    answer = client.post("/b24/events", data="data" + "[a]" * 50 + "=1", **FORM)
    assert answer.status_code == 400


# -- the API ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"Authorization": "Bearer "}, id="empty"),
        pytest.param({"Authorization": "Bearer s3cre"}, id="prefix"),
        pytest.param({"Authorization": "Basic czNjcmV0"}, id="basic"),
        pytest.param({"Authorization": "s3cret"}, id="no-scheme"),
        pytest.param({"X-Api-Token": "s3cret"}, id="other-header"),
    ],
)
@pytest.mark.parametrize("path", ["/api/tasks/1", "/api/events", "/api/events?status=failed"])
def test_api_without_its_bearer_token_is_401(
    client: FlaskClient, path: str, headers: dict[str, str]
) -> None:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 401
    assert answer.json is not None
    assert answer.json["error"] == "unauthorized"


# -- client text inside our BBCode ---------------------------------------------------------------
def test_quoted_text_cannot_open_bbcode_tags() -> None:
    text = messages.quoted(HOSTILE)
    assert "[" not in text
    assert "]" not in text


def _tags(text: str) -> set[str]:
    return {t.upper() for t in re.findall(r"\[/?([A-Za-z*]+)", text)}


def test_client_names_and_titles_cannot_inject_bbcode(tmp_path: Path) -> None:
    """A client whose name and task title carry BBCode and HTML: every comment and notification
    the app writes holds only the app's own tags ([LIST], [*])."""
    with LocalStack(tmp_path, rate_limit=None) as stack:
        stack.install()
        portal = stack.portal
        client = portal.add_user(HOSTILE, HOSTILE, extranet=True)
        group = portal.add_group("ООО Ромашка", members=[client, 1])
        bad = portal.create_task(client, "Сайт", HOSTILE, responsible_id=1, group_id=group)
        good = portal.create_task(
            client,
            f"Исправить опечатку {HOSTILE}"[:110],
            "На главной странице сайта опечатка: написано «превет» вместо «привет». Нужно "
            "исправить текст; ожидаемый результат: правильное слово.",
            responsible_id=1,
            group_id=group,
        )
        stack.settle()
        portal.add_comment(1, good, "Оценка: 2 часа")
        stack.settle()
        portal.add_comment(client, good, "Согласовано")
        stack.settle()
        written = [c.message for c in portal.core.state.comments.values() if c.author_id == 1] + [
            n.message for n in portal.notifications()
        ]
        record = stack.services.task_store(stack.member_id).get_task(TaskId(good))
    assert {c.task_id for c in portal.core.state.comments.values()} >= {bad, good}
    assert record is not None
    assert any("согласована" in text for text in written), written
    for text in written:
        assert _tags(text) <= {"LIST", "*"}, text


def test_every_template_that_quotes_client_text_neutralises_it() -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from rules.validation import Violation

    when = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    texts = [
        messages.approved(HOSTILE, when),
        messages.sla_reminder("estimate", 1, HOSTILE, when),
        messages.sla_breach("reaction", 1, HOSTILE, when, when),
        messages.violation_line(Violation("title_generic", "2.1", details={"title": HOSTILE}), {}),
        messages.violation_line(
            Violation(
                "not_responsible", "1.5", details={"company": "ООО", "responsible_ids": (5,)}
            ),
            {5: HOSTILE},
        ),
        messages.refusal([Violation("title_generic", "2.1", details={"title": HOSTILE})], {}),
        messages.late_task_description(1, "текст клиента", HOSTILE).split("\n\n")[-1],
    ]
    for text in texts:
        assert _tags(text) <= {"LIST", "*", "URL"}, text
        assert "javascript" not in text.lower() or "［URL" in text, text
    assert date(2026, 1, 1)  # the imports above are used


# -- secrets never in logs ---------------------------------------------------------------------
def test_tokens_and_secrets_never_reach_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """DEBUG logging over an install, events, a token refresh and an uninstall."""
    configure_logging("DEBUG")  # what `b24app serve` does with B24APP_LOG_LEVEL=DEBUG
    caplog.set_level(logging.DEBUG)
    with LocalStack(tmp_path, rate_limit=None, settings={"log_level": "DEBUG"}) as stack:
        stack.install()
        portal = stack.portal
        client = portal.add_user("Анна", "Клиентова", extranet=True)
        group = portal.add_group("ООО Ромашка", members=[client, 1])
        portal.create_task(client, "Сайт", "", responsible_id=1, group_id=group)
        stack.settle()
        portal.expire_tokens()
        portal.create_task(client, "Сайт 2", "", responsible_id=1, group_id=group)
        stack.settle()
        portal.fail_next("batch", status=401, error="expired_token")
        portal.create_task(client, "Сайт 3", "", responsible_id=1, group_id=group)
        stack.settle()
        stored = stack.services.portals.get(stack.member_id)
        assert stored is not None
        assert stack.services.stats.refreshes >= 2
        with portal.core.lock:
            secrets = {
                portal.client_secret,
                portal.application_token,
                stored.access_token,
                stored.refresh_token,
                *portal.core.state.access_tokens,
                *portal.core.state.refresh_tokens,
            }
        portal.uninstall_app()
        portal.wait_idle()
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}"
        for r in caplog.records
        if not r.name.startswith("b24sandbox")  # the stand-in portal's own access log
    )
    assert len(caplog.records) > 20
    leaked = [s for s in secrets if s and len(s) >= 8 and s in logged]
    assert leaked == []


def test_log_level_debug_is_honoured_by_settings() -> None:
    settings = dataclasses.replace(Settings(), log_level="DEBUG")
    assert settings.log_level == "DEBUG"
