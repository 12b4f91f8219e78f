"""`/healthz` (ok/degraded for anyone, details with a token) and `/metrics` (Prometheus)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from b24app.config.calendar import calendar_health
from b24app.redact import redact
from b24app.services import Services
from b24app.storage.portals import Portal
from b24app.web.access import may_see_details
from b24app.web.context import services
from b24app.web.metrics import render_metrics

bp = Blueprint("health", __name__)


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
