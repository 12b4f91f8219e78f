"""Parse and verify Bitrix24 event payloads (PHP-style form bodies). Pure: no I/O."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypedDict, cast

TASK_EVENTS = frozenset({"ONTASKADD", "ONTASKUPDATE", "ONTASKDELETE"})
COMMENT_EVENTS = frozenset({"ONTASKCOMMENTADD", "ONTASKCOMMENTUPDATE", "ONTASKCOMMENTDELETE"})
APP_EVENTS = frozenset(
    {"ONAPPINSTALL", "ONAPPUNINSTALL", "ONAPPUPDATE", "ONOFFLINEEVENT", "ONAPPTEST"}
)
KNOWN_EVENTS = TASK_EVENTS | COMMENT_EVENTS | APP_EVENTS

COALESCED_EVENTS = frozenset({"ONTASKUPDATE"})
COALESCE_PREFIX = "u:"
MAX_KEYS = 2000
MAX_DEPTH = 8
_EVENT_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_BRACKET = re.compile(r"\[([^\[\]]*)\]")
# ASCII digits only, and few enough for a 64-bit column: str.isdigit() also accepts "²" and "٣"
_NUMBER = re.compile(r"[0-9]{1,18}")


class EventSource(StrEnum):
    """How an event reached the inbox (the `source` column, shown by `b24app events list`)."""

    ONLINE = "online"  # POSTed by the portal to /b24/events
    OFFLINE = "offline"  # read from the portal's offline queue (scheduler.catchup)
    SWEEP = "sweep"  # synthetic: a task changed since the last sweep (webhook mode)
    TIMER = "timer"  # synthetic: the task's time is re-read (scheduler.sla)


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """An event normalised once, whichever way it came: what an inbox row stores and the
    worker hands to the handlers. Only kinds and ids: handlers re-read the portal."""

    member_id: str
    name: str  # the event kind, as the router knows it (ONTASKADD, ONTASKCOMMENTADD, …)
    task_id: int
    dedup_key: str
    comment_id: int = 0  # a classic comment (0 on the chat-based card)
    message_id: int = 0  # a chat message of the new task card (0 on the classic card)
    source: str = EventSource.ONLINE


class MalformedEventError(ValueError):
    """The body is not a Bitrix24 event; the message says what is wrong (answered 400)."""


class EventAuthData(TypedDict, total=False):
    """The `auth` section of an event as Bitrix24 sends it (all strings)."""

    access_token: str
    refresh_token: str
    application_token: str
    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    expires_in: str
    expires: str
    user_id: str
    scope: str
    status: str


@dataclass(frozen=True, slots=True)
class Event:
    """One verified-shape Bitrix24 event."""

    name: str
    data: dict[str, Any]
    ts: int
    auth: EventAuthData
    handler_id: str = ""

    @property
    def member_id(self) -> str:
        return self.auth.get("member_id", "")

    @property
    def application_token(self) -> str:
        return self.auth.get("application_token", "")

    @property
    def task_id(self) -> int:
        """The task the event is about (0 when it is not about a task)."""
        for side in ("FIELDS_AFTER", "FIELDS_BEFORE"):
            fields = self.data.get(side)
            if isinstance(fields, dict):
                raw = fields.get("TASK_ID") if self.name in COMMENT_EVENTS else fields.get("ID")
                if raw not in (None, "", "undefined"):
                    if not isinstance(raw, str) or not _NUMBER.fullmatch(raw):
                        raise ValueError(f"not an id: {str(raw)[:40]!r}")
                    return int(raw)
        return 0

    @property
    def comment_id(self) -> int:
        """Classic comment id (0 for the chat-based card)."""
        return _int_field(self.data, "ID") if self.name in COMMENT_EVENTS else 0

    @property
    def message_id(self) -> int:
        """Chat message id of the new task card (0 for the classic card)."""
        return _int_field(self.data, "MESSAGE_ID") if self.name in COMMENT_EVENTS else 0

    def normalised(self, source: str = EventSource.ONLINE) -> InboxEvent:
        """The event as the inbox stores it (after parse_event, so the ids are numbers)."""
        return InboxEvent(
            member_id=self.member_id,
            name=self.name,
            task_id=self.task_id,
            dedup_key=self.dedup_key(),
            comment_id=self.comment_id,
            message_id=self.message_id,
            source=source,
        )

    def dedup_key(self) -> str:
        """Same delivery twice → same key; `auth` is left out because its tokens change."""
        return dedup_key(
            self.member_id,
            self.name,
            self.task_id,
            self.comment_id,
            self.message_id,
            self.ts,
            self.data,
        )


def dedup_key(
    member_id: str, name: str, task_id: int, comment_id: int, message_id: int, ts: int, data: Any
) -> str:
    """A task is added once and a comment is written once, whichever way the event came
    (online, offline queue, sweep): those keys name the object. Task updates coalesce: while
    one is waiting in the inbox, more updates of that task add nothing (the handler re-reads
    the task anyway); once it is claimed, its key is freed for the next change (Inbox.claim)."""
    if name in COALESCED_EVENTS and task_id:
        body = json.dumps([member_id, name, task_id])
        return COALESCE_PREFIX + hashlib.sha256(body.encode()).hexdigest()
    if name == "ONTASKADD" and task_id:
        parts: list[Any] = [member_id, name, task_id]
    elif name == "ONTASKCOMMENTADD" and task_id:
        parts = [member_id, name, task_id, comment_id, message_id]
    else:
        parts = [member_id, name, ts, data]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def task_update(member_id: str, task_id: int, source: str) -> InboxEvent:
    """A synthetic ONTASKUPDATE (sweep, time re-read): the handler re-reads the task. Its key
    coalesces with any update of that task still waiting, like a real one."""
    return InboxEvent(
        member_id=member_id,
        name="ONTASKUPDATE",
        task_id=task_id,
        dedup_key=dedup_key(member_id, "ONTASKUPDATE", task_id, 0, 0, 0, None),
        source=source,
    )


def _int_field(data: dict[str, Any], key: str) -> int:
    fields = data.get("FIELDS_AFTER")
    if not isinstance(fields, dict):
        return 0
    raw = fields.get(key)
    return int(raw) if isinstance(raw, str) and _NUMBER.fullmatch(raw) else 0


def unflatten(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rebuild nested dicts from PHP bracket keys (`data[FIELDS_AFTER][ID]=1`)."""
    root: dict[str, Any] = {}
    for count, (key, value) in enumerate(pairs, start=1):
        if count > MAX_KEYS:
            raise MalformedEventError(f"too many fields (more than {MAX_KEYS})")
        match = _KEY.match(key)
        if not match:
            raise MalformedEventError(f"unreadable field name {key[:80]!r}")
        path = [match.group(1), *_BRACKET.findall(match.group(2))]
        if len(path) > MAX_DEPTH:
            raise MalformedEventError(f"field {key[:80]!r} is nested too deeply")
        _assign(root, path, value, key)
    return root


def _assign(root: dict[str, Any], path: list[str], value: str, key: str) -> None:
    node: Any = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if not isinstance(node, dict):
            raise MalformedEventError(f"field {key[:80]!r} conflicts with a plain value")
        part = part if part != "" else str(len(node))
        if last:
            if isinstance(node.get(part), dict):
                raise MalformedEventError(f"field {key[:80]!r} conflicts with nested fields")
            node[part] = value
        else:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                if child != "undefined":
                    raise MalformedEventError(f"field {key[:80]!r} conflicts with a plain value")
                child = node[part] = {}
            node = child


def json_pairs(body: bytes) -> list[tuple[str, str]]:
    """A JSON body (how the docs print every event) as the form Bitrix24 POSTs: the keys and
    values PHP's http_build_query would send (numbers as digits, true/false as 1/0, null left
    out), so it goes through the same parser and checks as a form."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedEventError("the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise MalformedEventError("a JSON body must be an object of fields")
    pairs: list[tuple[str, str]] = []
    _flatten(value, "", pairs, 0)
    return pairs


def _flatten(value: Any, prefix: str, pairs: list[tuple[str, str]], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise MalformedEventError(f"field {prefix[:80]!r} is nested too deeply")
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _flatten(item, f"{prefix}[{key}]" if prefix else str(key), pairs, depth + 1)
    elif isinstance(value, bool):
        pairs.append((prefix, "1" if value else "0"))
    elif value is not None:
        pairs.append((prefix, str(value)))
    if len(pairs) > MAX_KEYS:
        raise MalformedEventError(f"too many fields (more than {MAX_KEYS})")


def parse_event(pairs: Iterable[tuple[str, str]]) -> Event:
    """Turn a form body into an Event, or raise MalformedEventError naming the problem."""
    form = unflatten(pairs)
    name = form.get("event")
    if not isinstance(name, str) or not name:
        raise MalformedEventError("missing field 'event'")
    name = name.strip().upper()
    if not _EVENT_NAME.match(name):
        raise MalformedEventError(f"'event' is not an event name: {name[:64]!r}")
    auth = form.get("auth")
    if not isinstance(auth, dict):
        raise MalformedEventError("missing section 'auth'")
    data = form.get("data", {})
    if data == "undefined" or data == "":
        data = {}
    if not isinstance(data, dict):
        raise MalformedEventError("'data' must be a set of fields")
    ts_raw = form.get("ts", "0")
    if not isinstance(ts_raw, str) or not _NUMBER.fullmatch(ts_raw):
        raise MalformedEventError("'ts' must be a Unix time")
    event = Event(
        name=name,
        data=data,
        ts=int(ts_raw),
        auth=cast(EventAuthData, {k: v for k, v in auth.items() if isinstance(v, str)}),
        handler_id=str(form.get("event_handler_id", "")),
    )
    _check_ids(event)
    return event


def _check_ids(event: Event) -> None:
    if not event.member_id:
        raise MalformedEventError("missing 'auth[member_id]'")
    if event.name in TASK_EVENTS | COMMENT_EVENTS:
        try:
            task_id = event.task_id
        except ValueError:
            raise MalformedEventError("the task id is not a number") from None
        if task_id <= 0:
            raise MalformedEventError(f"{event.name} without a task id")
        if event.name == "ONTASKCOMMENTADD" and not (event.comment_id or event.message_id):
            raise MalformedEventError("ONTASKCOMMENTADD without a comment id or message id")


def tokens_match(given: str, expected: str) -> bool:
    """Constant-time comparison of application tokens; an empty expected token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def safe_auth(auth: EventAuthData) -> dict[str, str]:
    """The auth section without secrets, for storage and logs."""
    keep = ("member_id", "domain", "client_endpoint", "user_id", "status")
    return {k: str(auth[k]) for k in keep if k in auth}  # type: ignore[literal-required]
