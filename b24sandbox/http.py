"""The HTTP face of the sandbox: /rest/ (OAuth and webhook), /oauth/token/, /_sandbox/."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qsl, urlsplit

from b24sandbox.appframe import FramedApp, frame_page
from b24sandbox.core import PortalCore
from b24sandbox.faults import Faults
from b24sandbox.model import AccessToken
from b24sandbox.oauth import OAuthError
from b24sandbox.phpform import parse_query
from b24sandbox.reqlog import LoggedRequest, RequestLog
from b24sandbox.rest import Caller, Outcome, Rest

log = logging.getLogger(__name__)
_WEBHOOK = re.compile(r"^/rest/(\d+)/([^/]+)/([^/]+?)(?:\.(?:json|xml))?/?$")
_OAUTH = re.compile(r"^/rest/([^/]+?)(?:\.(?:json|xml))?/?$")


def read_params(content_type: str, body: bytes, query: str) -> Any:
    """Parameters as JSON body, form body with PHP brackets, or query string (§1.1, §14)."""
    params: dict[str, Any] = parse_query(query) if query else {}
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return params
    if "json" in content_type or text[:1] in "{[":
        try:
            data = json.loads(text)
        except ValueError:
            return params
        if isinstance(data, dict):
            return {**params, **data}
        return data
    return {**params, **parse_query(text)}


class Site(FramedApp, Protocol):
    """The portal behind the HTTP face (b24sandbox.portal.SandboxPortal)."""

    core: PortalCore
    rest: Rest
    faults: Faults
    log: RequestLog

    def oauth_response(self, access: AccessToken) -> dict[str, Any]: ...

    def control(self, action: str, http_method: str, body: bytes, query: str) -> tuple[int, Any]:
        """/_sandbox/<action> (b24sandbox.control)."""
        ...


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Off, each answer's body waits for the client's delayed ACK (Nagle): ~40 ms per REST call on
    # loopback, the latency the demo and the benchmarks were measured with. The tests switch it
    # on (tests/conftest.py), as a portal's nginx does (`tcp_nodelay on` by default,
    # https://nginx.org/en/docs/http/ngx_http_core_module.html#tcp_nodelay).
    tcp_nodelay: ClassVar[bool] = False

    def __init__(self, address: tuple[str, int], portal: Site) -> None:
        super().__init__(address, Handler)
        self.portal = portal

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up on keep-alive sockets are normal; log instead of printing."""
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        if self.server.tcp_nodelay:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        portal = self.server.portal
        url = urlsplit(self.path)
        body = self._body()
        if url.path.startswith("/_sandbox/"):
            status, payload = portal.control(
                url.path[len("/_sandbox/") :].strip("/"), self.command, body, url.query
            )
            self._send(status, payload)
            return
        if portal.faults.unreachable():
            self.close_connection = True
            return
        if self.command == "GET" and (page := frame_page(portal, url.path, url.query)):
            self._send_html(page)
            return
        if portal.faults.slow_seconds:
            time.sleep(portal.faults.slow_seconds)
        if url.path.startswith("/oauth/token"):
            self._oauth(body, url.query)
            return
        params = read_params(self.headers.get("Content-Type", ""), body, url.query)
        caller, method = self._route(url.path, params, url.query)
        if method is None:
            outcome = Outcome(404, {"error": "NOT_FOUND", "error_description": "Not found"}, "")
        else:
            try:
                outcome = portal.rest.call(method, params, caller)
            except Exception:
                log.exception("sandbox method %s failed", method)
                outcome = Outcome(
                    500,
                    {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal error"},
                    method,
                )
        self._record(url.path, outcome, params)
        self._send(outcome.status, outcome.body)

    def _route(self, path: str, params: Any, query: str) -> tuple[Caller, str | None]:
        hook = _WEBHOOK.match(path)
        if hook:
            return Caller("webhook", int(hook.group(1)), hook.group(2)), hook.group(3)
        plain = _OAUTH.match(path)
        if not plain:
            return Caller("none"), None
        token = params.get("auth") if isinstance(params, dict) else None
        if not token:
            token = dict(parse_qsl(query)).get("auth")
        caller = Caller("oauth", token=str(token) if token else None)
        # Only the request's top level is looked at (Rest.call strips it from the parameters).
        if isinstance(params, dict):
            caller.connector = params.get("auth_connector")
        else:
            caller.connector = dict(parse_qsl(query, keep_blank_values=True)).get("auth_connector")
        return caller, plain.group(1)

    def _oauth(self, body: bytes, query: str) -> None:
        portal = self.server.portal
        params = {k: str(v) for k, v in read_params("", body, query).items()}
        try:
            with portal.core.lock:
                status, payload = 200, portal.oauth_response(portal.core.tokens.refresh(params))
                portal.core.save()
        except OAuthError as err:
            status, payload = err.status, err.body()
        portal.log.add(
            LoggedRequest(
                portal.core.now(),
                self.command,
                "/oauth/token/",
                "oauth.token",
                status=status,
                error=payload.get("error"),
            )
        )
        self._send(status, payload)

    def _record(self, path: str, outcome: Outcome, params: Any) -> None:
        self.server.portal.log.add(
            LoggedRequest(
                self.server.portal.core.now(),
                self.command,
                path,
                outcome.rest_method or None,
                outcome.sub_methods,
                outcome.auth,
                outcome.user_id,
                outcome.status,
                outcome.error,
                _scrub(params),
            )
        )

    def _send_html(self, page: str) -> None:
        data = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _scrub(params: Any) -> Any:
    if isinstance(params, dict) and "auth" in params:
        return {k: ("***" if k == "auth" else v) for k, v in params.items()}
    return params
