"""The regulation file's general tables as a schema ([regulation], [calendar], [rates],
[packages]), each value with the Russian label and help line the settings page shows.

Every key is optional; a missing key keeps the regulation's default (rules.regulation). The
models only validate and type the document; b24app.config.regulation turns them into the rules'
dataclasses.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from b24app.config.labels import PACKAGE_LABELS, RESPONSIBLE_CHECK_LABELS
from b24app.config.types import (
    Count,
    Day,
    Flag,
    Id,
    ListOnly,
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


def described(
    title: str, help_line: str, widget: str = "", labels: dict[str, str] | None = None
) -> Any:
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

    rounding_unit_minutes: Positive | None = described(
        "Единица учёта, мин (п. 3.1)", "Оценки и трудозатраты округляются вверх до этого шага."
    )
    auto_accept_max_minutes: Count | None = described(
        "Оценка без согласования, до мин (п. 3.5)",
        "Оценку не больше этой приложение принимает сразу и запускает задачу.",
    )
    estimate_sla_working_minutes: Positive | None = described(
        "Срок оценки, рабочих мин (п. 4.1)",
        "За сколько рабочего времени интегратор оценивает задачу.",
    )
    reaction_sla_hours: Positive | None = described(
        "Срок ответа клиенту, рабочих часов (п. 1.2)",
        "Клиенту с договором отвечают в пределах этого времени (считаются рабочие дни).",
    )
    sla_reminder_percent: Percent | None = described(
        "Напоминание о сроке, % (п. 4.1)",
        "Когда пройдёт столько процентов срока, придёт напоминание.",
    )
    warranty_days: Count | None = described(
        "Гарантийный срок, календарных дней (п. 3.2)",
        "Сколько дней после сдачи замечание клиента исправляется бесплатно.",
    )
    overrun_warning_percent: Percent | None = described(
        "Предупреждение о трудозатратах, % (п. 3.3)",
        "Интегратор получает предупреждение, когда потрачено столько процентов оценки.",
    )
    title_min_length: Count | None = described(
        "Название задачи не короче, символов (п. 2.1)",
        "Более короткое название — задача не принимается.",
    )
    title_max_length: Count | None = described(
        "Название задачи не длиннее, символов (п. 2.1)",
        "Более длинное название — задача не принимается.",
    )
    generic_titles: Lines | None = described(
        "Неинформативные названия (п. 2.1)",
        "Задача с таким названием возвращается клиенту. По одному в строке.",
        "lines",
    )
    description_min_length: Count | None = described(
        "Описание не короче, символов (п. 2.1)", "Более короткое описание — задача не принимается."
    )
    crm_keywords: Lines | None = described(
        "Признаки вопроса по CRM (п. 2.2)",
        "Если в тексте есть эти слова, задача должна ссылаться на запись CRM. По одному в строке.",
        "lines",
    )
    responsible_check: ResponsibleChoice | None = described(
        "Задача не от ответственного (п. 1.5)",
        "Что делать, когда задачу ставит сотрудник клиента, а не его ответственный.",
        "choice",
        labels=RESPONSIBLE_CHECK_LABELS,
    )
    approval_from_responsible_only: Flag | None = described(
        "Согласует только ответственный (п. 4.2)",
        "«Согласовано» от других сотрудников клиента не запускает работу.",
    )
    create_task_for_late_comment: Flag | None = described(
        "Новая задача по позднему замечанию (п. 3.2)",
        "Замечание после гарантийного срока становится новой задачей.",
    )
    done_statuses: Counts | None = described(
        "Статусы «Работа выполнена» (п. 5.1)",
        "Номера статусов задачи Битрикс24: 4 — ждёт контроля, 5 — завершена.",
        "numbers",
    )
    done_stage_ids: Counts | None = described(
        "Стадии канбана «Работа выполнена» (п. 5.1)",
        "Номера стадий канбана, которые тоже означают сдачу работы. Можно оставить пустым.",
        "numbers",
    )
    urgent_tag: Text | None = described(
        "Тег срочной задачи (п. 6.2.2)", "Задача с этим тегом оплачивается по срочному тарифу."
    )
    urgent_priority: Count | None = described(
        "Приоритет срочной задачи (п. 6.2.2)",
        "Задача с этим приоритетом Битрикс24 (2 — высокий) тоже срочная.",
    )
    complete_task_on_warranty_end: Flag | None = described(
        "Завершать задачу после гарантии (п. 3.2)",
        "Когда гарантийный срок истёк, задача на портале тоже завершается.",
    )
    breach_comment: Flag | None = described(
        "Комментарий при нарушении срока", "Кроме уведомления, написать о нарушении срока в задаче."
    )
    set_deadline_from_term: Flag | None = described(
        "Крайний срок из оценки (п. 4.3)",
        "Срок выполнения из оценки ставится крайним сроком задачи.",
    )
    working_day_minutes: Positive | None = described(
        "Длина рабочего дня в оценке, мин",
        "Сколько минут считать за «1 день» и «полдня», когда так написана оценка.",
    )
    bill_unapproved_overrun: Flag | None = described(
        "Оплата сверх несогласованной оценки (п. 3.3)",
        "Время сверх оценки, которую клиент ещё не согласовал, включается в счёт.",
    )


class CalendarTable(Table):
    """[calendar]: working time."""

    timezone: TimeZone | None = described(
        "Часовой пояс",
        "Название пояса, как в базе часовых поясов: `Europe/Moscow` — Москва, "
        "`Asia/Yekaterinburg` — Екатеринбург.",
    )
    workdays: Weekdays | None = described(
        "Рабочие дни недели", "Дни, в которые идут рабочие сроки.", "weekdays"
    )
    day_start: TimeOfDay | None = described("Начало рабочего дня", "Время вида 09:00.", "time")
    day_end: TimeOfDay | None = described("Конец рабочего дня", "Время вида 18:00.", "time")
    days_off: Days | None = described(
        "Дополнительные выходные",
        "Дни компании сверх праздников РФ. По дате в строке: 2026-12-31.",
        "dates",
    )
    working_days: Days | None = described(
        "Дополнительные рабочие дни", "Рабочие субботы и воскресенья. По дате в строке.", "dates"
    )
    use_public_holidays: Flag | None = described(
        "Праздники РФ и переносы", "Учитывать государственные праздники и перенесённые выходные."
    )
    shortened_pre_holiday_minutes: Count | None = described(
        "Сокращение предпраздничного дня, мин",
        "На сколько раньше заканчивается день перед праздником.",
    )


class RatesTable(Table):
    """[rates]: п. 6.2, roubles per hour."""

    regular: Roubles | None = described(
        "Вне пакета, ₽/ч (п. 6.2.1)", "Цена часа для клиентов без пакета и сверх пакета.", "money"
    )
    urgent: Roubles | None = described(
        "Срочно, ₽/ч (п. 6.2.2)", "Цена часа срочной задачи.", "money"
    )


class PackageTable(Table):
    """[packages.<kind>]: п. 6.1."""

    hours: Roubles | None = described(
        "Часов в месяц", "Сколько часов работы входит в пакет.", "hours"
    )
    hour_rate: Roubles | None = described(
        "Цена часа сверх пакета, ₽", "Часы сверх пакета оплачиваются по этой цене.", "money"
    )
    price: Roubles | None = described(
        "Цена пакета в месяц, ₽", "Ежемесячная плата за пакет.", "money"
    )


class PackagesTable(Table):
    """[packages]: the two paid packages (none has no table)."""

    standard: PackageTable | None = None
    advanced: PackageTable | None = None
