"""JSON views of the app's state for the read API and the pages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from b24app.clocks import ESTIMATE, REACTION, ClockStore
from b24app.services import Services
from handlers.records import record_to_json
from rules.types import TaskId


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
