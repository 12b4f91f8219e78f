"""Who may call what: `/api/*` and `/metrics` need a bearer token, closed when none is set.

The source address is never trusted: a reverse proxy on the same host makes every request look
local. Only `/b24/*` (event intake with its application token, install, the pages verified
with the portal) and an anonymous `/healthz` (ok/degraded only) answer without credentials.
"""

from __future__ import annotations

import hmac

from flask import Request, Response, jsonify

from b24app.config.settings import Settings

API_PREFIX = "/api/"
METRICS_PATH = "/metrics"


def bearer(request: Request) -> str:
    """The token of `Authorization: Bearer <token>`, or ''."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_matches(given: str, *accepted: str) -> bool:
    """Constant-time comparison with each configured (non-empty) token."""
    return bool(given) and any(
        hmac.compare_digest(given.encode(), token.encode()) for token in accepted if token
    )


def _refuse(code: str, detail: str) -> tuple[Response, int]:
    answer = jsonify({"error": code, "detail": detail})
    answer.headers["WWW-Authenticate"] = 'Bearer realm="b24app"'
    return answer, 401


def guard(request: Request, settings: Settings) -> tuple[Response, int] | None:
    """401 for /api/* and /metrics without the right token; None lets the request through."""
    path = request.path
    if path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
        accepted: tuple[str, ...] = (settings.api_token,)
        names = "B24APP_API_TOKEN"
    elif path == METRICS_PATH or path.startswith(METRICS_PATH + "/"):
        accepted = (settings.api_token, settings.metrics_token)
        names = "B24APP_API_TOKEN or B24APP_METRICS_TOKEN"
    else:
        return None
    if not any(accepted):
        return _refuse(
            "closed",
            f"{path} is closed: no {names} is set on the server; set it and send "
            f"Authorization: Bearer <{names.split(' or ')[0]}>",
        )
    if not token_matches(bearer(request), *accepted):
        return _refuse("unauthorized", f"send Authorization: Bearer <{names}>")
    return None


def may_see_details(request: Request, settings: Settings) -> bool:
    """/healthz details (portals, errors, counters) need the API or the metrics token."""
    return token_matches(bearer(request), settings.api_token, settings.metrics_token)


def exposure(settings: Settings) -> str:
    """One line for the start-up message: what this process answers, and to whom."""
    api = "Bearer B24APP_API_TOKEN" if settings.api_token else "closed (no B24APP_API_TOKEN)"
    metric_tokens = [
        name
        for name, value in (
            ("B24APP_API_TOKEN", settings.api_token),
            ("B24APP_METRICS_TOKEN", settings.metrics_token),
        )
        if value
    ]
    metrics = (
        "Bearer " + " or ".join(metric_tokens)
        if metric_tokens
        else "closed (no B24APP_API_TOKEN/B24APP_METRICS_TOKEN)"
    )
    return (
        "open: /b24/* (events with the portal's application token, install, pages verified "
        f"with the portal), /healthz (ok/degraded only); /api/*: {api}; /metrics: {metrics}"
    )
