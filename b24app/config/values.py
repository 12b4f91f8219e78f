"""Typed values of the regulation TOML file: each coerced to its default's type, or a ConfigError
that names its key."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, time
from typing import Any, TypeVar

from b24app.config.errors import ConfigError
from rules.types import UserId

_T = TypeVar("_T")


def reject_unknown(data: Mapping[str, Any], known: set[str], prefix: str) -> None:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{prefix or 'config'}: expected a table")
    for key in data:
        if key not in known:
            raise ConfigError(f"{prefix}{key}: unknown key (known: {', '.join(sorted(known))})")


def build_table(cls: type[_T], data: Any, prefix: str) -> _T:
    """Fill a config dataclass from a table, coercing each value to its default's type."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    reject_unknown(data, set(fields), f"{prefix}.")
    defaults = cls()
    values = {
        key: coerce(value, getattr(defaults, key), f"{prefix}.{key}") for key, value in data.items()
    }
    return dataclasses.replace(defaults, **values)  # type: ignore[type-var]


def coerce(value: Any, default: Any, key: str) -> Any:  # noqa: C901 - one branch per type
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, enum.Enum):
        try:
            return type(default)(value)
        except ValueError:
            allowed = ", ".join(m.value for m in type(default))
            raise ConfigError(f"{key}: expected one of {allowed}, got {value!r}") from None
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ConfigError(f"{key}: expected a non-negative integer, got {value!r}")
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, time):
        return _parse_time(value, key)
    elif isinstance(default, tuple):
        return tuple(_coerce_item(item, key) for item in as_list(value, key))
    raise ConfigError(f"{key}: expected {type(default).__name__}, got {value!r}")


def _coerce_item(item: Any, key: str) -> Any:
    if isinstance(item, str | int | date) and not isinstance(item, bool):
        return item
    raise ConfigError(f"{key}: unexpected list item {item!r}")


def _parse_time(value: Any, key: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f'{key}: expected a time like "09:00", got {value!r}') from None


def as_list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list, got {value!r}")
    return value


def id_list(value: Any, key: str) -> tuple[UserId, ...]:
    items = as_list(value, key)
    if not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in items):
        raise ConfigError(f"{key}: expected a list of user ids, got {value!r}")
    return tuple(UserId(i) for i in items)


def kopecks_from_roubles(value: Any, key: str) -> int:
    """Prices in the file are roubles (integers or decimals); the app keeps kopecks."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return round(value * 100)
    raise ConfigError(f"{key}: expected a price in roubles, got {value!r}")
