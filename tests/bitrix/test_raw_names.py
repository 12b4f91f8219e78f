"""Raw Bitrix event fields are read in one place: the event parser and the offline queue
(b24app/bitrix/). Everywhere else works with the normalised event (b24app.bitrix.events.
InboxEvent, handlers.routing.HandlerEvent), so a string naming such a field elsewhere is a leak."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENT_FIELDS = frozenset(
    {"FIELDS_AFTER", "FIELDS_BEFORE", "EVENT_NAME", "EVENT_DATA", "TIMESTAMP_X", "MESSAGE_ID"}
)
ALLOWED = ("b24app/bitrix/",)  # the parser, the offline queue, the pre-0004 inbox format
PACKAGES = ("b24app", "handlers", "rules", "scheduler")


def _code_strings(tree: ast.Module) -> set[str]:
    """String constants the code uses (docstrings left out: they may name what they replace)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


def _modules() -> list[Path]:
    found = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    return [p for p in found if not p.relative_to(ROOT).as_posix().startswith(ALLOWED)]


def test_no_raw_event_fields_outside_the_parser() -> None:
    leaks = {
        path.relative_to(ROOT).as_posix(): sorted(found)
        for path in _modules()
        if (found := _code_strings(ast.parse(path.read_text(encoding="utf-8"))) & EVENT_FIELDS)
    }
    assert leaks == {}
    assert len(_modules()) > 100  # the walk found the packages


def test_the_check_sees_a_leak() -> None:
    leak = ast.parse('"""Reads FIELDS_AFTER."""\nx = data["FIELDS_AFTER"]\n')
    clean = ast.parse('"""Reads FIELDS_AFTER."""\nx = 1\n')
    assert _code_strings(leak) & EVENT_FIELDS == {"FIELDS_AFTER"}
    assert _code_strings(clean) & EVENT_FIELDS == set()
