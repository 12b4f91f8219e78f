"""A client company as a row of the settings form, and back.

The row edits what an admin changes (name, workgroups, people, the current contract, the
client's own regulation numbers); the rest of the client's table (departments, the chat
option, its own integrators, earlier contract periods) travels with the row untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from b24app.config.regulation import NO_START
from b24app.pages.configdoc import client_to_document, plain
from b24app.pages.settings_fields import override_fields
from b24app.pages.settings_values import shown, to_document_value
from rules.regulation import ClientCompany, PackageKind

KEPT_KEYS = ("integrator_ids", "departments", "chat")
_GROUP_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True, slots=True)
class ClientRow:
    """What one row of «Клиенты» shows and submits."""

    name: str = ""
    group_ids: str = ""
    user_ids: tuple[int, ...] = ()
    responsible_ids: tuple[int, ...] = ()
    contract: bool = False
    package: str = PackageKind.STANDARD.value
    start: str = ""
    overrides: tuple[tuple[str, str], ...] = ()
    kept: str = "{}"  # JSON: the parts of the client the row does not edit

    def people(self) -> tuple[int, ...]:
        return (*self.user_ids, *self.responsible_ids)

    def groups(self) -> tuple[int, ...]:
        """The workgroup ids the row shows as chips (what is not a number is left to the
        schema's error, which names it)."""
        found = (g for g in _GROUP_SPLIT.split(self.group_ids) if g.isdigit())
        return tuple(dict.fromkeys(int(g) for g in found))


def row_of(client: ClientCompany) -> ClientRow:
    """The row of a configured client; it shows the last contract period."""
    doc = client_to_document(client)
    last = client.contracts[-1] if client.contracts else None
    kept = {k: doc[k] for k in KEPT_KEYS if k in doc}
    if client.contracts:
        kept["contracts"] = doc["contracts"]
    contract = last is not None and last.package is not PackageKind.NONE
    return ClientRow(
        name=client.name,
        group_ids=", ".join(str(g) for g in client.group_ids),
        user_ids=tuple(client.user_ids),
        responsible_ids=tuple(client.responsible_ids),
        contract=contract,
        package=last.package.value if last and contract else PackageKind.STANDARD.value,
        start=last.start.isoformat() if last and last.start != NO_START else "",
        overrides=tuple(
            (k, shown(v) if not isinstance(v, bool) else ("да" if v else "нет"))
            for k, v in client.overrides.items()
        ),
        kept=json.dumps(plain(kept), default=_iso, ensure_ascii=False),
    )


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def submitted_row(form: Any, number: str) -> ClientRow:
    """The row as typed (form: a MultiDict with `getlist`)."""
    key = f"clients.{number}."
    keys = form.getlist(key + "override_key")
    values = form.getlist(key + "override_value")
    return ClientRow(
        name=form.get(key + "name", ""),
        # the picker's chips submit one id each; an old form typed them in one field
        group_ids=", ".join(v.strip() for v in form.getlist(key + "group_ids") if v.strip()),
        user_ids=_ids(form.getlist(key + "user_ids")),
        responsible_ids=_ids(form.getlist(key + "responsible_ids")),
        contract=bool(form.get(key + "contract")),
        package=form.get(key + "package", PackageKind.STANDARD.value),
        start=form.get(key + "start", "").strip(),
        overrides=tuple((k, v) for k, v in zip(keys, values, strict=False) if k),
        kept=form.get(key + "kept", "{}"),
    )


def _ids(raw: list[str]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(int(v) for v in raw if v.strip().isdigit()))


@dataclass(frozen=True, slots=True)
class RowDocument:
    """A row's `[[clients]]` table, and which contract period the row's fields are."""

    table: dict[str, Any]
    edited_contract: int | None
    broken_kept: bool = False


def row_document(row: ClientRow) -> RowDocument:
    """The `[[clients]]` table the row stands for (validated by the schema afterwards)."""
    try:
        kept = json.loads(row.kept or "{}")
        broken = not isinstance(kept, dict)
    except ValueError:
        kept, broken = {}, True
    kept = kept if isinstance(kept, dict) else {}
    table: dict[str, Any] = {"name": row.name}
    if row.group_ids.strip():
        table["group_ids"] = to_document_value("numbers", row.group_ids)
    for name in ("user_ids", "responsible_ids"):
        if getattr(row, name):
            table[name] = list(getattr(row, name))
    table |= {k: kept[k] for k in KEPT_KEYS if k in kept}
    earlier = _earlier_periods(list(kept.get("contracts") or []), row.start)
    current = _current_contract(row)
    table["contracts"] = earlier + ([current] if current else [])
    if row.overrides:
        fields = override_fields()
        table["overrides"] = {
            k: to_document_value(fields[k].widget, v) if k in fields else v
            for k, v in row.overrides
        }
    return RowDocument(table, len(earlier) if current else None, broken)


def _earlier_periods(periods: list[Any], start: str) -> list[Any]:
    """The periods before the one the row edits: the row's date is the last period's (or both
    have none) → that period is edited; a new date starts a new period after it (п. 6.1)."""
    if not periods:
        return []
    last = periods[-1]
    last_start = str(last.get("start", "")) if isinstance(last, dict) else ""
    if last_start in (start, NO_START.isoformat() if not start else ""):
        return periods[:-1]
    return periods


def _current_contract(row: ClientRow) -> dict[str, Any] | None:
    """With a contract: its package from the date; without one from a date: no package."""
    period: dict[str, Any] = {"package": row.package if row.contract else PackageKind.NONE.value}
    if row.start:
        period["start"] = row.start
    elif not row.contract:
        return None
    return period


def row_errors(errors: Mapping[str, str], number: str) -> dict[str, str]:
    """The errors of this row's fields (already keyed `clients.<number>.…`)."""
    prefix = f"clients.{number}"
    return {k: v for k, v in errors.items() if k == prefix or k.startswith(prefix + ".")}
