"""The read API: `GET /api/tasks/<id>` (a task's record, clocks and history) and `/api/events`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from b24app.services import Services
from b24app.storage.clocks import ESTIMATE, REACTION, ClockStore
from b24app.web.context import json_error, services
from b24app.web.params import int_between, nonempty, one_of, query
from handlers.records import record_to_json
from rules.types import TaskId

bp = Blueprint("api", __name__)

INBOX_STATUSES = ("pending", "processing", "done", "failed", "ignored")


@bp.get("/api/tasks/<int:task_id>")
def api_task(task_id: int) -> Any:
    svc = services()
    params = query(request.args, {"member_id": nonempty})
    member_id = svc.default_member_id(params.get("member_id"))
    if not member_id:
        return json_error(404, "no_portal", "no portal is installed")
    if svc.portals.get(member_id) is None:
        return json_error(404, "unknown_portal", f"no portal with member_id {member_id!r}")
    view = task_view(svc, member_id, task_id)
    if view is None:
        return json_error(404, "unknown_task", f"the app has no record of task {task_id}")
    return jsonify(view)


@bp.get("/api/events")
def api_events() -> Any:
    params = query(request.args, {"status": one_of(*INBOX_STATUSES), "limit": int_between(1, 500)})
    rows = services().inbox.list_rows(params.get("status"), limit=params.get("limit", 50))
    return jsonify({"events": rows})


def task_view(svc: Services, member_id: str, task_id: int) -> dict[str, Any] | None:
    """The task's regulation record, SLA due times and audit history."""
    record = svc.task_store(member_id).get_task(TaskId(task_id))
    if record is None:
        return None
    clocks = ClockStore(svc.db, member_id)
    view = record_to_json(record)
    view.update(
        member_id=member_id,
        state=record.state.value,
        estimate_due=_iso(clocks.open_due(task_id, ESTIMATE), svc),
        reaction_due=_iso(clocks.open_due(task_id, REACTION), svc),
        warranty_until=record.warranty_last_day.isoformat() if record.warranty_last_day else None,
        history=[
            {
                "at": _iso(row["at"], svc),
                "from": row["from_state"] or None,
                "to": row["to_state"] or None,
                "clause": row["clause"],
                "trigger": row["trigger"],
                "decision": row["decision"],
                "details": json.loads(row["details"] or "{}"),
                "shadow": bool(row["shadow"]),
            }
            for row in svc.task_store(member_id).history(task_id)
        ],
    )
    return view


def _iso(ts: float | None, svc: Services) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, svc.tz).isoformat()
