"""The regulation record the app keeps per task (its state and the facts behind it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rules.types import TaskId, TaskState, UserId


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """Per-task regulation state; hooks for SLA (accepted_at) and billing (billable_minutes)."""

    task_id: TaskId
    state: TaskState = TaskState.NEW
    client: str = ""
    title: str = ""
    created_by: int = 0
    responsible_id: int = 0
    group_id: int = 0
    created_at: datetime | None = None
    accepted_at: datetime | None = None  # п. 4.1: the estimate clock starts here
    refused_codes: tuple[str, ...] = ()
    text_digest: str = ""
    estimate_raw_minutes: int | None = None
    estimate_minutes: int | None = None
    by_actual_time: bool = False
    auto_accepted: bool = False
    estimated_by: UserId | None = None
    estimated_at: datetime | None = None
    term: str = ""  # п. 4.3 as words, for messages and pages
    term_working_days: int | None = None
    term_calendar_days: int | None = None
    term_until: date | None = None
    approved_by: UserId | None = None
    approved_at: datetime | None = None
    deadline: datetime | None = None
    done_at: datetime | None = None
    warranty_last_day: date | None = None
    billable_minutes: int = 0
    overrun_level: str = "none"
    time_spent_minutes: int = 0
    last_status: int = 0
    urgent: bool = False
    chat_card: bool = False
    rework_since: datetime | None = None
    rework_periods: tuple[tuple[datetime, datetime], ...] = ()
    deleted: bool = False
    processed_comments: tuple[int, ...] = ()  # recent comment/message ids already handled
    approved_minutes: int | None = None  # п. 3.3: the estimate approved now (client or п. 3.5)
    unapproved_minutes: int = 0  # п. 3.3: billable time past it, not approved by the client
    field_estimate_seen: int | None = None  # the TIME_ESTIMATE last read: only a change counts
    supplements: tuple[str, ...] = ()  # п. 2.1–2.3: client comments that complete a refused task
    # What the app saw of the task, for `b24app replay`: the portal keeps only the final state.
    # Each entry: (ISO time, status, title, description, TIME_ESTIMATE minutes or None).
    observations: tuple[tuple[str, int, str, str, int | None], ...] = ()

    def replace(self, **changes: Any) -> TaskRecord:
        return dataclasses.replace(self, **changes)


def is_warranty_rework(record: TaskRecord, at: datetime) -> bool:
    """п. 3.2: time logged once warranty rework began is not billed, in whatever order the
    integrator completes the fix and logs the time (a paid task never goes back to paid work)."""
    starts = [start for start, _ in record.rework_periods]
    if record.rework_since is not None:
        starts.append(record.rework_since)
    # Bitrix24 dates entries to the second: an entry of the rework's first second is the rework's
    return bool(starts) and at >= min(starts).replace(microsecond=0)


def approved_estimate(record: TaskRecord) -> int | None:
    """п. 3.3: the estimate approved now; records written before it was kept read it from the
    state (an estimate in work was approved or auto-accepted)."""
    if record.approved_minutes is not None or record.by_actual_time:
        return record.approved_minutes
    in_work = record.state in (
        TaskState.IN_PROGRESS,
        TaskState.REESTIMATE,
        TaskState.DONE,
        TaskState.CLOSED,
    )
    return record.estimate_minutes if in_work else None


def record_to_json(record: TaskRecord) -> dict[str, Any]:
    """A JSON-safe dict (datetimes as ISO 8601 with offset)."""
    return {f.name: _dump(getattr(record, f.name)) for f in dataclasses.fields(record)}


def record_from_json(data: dict[str, Any]) -> TaskRecord:
    """Inverse of record_to_json; unknown keys (from newer versions) are ignored."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(TaskRecord):
        if f.name in data:
            values[f.name] = _load(f.name, data[f.name])
    return TaskRecord(**values)


_DATETIME_FIELDS = {
    "created_at",
    "accepted_at",
    "estimated_at",
    "approved_at",
    "deadline",
    "done_at",
    "rework_since",
}


def _dump(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    return value


def _load(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATETIME_FIELDS:
        return datetime.fromisoformat(value)
    if name in ("warranty_last_day", "term_until"):
        return date.fromisoformat(value)
    if name == "state":
        return TaskState(value)
    if name == "rework_periods":
        return tuple((datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in value)
    if name in ("refused_codes", "processed_comments", "supplements"):
        return tuple(value)
    if name == "observations":
        return tuple(tuple(item) for item in value)
    return value
