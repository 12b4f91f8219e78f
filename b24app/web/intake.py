"""`POST /b24/events` and `/b24/install`: parse, verify, store, answer; the worker does the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError

from b24app.bitrix.events import (
    APP_EVENTS,
    MalformedEventError,
    parse_event,
    safe_auth,
    tokens_match,
)
from b24app.install import lifecycle as installer
from b24app.web.context import APP_EVENT_KEY, WAKEUP_KEY, json_error, services

log = logging.getLogger(__name__)

bp = Blueprint("intake", __name__)


def public_url() -> str:
    return services().settings.public_url or request.host_url.rstrip("/")


@bp.post("/b24/events")
def receive_event() -> Any:
    """Verify, store durably, then answer 200; processing happens in the worker."""
    try:
        event = parse_event(request.form.items(multi=True))
    except MalformedEventError as exc:
        return json_error(400, "malformed_event", str(exc))
    svc = services()
    if event.name == "ONAPPINSTALL":
        return _install_event(event)
    if event.name == "ONAPPUNINSTALL":
        if not installer.uninstall(svc, event):
            return json_error(
                401, "invalid_application_token", "uninstall event not from this portal"
            )
        return jsonify({"status": "uninstalled"})
    if not tokens_match(event.application_token, svc.expected_token(event.member_id)):
        log.warning(
            "rejected event %s: application token mismatch %s", event.name, safe_auth(event.auth)
        )
        return json_error(
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
        stored = svc.inbox.put(event.normalised())
    except SQLAlchemyError:
        log.exception("could not store event %s", event.name)
        return json_error(503, "storage_unavailable", "the event could not be stored; retry later")
    _notify_worker()
    return jsonify({"status": "queued" if stored else "duplicate"})


def _install_event(event: Any) -> Any:
    try:
        portal = installer.install(services(), installer.from_event(event), public_url())
    except installer.InstallError as exc:
        return json_error(403, "install_refused", str(exc))
    return jsonify({"status": "installed", "member_id": portal.member_id})


def _on_app_event(name: str) -> None:
    hook: Callable[[str], None] | None = current_app.extensions.get(APP_EVENT_KEY)
    if hook:
        hook(name)


def _notify_worker() -> None:
    hook: Callable[[], None] | None = current_app.extensions.get(WAKEUP_KEY)
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
