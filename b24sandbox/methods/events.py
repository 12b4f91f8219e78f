"""event.* and event.offline.* (§3.1, §3.6): application auth only."""

from __future__ import annotations

import secrets
from typing import Any

from b24sandbox.clock import iso
from b24sandbox.context import CallContext, ListResult, arg, as_int, require_app
from b24sandbox.errors import RestError, access_denied, missing
from b24sandbox.events import KNOWN_EVENTS
from b24sandbox.filters import apply_order, matches, page
from b24sandbox.methods.table import MethodTable
from b24sandbox.model import Binding, OfflineRecord

methods = MethodTable()

RESERVE_TTL = 30 * 24 * 3600  # §3.6: reserved batches expire after 30 days


def _event_args(params: Any) -> tuple[str, bool]:
    """(EVENT upper-cased, offline?) with the core's argument errors."""
    event = str(arg(params, "event") or "").upper()
    if not event:
        raise RestError(400, "ERROR_ARGUMENT", "Argument 'EVENT' is null or empty")
    event_type = str(arg(params, "event_type") or "online").lower()
    if event_type not in ("online", "offline"):
        raise RestError(400, "ERROR_ARGUMENT", "Value must be one of {online|offline}")
    return event, event_type == "offline"


def _bind_user(ctx: CallContext, params: Any, offline: bool) -> int:
    """USER_ID of a new binding: auth_type (admins only for others), a non-admin's own id,
    0 for offline bindings (admins only)."""
    admin = ctx.core.is_admin(ctx.user_id)
    auth_type = as_int(arg(params, "auth_type", 0) or 0, "auth_type")
    if auth_type > 0 and not admin and auth_type != ctx.user_id:
        raise access_denied(
            "Access denied! Event binding with AUTH_TYPE requires administrator access rights"
        )
    if offline:
        if not admin:
            raise access_denied(
                "Access denied! Offline events binding requires administrator access rights"
            )
        return 0
    return auth_type if auth_type > 0 or admin else ctx.user_id


@methods.add("event.bind")
def event_bind(ctx: CallContext, params: Any) -> Any:
    """core: modules/rest/lib/api/event.php (Event::eventBind). The connector comes from the
    request's auth data only (`CONNECTOR_ID` = top-level auth_connector, '' when absent); a
    non-admin's binding belongs to that user; a duplicate (app, event, handler, user, connector)
    is refused by lib/event.php (EventTable::checkUniq) → RestException ERROR_CORE, whose
    default status is 400 (lib/restexception.php RestException::getStatus)."""
    require_app(ctx)
    event, offline = _event_args(params)
    handler = "" if offline else str(arg(params, "handler") or "")
    auth_type = _bind_user(ctx, params, offline)
    if not offline:
        if not handler:
            raise RestError(400, "ERROR_ARGUMENT", "Argument 'HANDLER' is null or empty")
        if not handler.startswith(("http://", "https://")):
            raise RestError(400, "ERROR_UNSUPPORTED_PROTOCOL", "Unsupported handler protocol")
    if event not in KNOWN_EVENTS:
        raise RestError(400, "ERROR_EVENT_NOT_FOUND", "Event not found")
    if offline and event == "ONOFFLINEEVENT":  # registered with disableOffline
        raise RestError(400, "ERROR_ARGUMENT", "Offline event cannot be registered for this event.")
    connector = ctx.connector_id
    state = ctx.core.state
    for b in state.bindings.values():
        if (b.event, b.handler, b.auth_type, b.auth_connector) == (
            event,
            handler,
            auth_type,
            connector,
        ):
            raise RestError(
                400, "ERROR_CORE", "Unable to set event handler: Handler already binded"
            )
    options = arg(params, "options") or {}
    allowed = {}
    if isinstance(options, dict) and event == "ONOFFLINEEVENT" and "minTimeout" in options:
        allowed["minTimeout"] = int(options["minTimeout"] or 0)  # allowOptions: int only
    binding = Binding(
        state.next_id("bindings"), event, handler, auth_type, offline, connector, allowed
    )
    state.bindings[binding.id] = binding
    return True


@methods.add("event.unbind")
def event_unbind(ctx: CallContext, params: Any) -> Any:
    """core: Event::eventUnbind — offline: admin only, handler forced to '', filtered by the auth
    connector ('' when absent); online: handler required. Records already queued for the
    connector stay (EventOfflineTable has no link to the binding): event.offline.get still
    returns them."""
    require_app(ctx)
    event, offline = _event_args(params)
    admin = ctx.core.is_admin(ctx.user_id)
    handler = "" if offline else str(arg(params, "handler") or "")
    if offline and not admin:
        raise access_denied(
            "Access denied! Offline events unbinding requires administrator access rights"
        )
    if not offline and not handler:
        raise RestError(400, "ERROR_ARGUMENT", "Argument 'HANDLER' is null or empty")
    auth_type = arg(params, "auth_type")
    state = ctx.core.state

    def hit(b: Binding) -> bool:
        if (b.event, b.handler) != (event, handler):
            return False
        if offline:
            return b.auth_connector == ctx.connector_id
        if auth_type is not None:
            return b.auth_type == int(auth_type or 0)
        return admin or b.auth_type == ctx.user_id

    doomed = [b.id for b in state.bindings.values() if hit(b)]
    for binding_id in doomed:
        del state.bindings[binding_id]
    return {"count": len(doomed)}


@methods.add("event.get")
def event_get(ctx: CallContext, params: Any) -> Any:
    """core: Event::eventGet — online rows {event, handler, auth_type, offline: 0}; offline rows
    {event, connector_id ('' if none), offline: 1} with no handler/auth_type; a non-admin sees
    only rows with its own USER_ID (so no offline rows)."""
    require_app(ctx)
    admin = ctx.core.is_admin(ctx.user_id)
    rows: list[dict[str, Any]] = []
    for b in sorted(ctx.core.state.bindings.values(), key=lambda b: b.id):
        if not admin and b.auth_type != ctx.user_id:
            continue
        if b.handler:
            rows.append(
                {
                    "event": b.event,
                    "handler": b.handler,
                    "auth_type": str(b.auth_type),
                    "offline": 0,
                }
            )
        else:
            rows.append({"event": b.event, "connector_id": b.auth_connector, "offline": 1})
    return rows


@methods.add("events")
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
        raise access_denied("Access denied!")


def _release_stale(ctx: CallContext) -> None:
    now = ctx.core.now()
    for r in ctx.core.state.offline.values():
        if r.reserved_at is not None and now - r.reserved_at > RESERVE_TTL:
            r.process_id, r.reserved_at = None, None


@methods.add("event.offline.get")
def offline_get(ctx: CallContext, params: Any) -> Any:
    """core: Event::eventOfflineGet — records of the auth connector only; `clear=0` needs the
    plan feature rest_offline_extended, else 403 WRONG_LICENSE before anything is reserved."""
    _admin_app(ctx)
    clear = _int(arg(params, "clear"), 1) != 0
    if not clear and not ctx.core.state.feature("rest_offline_extended"):
        raise RestError(
            403,
            "WRONG_LICENSE",
            "This feature is not enabled for the current license: extended offline events handling",
        )
    limit = _int(arg(params, "limit"), 50)
    if limit <= 0:
        raise RestError(400, "ERROR_ARGUMENT", "Value must be positive integer")
    _release_stale(ctx)
    state = ctx.core.state
    connector = ctx.connector_id
    process_id = arg(params, "process_id")
    with_errors = _int(arg(params, "error"), 0) == 1
    rows = sorted(
        (r for r in state.offline.values() if r.connector == connector and r.error == with_errors),
        key=lambda r: r.id,
    )
    if process_id is not None:
        rows = [r for r in rows if r.process_id == str(process_id).strip()]
    else:
        rows = [r for r in rows if r.process_id is None]
    rows = [r for r in rows if matches(r, arg(params, "filter") or {}, _record_get)]
    rows = apply_order(rows, arg(params, "order") or {"TIMESTAMP_X": "ASC"}, _record_get)
    rows = rows[:limit]
    events = [_record_out(r) for r in rows]
    if process_id is None:
        process_id = secrets.token_hex(16)  # markEvents: reserve, then read the batch
        for r in rows:
            r.process_id, r.reserved_at = process_id, ctx.core.now()
        returned = None if clear else process_id
    else:
        returned = str(process_id).strip()  # a given process_id is always echoed
    if clear:
        for r in rows:
            del state.offline[r.id]
    return {"process_id": returned, "events": events}


def _int(value: Any, default: int) -> int:
    """PHP intval() of a request value; absent → default."""
    if value is None:
        return default
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        return 0


def _reserved(ctx: CallContext, params: Any, key: str) -> list[OfflineRecord]:
    """The batch `process_id` of the auth connector (core: EventOfflineTable::clearEvents and
    markError filter by APP_ID, CONNECTOR_ID and PROCESS_ID)."""
    process_id = arg(params, "process_id")
    if not process_id:
        raise missing("process_id")
    rows = [
        r
        for r in ctx.core.state.offline.values()
        if r.process_id == process_id and r.connector == ctx.connector_id
    ]
    wanted = arg(params, key)
    if isinstance(wanted, list | dict):
        values = {str(v) for v in (wanted.values() if isinstance(wanted, dict) else wanted)}
        rows = [r for r in rows if (str(r.id) if key == "id" else r.message_id) in values]
    return rows


@methods.add("event.offline.clear")
def offline_clear(ctx: CallContext, params: Any) -> Any:
    _admin_app(ctx)
    rows = _reserved(ctx, params, "id" if arg(params, "id") is not None else "message_id")
    for r in rows:
        del ctx.core.state.offline[r.id]
    return True


@methods.add("event.offline.error")
def offline_error(ctx: CallContext, params: Any) -> Any:
    _admin_app(ctx)
    for r in _reserved(ctx, params, "message_id"):
        r.error, r.process_id, r.reserved_at = True, None, None
    return True


@methods.add("event.offline.list")
def offline_list(ctx: CallContext, params: Any) -> Any:
    _admin_app(ctx)
    connector = ctx.connector_id
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
