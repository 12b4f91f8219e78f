"""Russian texts the app writes to clients and integrators; each cites its clause.

An admin changes the wording here without touching the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from rules.estimate import Estimate
from rules.estimate_words import MONTHS_GENITIVE
from rules.regulation import RegulationConfig
from rules.sla import clause_of
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
    "crm_link_missing": "в задаче речь о конкретных записях CRM, но ссылок на них нет: "
    "добавьте ссылки на сделки, лиды, контакты или компании, о которых идёт речь, или "
    "привяжите их к задаче (п. 2.2)",
    "not_responsible": "по регламенту задачи от компании «{company}» ставит один ответственный "
    "сотрудник: {responsibles}. Пожалуйста, согласуйте задачу с ним (п. 1.5)",
}


# Short names of the same problems, for lists (the task tab's history, the dashboard).
VIOLATION_TITLES = {
    "title_too_short": "короткий заголовок (п. 2.1)",
    "title_too_long": "длинный заголовок (п. 2.1)",
    "title_generic": "заголовок не говорит, о чём задача (п. 2.1)",
    "description_too_short": "мало текста в описании (п. 2.1)",
    "screenshot_only": "только скриншот без текста (п. 2.3)",
    "crm_link_missing": "нет ссылок на записи CRM (п. 2.2)",
    "not_responsible": "задачу поставил не ответственный сотрудник (п. 1.5)",
}
VIOLATION_CODES = frozenset(_VIOLATION_TEXT)


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


def plural(n: int, one: str, few: str, many: str) -> str:
    """«1 день», «3 дня», «5 дней»."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} {few}"
    return f"{n} {many}"


def days(n: int) -> str:
    return plural(n, "календарный день", "календарных дня", "календарных дней")


def days_genitive(n: int) -> str:
    """After «в течение», «после»: «1 календарного дня», «14 календарных дней»."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} календарного дня"
    return f"{n} календарных дней"


def working_hours_genitive(minutes: int) -> str:
    """After «в течение»: «8 рабочих часов», «1 рабочего часа», «7 ч 30 мин рабочего времени»."""
    if minutes % 60:
        return f"{duration(minutes)} рабочего времени"
    hours = minutes // 60
    if hours % 10 == 1 and hours % 100 != 11:
        return f"{hours} рабочего часа"
    return f"{hours} рабочих часов"


def unit_words(minutes: int) -> str:
    """«15 минут», «1 час», «30 минут»."""
    if minutes % 60 == 0:
        return plural(minutes // 60, "час", "часа", "часов")
    return plural(minutes, "минута", "минуты", "минут")


def refusal(violations: Sequence[Violation], names: dict[int, str]) -> str:
    """п. 2.1–2.3: every blocking problem; a п. 1.5 warning is a note below, not a problem."""
    lines = "\n".join(f"[*]{violation_line(v, names)}" for v in violations if v.blocking)
    notes = "".join(
        f"\nОбратите внимание: {violation_line(v, names)}." for v in violations if not v.blocking
    )
    return (
        "Здравствуйте! Задача пока не может быть принята в работу, потому что она оформлена "
        "не по регламенту:\n[LIST]\n"
        f"{lines}\n[/LIST]\n"
        "Пожалуйста, дополните описание задачи (или напишите недостающее в комментарии) — "
        "мы проверим её снова автоматически."
        f"{notes}"
    )


def accepted_for_estimate(due: datetime | None, warnings: Sequence[str]) -> str:
    text = "Задача оформлена по регламенту и передана интегратору на оценку (п. 2.1, 4.1)."
    if due is not None:
        text += f" Оценку и сроки интегратор напишет в комментарии до {moment(due)} (п. 4.1)."
    for warning in warnings:
        text += f"\nОбратите внимание: {warning}."
    return text


def accepted_without_check(due: datetime | None, late_of: int | None) -> str:
    """A task the app created for a late comment, or an employee's task: no text check."""
    if late_of is not None:
        text = (
            f"Задача создана по вашему комментарию к задаче #{late_of} после окончания срока "
            "проверки (п. 3.2) и передана интегратору на оценку (п. 4.1)."
        )
    else:
        text = "Задача передана интегратору на оценку (п. 4.1)."
    if due is not None:
        text += f" Оценку и сроки интегратор напишет в комментарии до {moment(due)} (п. 4.1)."
    return text


def regulation_summary(reg: RegulationConfig) -> str:
    return (
        "Коротко о регламенте работы с задачами MyWebstor:\n[LIST]\n"
        "[*]задача — это краткий понятный заголовок и подробное описание; вопросы по "
        "конкретным записям CRM — со ссылками на них; доступы и данные — текстом, не "
        "скриншотом (п. 2.1–2.3);\n"
        f"[*]интегратор оценивает задачу в течение "
        f"{working_hours_genitive(reg.estimate_sla_working_minutes)} (п. 4.1); задачи с оценкой до "
        f"{duration(reg.auto_accept_max_minutes)} включительно принимаются в работу сразу "
        "(п. 3.5), остальные — после вашего комментария «Согласовано» (п. 4.2);\n"
        f"[*]минимальная единица учёта времени — {unit_words(reg.rounding_unit_minutes)}, время "
        "на оценку тоже учитывается (п. 3.1);\n"
        f"[*]после сдачи у вас есть {days(reg.warranty_days)} на проверку (п. 3.2, 5.2).\n"
        "[/LIST]\n"
        "Ответственному сотруднику компании: пожалуйста, подтвердите комментарием "
        "«С регламентом ознакомлен(а)»."
    )


def _estimate_words(raw: int | None, rounded: int | None, unit: int) -> str:
    if rounded is None:
        return "по фактическим трудозатратам"
    if raw is not None and raw != rounded:
        return (
            f"{duration(rounded)} (оценка {duration(raw)} округлена до {unit_words(unit)}, п. 3.1)"
        )
    return duration(rounded)


def how_read(estimate: Estimate) -> str:
    """What the app understood from the comment, so a misreading is seen at once."""
    notes = []
    if len(estimate.parts) > 1:
        notes.append("сумма частей: " + " + ".join(duration(p) for p in estimate.parts))
    if estimate.is_range:
        notes.append("взята верхняя граница")
    if estimate.day_minutes:
        notes.append(f"1 рабочий день считается как {duration(estimate.day_minutes)} по регламенту")
    if estimate.spent_minutes:
        notes.append(f"уже потраченные {duration(estimate.spent_minutes)} в оценку не входят")
    return f" ({'; '.join(notes)})" if notes else ""


def auto_accepted(
    raw: int | None, rounded: int, deadline: datetime | None, reg: RegulationConfig, how: str = ""
) -> str:
    text = (
        f"Задача оценена в {_estimate_words(raw, rounded, reg.rounding_unit_minutes)}{how} и "
        f"принята в работу автоматически: оценка не больше {duration(reg.auto_accept_max_minutes)}"
        " (п. 3.5)."
    )
    if deadline is not None:
        text += f" Срок выполнения — {moment(deadline)} (п. 4.3)."
    return text


def approval_requested(
    raw: int | None, rounded: int | None, term: str, reg: RegulationConfig, how: str = ""
) -> str:
    """п. 3.4 or п. 3.5 — only the reason that applies."""
    text = (
        "Предварительная оценка задачи: "
        f"{_estimate_words(raw, rounded, reg.rounding_unit_minutes)}{how}."
    )
    if term:
        text += f" Срок: {term}."
    if rounded is None:
        reason = (
            "Работа оценена по фактическим трудозатратам, поэтому нужно ваше согласование (п. 3.4)"
        )
    else:
        reason = (
            f"Оценка больше {duration(reg.auto_accept_max_minutes)}, поэтому нужно ваше "
            "согласование (п. 3.5)"
        )
    return (
        f"{text} {reason}: если согласны, напишите в комментарии «Согласовано» (п. 4.2). "
        "Если есть вопросы — задайте их здесь же."
    )


def reestimate_requested(
    previous: int | None,
    raw: int | None,
    rounded: int | None,
    term: str,
    reg: RegulationConfig,
    how: str = "",
) -> str:
    """п. 3.3: a new, larger estimate of work in progress; the earlier one and the extra invoice."""
    new = _estimate_words(raw, rounded, reg.rounding_unit_minutes)
    earlier = (
        f"согласованной ранее оценки {duration(previous)}"
        if previous is not None
        else "согласованной ранее оценки"
    )
    text = f"Повторная оценка задачи: {new}{how} вместо {earlier} (п. 3.3)."
    if term:
        text += f" Срок: {term}."
    return (
        f"{text} Работа сверх согласованной оценки выполняется после вашего согласования новой "
        "оценки, а превышение выставляется дополнительным счётом (п. 3.3). Если согласны, "
        "напишите в комментарии «Согласовано» (п. 4.2); если есть вопросы — задайте их здесь же."
    )


def approved(author: str, deadline: datetime | None) -> str:
    text = f"Оценка согласована ({quoted(author)}), задача взята в работу (п. 4.2)."
    if deadline is not None:
        text += f" Срок выполнения — {moment(deadline)} (п. 4.3)."
    return text


def consent_needs_word(rounded: int | None) -> str:
    """п. 4.2: consent in other words approves nothing; the client is told the word."""
    what = f"оценку {duration(rounded)}" if rounded is not None else "оценку"
    return (
        f"Спасибо! Чтобы согласовать {what}, по регламенту напишите, пожалуйста, в комментарии "
        "слово «Согласовано» (п. 4.2). Пока оценка не согласована, работа по задаче не "
        "начинается."
    )


def approval_with_reservation(task_id: int, title: str, excerpt: str) -> str:
    """п. 4.2: the integrator is told about an approval with a reservation."""
    return (
        f"Клиент ответил на оценку задачи #{task_id} «{quoted(title)}» с оговоркой: "
        f"«{quoted(excerpt)}». Оценка не считается согласованной (п. 4.2): ответьте клиенту "
        "и при необходимости напишите новую оценку."
    )


def estimate_unreadable(task_id: int, title: str, fragment: str) -> str:
    """п. 4.1: to the integrator, not the client: what could not be read, the form understood."""
    return (
        f"Не удалось прочитать оценку в вашем комментарии к задаче #{task_id} «{quoted(title)}»: "
        f"«{quoted(fragment)}». Оценка не принята. Напишите её, пожалуйста, в виде "
        "«Оценка: 2 ч 30 мин», «Оценка: 45 минут, срок 3 рабочих дня» или «Оценка: по факту». "
        "Срок оценки (п. 4.1) продолжает идти."
    )


def remark_needs_decision(task_id: int, title: str, excerpt: str, question: bool) -> str:
    """п. 3.2: a client comment on a delivered task that the app does not act on by itself."""
    what = "задал вопрос" if question else "написал комментарий"
    return (
        f"Клиент {what} по сданной задаче #{task_id} «{quoted(title)}»: «{quoted(excerpt)}». "
        "Задача в работу не возвращена: если это замечание по гарантии, верните её в работу "
        "(п. 3.2); в любом случае ответьте клиенту."
    )


def overrun_warning(billable: int, estimate: int, percent: int) -> str:
    return (
        f"Фактические трудозатраты по задаче — {duration(billable)}, это {percent} % от "
        f"согласованной оценки {duration(estimate)}. Если работы потребуют больше времени, "
        "интегратор сделает повторную оценку (п. 3.3)."
    )


def overrun_exceeded(billable: int, estimate: int, *, completed: bool = False) -> str:
    over = duration(billable - estimate) if billable > estimate else ""
    if completed:
        return (
            f"Фактические трудозатраты ({duration(billable)}) превысили согласованную оценку "
            f"({duration(estimate)}) на {over}. Превышение не согласовано: по п. 3.3 оно "
            "выставляется дополнительным счётом только после согласования новой оценки."
        )
    return (
        f"Фактические трудозатраты ({duration(billable)}) превысили согласованную оценку "
        f"({duration(estimate)}). По п. 3.3 работа продолжится после повторной оценки: "
        "интегратор напишет новую оценку, её нужно будет согласовать; превышение "
        "выставляется дополнительным счётом."
    )


def work_done(last_day: date, warranty_days: int) -> str:
    return (
        "Работа по задаче выполнена (п. 5.1). Пожалуйста, проверьте результат: замечания "
        f"принимаются в этой задаче в течение {days_genitive(warranty_days)}, до {day(last_day)} "
        "включительно (п. 3.2, 5.2)."
    )


def rework_done(last_day: date, previous_last_day: date | None, warranty_days: int) -> str:
    """п. 3.2: the fix is completed; the check window counts again from now."""
    text = "Замечание исправлено, работа по задаче снова выполнена (п. 3.2, 5.1). "
    if previous_last_day is not None and previous_last_day != last_day:
        return (
            f"{text}Срок проверки теперь — {days(warranty_days)} от исправления, до "
            f"{day(last_day)} включительно (раньше было до {day(previous_last_day)}) "
            "(п. 3.2, 5.2)."
        )
    return f"{text}Замечания принимаются до {day(last_day)} включительно (п. 3.2, 5.2)."


def warranty_rework(last_day: date) -> str:
    return (
        "Спасибо, замечание получено в гарантийный срок (до "
        f"{day(last_day)}), задача возвращена в работу. Исправление выполняется без "
        "дополнительной оплаты (п. 3.2)."
    )


def late_comment(last_day: date, warranty_days: int, new_task_id: int | None) -> str:
    text = (
        f"Срок проверки по этой задаче закончился {day(last_day)}: по п. 3.2 замечания "
        f"после {days_genitive(warranty_days)} считаются отдельными задачами."
    )
    if new_task_id:
        return (
            text + f" Мы создали для вашего комментария новую задачу #{new_task_id} со ссылкой "
            "на эту: оценку и сроки интегратор напишет в ней."
        )
    return text + " Пожалуйста, поставьте новую задачу и сошлитесь в ней на эту."


def late_task_title(task_id: int, title: str) -> str:
    return f"Обращение по задаче #{task_id}: {title}"[:250]


def late_task_description(task_id: int, comment_text: str, author: str) -> str:
    return (
        f"{comment_text}\n\n— Комментарий к задаче #{task_id} после окончания срока проверки "
        f"(п. 3.2). Автор: {quoted(author)}. Исходная задача: "
        f"[URL=/company/personal/user/0/tasks/task/view/{task_id}/]#{task_id}[/URL]"
    )


def sla_reminder(kind: str, task_id: int, title: str, due: datetime) -> str:
    what = "оценку" if kind == "estimate" else "ответ клиенту"
    clause = clause_of(kind)
    return (
        f"Напоминание: по задаче #{task_id} «{quoted(title)}» нужно дать {what} до {moment(due)} "
        f"(п. {clause})."
    )


def sla_breach(
    kind: str, task_id: int, title: str, due: datetime, noticed: datetime | None = None
) -> str:
    """`noticed`: given when the breach is reported late (the app was down at `due`)."""
    what = "оценки" if kind == "estimate" else "ответа клиенту"
    clause = clause_of(kind)
    text = (
        f"Нарушен срок {what} по задаче #{task_id} «{quoted(title)}»: срок истёк {moment(due)} "
        f"(п. {clause})."
    )
    if noticed is not None:
        text += f" Уведомление отправлено с опозданием, {moment(noticed)}."
    return text


def sla_breach_comment(kind: str, due: datetime) -> str:
    what = "оценки задачи" if kind == "estimate" else "ответа на ваш комментарий"
    clause = clause_of(kind)
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
