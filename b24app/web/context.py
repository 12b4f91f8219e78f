"""What every endpoint uses: this process's Services and JSON error answers."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from b24app.services import Services

SERVICES_KEY = "b24app"
WAKEUP_KEY = "b24app.wakeup"
APP_EVENT_KEY = "b24app.app_event"


def services() -> Services:
    """The Services the app factory was given."""
    return current_app.extensions[SERVICES_KEY]  # type: ignore[no-any-return]


def json_error(status: int, code: str, detail: str) -> tuple[Response, int]:
    return jsonify({"error": code, "detail": detail}), status
