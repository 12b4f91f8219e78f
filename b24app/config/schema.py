"""The regulation TOML file as one schema (pydantic): the settings page renders its form from
`document_schema()`, and the CLI's loader and the page validate with `DocumentSchema`.

Every key is optional; a missing key keeps the regulation's default (rules.regulation). The
models only validate and type the document; b24app.config.regulation turns them into the rules'
dataclasses.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Annotated, Any

from b24app.config.schema_clients import ClientTable
from b24app.config.schema_tables import (
    CalendarTable,
    Ids,
    PackagesTable,
    RatesTable,
    RegulationTable,
    Table,
    described,
)
from b24app.config.types import Flag, ListOnly

__all__ = ["DocumentSchema", "RegulationTable", "document_schema"]


class DocumentSchema(Table):
    """The whole regulation file."""

    regulation: RegulationTable | None = None
    calendar: CalendarTable | None = None
    rates: RatesTable | None = None
    packages: PackagesTable | None = None
    clients: Annotated[tuple[ClientTable, ...], ListOnly] | None = None
    integrator_ids: Ids | None = described(
        "Интеграторы",
        "Пользователи, которых приложение считает интеграторами, кроме сотрудников.",
        "users",
    )
    supervisor_ids: Ids | None = described(
        "Руководители", "Получают уведомления о нарушениях сроков (п. 4.1, 1.2).", "users"
    )
    shadow_mode: Flag | None = described(
        "Теневой режим", "Решения только записываются в журнал, портал не меняется."
    )


# The types validate with their own functions (for Russian messages), so pydantic leaves their
# limits under its own names; the schema says them in JSON Schema's words.
_LIMIT_WORDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}


def _standard(node: Any) -> Any:
    if isinstance(node, dict):
        return {_LIMIT_WORDS.get(k, k): _standard(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_standard(v) for v in node]
    return node


@cache
def _schema() -> dict[str, Any]:
    return _standard(DocumentSchema.model_json_schema())  # type: ignore[no-any-return]


def document_schema() -> dict[str, Any]:
    """The JSON schema of the file: labels, help lines, limits and choices for the settings page."""
    return copy.deepcopy(_schema())
