"""HTTP endpoints: the event intake, install/uninstall, the read API, health and metrics."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from b24app import install as installer
from b24app.access import (
    BadParameterError,
    guard,
    int_between,
    may_see_details,
    nonempty,
    one_of,
    query,
)
from b24app.api import task_view
from b24app.calendar_source import calendar_health
from b24app.events import APP_EVENTS, MalformedEventError, parse_event, safe_auth, tokens_match
from b24app.extensions import web_registrars
from b24app.metrics import render_metrics
from b24app.portals import Portal
from b24app.redact import redact
from b24app.services import Services

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024

bp = Blueprint("b24", __name__)


def services() -> Services:
    return current_app.extensions["b24app"]  # type: ignore[no-any-return]


def _error(status: int, code: str, detail: str) -> tuple[Response, int]:
    return jsonify({"error": code, "detail": detail}), status


def public_url() -> str:
    return services().settings.public_url or request.host_url.rstrip("/")


@bp.post("/b24/events")
def receive_event() -> Any:
    """Verify, store durably, then answer 200; processing happens in the worker."""
    try:
        event = parse_event(request.form.items(multi=True))
    except MalformedEventError as exc:
        return _error(400, "malformed_event", str(exc))
    svc = services()
    if event.name == "ONAPPINSTALL":
        return _install_event(event)
    if event.name == "ONAPPUNINSTALL":
        if not installer.uninstall(svc, event):
            return _error(401, "invalid_application_token", "uninstall event not from this portal")
        return jsonify({"status": "uninstalled"})
    if not tokens_match(event.application_token, svc.expected_token(event.member_id)):
        log.warning(
            "rejected event %s: application token mismatch %s", event.name, safe_auth(event.auth)
        )
        return _error(
            401, "invalid_application_token", "the event's application_token is not this portal's"
        )
    if svc.settings.webhook_mode:
        svc.ensure_webhook_portal(event.member_id, event.auth.get("domain", ""))
    if event.name in APP_EVENTS:
        _on_app_event(event.name)
        return jsonify({"status": "accepted"})
    if event.name not in svc.router.events:
        return jsonify({"status": "ignored", "reason": f"{event.name} is not used by the app"})
    try:
        stored = svc.inbox.put(event)
    except SQLAlchemyError:
        log.exception("could not store event %s", event.name)
        return _error(503, "storage_unavailable", "the event could not be stored; retry later")
    _notify_worker()
    return jsonify({"status": "queued" if stored else "duplicate"})


def _install_event(event: Any) -> Any:
    try:
        portal = installer.install(services(), installer.from_event(event), public_url())
    except installer.InstallError as exc:
        return _error(403, "install_refused", str(exc))
    return jsonify({"status": "installed", "member_id": portal.member_id})


def _on_app_event(name: str) -> None:
    hook: Callable[[str], None] | None = current_app.extensions.get("b24app.app_event")
    if hook:
        hook(name)


def _notify_worker() -> None:
    hook: Callable[[], None] | None = current_app.extensions.get("b24app.wakeup")
    if hook:
        hook()


@bp.route("/b24/install", methods=["GET", "POST"])
def install_page() -> Any:
    """The initial installation path: ONAPPINSTALL (API-only app) or the install page (UI app)."""
    if request.form.get("event"):
        return receive_event()
    if request.method == "GET" or not request.form.get("AUTH_ID"):
        return Response(_INSTALL_HELP, mimetype="text/html")
    try:
        portal = installer.install(
            services(), installer.from_page(request.form, request.args), public_url()
        )
    except installer.InstallError as exc:
        return Response(f"<p>Установка не выполнена: {escape(str(exc))}</p>", status=403)
    log.info("UI install page served for %s", portal.domain)
    return Response(_INSTALL_FINISH, mimetype="text/html")


_INSTALL_HELP = "<p>b24-reglament: this is the app's installation path for Bitrix24.</p>"
_INSTALL_FINISH = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<script src="//api.bitrix24.com/api/v1/"></script></head>
<body><p>Приложение «Регламент» установлено. События подключены.</p>
<script>BX24.init(function () { BX24.installFinish(); });</script></body></html>"""


# -- read API --------------------------------------------------------------------------------
@bp.before_app_request
def require_credentials() -> Any:
    """/api/* and /metrics: a bearer token, and closed when none is configured (b24app.access)."""
    return guard(request, services().settings)


INBOX_STATUSES = ("pending", "processing", "done", "failed", "ignored")


@bp.get("/api/tasks/<int:task_id>")
def api_task(task_id: int) -> Any:
    svc = services()
    params = query(request.args, {"member_id": nonempty})
    member_id = params.get("member_id") or _default_member()
    if not member_id:
        return _error(404, "no_portal", "no portal is installed")
    if svc.portals.get(member_id) is None:
        return _error(404, "unknown_portal", f"no portal with member_id {member_id!r}")
    view = task_view(svc, member_id, task_id)
    if view is None:
        return _error(404, "unknown_task", f"the app has no record of task {task_id}")
    return jsonify(view)


@bp.get("/api/events")
def api_events() -> Any:
    params = query(request.args, {"status": one_of(*INBOX_STATUSES), "limit": int_between(1, 500)})
    rows = services().inbox.list_rows(params.get("status"), limit=params.get("limit", 50))
    return jsonify({"events": rows})


def _default_member() -> str:
    portal = services().default_portal()
    return portal.member_id if portal else ""


@bp.get("/healthz")
def healthz() -> Any:
    """Anonymous callers get ok/degraded only; the details need the API or metrics token."""
    svc = services()
    try:
        inbox = svc.inbox.stats()
        database = "ok"
    except SQLAlchemyError as exc:
        inbox, database = {}, f"error: {type(exc).__name__}"
    try:
        installed = svc.portals.installed() if database == "ok" else []
    except SQLAlchemyError as exc:
        installed, database = [], f"error: {type(exc).__name__}"
    portals = [_portal_health(svc, p) for p in installed]
    ok = database == "ok" and all(p["status"] == "installed" for p in portals)
    code = 200 if database == "ok" else 503
    status = "ok" if ok else "degraded"
    if not may_see_details(request, svc.settings):
        return jsonify({"status": status}), code
    body = {
        "status": status,
        "database": database,
        "inbox": inbox,
        "portals": portals,
        "mode": "webhook" if svc.settings.webhook_mode else "local_app",
        "shadow_mode": svc.config.shadow_mode,
        "rest": {
            "requests": svc.stats.requests,
            "rate_limited": svc.stats.rate_limited,
            "retries": svc.stats.retries,
            "errors": svc.stats.errors,
        },
        "chat_access_errors": svc.chat_access_errors,
        "calendar": calendar_health(svc.now().date(), svc.config.calendar),
    }
    return jsonify(body), code


def _portal_health(svc: Services, portal: Portal) -> dict[str, Any]:
    health: dict[str, Any] = {
        "member_id": portal.member_id,
        "domain": portal.domain,
        "status": portal.status,
        "mode": portal.mode,
        "last_error": redact(portal.last_error),
    }
    if portal.mode == "app":
        features = svc.features.get(portal.member_id)
        health["plan_features"] = features.describe()
        health["fallbacks"] = features.fallbacks()
    return health


@bp.get("/metrics")
def metrics() -> Any:
    return Response(render_metrics(services()), mimetype="text/plain; version=0.0.4")


def _json_http_error(exc: HTTPException) -> Any:
    return _error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or "")


def _bad_parameter(exc: BadParameterError) -> Any:
    return _error(400, "bad_parameter", str(exc))


def create_app(svc: Services, *, wakeup: Callable[[], None] | None = None) -> Flask:
    """The Flask app; starts no threads, so tests and WSGI servers can call it freely."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["b24app"] = svc
    if wakeup:
        app.extensions["b24app.wakeup"] = wakeup
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, _json_http_error)
    app.register_error_handler(BadParameterError, _bad_parameter)
    for register in web_registrars():
        register(app)
    return app
