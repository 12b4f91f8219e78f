"""Closed by default: every /api route and /metrics refuse without the configured bearer token
(and without any token configured), /healthz tells strangers only ok/degraded, and every query
parameter of every /api route is checked (400, never 500)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from b24app.app import create_app
from b24app.bitrix.events import InboxEvent
from b24app.config.settings import Settings
from b24app.services import Services
from b24app.web.access import exposure
from tests.webapp import API_TOKEN, installed_services

METRICS_TOKEN = "scraper-token"
SAMPLES = {"task_id": "1", "spec": "2026-11"}
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}  # what every request looks like behind a local proxy


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = installed_services(tmp_path)
    yield svc
    svc.close()


def app_with(services: Services, api_token: str = "", metrics_token: str = "") -> Flask:
    services.settings = dataclasses.replace(
        services.settings, api_token=api_token, metrics_token=metrics_token
    )
    return create_app(services)


def guarded_urls(app: Flask) -> list[tuple[str, str]]:
    """(method, concrete URL) for every /api and /metrics route the app has."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule == "/metrics"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES[m.group(1)], rule.rule)
        urls += [(method, path) for method in sorted(rule.methods or ()) if method != "HEAD"]
    return urls


def test_every_guarded_route_is_found(services: Services) -> None:
    urls = guarded_urls(create_app(services))
    paths = {path for _, path in urls}
    assert {"/api/tasks/1", "/api/events", "/api/reports/2026-11", "/metrics"} <= paths
    assert ("OPTIONS", "/metrics") in urls


def test_no_token_configured_closes_api_and_metrics_to_everyone(services: Services) -> None:
    app = app_with(services, api_token="", metrics_token="")
    client = app.test_client()
    urls = [*guarded_urls(app), ("GET", "/api/unknown"), ("POST", "/api/events")]
    for method, path in urls:
        for headers in ({}, {"Authorization": f"Bearer {API_TOKEN}"}, {"Authorization": "Bearer "}):
            answer = client.open(path, method=method, headers=headers, environ_base=LOCAL)
            assert answer.status_code == 401, (method, path, headers)
            body = answer.get_json()
            assert body["error"] == "closed", (method, path)
            assert "B24APP_API_TOKEN" in body["detail"]
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"Authorization": f"Bearer {API_TOKEN}x"}, id="longer"),
        pytest.param({"Authorization": f"Bearer {API_TOKEN[:-1]}"}, id="prefix"),
        pytest.param({"Authorization": f"Basic {API_TOKEN}"}, id="basic"),
        pytest.param({"Authorization": API_TOKEN}, id="no-scheme"),
        pytest.param({"X-Forwarded-For": "127.0.0.1"}, id="forwarded-local"),
    ],
)
def test_a_configured_token_is_the_only_way_in(services: Services, headers: dict[str, str]) -> None:
    app = app_with(services, api_token=API_TOKEN)
    client = app.test_client()
    for method, path in guarded_urls(app):
        answer = client.open(path, method=method, headers=headers, environ_base=LOCAL)
        assert answer.status_code == 401, (method, path)
        assert answer.get_json()["error"] == "unauthorized"


def test_the_right_token_opens_every_guarded_route(services: Services) -> None:
    app = app_with(services, api_token=API_TOKEN)
    client = app.test_client()
    auth = {"Authorization": f"bearer {API_TOKEN}"}  # the scheme is case-insensitive
    for method, path in guarded_urls(app):
        answer = client.open(path, method=method, headers=auth)
        assert answer.status_code != 401, (method, path)


def test_the_metrics_token_opens_metrics_and_health_details_only(services: Services) -> None:
    client = app_with(services, api_token="", metrics_token=METRICS_TOKEN).test_client()
    scraper = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    assert client.get("/metrics", headers=scraper).status_code == 200
    assert "b24app_inbox_events" in client.get("/metrics", headers=scraper).get_data(as_text=True)
    assert client.get("/api/events", headers=scraper).status_code == 401
    assert "inbox" in client.get("/healthz", headers=scraper).get_json()


def test_anonymous_healthz_says_only_ok_or_degraded(services: Services) -> None:
    client = app_with(services, api_token=API_TOKEN).test_client()
    services.portals.set_status(
        services.portals.installed()[0].member_id,
        "needs_reinstall",
        "refused at https://acme.bitrix24.ru/rest/1/hook-secret-1234/ with refresh_token=abc123",
    )
    anonymous = client.get("/healthz", environ_base=LOCAL)
    assert anonymous.status_code == 200
    assert anonymous.get_json() == {"status": "degraded"}
    detailed = client.get("/healthz", headers={"Authorization": f"Bearer {API_TOKEN}"})
    text = detailed.get_data(as_text=True)
    assert "acme.bitrix24.ru" in text
    assert "needs_reinstall" in text
    assert "hook-secret-1234" not in text
    assert "abc123" not in text


BAD_QUERIES = [
    pytest.param("/api/events?limit=abc", "limit", id="limit-text"),
    pytest.param("/api/events?limit=0", "limit", id="limit-zero"),
    pytest.param("/api/events?limit=-5", "limit", id="limit-negative"),
    pytest.param("/api/events?limit=501", "limit", id="limit-too-big"),
    pytest.param("/api/events?limit=1e3", "limit", id="limit-float"),
    pytest.param("/api/events?status=lost", "status", id="status-unknown"),
    pytest.param("/api/events?offset=5", "offset", id="events-unknown-parameter"),
    pytest.param("/api/tasks/1?member_id=", "member_id", id="task-empty-member"),
    pytest.param("/api/tasks/1?task=2", "task", id="task-unknown-parameter"),
    pytest.param("/api/reports/2026-11?client=", "client", id="report-empty-client"),
    pytest.param("/api/reports/2026-11?member_id=%20", "member_id", id="report-blank-member"),
    pytest.param("/api/reports/2026-11.csv?month=1", "month", id="report-unknown-parameter"),
]


@pytest.mark.parametrize(("url", "name"), BAD_QUERIES)
def test_bad_query_parameters_are_400_with_the_name(
    services: Services, url: str, name: str
) -> None:
    client: FlaskClient = app_with(services, api_token=API_TOKEN).test_client()
    answer = client.get(url, headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["error"] == "bad_parameter"
    assert body["detail"].startswith(f"{name}: ")


def test_good_query_parameters_still_work(services: Services) -> None:
    client = app_with(services, api_token=API_TOKEN).test_client()
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    events = client.get("/api/events?limit=1&status=failed", headers=auth)
    assert (events.status_code, events.get_json()) == (200, {"events": []})
    unknown = client.get("/api/tasks/1?member_id=nobody", headers=auth)
    assert (unknown.status_code, unknown.get_json()["error"]) == (404, "unknown_portal")
    assert client.get("/api/tasks/abc", headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("settings", "api", "metrics"),
    [
        pytest.param(Settings(), "closed", "closed", id="nothing-set"),
        pytest.param(
            Settings(api_token="a"),
            "Bearer B24APP_API_TOKEN",
            "Bearer B24APP_API_TOKEN",
            id="api-token",
        ),
        pytest.param(
            Settings(metrics_token="m"), "closed", "Bearer B24APP_METRICS_TOKEN", id="metrics-only"
        ),
    ],
)
def test_the_start_up_line_says_what_is_open(settings: Settings, api: str, metrics: str) -> None:
    line = exposure(settings)
    assert line.startswith("open: /b24/*")
    assert f"/api/*: {api}" in line
    assert f"/metrics: {metrics}" in line
    assert "/healthz (ok/degraded only)" in line


def test_stored_error_texts_are_masked(services: Services) -> None:
    """An exception text that names a webhook URL or a token parameter (aiohttp and requests
    put URLs in their errors) is masked before it is stored and shown by `events list`."""
    services.inbox.put(
        InboxEvent(dedup_key="k", member_id="m", name="ONTASKADD", task_id=1, source="t")
    )
    item = services.inbox.claim("w1")[0]
    services.inbox.fail(
        item, "Cannot connect: https://acme.bitrix24.ru/rest/1/s3cr3th00k/batch?auth=tok3n123"
    )
    shown = services.inbox.list_rows(None, limit=5)[0]["last_error"]
    assert "s3cr3th00k" not in shown
    assert "tok3n123" not in shown
    assert "/rest/1/***/batch" in shown
