"""Fixtures: a running sandbox portal, an event receiver, an installed app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests

from b24sandbox.portal import SandboxPortal


@dataclass
class Received:
    path: str
    raw: str
    form: dict[str, str]


@dataclass
class Receiver:
    """A tiny app stand-in that records every form POST the portal sends it."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200
    cut_answer: bool = False  # promise 20 bytes, send 2 and hang up: a handler killed mid-answer

    def events(self, name: str | None = None) -> list[dict[str, str]]:
        return [r.form for r in self.received if name is None or r.form.get("event") == name]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            rec = box[0]
            rec.received.append(Received(self.path, raw, dict(parse_qsl(raw, True))))
            self.send_response(rec.status)
            self.send_header("Content-Length", "20" if rec.cut_answer else "2")
            self.end_headers()
            self.wfile.write(b"OK")
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield box[0]
    server.shutdown()
    server.server_close()


@pytest.fixture
def portal() -> Iterator[SandboxPortal]:
    with SandboxPortal(rate_limit=None) as sandbox:
        yield sandbox


@dataclass
class App:
    """The installed local app as our code would hold it (tokens from ONAPPINSTALL)."""

    portal: SandboxPortal
    access_token: str
    refresh_token: str
    application_token: str

    def call(self, method: str, params: Any = None) -> requests.Response:
        url = self.portal.rest_url + method
        if isinstance(params, list):  # positional: a JSON list body, auth in the query string
            return requests.post(url, params={"auth": self.access_token}, json=params, timeout=10)
        body = dict(params or {})
        body["auth"] = self.access_token
        return requests.post(url, json=body, timeout=10)

    def ok(self, method: str, params: Any = None) -> Any:
        response = self.call(method, params)
        assert response.status_code == 200, response.text
        return response.json()["result"]


@pytest.fixture
def app(portal: SandboxPortal, receiver: Receiver) -> App:
    result = portal.install_app(receiver.url + "/install")
    assert result.status == 200
    form = receiver.received[-1].form
    return App(
        portal,
        form["auth[access_token]"],
        form["auth[refresh_token]"],
        form["auth[application_token]"],
    )


def hook_post(portal: SandboxPortal, method: str, params: Any = None) -> requests.Response:
    return requests.post(portal.webhook_url(1) + method, json=params or {}, timeout=10)
