"""The `[[clients]]` tables of the regulation file as a schema: a client company, its contract
periods, departments, chat option and its own regulation numbers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, create_model, model_validator

from b24app.config.labels import PACKAGE_LABELS
from b24app.config.schema_tables import (
    Ids,
    PackageChoice,
    RegulationTable,
    Table,
    described,
)
from b24app.config.types import Count, Day, Flag, Id, ListOnly, Name, Roubles, Text


class ContractTable(Table):
    """A contract period: the package from a date on."""

    package: PackageChoice | None = described(
        "Пакет (п. 6.1)", "Пакет часов по договору.", "choice", labels=PACKAGE_LABELS
    )
    start: Day | None = described("С даты", "С какого дня действует пакет.", "date")


class DepartmentTable(Table):
    """п. 1.5: an autonomous department with its own responsible."""

    name: Text | None = None
    responsible_id: Id
    user_ids: Ids | None = None


class ChatTable(Table):
    """п. 1.6: the open-line chat option."""

    enabled: Flag | None = None
    users: Count | None = None
    tiers: Annotated[tuple[tuple[Count, Roubles], ...], ListOnly] | None = None


def _overrides_model() -> type[Table]:
    """Any [regulation] key, for one client: the same types and limits, every key optional."""
    fields: dict[str, Any] = {
        name: (
            info.annotation,
            Field(
                default=None,
                title=info.title,
                description=info.description,
                json_schema_extra=info.json_schema_extra,
            ),
        )
        for name, info in RegulationTable.model_fields.items()
    }
    return create_model("RegulationOverrides", __base__=Table, **fields)


RegulationOverrides = _overrides_model()


class ClientTable(Table):
    """[[clients]]: a client company."""

    name: Name = Field(title="Компания", description="Название клиента, как в счёте.")
    start: Day | None = None  # the start of `package` (folded into contracts)
    group_ids: Ids | None = described(
        "Рабочие группы",
        "Задачи этих групп — задачи компании. Группа выбирается по названию; "
        "рядом — её номер из адреса `/workgroups/group/12/`.",
        "groups",
    )
    user_ids: Ids | None = described(
        "Сотрудники клиента", "Задачи от этих пользователей — задачи компании.", "users"
    )
    responsible_ids: Ids | None = described(
        "Ответственный (п. 1.5)", "Единственный, кто ставит задачи от компании.", "users"
    )
    integrator_ids: Ids | None = None
    contracts: Annotated[tuple[ContractTable, ...], ListOnly] | None = None
    departments: Annotated[tuple[DepartmentTable, ...], ListOnly] | None = None
    chat: ChatTable | None = None
    overrides: RegulationOverrides | None = None  # type: ignore[valid-type]

    @model_validator(mode="before")
    @classmethod
    def _fold_package(cls, data: Any) -> Any:
        """`package` + `start` is the first contract period (the short form of `contracts`)."""
        if not isinstance(data, dict) or "package" not in data:
            return data
        data = dict(data)
        first = {"package": data.pop("package")} | (
            {"start": data.pop("start")} if "start" in data else {}
        )
        rest = data.get("contracts", [])
        data["contracts"] = [first, *rest] if isinstance(rest, list) else rest
        return data
