"""Russian texts the app writes to clients and integrators; each cites its clause.

An admin changes the wording here without touching the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from rules.estimate import MONTHS_GENITIVE
from rules.validation import Violation


def day(value: date) -> str:
    """«5 декабря 2026»."""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year}"


def moment(value: datetime) -> str:
    """«5 декабря 2026, 15:00»."""
    return f"{day(value.date())}, {value:%H:%M}"


def quoted(text: str) -> str:
    """Client-supplied text (names, titles) shown inside our BBCode: its brackets are replaced
    by full-width ones, so it cannot open [URL], [USER], [IMG] or close our [LIST]."""
    return text.replace("[", "［").replace("]", "］")


def duration(minutes: int) -> str:
    """«3 ч 15 мин», «45 мин», «2 ч»."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} ч {rest} мин"
    return f"{hours} ч" if hours else f"{rest} мин"


_VIOLATION_TEXT = {
    "title_too_short": "заголовок слишком короткий ({actual} симв.): опишите суть задачи в "
    "заголовке хотя бы в {min} символах (п. 2.1)",
    "title_too_long": "заголовок слишком длинный ({actual} симв.): сократите его до {max} "
    "символов, а подробности перенесите в описание (п. 2.1)",
    "title_generic": "заголовок «{title}» не говорит, о чём задача: напишите коротко, что "
    "нужно сделать, например «Добавить поле ИНН в карточку компании» (п. 2.1)",
    "description_too_short": "в описании слишком мало текста: опишите подробно, что нужно "
    "сделать, где и каков ожидаемый результат (не меньше {min} символов) (п. 2.1)",
    "screenshot_only": "задача содержит только скриншот: продублируйте текстом, что нужно "
    "сделать, ссылки и данные — задачи только со скриншотом не принимаются в работу (п. 2.3)",
    "crm_link_missing": "задача касается CRM, но в ней нет ссылки на конкретные сущности: "
    "добавьте ссылки на лиды, сделки, контакты или компании, о которых идёт речь (п. 2.2)",
    "not_responsible": "по регламенту задачи от компании «{company}» ставит один ответственный "
    "сотрудник: {responsibles}. Пожалуйста, согласуйте задачу с ним (п. 1.5)",
}


def violation_line(violation: Violation, names: dict[int, str]) -> str:
    details = dict(violation.details)
    if violation.code == "not_responsible":
        ids = details.get("responsible_ids") or ()
        details["responsibles"] = ", ".join(
            quoted(names.get(int(i), f"пользователь #{i}"))
            for i in ids  # type: ignore[attr-defined]
        )
    details.setdefault("min", "")
    if "title" in details:
        details["title"] = quoted(str(details["title"]))
    template = _VIOLATION_TEXT.get(violation.code, "{code} (п. {clause})")
    return template.format(code=violation.code, clause=violation.clause, **details)


def refusal(violations: Sequence[Violation], names: dict[int, str]) -> str:
    lines = "\n".join(f"[*]{violation_line(v, names)}" for v in violations)
    return (
        "Здравствуйте! Задача пока не может быть принята в работу, потому что она оформлена "
        "не по регламенту:\n[LIST]\n"
        f"{lines}\n[/LIST]\n"
        "Пожалуйста, дополните описание задачи (или напишите недостающее в комментарии) — "
        "мы проверим её снова автоматически."
    )


def accepted_for_estimate(due: datetime | None, warnings: Sequence[str]) -> str:
    text = "Задача оформлена по регламенту и передана интегратору на оценку (п. 2.1, 4.1)."
    if due is not None:
        text += f" Оценку и сроки интегратор напишет в комментарии до {moment(due)} (п. 4.1)."
    for warning in warnings:
        text += f"\nОбратите внимание: {warning}."
    return text


def regulation_summary() -> str:
    return (
        "Коротко о регламенте работы с задачами MyWebstor:\n[LIST]\n"
        "[*]задача — это краткий понятный заголовок и подробное описание; вопросы по CRM — "
        "со ссылками на сущности; доступы и данные — текстом, не скриншотом (п. 2.1–2.3);\n"
        "[*]интегратор оценивает задачу в течение 8 рабочих часов (п. 4.1); задачи до 1 часа "
        "принимаются в работу сразу (п. 3.5), остальные — после вашего комментария "
        "«Согласовано» (п. 4.2);\n"
        "[*]минимальная единица учёта времени — 15 минут, время на оценку тоже учитывается "
        "(п. 3.1);\n"
        "[*]после сдачи у вас есть 14 календарных дней на проверку (п. 3.2, 5.2).\n[/LIST]\n"
        "Ответственному сотруднику компании: пожалуйста, подтвердите комментарием "
        "«С регламентом ознакомлен(а)»."
    )


def _estimate_words(raw: int | None, rounded: int | None) -> str:
    if rounded is None:
        return "по фактическим трудозатратам"
    if raw is not None and raw != rounded:
        return f"{duration(rounded)} (оценка {duration(raw)} округлена до 15 минут, п. 3.1)"
    return duration(rounded)


def auto_accepted(raw: int | None, rounded: int, deadline: datetime | None) -> str:
    text = (
        f"Задача оценена в {_estimate_words(raw, rounded)} и принята в работу автоматически "
        "(п. 3.5)."
    )
    if deadline is not None:
        text += f" Срок выполнения — {moment(deadline)} (п. 4.3)."
    return text


def approval_requested(raw: int | None, rounded: int | None, term: str) -> str:
    basis = "п. 3.4" if rounded is None else "п. 3.5"
    text = f"Предварительная оценка задачи: {_estimate_words(raw, rounded)}."
    if term:
        text += f" Срок: {term}."
    return (
        f"{text} Оценка больше 1 часа или по факту, поэтому нужна ваша отмашка ({basis}): "
        "если согласны, напишите в комментарии «Согласовано» (п. 4.2). Если есть вопросы — "
        "задайте их здесь же."
    )


def approved(author: str, deadline: datetime | None) -> str:
    text = f"Оценка согласована ({quoted(author)}), задача взята в работу (п. 4.2)."
    if deadline is not None:
        text += f" Срок выполнения — {moment(deadline)} (п. 4.3)."
    return text


def overrun_warning(billable: int, estimate: int, percent: int) -> str:
    return (
        f"Фактические трудозатраты по задаче — {duration(billable)}, это {percent} % от "
        f"согласованной оценки {duration(estimate)}. Если работы потребуют больше времени, "
        "интегратор сделает повторную оценку (п. 3.3)."
    )


def overrun_exceeded(billable: int, estimate: int) -> str:
    return (
        f"Фактические трудозатраты ({duration(billable)}) превысили согласованную оценку "
        f"({duration(estimate)}). По п. 3.3 работа продолжится после повторной оценки: "
        "интегратор напишет новую оценку, её нужно будет согласовать; превышение "
        "выставляется дополнительным счётом."
    )


def work_done(last_day: date) -> str:
    return (
        "Работа по задаче выполнена (п. 5.1). Пожалуйста, проверьте результат: замечания "
        f"принимаются в этой задаче в течение 14 календарных дней, до {day(last_day)} "
        "включительно (п. 3.2, 5.2)."
    )


def warranty_rework(last_day: date) -> str:
    return (
        "Спасибо, замечание получено в гарантийный срок (до "
        f"{day(last_day)}), задача возвращена в работу. Исправление выполняется без "
        "дополнительной оплаты (п. 3.2)."
    )


def late_comment(last_day: date, new_task_id: bool) -> str:
    text = (
        f"Срок проверки по этой задаче закончился {day(last_day)}: по п. 3.2 новые обращения "
        "после 14 дней считаются отдельными задачами."
    )
    if new_task_id:
        return text + " Мы создали для вашего комментария новую задачу со ссылкой на эту."
    return text + " Пожалуйста, поставьте новую задачу и сошлитесь в ней на эту."


def late_task_title(task_id: int, title: str) -> str:
    return f"Обращение по задаче #{task_id}: {title}"[:250]


def late_task_description(task_id: int, comment_text: str, author: str) -> str:
    return (
        f"{comment_text}\n\n— Комментарий {quoted(author)} к задаче #{task_id} после окончания "
        f"гарантийного срока (п. 3.2). Исходная задача: "
        f"[URL=/company/personal/user/0/tasks/task/view/{task_id}/]#{task_id}[/URL]"
    )


def sla_reminder(kind: str, task_id: int, title: str, due: datetime) -> str:
    what = "оценку" if kind == "estimate" else "ответ клиенту"
    clause = "4.1" if kind == "estimate" else "1.2"
    return (
        f"Напоминание: по задаче #{task_id} «{quoted(title)}» нужно дать {what} до {moment(due)} "
        f"(п. {clause})."
    )


def sla_breach(
    kind: str, task_id: int, title: str, due: datetime, noticed: datetime | None = None
) -> str:
    """`noticed`: given when the breach is reported late (the app was down at `due`)."""
    what = "оценки" if kind == "estimate" else "ответа клиенту"
    clause = "4.1" if kind == "estimate" else "1.2"
    text = (
        f"Нарушен срок {what} по задаче #{task_id} «{quoted(title)}»: срок истёк {moment(due)} "
        f"(п. {clause})."
    )
    if noticed is not None:
        text += f" Уведомление отправлено с опозданием, {moment(noticed)}."
    return text


def sla_breach_comment(kind: str, due: datetime) -> str:
    what = "оценки задачи" if kind == "estimate" else "ответа на ваш комментарий"
    clause = "4.1" if kind == "estimate" else "1.2"
    return (
        f"Срок {what} по регламенту истёк {moment(due)} (п. {clause}). Ответственный "
        "интегратор и руководитель уведомлены."
    )


def warranty_closed(last_day: date) -> str:
    return (
        f"Гарантийный срок проверки закончился {day(last_day)}; задача закрыта (п. 3.2). "
        "Новые замечания оформляйте, пожалуйста, новой задачей."
    )


def package_usage(client: str, percent: int, used: int, included: int) -> str:
    return (
        f"Компания «{client}» использовала {percent} % пакетных часов в этом месяце "
        f"({duration(used)} из {duration(included)}). Часы сверх пакета оплачиваются по "
        "тарифам п. 6.2."
    )


# -- the month's billing report (b24app report) ----------------------------------------------
REPORT_KINDS = {
    "package_fee": "пакет",
    "chat": "чат",
    "package": "в пакете",
    "regular": "сверх пакета",
    "urgent": "срочно",
    "warranty": "гарантия",
}


def report_package_fee(package: str, first: date, last: date) -> str:
    if package == "none":
        return f"Без пакета, {first:%d.%m}–{last:%d.%m.%Y}: по тарифам п. 6.2"
    return f"Пакет {package}, {first:%d.%m}–{last:%d.%m.%Y} (п. 6.1)"


def report_chat_fee() -> str:
    return "Чат поддержки (п. 1.6)"


def regulation_signed(value: date | None) -> str:
    return f"Регламент подписан: {value:%d.%m.%Y}" if value else "Регламент не подписан"


REPORT_HEADINGS = {
    "client": "Клиент",
    "package": "Пакет",
    "included_minutes": "Включено",
    "used_minutes": "Использовано",
    "remaining_minutes": "Остаток",
    "overflow_regular_minutes": "Сверх пакета",
    "overflow_urgent_minutes": "Срочно",
    "warranty_minutes": "Гарантия",
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
    "raw_seconds": "Факт, с",
    "raw_minutes": "Факт, мин",
    "billed_minutes": "Учтено, мин",
    "rate": "Ставка, ₽/ч",
    "amount": "Сумма, ₽",
    "approved_minutes": "Оценка, мин",
    "over_minutes": "Сверх оценки, мин",
    "summary": "Сводка",
    "lines": "Детализация",
    "overruns": "Перерасход оценки (п. 3.3)",
    "grand_total": "Итого по всем клиентам",
    "unassigned": "Записей времени без клиента",
}
