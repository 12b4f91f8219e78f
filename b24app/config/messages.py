"""Russian messages for schema errors and unreadable TOML, keyed by the path of the wrong value."""

from __future__ import annotations

import difflib
import re
import tomllib
from typing import Any

from pydantic import BaseModel, ValidationError

_TEMPLATES = {
    "missing": "обязательное поле",
    "model_type": "ожидается таблица, указано {got}",
    "dict_type": "ожидается таблица, указано {got}",
    "list_type": "ожидается список, указано {got}",
    "tuple_type": "ожидается список, указано {got}",
    "too_short": "выберите хотя бы одно значение",
    "too_long": "слишком много значений",
    "greater_than_equal": "должно быть не меньше {ge}, указано {got}",
    "less_than_equal": "должно быть не больше {le}, указано {got}",
    "greater_than": "должно быть больше {gt}, указано {got}",
    "string_type": "ожидается текст, указано {got}",
    "int_type": "ожидается целое число, указано {got}",
    "int_parsing": "ожидается целое число, указано {got}",
    "float_type": "ожидается число, указано {got}",
    "float_parsing": "ожидается число, указано {got}",
    "bool_type": "ожидается да или нет, указано {got}",
    "bool_parsing": "ожидается да или нет (on/off), указано {got}",
    "url_parsing": "ожидается адрес вида https://…, указано {got}",
}


def shown(value: Any) -> str:
    return f"«{value}»" if isinstance(value, str) else repr(value)


def key_path(loc: tuple[int | str, ...]) -> str:
    """('clients', 0, 'name') → 'clients[0].name'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def schema_errors(exc: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    """Each wrong value's path → its Russian message (the first message per path)."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path = key_path(error["loc"])
        errors.setdefault(path, _message(error, model))
    return errors


def _message(error: Any, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        known = sorted(_known_keys(model, error["loc"][:-1]))
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
        hint = f"может быть, {close[0]}? " if close else ""
        return f"неизвестный ключ; {hint}допустимые ключи: {', '.join(known)}"
    template = _TEMPLATES.get(kind)
    if template is None:
        return str(error["msg"])  # a custom error's message is Russian already
    return template.format(got=shown(error.get("input")), **error.get("ctx", {}))


def _known_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at `loc` may have."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if _is_model(current) else None
        current = _inner_model(info.annotation) if info else None
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X | None`, `tuple[X, ...]` or `Annotated[...]`."""
    if _is_model(annotation):
        return annotation  # type: ignore[no-any-return]
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


_TOML_PHRASES = (
    ("Unclosed array", "не закрыт список «]»"),
    ("Unclosed inline table", "не закрыта таблица «}»"),
    ("Unterminated string", "не закрыта строка (кавычка)"),
    ("Expected '=' after a key", "после ключа ожидается «=»"),
    ("Invalid value", "непонятное значение"),
    ("Invalid statement", "непонятная строка"),
    ("Cannot overwrite a value", "ключ задан дважды"),
    ("Cannot declare", "таблица объявлена дважды"),
    ("Expected ']' at the end of a table declaration", "не закрыто название таблицы «]»"),
    ("Expected ']]' at the end of an array declaration", "не закрыто название «]]»"),
    ("Invalid initial character for a key part", "ключ начинается с недопустимого символа"),
    ("Expected newline or end of document", "после значения ожидается конец строки"),
    ("Illegal character", "недопустимый символ"),
    ("Invalid date or datetime", "неверная дата"),
    ("Invalid hex value", "неверный код символа"),
)
_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def toml_error(exc: tomllib.TOMLDecodeError, document: str) -> str:
    """«Файл настроек не читается: строка 3, столбец 5 — не закрыт список «]»»."""
    text = str(exc)
    reason = next((ru for en, ru in _TOML_PHRASES if text.startswith(en)), "ошибка в записи TOML")
    match = _POSITION.search(text)
    if match and match.group(1):
        where = f"строка {match.group(1)}, столбец {match.group(2)}"
    else:  # the parser ran out of text: the last line that has any is where it broke
        lines = document.rstrip().splitlines()
        where = f"строка {len(lines) or 1} (конец файла)"
    return f"Файл настроек не читается: {where} — {reason}"
