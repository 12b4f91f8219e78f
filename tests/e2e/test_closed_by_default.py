"""From outside, over HTTP, against a real `b24app serve`: with no token every /api and
/metrics call is refused; with one, only that token opens them. The routes are read from the
app itself, so a new /api route is covered without editing this test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from b24app.app import create_app
from b24app.config.settings import Settings
from b24app.services import Services
from b24sandbox.portal import SandboxPortal
from rules.regulation import AppConfig
from tests.e2e.conftest import ServeProcess

SAMPLES = {"task_id": "1", "spec": "2026-11.csv"}
TOKEN = "outside-token-1"


def guarded_requests(tmp_path: Path) -> list[tuple[str, str]]:
    svc = Services(Settings(data_dir=tmp_path / "routes"), AppConfig())
    try:
        rules = list(create_app(svc).url_map.iter_rules())
    finally:
        svc.close()
    calls = [("GET", "/api/unknown"), ("DELETE", "/api/events"), ("GET", "/metrics/")]
    for rule in rules:
        if rule.rule.startswith("/api/") or rule.rule == "/metrics":
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES[m.group(1)], rule.rule)
            calls += [(m, path) for m in sorted(rule.methods or ()) if m != "HEAD"]
    return calls


@pytest.mark.slow
def test_served_app_without_a_token_refuses_every_api_and_metrics_call(tmp_path: Path) -> None:
    calls = guarded_requests(tmp_path)
    with SandboxPortal(rate_limit=None) as portal:
        app = ServeProcess(tmp_path, portal, B24APP_API_TOKEN="").start()
        try:
            for method, path in calls:
                for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
                    answer = requests.request(method, app.url + path, headers=headers, timeout=10)
                    assert answer.status_code == 401, (method, path)
                    assert "B24APP_API_TOKEN" in answer.json()["detail"]
            health = requests.get(f"{app.url}/healthz", timeout=10)
            assert set(health.json()) == {"status"}
        finally:
            app.stop()
    started = app.log.read_text()
    assert "/api/*: closed (no B24APP_API_TOKEN)" in started
    assert "/metrics: closed" in started


@pytest.mark.slow
def test_served_app_with_a_token_opens_only_to_that_token(tmp_path: Path) -> None:
    calls = guarded_requests(tmp_path)
    with SandboxPortal(rate_limit=None) as portal:
        app = ServeProcess(tmp_path, portal, B24APP_API_TOKEN=TOKEN).start()
        try:
            for method, path in calls:
                for wrong in ({}, {"Authorization": f"Bearer {TOKEN}2"}, {"Cookie": TOKEN}):
                    answer = requests.request(method, app.url + path, headers=wrong, timeout=10)
                    assert answer.status_code == 401, (method, path, wrong)
                right = {"Authorization": f"Bearer {TOKEN}"}
                answer = requests.request(method, app.url + path, headers=right, timeout=10)
                assert answer.status_code != 401, (method, path)
            metrics = requests.get(
                f"{app.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
            )
            assert "b24app_inbox_events" in metrics.text
        finally:
            app.stop()
    assert "/api/*: Bearer B24APP_API_TOKEN" in app.log.read_text()
