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
    Event,
    MalformedEventError,
    json_pairs,
    parse_event,
    safe_auth,
    tokens_match,
)
from b24app.install import lifecycle as installer
from b24app.web.context import APP_EVENT_KEY, WAKEUP_KEY, json_error, services

log = logging.getLogger(__name__)

bp = Blueprint("intake", __name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnsupportedBodyError(Exception):
    """The body is neither a form nor JSON (answered 415)."""


def public_url() -> str:
    return services().settings.public_url or request.host_url.rstrip("/")


@bp.post("/b24/events")
def receive_event() -> Any:
    """Verify, store durably, then answer 200; processing happens in the worker."""
    event = _read_event()
    if not isinstance(event, Event):
        return event  # the 4xx answer saying what is wrong with the body
    svc = services()
    if event.name == "ONAPPINSTALL":
        return _install_event(event)
    if event.name == "ONAPPUNINSTALL":
        if not installer.uninstall(svc, event):
            return json_error(
                401, "invalid_application_token", "uninstall event not from this portal"
            )
        return jsonify({"status": "uninstalled"})
    expected = svc.expected_token(event.member_id)
    if not tokens_match(event.application_token, expected):
        # the answer is the same either way: it must not tell who has the app installed
        reason = "application token mismatch" if expected else "portal not installed"
        log.warning("rejected event %s: %s %s", event.name, reason, safe_auth(event.auth))
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


def _read_event() -> Event | tuple[Response, int]:
    try:
        return parse_event(_body_pairs())
    except MalformedEventError as exc:
        return json_error(400, "malformed_event", str(exc))
    except UnsupportedBodyError as exc:
        return json_error(415, "unsupported_media_type", str(exc))


def _body_pairs() -> list[tuple[str, str]]:
    """The fields of the POST: the form Bitrix24 sends, or the same event as JSON (how the docs
    print it). Werkzeug drops a whole form that is not UTF-8 without a word, so say it here."""
    if request.is_json:
        return json_pairs(request.get_data(cache=True))
    if request.mimetype not in FORM_TYPES:
        raise UnsupportedBodyError(
            "Bitrix24 events are application/x-www-form-urlencoded (JSON is read too), "
            f"not {request.mimetype or 'a body without Content-Type'}"
        )
    if request.mimetype == FORM_TYPES[0]:
        try:
            request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedEventError(
                "the body is not UTF-8 (Bitrix24 sends percent-encoded UTF-8)"
            ) from None
    return list(request.form.items(multi=True))


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
    if request.is_json or request.form.get("event"):
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
