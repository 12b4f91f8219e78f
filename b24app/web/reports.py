"""`GET /api/reports/<month>` (JSON) and `<month>.csv` / `<month>.xlsx` downloads of the report.

The bearer-token check of the app factory (web.access) covers every `/api/*` path, these too.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from b24app.reporting.billing import UnknownClientError, build_month_report
from b24app.reporting.files import FILE_FORMATS, report_file
from b24app.reporting.months import parse_month
from b24app.reporting.render import render_json
from b24app.reporting.tables import TABLES
from b24app.web.context import json_error, services
from b24app.web.params import nonempty, query

bp = Blueprint("reports", __name__)


@bp.get("/api/reports/<spec>")
def api_report(spec: str) -> Any:
    """`2026-11` → JSON, `2026-11.csv` / `2026-11.xlsx` → a download; `?client=`, `?member_id=`,
    `?table=` (CSV: lines, summary, overruns or changes; one table per file)."""
    svc = services()
    month_text, _, suffix = spec.partition(".")
    if suffix not in ("", "json", *FILE_FORMATS):
        return json_error(404, "unknown_format", f"use .csv or .xlsx, not .{suffix}")
    try:
        year, month = parse_month(month_text)
    except ValueError as exc:
        return json_error(400, "bad_month", str(exc))
    params = query(request.args, {"member_id": nonempty, "client": nonempty, "table": nonempty})
    table = params.get("table") or "lines"
    if table not in TABLES:
        return json_error(400, "bad_table", f"table is one of {', '.join(TABLES)}")
    member_id = svc.default_member_id(params.get("member_id"))
    if not member_id:
        return json_error(404, "no_portal", "no portal is installed")
    client = params.get("client")
    try:
        report = build_month_report(
            svc.db, svc.config, member_id, year, month, svc.tz, client=client
        )
    except UnknownClientError:
        return json_error(404, "unknown_client", f"no client named {client!r} in the config")
    if suffix in FILE_FORMATS:
        file = report_file(report, suffix, client, table)
        headers = {"Content-Disposition": file.content_disposition}
        return Response(file.body, mimetype=file.mimetype, headers=headers)
    return Response(render_json(report), mimetype="application/json")
