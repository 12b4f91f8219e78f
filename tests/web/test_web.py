"""The event endpoint and the read API through Flask's test client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from b24app.app import create_app
from b24app.services import Services
from tests.webapp import API_TOKEN, MEMBER, event_body, installed_services

FORM = {"content_type": "application/x-www-form-urlencoded"}
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def js(answer: TestResponse) -> dict[str, Any]:
    data = answer.get_json()
    assert isinstance(data, dict)
    return data


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = installed_services(tmp_path)
    yield svc
    svc.close()


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return create_app(services).test_client()


def test_valid_event_is_stored_before_the_answer(client: FlaskClient, services: Services) -> None:
    answer = client.post("/b24/events", data=event_body("ontaskadd.txt"), **FORM)
    assert answer.status_code == 200
    assert js(answer) == {"status": "queued"}
    assert services.inbox.stats()["pending"] == 1


def test_forged_token_is_401_and_nothing_stored(client: FlaskClient, services: Services) -> None:
    forged = event_body("ontaskadd.txt", **{"auth[application_token]": "0" * 32})
    answer = client.post("/b24/events", data=forged, **FORM)
    assert answer.status_code == 401
    assert js(answer)["error"] == "invalid_application_token"
    assert services.inbox.stats()["pending"] == 0


def test_event_of_unknown_portal_is_401(client: FlaskClient, services: Services) -> None:
    other = event_body("ontaskadd.txt", **{"auth[member_id]": "f" * 32})
    assert client.post("/b24/events", data=other, **FORM).status_code == 401
    assert services.inbox.stats()["pending"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param("", id="empty"),
        pytest.param('{"event": "ONTASKADD"}', id="json-not-form"),
        pytest.param("event=ONTASKADD&auth%5Bmember_id%5D=x", id="no-task-id"),
        pytest.param("event=%3Cscript%3E&auth%5Bmember_id%5D=x", id="bad-event-name"),
    ],
)
def test_malformed_is_400_with_json_error(client: FlaskClient, payload: str) -> None:
    answer = client.post("/b24/events", data=payload, **FORM)
    assert answer.status_code == 400
    assert js(answer)["error"] == "malformed_event"
    assert js(answer)["detail"]


def test_duplicate_delivery_is_one_row(client: FlaskClient, services: Services) -> None:
    first = client.post("/b24/events", data=event_body("ontaskcommentadd_classic.txt"), **FORM)
    again = client.post("/b24/events", data=event_body("ontaskcommentadd_classic.txt"), **FORM)
    assert (js(first), js(again)) == ({"status": "queued"}, {"status": "duplicate"})
    assert services.inbox.stats()["pending"] == 1


def test_unknown_event_is_acknowledged_and_ignored(client: FlaskClient, services: Services) -> None:
    other = event_body("ontaskadd.txt", event="ONCRMDEALADD")
    answer = client.post("/b24/events", data=other, **FORM)
    assert answer.status_code == 200
    assert js(answer)["status"] == "ignored"
    assert services.inbox.stats()["pending"] == 0


def test_oversized_body_is_413_json(client: FlaskClient) -> None:
    answer = client.post("/b24/events", data="x=" + "a" * 300_000, **FORM)
    assert answer.status_code == 413
    assert js(answer)["error"] == "request_entity_too_large"


def test_storage_failure_is_503_so_bitrix_may_retry(
    client: FlaskClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_: object, **__: object) -> bool:
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(services.inbox, "put", disk_full)
    answer = client.post("/b24/events", data=event_body("ontaskadd.txt"), **FORM)
    assert answer.status_code == 503
    assert js(answer)["error"] == "storage_unavailable"


def test_uninstall_needs_the_right_token(client: FlaskClient, services: Services) -> None:
    wrong = event_body("onappuninstall.txt", **{"auth[application_token]": "bad"})
    assert client.post("/b24/events", data=wrong, **FORM).status_code == 401
    assert services.portals.get(MEMBER).status == "installed"  # type: ignore[union-attr]
    assert (
        client.post("/b24/events", data=event_body("onappuninstall.txt"), **FORM).status_code == 200
    )
    portal = services.portals.get(MEMBER)
    assert portal is not None
    assert (portal.status, portal.access_token, portal.refresh_token) == ("uninstalled", "", "")
    # events of an uninstalled portal are refused from then on
    assert client.post("/b24/events", data=event_body("ontaskadd.txt"), **FORM).status_code == 401


def test_api_needs_bearer_token(client: FlaskClient) -> None:
    assert client.get("/api/tasks/1").status_code == 401
    assert client.get("/api/tasks/1", headers={"Authorization": "Bearer nope"}).status_code == 401
    answer = client.get("/api/tasks/1", headers={"Authorization": "Bearer s3cret"})
    assert answer.status_code == 404
    assert js(answer)["error"] == "unknown_task"


def test_healthz_and_metrics(client: FlaskClient) -> None:
    client.post("/b24/events", data=event_body("ontaskadd.txt"), **FORM)
    assert js(client.get("/healthz")) == {"status": "ok"}  # anonymous: no details
    health = client.get("/healthz", headers=AUTH)
    assert health.status_code == 200
    assert js(health)["inbox"]["pending"] == 1
    assert js(health)["portals"][0]["status"] == "installed"
    metrics = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    assert 'b24app_inbox_events{status="pending"} 1' in metrics
    assert "b24app_inbox_oldest_pending_seconds" in metrics
