"""The settings form: the values it shows, the TOML document it submits, and the schema's errors
placed next to the inputs they belong to.

The document goes through the same schema and loader as the CLI's file (b24app.config), so the
page, the file and `b24app check` accept and refuse the same values with the same Russian text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b24app.config.errors import ConfigError
from b24app.config.problems import config_problems
from b24app.config.regulation import parse_app_config
from b24app.pages.client_rows import (
    ClientRow,
    RowDocument,
    row_document,
    row_of,
    submitted_row,
)
from b24app.pages.configdoc import roubles
from b24app.pages.settings_fields import all_fields, client_fields, override_fields
from b24app.pages.settings_values import shown, to_document_value
from rules.regulation import AppConfig, PackageKind

_ITEM = re.compile(r"\[\d+\]$")
_CLIENT = re.compile(r"clients\[(\d+)\](.*)")
_CONTRACT = re.compile(r"\.contracts\[(\d+)\]\.(package|start)")


# -- values shown ----------------------------------------------------------------------------
def form_values(config: AppConfig) -> dict[str, Any]:
    """key → what the input shows; `clients` → the rows."""
    values: dict[str, Any] = {}
    for section, obj in (("regulation", config.regulation), ("calendar", config.calendar)):
        for f in dataclasses.fields(obj):
            values[f"{section}.{f.name}"] = shown(getattr(obj, f.name))
    values["calendar.workdays"] = list(config.calendar.workdays)
    values["rates.regular"] = str(roubles(config.rates.regular_kopecks))
    values["rates.urgent"] = str(roubles(config.rates.urgent_kopecks))
    for kind in (PackageKind.STANDARD, PackageKind.ADVANCED):
        package = config.packages[kind]
        hours = package.included_minutes / 60
        values[f"packages.{kind.value}.hours"] = str(int(hours) if hours.is_integer() else hours)
        values[f"packages.{kind.value}.hour_rate"] = str(roubles(package.hour_rate_kopecks))
        values[f"packages.{kind.value}.price"] = str(roubles(package.monthly_price_kopecks))
    values["integrator_ids"] = list(config.integrator_ids)
    values["supervisor_ids"] = list(config.supervisor_ids)
    values["shadow_mode"] = config.shadow_mode
    values["clients"] = [(str(i), row_of(c)) for i, c in enumerate(config.clients)]
    return values


def submitted_values(form: Any) -> dict[str, Any]:
    """The values as typed (form: a MultiDict), to show them again next to their errors."""
    values: dict[str, Any] = {}
    for f in all_fields():
        if f.widget == "bool":
            values[f.key] = f.key in form
        elif f.widget in ("weekdays", "users"):
            values[f.key] = [int(v) for v in form.getlist(f.key) if v.strip().isdigit()]
        else:
            values[f.key] = form.get(f.key, "")
    numbers = [n for n in form.getlist("client_row") if n.isdigit()]
    values["clients"] = [(n, submitted_row(form, n)) for n in dict.fromkeys(numbers)]
    return values


def people_shown(values: Mapping[str, Any]) -> set[int]:
    """Every user id the form shows, to look their names up."""
    ids = {*values.get("integrator_ids", ()), *values.get("supervisor_ids", ())}
    for _, row in values.get("clients", ()):
        ids.update(row.people())
    return ids


def groups_shown(values: Mapping[str, Any]) -> set[int]:
    """Every workgroup id the client rows show, to look their names up."""
    return {g for _, row in values.get("clients", ()) for g in row.groups()}


# -- the submitted document -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Submitted:
    """The document built from the form, and where each client row went in it."""

    document: dict[str, Any]
    rows: tuple[tuple[str, RowDocument], ...]


def document_from_values(values: Mapping[str, Any]) -> Submitted:
    doc: dict[str, Any] = {}
    for f in all_fields():
        raw = values.get(f.key)
        if f.widget in ("int", "money", "hours") and not str(raw or "").strip():
            continue  # an emptied number keeps the regulation's default
        *path, last = f.key.split(".")
        table = doc
        for part in path:
            table = table.setdefault(part, {})
        table[last] = to_document_value(f.widget, raw)
    rows = tuple((n, row_document(row)) for n, row in values.get("clients", ()))
    if rows:
        doc["clients"] = [r.table for _, r in rows]
    return Submitted(doc, rows)


def validate(values: Mapping[str, Any]) -> tuple[AppConfig | None, dict[str, str]]:
    """The form through the schema and the checks of values that contradict each other:
    the config, or the errors keyed by the form's inputs (nothing is saved then)."""
    submitted = document_from_values(values)
    errors = {
        f"clients.{n}": "служебные данные строки повреждены: удалите её и добавьте заново"
        for n, r in submitted.rows
        if r.broken_kept
    }
    try:
        config = parse_app_config(submitted.document, check=False)
    except ConfigError as exc:
        return None, errors | _placed(exc.errors, submitted)
    errors |= _placed(config_problems(config), submitted)
    return (None, errors) if errors else (config, {})


def _placed(errors: Mapping[str, str], submitted: Submitted) -> dict[str, str]:
    placed: dict[str, str] = {}
    for path, text in errors.items():
        placed.setdefault(form_key(path, submitted), text)
    return placed


def form_key(path: str, submitted: Submitted) -> str:
    """The schema's path of a wrong value → the input that shows it."""
    match = _CLIENT.fullmatch(path)
    if match is None:
        while _ITEM.search(path):
            path = _ITEM.sub("", path)
        return path
    index, rest = int(match.group(1)), match.group(2)
    if index >= len(submitted.rows):
        return "clients"
    number, row = submitted.rows[index]
    contract = _CONTRACT.match(rest)
    if contract:
        edited = int(contract.group(1)) == row.edited_contract
        return f"clients.{number}.{contract.group(2)}" if edited else f"clients.{number}"
    if rest.startswith(".overrides."):
        return f"clients.{number}{rest}"
    name = _ITEM.sub("", rest.split(".")[1]) if rest.count(".") >= 1 else ""
    if name in ("name", "group_ids", "user_ids", "responsible_ids"):
        return f"clients.{number}.{name}"
    return f"clients.{number}"


def error_labels(errors: Mapping[str, str], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what is wrong in words, message) for the list at the top of the page."""
    labels = {f.key: f.label for f in all_fields()}
    rows = dict(values.get("clients", ()))
    out = []
    for key, text in errors.items():
        label = labels.get(key)
        if label is None and key.startswith("clients."):
            label = _client_label(key, rows)
        out.append((label or "Настройки", text))
    return out


def _client_label(key: str, rows: Mapping[str, ClientRow]) -> str:
    parts = key.split(".")
    row = rows.get(parts[1]) if len(parts) > 1 else None
    who = f"Клиент «{row.name}»" if row and row.name.strip() else "Клиент без названия"
    if len(parts) == 2:
        return who
    if parts[2] == "overrides" and len(parts) > 3:
        field = override_fields().get(parts[3])
        return f"{who}: {field.label if field else parts[3]}"
    field = client_fields().get(parts[2])
    return f"{who}: {field.label if field else parts[2]}"
