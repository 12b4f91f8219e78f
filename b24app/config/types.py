"""Value types of the config schema, each failing with its own Russian message.

The regulation file is TOML, so numbers, booleans and dates arrive typed: the types here are
strict (a string is never read as a number), as the hand-written checks they replace were.
"""

from __future__ import annotations

from datetime import date, time
from enum import Enum
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, PlainValidator
from pydantic_core import PydanticCustomError

from rules.types import UserId

_E = TypeVar("_E", bound=Enum)


def _shown(value: Any) -> str:
    return f"«{value}»" if isinstance(value, str) else repr(value)


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError(
        "count", "ожидается целое число, указано {got}", {"got": _shown(value)}
    )


def _roubles(value: Any) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise PydanticCustomError(
        "number", "ожидается число (можно с копейками), указано {got}", {"got": _shown(value)}
    )


def _user_id(value: Any) -> UserId:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return UserId(value)
    raise PydanticCustomError(
        "user_id", "ожидается id — целое число больше 0, указано {got}", {"got": _shown(value)}
    )


def _time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise PydanticCustomError(
            "time", "ожидается время вида 09:00, указано {got}", {"got": _shown(value)}
        ) from None


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "date", "ожидается дата вида 2026-12-31, указано {got}", {"got": _shown(value)}
    )


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise PydanticCustomError(
        "flag", "ожидается да или нет (true/false), указано {got}", {"got": _shown(value)}
    )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise PydanticCustomError("text", "ожидается текст, указано {got}", {"got": _shown(value)})


def _nonblank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "не может быть пустым")
    return value.strip()


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "timezone", "неизвестный часовой пояс {got}", {"got": _shown(value)}
        ) from None
    return value


def choice(kind: type[_E], labels: dict[str, str]) -> PlainValidator:
    """An enumeration whose error lists the choices by their Russian names."""

    def parse(value: Any) -> _E:
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(f"«{labels[str(m.value)]}» ({m.value})" for m in kind)
            raise PydanticCustomError(
                "choice",
                "выберите одно из: {allowed}; указано {got}",
                {"allowed": allowed, "got": _shown(value)},
            ) from None

    return PlainValidator(parse, json_schema_input_type=kind)


Count = Annotated[int, PlainValidator(_count, json_schema_input_type=int), Field(ge=0)]
Positive = Annotated[int, PlainValidator(_count, json_schema_input_type=int), Field(ge=1)]
Percent = Annotated[int, PlainValidator(_count, json_schema_input_type=int), Field(ge=1, le=100)]
Roubles = Annotated[float, PlainValidator(_roubles, json_schema_input_type=float), Field(ge=0)]
Flag = Annotated[bool, PlainValidator(_flag, json_schema_input_type=bool)]
Text = Annotated[str, PlainValidator(_text, json_schema_input_type=str)]
Id = Annotated[UserId, PlainValidator(_user_id, json_schema_input_type=int)]
TimeOfDay = Annotated[time, PlainValidator(_time_of_day, json_schema_input_type=time)]
Day = Annotated[date, PlainValidator(_day, json_schema_input_type=date)]
Name = Annotated[str, PlainValidator(_text, json_schema_input_type=str), AfterValidator(_nonblank)]
TimeZone = Annotated[Text, AfterValidator(_timezone)]
Weekday = Annotated[int, PlainValidator(_count, json_schema_input_type=int), Field(ge=0, le=6)]


def _list_only(value: Any) -> Any:
    """A bare string is a sequence of characters: refuse it before a tuple would read it so."""
    if isinstance(value, list | tuple):
        return value
    raise PydanticCustomError("list", "ожидается список, указано {got}", {"got": _shown(value)})


ListOnly = BeforeValidator(_list_only)
