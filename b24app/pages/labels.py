"""Russian words the pages show for the app's states, decisions and clocks (UI text only)."""

from __future__ import annotations

from datetime import date, datetime

from handlers.messages import day, duration, moment

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

PACKAGES = {"none": "без пакета", "standard": "Стандарт", "advanced": "Продвинутый"}

OVERRUN = {"none": "нет", "warning": "близко к оценке", "exceeded": "превышена"}


def state(value: str) -> str:
    return STATES.get(value, value)


def decision(value: str) -> str:
    return DECISIONS.get(value, value)


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
