"""The settings form: its fields, the values it shows, and the TOML document it submits.

Every value goes through the CLI's own loader (`parse_app_config`), field by field so that each
bad value is reported with its key, then as a whole; a few checks the loader leaves to the rules
(a zero rounding unit, a day that ends before it starts) are added here.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from b24app.config.errors import ConfigError
from b24app.config.problems import config_problems
from b24app.config.regulation import parse_app_config
from b24app.pages.configdoc import clients_text, roubles
from handlers import messages
from rules.regulation import AppConfig, PackageKind, RegulationConfig
from rules.validation import Violation

WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


@dataclass(frozen=True, slots=True)
class Field:
    """One input: its TOML key, Russian label and input kind."""

    key: str
    label: str
    kind: str  # int | bool | text | lines | ints | choice | time | dates | money | hours
    choices: tuple[str, ...] = ()


REGULATION_FIELDS = (
    Field("regulation.rounding_unit_minutes", "Минимальная единица учёта, мин (п. 3.1)", "int"),
    Field("regulation.auto_accept_max_minutes", "Оценка без согласования до, мин (п. 3.5)", "int"),
    Field("regulation.estimate_sla_working_minutes", "Срок оценки, рабочих мин (п. 4.1)", "int"),
    Field("regulation.reaction_sla_hours", "Срок реакции, часов рабочих дней (п. 1.2)", "int"),
    Field("regulation.sla_reminder_percent", "Напоминание о сроке, % (п. 4.1)", "int"),
    Field("regulation.warranty_days", "Гарантийный срок, календарных дней (п. 3.2)", "int"),
    Field("regulation.overrun_warning_percent", "Предупреждение о превышении, % (п. 3.3)", "int"),
    Field("regulation.title_min_length", "Заголовок не короче, симв. (п. 2.1)", "int"),
    Field("regulation.title_max_length", "Заголовок не длиннее, симв. (п. 2.1)", "int"),
    Field("regulation.description_min_length", "Описание не короче, симв. (п. 2.1)", "int"),
    Field("regulation.generic_titles", "Неинформативные заголовки (п. 2.1), по строке", "lines"),
    Field("regulation.crm_keywords", "Признаки вопроса по CRM (п. 2.2), по строке", "lines"),
    Field(
        "regulation.responsible_check",
        "Задача не от ответственного (п. 1.5)",
        "choice",
        ("warn", "reject", "off"),
    ),
    Field(
        "regulation.approval_from_responsible_only",
        "Согласовывает только ответственный (п. 4.2)",
        "bool",
    ),
    Field(
        "regulation.create_task_for_late_comment",
        "Создавать задачу по позднему комментарию (п. 3.2)",
        "bool",
    ),
    Field("regulation.done_statuses", "Статусы «Работа выполнена» (п. 5.1)", "ints"),
    Field("regulation.done_stage_ids", "Стадии канбана «Работа выполнена» (п. 5.1)", "ints"),
    Field("regulation.urgent_tag", "Тег срочной задачи (п. 6.2.2)", "text"),
    Field("regulation.urgent_priority", "Приоритет срочной задачи (п. 6.2.2)", "int"),
    Field(
        "regulation.complete_task_on_warranty_end",
        "Завершать задачу после гарантии (п. 3.2)",
        "bool",
    ),
    Field("regulation.breach_comment", "Комментарий в задаче при нарушении срока", "bool"),
    Field("regulation.set_deadline_from_term", "Крайний срок из срока в оценке (п. 4.3)", "bool"),
)

CALENDAR_FIELDS = (
    Field("calendar.timezone", "Часовой пояс", "text"),
    Field("calendar.workdays", "Рабочие дни недели", "weekdays"),
    Field("calendar.day_start", "Начало рабочего дня", "time"),
    Field("calendar.day_end", "Конец рабочего дня", "time"),
    Field("calendar.use_public_holidays", "Государственные праздники РФ и переносы", "bool"),
    Field("calendar.shortened_pre_holiday_minutes", "Сокращение предпраздничного дня, мин", "int"),
    Field("calendar.days_off", "Дополнительные выходные, по дате в строке", "dates"),
    Field("calendar.working_days", "Дополнительные рабочие дни, по дате в строке", "dates"),
)

MONEY_FIELDS = (
    Field("rates.regular", "Вне пакета, ₽/ч (п. 6.2.1)", "money"),
    Field("rates.urgent", "Срочно, ₽/ч (п. 6.2.2)", "money"),
    Field("packages.standard.hours", "Стандарт: часов в месяц (п. 6.1)", "hours"),
    Field("packages.standard.hour_rate", "Стандарт: ₽/ч", "money"),
    Field("packages.standard.price", "Стандарт: ₽ в месяц", "money"),
    Field("packages.advanced.hours", "Продвинутый: часов в месяц (п. 6.1)", "hours"),
    Field("packages.advanced.hour_rate", "Продвинутый: ₽/ч", "money"),
    Field("packages.advanced.price", "Продвинутый: ₽ в месяц", "money"),
)

PEOPLE_FIELDS = (
    Field("integrator_ids", "Интеграторы (id пользователей, кроме сотрудников)", "ints"),
    Field("supervisor_ids", "Руководители: уведомления о нарушениях сроков", "ints"),
    Field("shadow_mode", "Теневой режим: решения только записываются, портал не меняется", "bool"),
)

ALL_FIELDS = REGULATION_FIELDS + CALENDAR_FIELDS + MONEY_FIELDS + PEOPLE_FIELDS


# -- values shown ----------------------------------------------------------------------------
def form_values(config: AppConfig) -> dict[str, Any]:
    """key → what the input shows: text, a bool for checkboxes, day numbers for weekdays."""
    values: dict[str, Any] = {}
    for section, obj in (("regulation", config.regulation), ("calendar", config.calendar)):
        for f in dataclasses.fields(obj):
            values[f"{section}.{f.name}"] = _shown(getattr(obj, f.name))
    values["calendar.workdays"] = list(config.calendar.workdays)
    values["rates.regular"] = str(roubles(config.rates.regular_kopecks))
    values["rates.urgent"] = str(roubles(config.rates.urgent_kopecks))
    for kind in (PackageKind.STANDARD, PackageKind.ADVANCED):
        package = config.packages[kind]
        hours = package.included_minutes / 60
        values[f"packages.{kind.value}.hours"] = str(int(hours) if hours.is_integer() else hours)
        values[f"packages.{kind.value}.hour_rate"] = str(roubles(package.hour_rate_kopecks))
        values[f"packages.{kind.value}.price"] = str(roubles(package.monthly_price_kopecks))
    values["integrator_ids"] = ", ".join(str(i) for i in config.integrator_ids)
    values["supervisor_ids"] = ", ".join(str(i) for i in config.supervisor_ids)
    values["shadow_mode"] = config.shadow_mode
    values["clients"] = clients_text(config)
    return values


def _shown(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        joiner = "\n" if value and isinstance(value[0], str | date) else ", "
        return joiner.join(v.isoformat() if isinstance(v, date) else str(v) for v in value)
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return str(value)


def submitted_values(form: Mapping[str, Any], getlist: Any) -> dict[str, Any]:
    """The values as typed, to show them again next to their errors."""
    values: dict[str, Any] = {f.key: form.get(f.key, "") for f in ALL_FIELDS}
    for f in ALL_FIELDS:
        if f.kind == "bool":
            values[f.key] = f.key in form
    values["calendar.workdays"] = [int(d) for d in getlist("calendar.workdays") if d.isdigit()]
    values["clients"] = form.get("clients", "")
    return values


# -- the submitted document -------------------------------------------------------------------
def _number(text: str) -> Any:
    text = text.strip().replace(",", ".").replace(" ", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    return text  # the loader names the key and shows the value


def _convert(f: Field, values: Mapping[str, Any]) -> Any:
    raw = values.get(f.key)
    if f.kind == "bool":
        return bool(raw)
    if f.kind == "weekdays":
        return list(raw or [])
    text = str(raw or "")
    if f.kind in ("int", "money", "hours"):
        return _number(text)
    if f.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if f.kind == "ints":
        return [_number(part) for part in re.split(r"[,;\s]+", text) if part]
    if f.kind == "dates":
        return [_date(line.strip(), f.key) for line in text.splitlines() if line.strip()]
    return text.strip()


def _date(text: str, key: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{key}: expected dates like 2026-12-31, got {text!r}") from None


def _put(doc: dict[str, Any], key: str, value: Any) -> None:
    *path, last = key.split(".")
    for part in path:
        doc = doc.setdefault(part, {})
    doc[last] = value


def _clients(text: str) -> list[Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"clients: not valid TOML: {exc}") from None
    extra = set(data) - {"clients"}
    if extra:
        raise ConfigError(f"clients: only [[clients]] tables belong here, not {sorted(extra)}")
    clients = data.get("clients", [])
    return clients if isinstance(clients, list) else [clients]


def document_from_form(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The TOML document and the errors by key; each field is checked by the CLI's loader."""
    doc: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in ALL_FIELDS:
        try:
            value = _convert(f, values)
            piece: dict[str, Any] = {}
            _put(piece, f.key, value)
            parse_app_config(piece)
        except ConfigError as exc:
            errors[f.key] = str(exc)
            continue
        _put(doc, f.key, value)
    try:
        clients = _clients(str(values.get("clients") or ""))
        parse_app_config({"clients": clients})
        doc["clients"] = clients
    except ConfigError as exc:
        errors["clients"] = str(exc)
    return doc, errors


def validate(doc: dict[str, Any]) -> tuple[AppConfig | None, dict[str, str]]:
    """The whole document through the loader, then the checks the loader leaves to the rules."""
    try:
        config = parse_app_config(doc, check=False)
    except ConfigError as exc:
        return None, {"config": str(exc)}
    errors = config_problems(config)
    return (None, errors) if errors else (config, {})


# -- message templates (handlers/messages.py), shown with sample values -------------------------
def message_samples(
    now: datetime, reg: RegulationConfig | None = None
) -> Sequence[tuple[str, str]]:
    """The texts the app writes, rendered with sample values and the regulation in force."""
    reg = reg or RegulationConfig()
    today = now.date()
    violation = Violation(code="title_generic", clause="2.1", details={"title": "Вопрос"})
    return (
        ("Отказ: задача не по регламенту (п. 2.1–2.3)", messages.refusal([violation], {})),
        ("Принята на оценку (п. 4.1)", messages.accepted_for_estimate(now, [])),
        ("Первая задача компании: кратко о регламенте", messages.regulation_summary(reg)),
        ("Оценка принята сразу (п. 3.5)", messages.auto_accepted(40, 45, None, reg)),
        (
            "Повторная оценка (п. 3.3)",
            messages.reestimate_requested(135, 240, 240, "3 рабочих дня", reg),
        ),
        ("Согласие другими словами (п. 4.2)", messages.consent_needs_word(135)),
        (
            "Исправление по гарантии готово (п. 3.2)",
            messages.rework_done(today, None, reg.warranty_days),
        ),
        (
            "Запрос согласования (п. 4.2)",
            messages.approval_requested(130, 135, "3 рабочих дня", reg),
        ),
        ("Оценка согласована (п. 4.2)", messages.approved("Клиент", now)),
        ("Трудозатраты близки к оценке (п. 3.3)", messages.overrun_warning(108, 135, 80)),
        ("Оценка превышена (п. 3.3)", messages.overrun_exceeded(150, 135)),
        ("Работа выполнена (п. 5.1)", messages.work_done(today, reg.warranty_days)),
        ("Замечание в гарантийный срок (п. 3.2)", messages.warranty_rework(today)),
        (
            "Комментарий после гарантии (п. 3.2)",
            messages.late_comment(today, reg.warranty_days, 43),
        ),
        ("Напоминание о сроке (п. 4.1)", messages.sla_reminder("estimate", 42, "Задача", now)),
        ("Нарушение срока (п. 4.1)", messages.sla_breach("estimate", 42, "Задача", now)),
        ("Пакетные часы (п. 6.1)", messages.package_usage("ООО Ромашка", 80, 480, 600)),
    )
