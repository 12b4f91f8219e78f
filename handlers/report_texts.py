"""Russian texts of the month's bill (b24app report, the CSV/XLSX downloads): headings, kinds,
sheet names and the notes a bill carries. Kept apart from messages.py, which talks to people in
the portal."""

from __future__ import annotations

from datetime import date, datetime

from handlers.messages import moment

PACKAGES = {"none": "без пакета", "standard": "Стандарт", "advanced": "Продвинутый"}

REPORT_KINDS = {
    "package_fee": "пакет",
    "chat": "чат",
    "package": "в пакете",
    "regular": "сверх пакета",
    "urgent": "срочно",
    "warranty": "гарантия",
    "unapproved": "сверх оценки, не согласовано",
}

CHANGE_KINDS = {"added": "добавлена", "changed": "изменена", "removed": "удалена"}


def report_package_fee(package: str, first: date, last: date) -> str:
    if package == "none":
        return f"Без пакета, {first:%d.%m}–{last:%d.%m.%Y}: по тарифам п. 6.2"
    name = PACKAGES.get(package, package)
    return f"Пакет «{name}», {first:%d.%m}–{last:%d.%m.%Y} (п. 6.1)"


def report_chat_fee() -> str:
    return "Чат поддержки (п. 1.6)"


def time_not_synced(month: str, synced_at: datetime | None) -> str:
    """The report's warning: its time comes from `b24app sync-time`, not run this month."""
    when = f"последний раз — {moment(synced_at)}" if synced_at else "ни разу"
    return (
        f"Внимание: записи времени за {month} не загружались из портала ({when}); "
        f"трудозатраты могут быть неполными. Запустите: b24app sync-time --month {month}"
    )


def regulation_signed(value: date | None) -> str:
    return f"Регламент подписан: {value:%d.%m.%Y}" if value else "Регламент не подписан"


def month_locked(month: str, locked_at: datetime) -> str:
    """A locked month's report shows what was billed; later changes are listed apart."""
    return (
        f"Счёт за {month} зафиксирован {moment(locked_at)}: суммы — как в отправленном счёте; "
        "изменения после этого перечислены отдельно и в счёт не вошли."
    )


def changes_since_lock(count: int, delta_kopecks: int) -> str:
    sign = "+" if delta_kopecks > 0 else "−" if delta_kopecks < 0 else ""
    whole, rest = divmod(abs(delta_kopecks), 100)
    money = f"{sign}{whole:,}".replace(",", " ") + f",{rest:02d} ₽"
    if not count and not delta_kopecks:
        return "Изменений после фиксации нет."
    return f"Изменений после фиксации: {count}; разница с выставленной суммой: {money}."


SHEETS = {
    "summary": "Сводка",
    "lines": "Детализация",
    "overruns": "Перерасход оценки",
    "changes": "Изменения после фиксации",
}

REPORT_HEADINGS = {
    "client": "Клиент",
    "package": "Пакет",
    "included_minutes": "Включено, ч",
    "used_minutes": "Использовано, ч",
    "remaining_minutes": "Остаток, ч",
    "overflow_regular_minutes": "Сверх пакета, ч",
    "overflow_urgent_minutes": "Срочно, ч",
    "warranty_minutes": "Гарантия, ч",
    "unapproved_minutes": "Сверх оценки, не согласовано, ч",
    "package_amount": "Пакет, ₽",
    "regular_amount": "Сверх пакета, ₽",
    "urgent_amount": "Срочно, ₽",
    "chat_amount": "Чат, ₽",
    "total": "Итого, ₽",
    "regulation_signed": "Регламент подписан",
    "kind": "Вид",
    "task_id": "Задача",
    "title": "Название",
    "date": "Дата",
    "integrator": "Интегратор",
    "entry_id": "Запись",
    "raw_minutes": "Факт, ч",
    "billed_minutes": "Учтено, ч",
    "rate": "Ставка, ₽/ч",
    "amount": "Сумма, ₽",
    "approved_minutes": "Согласованная оценка, ч",
    "first_minutes": "Превышенная оценка, ч",
    "not_approved_minutes": "Не согласовано, ч",
    "over_minutes": "Сверх оценки, ч",
    "change": "Изменение",
    "locked_minutes": "Было в счёте, ч",
    "now_minutes": "Сейчас, ч",
    "locked_amount": "Было в счёте, ₽",
    "now_amount": "Сейчас, ₽",
    "summary": "Сводка",
    "overruns": "Перерасход оценки (п. 3.3)",
    "grand_total": "Итого по всем клиентам",
    "totals_row": "Итого",
    "unassigned": "Записей времени без клиента",
}
