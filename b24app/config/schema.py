"""The regulation TOML file as a schema: one model per table, with the Russian label and help line
that the settings page shows (its form is rendered from `document_schema()`).

Every key is optional; a missing key keeps the regulation's default (rules.regulation). The
models only validate and type the document; b24app.config.regulation turns them into the rules'
dataclasses.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from b24app.config.labels import PACKAGE_LABELS, RESPONSIBLE_CHECK_LABELS
from b24app.config.types import (
    Count,
    Day,
    Flag,
    Id,
    ListOnly,
    Name,
    Percent,
    Positive,
    Roubles,
    Text,
    TimeOfDay,
    TimeZone,
    Weekday,
    choice,
)
from rules.regulation import PackageKind, ResponsibleCheck

ResponsibleChoice = Annotated[ResponsibleCheck, choice(ResponsibleCheck, RESPONSIBLE_CHECK_LABELS)]
PackageChoice = Annotated[PackageKind, choice(PackageKind, PACKAGE_LABELS)]
Ids = Annotated[tuple[Id, ...], ListOnly]
Lines = Annotated[tuple[Text, ...], ListOnly]
Counts = Annotated[tuple[Count, ...], ListOnly]
Days = Annotated[tuple[Day, ...], ListOnly]
Weekdays = Annotated[tuple[Weekday, ...], ListOnly, Field(min_length=1)]


def _f(title: str, help_line: str, widget: str = "", labels: dict[str, str] | None = None) -> Any:
    """A field with its Russian label and help line; `widget` tells the page how to edit it and
    `labels` names the choices of an enumeration."""
    extra: dict[str, Any] = {"x-widget": widget} if widget else {}
    if labels:
        extra["x-labels"] = labels
    return Field(default=None, title=title, description=help_line, json_schema_extra=extra)


class Table(BaseModel):
    """A TOML table: unknown keys are errors that name the key."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RegulationTable(Table):
    """[regulation]: every number of the regulation (REGULATION.md)."""

    rounding_unit_minutes: Positive | None = _f(
        "Единица учёта, мин (п. 3.1)", "Оценки и трудозатраты округляются вверх до этого шага."
    )
    auto_accept_max_minutes: Count | None = _f(
        "Оценка без согласования, до мин (п. 3.5)",
        "Оценку не больше этой приложение принимает сразу и запускает задачу.",
    )
    estimate_sla_working_minutes: Positive | None = _f(
        "Срок оценки, рабочих мин (п. 4.1)",
        "За сколько рабочего времени интегратор оценивает задачу.",
    )
    reaction_sla_hours: Positive | None = _f(
        "Срок ответа клиенту, рабочих часов (п. 1.2)",
        "Клиенту с договором отвечают в пределах этого времени (считаются рабочие дни).",
    )
    sla_reminder_percent: Percent | None = _f(
        "Напоминание о сроке, % (п. 4.1)",
        "Когда пройдёт столько процентов срока, придёт напоминание.",
    )
    warranty_days: Count | None = _f(
        "Гарантийный срок, календарных дней (п. 3.2)",
        "Сколько дней после сдачи замечание клиента исправляется бесплатно.",
    )
    overrun_warning_percent: Percent | None = _f(
        "Предупреждение о трудозатратах, % (п. 3.3)",
        "Интегратор получает предупреждение, когда потрачено столько процентов оценки.",
    )
    title_min_length: Count | None = _f(
        "Название задачи не короче, символов (п. 2.1)",
        "Более короткое название — задача не принимается.",
    )
    title_max_length: Count | None = _f(
        "Название задачи не длиннее, символов (п. 2.1)",
        "Более длинное название — задача не принимается.",
    )
    generic_titles: Lines | None = _f(
        "Неинформативные названия (п. 2.1)",
        "Задача с таким названием возвращается клиенту. По одному в строке.",
        "lines",
    )
    description_min_length: Count | None = _f(
        "Описание не короче, символов (п. 2.1)", "Более короткое описание — задача не принимается."
    )
    crm_keywords: Lines | None = _f(
        "Признаки вопроса по CRM (п. 2.2)",
        "Если в тексте есть эти слова, задача должна ссылаться на запись CRM. По одному в строке.",
        "lines",
    )
    responsible_check: ResponsibleChoice | None = _f(
        "Задача не от ответственного (п. 1.5)",
        "Что делать, когда задачу ставит сотрудник клиента, а не его ответственный.",
        "choice",
        labels=RESPONSIBLE_CHECK_LABELS,
    )
    approval_from_responsible_only: Flag | None = _f(
        "Согласует только ответственный (п. 4.2)",
        "«Согласовано» от других сотрудников клиента не запускает работу.",
    )
    create_task_for_late_comment: Flag | None = _f(
        "Новая задача по позднему замечанию (п. 3.2)",
        "Замечание после гарантийного срока становится новой задачей.",
    )
    done_statuses: Counts | None = _f(
        "Статусы «Работа выполнена» (п. 5.1)",
        "Номера статусов задачи Битрикс24: 4 — ждёт контроля, 5 — завершена.",
        "numbers",
    )
    done_stage_ids: Counts | None = _f(
        "Стадии канбана «Работа выполнена» (п. 5.1)",
        "Номера стадий канбана, которые тоже означают сдачу работы. Можно оставить пустым.",
        "numbers",
    )
    urgent_tag: Text | None = _f(
        "Тег срочной задачи (п. 6.2.2)", "Задача с этим тегом оплачивается по срочному тарифу."
    )
    urgent_priority: Count | None = _f(
        "Приоритет срочной задачи (п. 6.2.2)",
        "Задача с этим приоритетом Битрикс24 (2 — высокий) тоже срочная.",
    )
    complete_task_on_warranty_end: Flag | None = _f(
        "Завершать задачу после гарантии (п. 3.2)",
        "Когда гарантийный срок истёк, задача на портале тоже завершается.",
    )
    breach_comment: Flag | None = _f(
        "Комментарий при нарушении срока", "Кроме уведомления, написать о нарушении срока в задаче."
    )
    set_deadline_from_term: Flag | None = _f(
        "Крайний срок из оценки (п. 4.3)",
        "Срок выполнения из оценки ставится крайним сроком задачи.",
    )
    working_day_minutes: Positive | None = _f(
        "Длина рабочего дня в оценке, мин",
        "Сколько минут считать за «1 день» и «полдня», когда так написана оценка.",
    )
    bill_unapproved_overrun: Flag | None = _f(
        "Оплата сверх несогласованной оценки (п. 3.3)",
        "Время сверх оценки, которую клиент ещё не согласовал, включается в счёт.",
    )


class CalendarTable(Table):
    """[calendar]: working time."""

    timezone: TimeZone | None = _f("Часовой пояс", "Например, Europe/Moscow.")
    workdays: Weekdays | None = _f(
        "Рабочие дни недели", "Дни, в которые идут рабочие сроки.", "weekdays"
    )
    day_start: TimeOfDay | None = _f("Начало рабочего дня", "Время вида 09:00.", "time")
    day_end: TimeOfDay | None = _f("Конец рабочего дня", "Время вида 18:00.", "time")
    days_off: Days | None = _f(
        "Дополнительные выходные",
        "Дни компании сверх праздников РФ. По дате в строке: 2026-12-31.",
        "dates",
    )
    working_days: Days | None = _f(
        "Дополнительные рабочие дни", "Рабочие субботы и воскресенья. По дате в строке.", "dates"
    )
    use_public_holidays: Flag | None = _f(
        "Праздники РФ и переносы", "Учитывать государственные праздники и перенесённые выходные."
    )
    shortened_pre_holiday_minutes: Count | None = _f(
        "Сокращение предпраздничного дня, мин",
        "На сколько раньше заканчивается день перед праздником.",
    )


class RatesTable(Table):
    """[rates]: п. 6.2, roubles per hour."""

    regular: Roubles | None = _f(
        "Вне пакета, ₽/ч (п. 6.2.1)", "Цена часа для клиентов без пакета и сверх пакета.", "money"
    )
    urgent: Roubles | None = _f("Срочно, ₽/ч (п. 6.2.2)", "Цена часа срочной задачи.", "money")


class PackageTable(Table):
    """[packages.<kind>]: п. 6.1."""

    hours: Roubles | None = _f("Часов в месяц", "Сколько часов работы входит в пакет.", "hours")
    hour_rate: Roubles | None = _f(
        "Цена часа сверх пакета, ₽", "Часы сверх пакета оплачиваются по этой цене.", "money"
    )
    price: Roubles | None = _f("Цена пакета в месяц, ₽", "Ежемесячная плата за пакет.", "money")


class PackagesTable(Table):
    """[packages]: the two paid packages (none has no table)."""

    standard: PackageTable | None = None
    advanced: PackageTable | None = None


class ContractTable(Table):
    """A contract period: the package from a date on."""

    package: PackageChoice | None = _f(
        "Пакет (п. 6.1)", "Пакет часов по договору.", "choice", labels=PACKAGE_LABELS
    )
    start: Day | None = _f("С даты", "С какого дня действует пакет.", "date")


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
    group_ids: Ids | None = _f("Рабочие группы", "Задачи этих групп — задачи компании.", "numbers")
    user_ids: Ids | None = _f(
        "Сотрудники клиента", "Задачи от этих пользователей — задачи компании.", "users"
    )
    responsible_ids: Ids | None = _f(
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


class DocumentSchema(Table):
    """The whole regulation file."""

    regulation: RegulationTable | None = None
    calendar: CalendarTable | None = None
    rates: RatesTable | None = None
    packages: PackagesTable | None = None
    clients: Annotated[tuple[ClientTable, ...], ListOnly] | None = None
    integrator_ids: Ids | None = _f(
        "Интеграторы",
        "Пользователи, которых приложение считает интеграторами, кроме сотрудников.",
        "users",
    )
    supervisor_ids: Ids | None = _f(
        "Руководители", "Получают уведомления о нарушениях сроков (п. 4.1, 1.2).", "users"
    )
    shadow_mode: Flag | None = _f(
        "Теневой режим", "Решения только записываются в журнал, портал не меняется."
    )


def document_schema() -> dict[str, Any]:
    """The JSON schema of the file: labels, help lines, limits and choices for the settings page."""
    return DocumentSchema.model_json_schema()
