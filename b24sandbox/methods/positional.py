"""Positional parameters of the old `task.*` methods (§4.1, §5, §6)."""

from __future__ import annotations

from typing import Any

from b24sandbox.errors import RestError

IGNORED = ("auth", "auth_connector")


def _error(method: str, index: int, name: str, detail: str) -> RestError:
    return RestError(400, "ERROR_CORE", f"Param #{index} ({name}) for method {method}: {detail}")


def positional(method: str, params: Any, names: list[str], required: int) -> list[Any]:
    """Values in documented order. A JSON list is taken as is; an object must use the documented
    UPPER names (or "0", "1", ...) in the documented order — the stricter reading of §4.1."""
    if isinstance(params, list):
        values = list(params)
    elif isinstance(params, dict):
        items = [(str(k), v) for k, v in params.items() if str(k) not in IGNORED]
        values = []
        for index, (key, value) in enumerate(items):
            if index >= len(names):
                raise _error(method, index, key, "unexpected parameter")
            if key not in (names[index], str(index)):
                raise _error(method, index, names[index], f"expected here, got '{key}'")
            values.append(value)
    else:
        values = []
    if len(values) > len(names):
        raise _error(method, len(names), "?", "too many parameters")
    if len(values) < required:
        raise _error(method, len(values), names[len(values)], "expected")
    return values + [None] * (len(names) - len(values))
