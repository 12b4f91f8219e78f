"""event.* and event.offline.* (§3.1, §3.6): application auth only."""

from __future__ import annotations

import secrets
from typing import Any

from b24app.sandbox.clock import iso
from b24app.sandbox.errors import RestError, access_denied, missing
from b24app.sandbox.events import KNOWN_EVENTS
from b24app.sandbox.filters import apply_order, matches, page
from b24app.sandbox.methods import CallContext, ListResult, arg, as_int, method, require_app
from b24app.sandbox.model import Binding, OfflineRecord

RESERVE_TTL = 30 * 24 * 3600  # §3.6: reserved batches expire after 30 days


def _offline_flag(params: Any) -> bool:
    return str(arg(params, "event_type", "online")).lower() == "offline"


@method("event.bind")
def event_bind(ctx: CallContext, params: Any) -> Any:
    require_app(ctx)
    event = str(arg(params, "event") or "").upper()
    if event not in KNOWN_EVENTS:
        raise RestError(400, "ERROR_EVENT_NOT_FOUND", "Event not found")
    offline = _offline_flag(params)
    handler = "" if offline else str(arg(params, "handler") or "")
    if not offline and not handler.startswith(("http://", "https://")):
        raise missing("handler")
    auth_type = as_int(arg(params, "auth_type", 0) or 0, "auth_type")
    admin = ctx.core.is_admin(ctx.user_id)
    if not admin and (offline or auth_type not in (0, ctx.user_id)):
        raise access_denied("Only administrators can bind offline or foreign-user handlers")
    connector = str(arg(params, "auth_connector") or "")
    state = ctx.core.state
    for b in state.bindings.values():
        if (b.event, b.handler, b.auth_type, b.offline, b.auth_connector) == (
            event,
            handler,
            auth_type,
            offline,
            connector,
        ):
            raise RestError(400, "ERROR_HANDLER_ALREADY_EXIST", "Handler already exists")
    options = arg(params, "options") or {}
    binding = Binding(
        state.next_id("bindings"),
        event,
        handler,
        auth_type,
        offline,
        connector,
        dict(options) if isinstance(options, dict) else {},
    )
    state.bindings[binding.id] = binding
    return True


@method("event.unbind")
def event_unbind(ctx: CallContext, params: Any) -> Any:
    require_app(ctx)
    event = str(arg(params, "event") or "").upper()
    offline = _offline_flag(params)
    handler = "" if offline else str(arg(params, "handler") or "")
    auth_type = arg(params, "auth_type")
    state = ctx.core.state
    doomed = [
        b.id
        for b in state.bindings.values()
        if b.event == event
        and b.handler == handler
        and b.offline == offline
        and (auth_type is None or b.auth_type == int(auth_type or 0))
    ]
    for binding_id in doomed:
        del state.bindings[binding_id]
    return {"count": len(doomed)}


@method("event.get")
def event_get(ctx: CallContext, params: Any) -> Any:
    require_app(ctx)
    admin = ctx.core.is_admin(ctx.user_id)
    rows = []
    for b in sorted(ctx.core.state.bindings.values(), key=lambda b: b.id):
        if not admin and b.auth_type not in (0, ctx.user_id):
            continue
        row: dict[str, Any] = {
            "event": b.event,
            "handler": b.handler,
            "auth_type": str(b.auth_type),
            "offline": int(b.offline),
        }
        if b.auth_connector:
            row["connector_id"] = b.auth_connector
        rows.append(row)
    return rows


@method("events")
def events_list(ctx: CallContext, params: Any) -> Any:
    return sorted(KNOWN_EVENTS)


def _record_out(r: OfflineRecord) -> dict[str, Any]:
    return {
        "ID": str(r.id),
        "TIMESTAMP_X": iso(r.timestamp),
        "EVENT_NAME": r.event,
        "EVENT_DATA": r.data,
        "EVENT_ADDITIONAL": r.additional,
        "MESSAGE_ID": r.message_id,
    }


def _record_get(r: OfflineRecord, name: str) -> tuple[str, Any]:
    values: dict[str, tuple[str, Any]] = {
        "ID": ("int", r.id),
        "TIMESTAMP_X": ("date", r.timestamp),
        "EVENT_NAME": ("str", r.event),
        "MESSAGE_ID": ("str", r.message_id),
        "PROCESS_ID": ("str", r.process_id),
        "ERROR": ("int", int(r.error)),
    }
    return values[name]


def _admin_app(ctx: CallContext) -> None:
    require_app(ctx)
    if not ctx.core.is_admin(ctx.user_id):
        raise access_denied("Administrator rights required")


def _release_stale(ctx: CallContext) -> None:
    now = ctx.core.now()
    for r in ctx.core.state.offline.values():
        if r.reserved_at is not None and now - r.reserved_at > RESERVE_TTL:
            r.process_id, r.reserved_at = None, None


@method("event.offline.get")
def offline_get(ctx: CallContext, params: Any) -> Any:
    _admin_app(ctx)
    _release_stale(ctx)
    state = ctx.core.state
    connector = str(arg(params, "auth_connector") or "")
    process_id = arg(params, "process_id")
    rows = sorted(
        (r for r in state.offline.values() if r.connector == connector), key=lambda r: r.id
    )
    if process_id:
        rows = [r for r in rows if r.process_id == process_id]
    else:
        with_errors = str(arg(params, "error", 0)) == "1"
        rows = [r for r in rows if r.process_id is None and (with_errors or not r.error)]
    rows = [r for r in rows if matches(r, arg(params, "filter") or {}, _record_get)]
    rows = apply_order(rows, arg(params, "order") or {"TIMESTAMP_X": "ASC"}, _record_get)
    rows = rows[: as_int(arg(params, "limit", 50) or 50, "limit")]
    clear = str(arg(params, "clear", 1)) != "0"
    if clear:
        for r in rows:
            del state.offline[r.id]
        return {"process_id": None, "events": [_record_out(r) for r in rows]}
    process_id = process_id or secrets.token_hex(16)
    for r in rows:
        r.process_id, r.reserved_at = process_id, ctx.core.now()
    return {"process_id": process_id, "events": [_record_out(r) for r in rows]}


def _reserved(ctx: CallContext, params: Any, key: str) -> list[OfflineRecord]:
    process_id = arg(params, "process_id")
    if not process_id:
        raise missing("process_id")
    rows = [r for r in ctx.core.state.offline.values() if r.process_id == process_id]
    wanted = arg(params, key)
    if isinstance(wanted, list | dict):
        values = {str(v) for v in (wanted.values() if isinstance(wanted, dict) else wanted)}
        rows = [r for r in rows if (str(r.id) if key == "id" else r.message_id) in values]
    return rows


@method("event.offline.clear")
def offline_clear(ctx: CallContext, params: Any) -> Any:
    _admin_app(ctx)
    rows = _reserved(ctx, params, "id" if arg(params, "id") is not None else "message_id")
    for r in rows:
        del ctx.core.state.offline[r.id]
    return True


@method("event.offline.error")
def offline_error(ctx: CallContext, params: Any) -> Any:
    _admin_app(ctx)
    for r in _reserved(ctx, params, "message_id"):
        r.error, r.process_id, r.reserved_at = True, None, None
    return True


@method("event.offline.list")
def offline_list(ctx: CallContext, params: Any) -> Any:
    _admin_app(ctx)
    connector = str(arg(params, "auth_connector") or "")
    rows = sorted(
        (r for r in ctx.core.state.offline.values() if r.connector == connector), key=lambda r: r.id
    )
    rows = [r for r in rows if matches(r, arg(params, "filter") or {}, _record_get)]
    rows = apply_order(rows, arg(params, "order") or {"ID": "ASC"}, _record_get)
    chunk, nxt, total = page(rows, arg(params, "start"))
    out = []
    for r in chunk:
        row = _record_out(r)
        row.update({"PROCESS_ID": r.process_id or "", "ERROR": str(int(r.error))})
        out.append(row)
    return ListResult(out, total, nxt)
