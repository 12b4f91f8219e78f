"""The settings page's inputs, read from the config's JSON schema: label, help line, how to edit
each value, its limits and its choices by their Russian names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from b24app.config.schema import document_schema

WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


@dataclass(frozen=True, slots=True)
class Field:
    """One input: its key in the file, Russian label and help line, and how it is edited.

    widget: int | money | hours | bool | text | lines | numbers | choice | weekdays | time |
    dates | date | users.
    """

    key: str
    label: str
    help: str
    widget: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, Russian name)
    minimum: int | None = None
    maximum: int | None = None


def _variant(prop: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of `X | None`."""
    for option in prop.get("anyOf", ()):
        if option.get("type") != "null":
            return dict(option)
    return prop


def _widget(prop: dict[str, Any], inner: dict[str, Any]) -> str:
    if prop.get("x-widget"):
        return str(prop["x-widget"])
    kind = inner.get("type")
    if kind == "boolean":
        return "bool"
    if kind == "integer":
        return "int"
    return "text"


def field_of(key: str, prop: dict[str, Any]) -> Field:
    """One schema property as an input."""
    inner = _variant(prop)
    labels: dict[str, str] = prop.get("x-labels") or {}
    return Field(
        key=key,
        label=str(prop.get("title", key)),
        help=str(prop.get("description", "")),
        widget=_widget(prop, inner),
        choices=tuple(labels.items()),
        minimum=inner.get("minimum"),
        maximum=inner.get("maximum"),
    )


def table_fields(definition: str, prefix: str) -> tuple[Field, ...]:
    """Every property of one table of the schema (`$defs/<definition>`)."""
    props = document_schema()["$defs"][definition]["properties"]
    return tuple(field_of(f"{prefix}{name}", prop) for name, prop in props.items())


def _ordered_choices(field: Field, order: tuple[str, ...]) -> Field:
    labels = dict(field.choices)
    choices = tuple((value, labels[value]) for value in order if value in labels)
    return Field(field.key, field.label, field.help, field.widget, choices)


@cache
def sections() -> tuple[tuple[str, str, tuple[Field, ...]], ...]:
    """(id, Russian title, fields) of the page's general sections, in the file's order."""
    top = document_schema()["properties"]
    regulation = tuple(
        _ordered_choices(f, ("warn", "reject", "off")) if f.widget == "choice" else f
        for f in table_fields("RegulationTable", "regulation.")
    )
    money = table_fields("RatesTable", "rates.")
    for kind, name in (("standard", "Стандарт"), ("advanced", "Продвинутый")):
        money += tuple(
            Field(f.key, f"{name}: {f.label[0].lower()}{f.label[1:]}", f.help, f.widget)
            for f in table_fields("PackageTable", f"packages.{kind}.")
        )
    people = tuple(field_of(k, top[k]) for k in ("integrator_ids", "supervisor_ids", "shadow_mode"))
    return (
        ("regulation", "Регламент", regulation),
        ("calendar", "Рабочее время", table_fields("CalendarTable", "calendar.")),
        ("money", "Пакеты и тарифы", money),
        ("people", "Люди и режим", people),
    )


def all_fields() -> tuple[Field, ...]:
    return tuple(f for _, _, fields in sections() for f in fields)


@cache
def override_fields() -> dict[str, Field]:
    """A client's own regulation numbers: name → input (the same types as [regulation])."""
    fields = table_fields("RegulationOverrides", "")
    return {f.key: f for f in fields}


@cache
def client_fields() -> dict[str, Field]:
    """The inputs of a client company's row."""
    found = {f.key: f for f in table_fields("ClientTable", "")}
    contract = {f.key: f for f in table_fields("ContractTable", "")}
    package = contract["package"]
    return found | {
        "package": _ordered_choices(package, ("standard", "advanced")),
        "start": contract["start"],
        "contract": Field(
            "contract",
            "Договор",
            "С договором клиенту отвечают в срок (п. 1.2) и работают по пакету.",
            "bool",
        ),
    }
