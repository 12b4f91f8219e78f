"""Russian words the pages show for the app's states, decisions and clocks (UI text only)."""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup

from handlers import report_texts
from handlers.messages import VIOLATION_TITLES, day, duration, moment, violation_line
from rules.regulation import RegulationConfig
from rules.validation import Violation

STATES = {
    "new": "Новая",
    "needs_info": "Нужно дополнить",
    "awaiting_estimate": "Ждёт оценки",
    "awaiting_approval": "Ждёт согласования",
    "in_progress": "В работе",
    "reestimate": "Повторная оценка",
    "done": "Работа выполнена",
    "closed": "Закрыта",
}

DECISIONS = {
    "task_valid": "задача принята на оценку",
    "task_invalid": "задача оформлена не по регламенту",
    "estimate_auto_accepted": "оценка в пределах п. 3.5, принята автоматически",
    "estimate_needs_approval": "оценка отправлена клиенту на согласование",
    "approved": "клиент согласовал оценку",
    "overrun": "трудозатраты превысили оценку",
    "overrun_warning": "трудозатраты близки к оценке",
    "work_done": "работа выполнена",
    "warranty_rework": "замечание в гарантийный срок",
    "warranty_expired": "гарантийный срок закончился",
    "discussion": "обсуждение",
    "late_comment": "комментарий после гарантийного срока",
    "regulation_acknowledged": "клиент ознакомлен с регламентом",
    "sla_reminder": "напоминание о сроке",
    "sla_breached": "нарушен срок",
    "task_deleted": "задача удалена",
    "write_failed": "не удалось записать на портал",
    "client_accepted": "клиент принял задачу в Битрикс24",
    "remark_after_delivery": "комментарий клиента после сдачи",
    "estimate_unreadable": "оценку не удалось прочитать, интегратор спрошен",
    "estimate_not_larger": "новая оценка не больше согласованной",
}

CLOCKS = {"estimate": "Оценка (п. 4.1)", "reaction": "Ответ клиенту (п. 1.2)"}
CLIENT_CLOCKS = {"estimate": "срок оценки задачи", "reaction": "срок ответа на ваш комментарий"}

# What a task waits for, as the client reads it (the client view), and what the client can do.
CLIENT_WAITS = {
    "new": ("Задача получена", "Ничего: приложение проверяет оформление."),
    "needs_info": (
        "Нужно дополнить задачу",
        "Исправьте задачу по замечаниям или допишите недостающее комментарием.",
    ),
    "awaiting_estimate": ("Интегратор оценивает задачу", "Ничего: оценка придёт в комментарии."),
    "awaiting_approval": (
        "Ждём вашего согласования оценки",
        "Напишите в задаче комментарий «Согласовано», если оценка подходит.",
    ),
    "in_progress": ("Задача в работе", "Ничего: интегратор сообщит, когда работа будет готова."),
    "reestimate": (
        "Интегратор уточняет оценку",
        "Ничего: новая оценка придёт на согласование.",
    ),
    "done": (
        "Работа выполнена, идёт проверка",
        "Проверьте результат; замечания пишите в задаче до конца гарантийного срока.",
    ),
    "closed": ("Задача закрыта", "Ничего. Новую просьбу оформите новой задачей."),
}

PROBLEM_TITLES = VIOLATION_TITLES

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
MONTHS_PREPOSITIONAL = (
    "январе",
    "феврале",
    "марте",
    "апреле",
    "мае",
    "июне",
    "июле",
    "августе",
    "сентябре",
    "октябре",
    "ноябре",
    "декабре",
)

DETAILS = {
    "raw_minutes": "оценка",
    "rounded_minutes": "с округлением",
    "by": "кто",
    "billable_minutes": "к оплате",
    "approved_minutes": "согласовано",
    "estimate_minutes": "оценка",
    "percent": "процент",
    "kind": "срок",
    "breached_at": "истёк",
    "noticed_at": "уведомление",
    "reason": "причина",
    "last_day": "последний день",
    "new_task": "новая задача",
    "warnings": "замечания",
    "codes": "нарушения",
    "company": "компания",
    "error": "ошибка",
    "comment_id": "комментарий",
}

PACKAGES = report_texts.PACKAGES

OVERRUN = {"none": "нет", "warning": "близко к оценке", "exceeded": "превышена"}


def state(value: str) -> str:
    return STATES.get(value, "—")


def decision(value: str) -> str:
    return DECISIONS.get(value, "решение приложения")


def package(value: str) -> str:
    return PACKAGES.get(value, "—")


def month(label: str) -> str:
    """«2026-11» → «ноябрь 2026»."""
    year, _, number = label.partition("-")
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return label
    return f"{MONTHS[int(number) - 1]} {year}"


def in_month(label: str) -> str:
    """«2026-11» → «в ноябре 2026»."""
    year, _, number = label.partition("-")
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return label
    return f"в {MONTHS_PREPOSITIONAL[int(number) - 1]} {year}"


def problems(codes: tuple[str, ...], title: str, regulation: RegulationConfig) -> list[str]:
    """п. 2.1–2.3: the refusal's problems in the words of the app's comment (handlers.messages)."""
    trimmed = " ".join(title.split())
    details: dict[str, dict[str, object]] = {
        "title_too_short": {"min": regulation.title_min_length, "actual": len(trimmed)},
        "title_too_long": {"max": regulation.title_max_length, "actual": len(trimmed)},
        "title_generic": {"title": trimmed},
        "description_too_short": {"min": regulation.description_min_length},
    }
    return [
        violation_line(Violation(code, "", details=details.get(code, {})), {})
        for code in codes
        if code in PROBLEM_TITLES and code != "not_responsible"
    ]


def minutes(value: int | None) -> str:
    """«2 ч 15 мин»; an em dash for no value."""
    return "—" if value is None else duration(value)


def left(value: int | None) -> str:
    """Signed working minutes left: «осталось 3 ч» or «просрочено на 1 ч 10 мин»."""
    if value is None:
        return "—"
    if value < 0:
        return f"просрочено на {duration(-value)}"
    return f"осталось {duration(value)}"


def short(value: datetime | date | None) -> str:
    """«09.11.2026 18:00» for tables."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    return f"{value:%d.%m.%Y}"


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return moment(value)
    return day(value)


def regulation_signed(value: str) -> str:
    """п. 1.x: whether the client confirmed the regulation summary («Ознакомлен» under it)."""
    if not value:
        return "не подтверждён"
    return f"подтверждён {date.fromisoformat(value):%d.%m.%Y}"


def literals(text: str) -> Markup:
    """A help line with the values a person types (`Europe/Moscow`, a URL path) set apart as
    <code>: escaped, and only the back-quoted parts marked."""
    code = Markup("<code>{}</code>")
    parts = text.split("`")
    return Markup("").join(code.format(p) if i % 2 else p for i, p in enumerate(parts))
