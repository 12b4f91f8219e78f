"""`GET /api/reports/<month>` (JSON) and `<month>.csv` / `<month>.xlsx` downloads of the report.

The bearer-token check of b24app.web covers every `/api/*` path, these included.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from b24app.access import nonempty, query
from b24app.billing_report import UnknownClientError, build_month_report, parse_month
from b24app.report_render import render_csv, render_json, render_xlsx
from b24app.services import Services

bp = Blueprint("reports", __name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register_web(app: Flask) -> None:
    app.register_blueprint(bp)


def _error(status: int, code: str, detail: str) -> tuple[Response, int]:
    return jsonify({"error": code, "detail": detail}), status


@bp.get("/api/reports/<spec>")
def api_report(spec: str) -> Any:
    """`2026-11` → JSON, `2026-11.csv` / `2026-11.xlsx` → a download; `?client=`, `?member_id=`."""
    svc: Services = current_app.extensions["b24app"]
    month_text, _, suffix = spec.partition(".")
    if suffix not in ("", "json", "csv", "xlsx"):
        return _error(404, "unknown_format", f"use .csv or .xlsx, not .{suffix}")
    try:
        year, month = parse_month(month_text)
    except ValueError as exc:
        return _error(400, "bad_month", str(exc))
    params = query(request.args, {"member_id": nonempty, "client": nonempty})
    member_id = params.get("member_id") or _default_member(svc)
    if not member_id:
        return _error(404, "no_portal", "no portal is installed")
    client = params.get("client")
    try:
        report = build_month_report(
            svc.db, svc.config, member_id, year, month, svc.tz, client=client
        )
    except UnknownClientError:
        return _error(404, "unknown_client", f"no client named {client!r} in the config")
    name = f"report-{report.label}" + (f"-{client}" if client else "")
    if suffix == "csv":
        return download(render_csv(report).encode("utf-8-sig"), "text/csv", f"{name}.csv")
    if suffix == "xlsx":
        return download(render_xlsx(report), XLSX_TYPE, f"{name}.xlsx")
    return Response(render_json(report), mimetype="application/json")


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """An attachment whose name may be Cyrillic (a client's name): an ASCII `filename` for old
    clients plus the exact name as RFC 5987 `filename*` (HTTP headers must stay Latin-1)."""
    response = Response(body, mimetype=mimetype)
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _default_member(svc: Services) -> str:
    portal = svc.default_portal()
    return portal.member_id if portal else ""
