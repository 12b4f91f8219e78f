"""Inbox rows stored before revision 0004 kept the event's raw data section: read it for the
upgrade (b24app/storage/migrations/versions/v0004_inbox_event_columns.py), write it back for the
downgrade. Nothing else reads or writes that format any more."""

from __future__ import annotations

from typing import Any

from b24app.bitrix.events import COMMENT_EVENTS, InboxEvent


def stored_payload_ids(name: str, data: Any) -> tuple[int, int]:
    """(comment id, message id) of an inbox row stored before revision 0004, which kept the
    event's raw data section: read the way the worker read it then."""
    fields = data.get("FIELDS_AFTER") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        return 0, 0

    def number(key: str) -> int:
        raw = fields.get(key)
        return int(raw) if isinstance(raw, str) and raw.isdigit() else 0

    return (number("ID") if "COMMENT" in name else 0), number("MESSAGE_ID")


def payload_of(event: InboxEvent) -> dict[str, Any]:
    """The raw data section an inbox row kept before revision 0004 (for its downgrade)."""
    if event.name in COMMENT_EVENTS:
        fields = {"ID": str(event.comment_id), "TASK_ID": str(event.task_id)}
        if event.message_id:
            fields["MESSAGE_ID"] = str(event.message_id)
        return {"FIELDS_AFTER": fields}
    return {"FIELDS_AFTER": {"ID": str(event.task_id)}}
