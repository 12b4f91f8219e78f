"""A month's report to JSON-ready data and back, for the locked bill (reporting.locks).

Generic over the report's frozen dataclasses: each field is decoded by its type hint (nested
dataclasses, tuples, enums, dates, datetimes with their UTC offset, optionals). A field missing
from older data takes its default; an unknown one is ignored.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from b24app.reporting.model import MonthReport


def to_data(value: Any) -> Any:
    """Dataclasses → dicts, tuples → lists, dates → ISO text, enums → their value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def from_data(kind: Any, data: Any) -> Any:
    """The inverse of to_data for the type `kind`."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        return from_data(next(a for a in args if a is not type(None)), data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], item) for item in data)
        return tuple(from_data(a, item) for a, item in zip(args, data, strict=True))
    if origin is not None and origin.__name__ == "Mapping":
        return {str(k): from_data(args[1], v) for k, v in data.items()}
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        present = [f for f in dataclasses.fields(kind) if f.name in data]
        return kind(**{f.name: from_data(hints[f.name], data[f.name]) for f in present})
    return data


def report_to_data(report: MonthReport) -> dict[str, Any]:
    data: dict[str, Any] = to_data(report)
    return data


def report_from_data(data: Mapping[str, Any]) -> MonthReport:
    report: MonthReport = from_data(MonthReport, data)
    return report
