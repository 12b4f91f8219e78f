"""PHP-style bracket keys: `a[b][0]=x` <-> nested dicts and lists (http_build_query)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote

_KEY_RE = re.compile(r"^([^\[]*)((?:\[[^\]]*\])*)$")


def split_key(key: str) -> list[str]:
    match = _KEY_RE.match(key)
    if not match or not match.group(1):
        return [key]
    parts = [match.group(1)]
    parts += re.findall(r"\[([^\]]*)\]", match.group(2))
    return parts


def _insert(root: dict[str, Any], parts: list[str], value: Any) -> None:
    node: dict[str, Any] = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key = part if part != "" else str(_next_index(node))
        if last:
            node[key] = value
            return
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child


def _next_index(node: dict[str, Any]) -> int:
    ints = [int(k) for k in node if k.isdigit()]
    return max(ints) + 1 if ints else 0


def _listify(value: Any) -> Any:
    """Dicts whose keys are exactly 0..n-1 become lists, as PHP arrays would be read as JSON."""
    if not isinstance(value, dict):
        return value
    converted = {k: _listify(v) for k, v in value.items()}
    keys = list(converted)
    if (
        keys
        and all(k.isdigit() for k in keys)
        and sorted(int(k) for k in keys) == list(range(len(keys)))
    ):
        return [converted[str(i)] for i in range(len(keys))]
    return converted


def parse_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for key, value in pairs:
        _insert(root, split_key(key), value)
    result = {k: _listify(v) for k, v in root.items()}
    return result


def parse_query(query: str) -> dict[str, Any]:
    """Decode a PHP http_build_query string into nested dicts/lists."""
    return parse_pairs(parse_qsl(query, keep_blank_values=True))


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Encode nested data as PHP bracket pairs (the shape of an event POST, §3.2)."""
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list | tuple):
        items = [(str(i), v) for i, v in enumerate(value)]
    else:
        return [(prefix, scalar(value))]
    pairs: list[tuple[str, str]] = []
    for key, child in items:
        pairs += flatten(child, f"{prefix}[{key}]" if prefix else key)
    return pairs


def scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def build_query(value: dict[str, Any]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in flatten(value))
