"""The Flask app: every blueprint, JSON errors for the API, the credentials check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from b24app.pages import views as pages
from b24app.services import Services
from b24app.web import api, health, intake, reports
from b24app.web.access import guard
from b24app.web.context import SERVICES_KEY, WAKEUP_KEY, json_error, services
from b24app.web.params import BadParameterError

MAX_BODY_BYTES = 256 * 1024
BLUEPRINTS = (intake.bp, api.bp, reports.bp, health.bp, pages.bp)


def create_app(svc: Services, *, wakeup: Callable[[], None] | None = None) -> Flask:
    """The Flask app; starts no threads, so tests and WSGI servers can call it freely."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[SERVICES_KEY] = svc
    if wakeup:
        app.extensions[WAKEUP_KEY] = wakeup
    app.before_request(_require_credentials)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _json_http_error)
    app.register_error_handler(BadParameterError, _bad_parameter)
    return app


def _require_credentials() -> Any:
    """/api/* and /metrics: a bearer token, and closed when none is configured (web.access)."""
    return guard(request, services().settings)


def _json_http_error(exc: HTTPException) -> Any:
    return json_error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or "")


def _bad_parameter(exc: BadParameterError) -> Any:
    return json_error(400, "bad_parameter", str(exc))
