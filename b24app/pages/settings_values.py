"""One value of the settings form: how a config value is shown in its input, and how the text
typed becomes a value of the TOML document (the schema then checks it)."""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import Any

_YES = {"да", "true", "1", "on", "yes"}
_NO = {"нет", "false", "0", "off", "no"}


def shown(value: Any) -> Any:
    """What an input shows for a config value: text, a bool for checkboxes."""
    if isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        joiner = "\n" if value and isinstance(value[0], str | date) else ", "
        return joiner.join(v.isoformat() if isinstance(v, date) else str(v) for v in value)
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return str(value)


def number(text: str) -> Any:
    """«1 500,5» → 1500.5; anything else stays text, so the schema says what is wrong with it."""
    cleaned = text.strip().replace(",", ".").replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"-?\d+", cleaned):
        return int(cleaned)
    if re.fullmatch(r"-?\d+\.\d+", cleaned):
        return float(cleaned)
    return text.strip()


def _flag(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    return text.strip()


def to_document_value(widget: str, raw: Any) -> Any:
    """The submitted input → the TOML value (a list for the list inputs)."""
    if widget == "bool":
        return _flag(raw) if isinstance(raw, str) else bool(raw)
    if widget in ("weekdays", "users"):
        return [int(v) for v in raw or [] if str(v).strip().isdigit()]
    text = str(raw or "")
    if widget in ("int", "money", "hours"):
        return number(text)
    if widget == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if widget == "numbers":
        return [number(part) for part in re.split(r"[,;\s]+", text) if part]
    if widget == "dates":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text.strip()
