"""Bitrix list conventions: prefixed filter keys (§4.2, §7), order and 50-row pages (§10)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from b24sandbox.clock import parse_date

T = TypeVar("T")
PAGE_SIZE = 50
_OPS = (">=", "<=", "!=", "!@", "!%", "=%", ">", "<", "!", "@", "%", "=")

Getter = Callable[[T, str], tuple[str, Any]]
"""(entity, FIELD) -> (kind, value); kind is "int", "date", "str" or "list"; KeyError if unknown."""


def split_key(key: str) -> tuple[str, str]:
    for op in _OPS:
        if key.startswith(op):
            return op, key[len(op) :].upper()
    return "", key.upper()


def _norm(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            return str(value)
    if kind == "date":
        return parse_date(value)
    if kind == "bool":
        return str(value).upper() in ("Y", "TRUE", "1")
    return str(value)


def _like(actual: Any, pattern: Any) -> bool:
    text = str(pattern)
    if "%" in text or "_" in text:
        regex = "^" + re.escape(text).replace("%", ".*").replace("_", ".") + "$"
        return re.search(regex, str(actual or ""), re.IGNORECASE) is not None
    return text.lower() in str(actual or "").lower()


def _compare(op: str, kind: str, actual: Any, expected: Any) -> bool:
    if kind == "list":
        values = {str(v) for v in (actual or [])}
        wanted = {str(v) for v in _as_list(expected)}
        hit = bool(values & wanted)
        return not hit if op in ("!", "!=", "!@") else hit
    if op in ("%", "=%", "!%"):
        return _like(actual, expected) is (op != "!%")
    if isinstance(expected, list) or op in ("@", "!@"):
        members = {_norm(kind, v) for v in _as_list(expected)}
        return (actual in members) is (op not in ("!", "!=", "!@"))
    want = _norm(kind, expected)
    if op in ("", "="):
        return bool(actual == want)
    if op in ("!", "!="):
        return bool(actual != want)
    if actual is None or want is None:
        return False
    try:
        return bool(
            {">": actual > want, "<": actual < want, ">=": actual >= want, "<=": actual <= want}[op]
        )
    except TypeError:
        return False


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def matches(entity: T, flt: dict[str, Any], getter: Getter[T]) -> bool:
    """True when `entity` passes every recognised condition (unknown fields are ignored)."""
    for key, expected in flt.items():
        op, name = split_key(str(key))
        try:
            kind, actual = getter(entity, name)
        except KeyError:
            continue
        if kind not in ("list",):
            actual = _norm(kind, actual)
        if not _compare(op, kind, actual, expected):
            return False
    return True


def apply_order(items: list[T], order: Any, getter: Getter[T]) -> list[T]:
    if not isinstance(order, dict):
        return items
    for key, direction in reversed(list(order.items())):
        name = str(key).upper()
        try:
            if items:
                getter(items[0], name)
        except KeyError:
            continue
        items = sorted(items, key=_key_func(getter, name), reverse=str(direction).upper() == "DESC")
    return items


def _key_func(getter: Getter[T], name: str) -> Callable[[T], tuple[int, Any]]:
    return lambda entity: _sort_key(getter(entity, name))


def _sort_key(kind_value: tuple[str, Any]) -> tuple[int, Any]:
    kind, value = kind_value
    norm = _norm(kind, value) if kind != "list" else str(value)
    if norm is None:
        return (0, 0)
    return (1, norm) if not isinstance(norm, str) else (2, norm)


def page(items: Iterable[T], start: Any) -> tuple[list[T], int | None, int | None]:
    """§10: (rows, next, total); `start=-1` → no COUNT, so `total` and `next` are omitted."""
    rows = list(items)
    try:
        offset = int(start or 0)
    except (TypeError, ValueError):
        offset = 0
    if offset == -1:
        return rows[:PAGE_SIZE], None, None
    offset = max(offset, 0)
    chunk = rows[offset : offset + PAGE_SIZE]
    nxt = offset + PAGE_SIZE if offset + PAGE_SIZE < len(rows) else None
    return chunk, nxt, len(rows)
