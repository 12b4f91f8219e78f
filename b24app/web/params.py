"""Query parameters of the /api routes: each checked by its parser, a bad one answered 400."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class BadParameterError(ValueError):
    """A query parameter of an /api route is unknown or has a bad value (answered 400)."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name


def query(args: Mapping[str, str], spec: Mapping[str, Callable[[str], Any]]) -> dict[str, Any]:
    """The query parameters of an /api route, each converted by its parser; an unknown name or
    a value its parser refuses raises BadParameterError (400, never 500)."""
    unknown = sorted(set(args) - set(spec))
    if unknown:
        known = ", ".join(sorted(spec)) or "none"
        raise BadParameterError(unknown[0], f"unknown parameter (known: {known})")
    values: dict[str, Any] = {}
    for name, parse in spec.items():
        if name in args:
            try:
                values[name] = parse(args[name])
            except ValueError as exc:
                raise BadParameterError(name, str(exc)) from None
    return values


def int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, got {text!r}")
        return int(text)

    return parse


def one_of(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return text

    return parse


def nonempty(text: str) -> str:
    if not text.strip():
        raise ValueError("expected a value, got an empty string")
    return text
