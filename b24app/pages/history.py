"""The task tab's history as Russian sentences: the audit log's codes never reach the page.

An audit entry carries a decision code, a trigger («ONTASKUPDATE inbox:29», «comment 17
(inbox:30)», «job check_sla_clocks») and details ({"reason": "negated"}, {"status": 4}). Each
is turned into words here; a detail this module has no words for is left out rather than shown
as a code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from b24app.pages import labels
from handlers.messages import day, duration
from rules import approval, estimate
from rules.remarks import Remark
from rules.types import TaskStatus
from rules.warranty import AfterDelivery

APPROVAL_REASONS = {
    approval.APPROVED: "клиент написал «Согласовано»",
    approval.NO_APPROVAL_WORD: "в комментарии нет слова «Согласовано»",
    approval.NEGATED: "в комментарии «не согласовано»",
    approval.QUESTION: "в комментарии вопрос, а не согласование",
    approval.CONDITIONAL: "согласование с условием",
    approval.QUOTED_ONLY: "«Согласовано» только в цитате",
    approval.OTHER_WORD_FORM: "другая форма слова, не «Согласовано»",
    approval.NOT_CLIENT: "написал не клиент",
    approval.NOT_COMPANY_USER: "написал не сотрудник компании клиента",
    approval.NOT_RESPONSIBLE: "написал не ответственный сотрудник клиента",
    approval.WRONG_STATE: "задача не ждала согласования",
    approval.CONSENT_WITHOUT_WORD: "клиент согласился другими словами, ему напомнили "
    "слово «Согласовано»",
    approval.RESERVATION: "согласование с оговоркой, интегратору сообщено",
}

ESTIMATE_REASONS = {
    estimate.UNREADABLE_NO_UNIT: "в оценке нет единиц (часы, минуты)",
    estimate.UNREADABLE_VAGUE: "оценка без числа («несколько часов»)",
    estimate.UNREADABLE_TERM_ONLY: "указан только срок, без объёма работы",
}

ACCEPT_REASONS = {
    "created by an employee": "задачу поставил сотрудник, оформление не проверялось",
    "created by the app for a late comment": "задачу создало приложение по замечанию после "
    "гарантийного срока",
}

REMARKS = {
    Remark.DEFECT: "замечание о неисправности",
    Remark.THANKS: "благодарность",
    Remark.ACCEPTANCE: "приёмка работы",
    Remark.QUESTION: "вопрос",
    Remark.UNCLEAR: "комментарий без явного смысла",
}

AFTER_DELIVERY = {
    AfterDelivery.REWORK: "задача возвращена в работу по гарантии",
    AfterDelivery.NOTHING: "действий не нужно",
    AfterDelivery.ASK_INTEGRATOR: "решение за интегратором",
    AfterDelivery.NEW_TASK: "нужна новая задача",
}

# A Bitrix24 task status as the portal names it (the audit stores the number).
TASK_STATUSES: dict[int, str] = {
    TaskStatus.PENDING: "ждёт выполнения",
    TaskStatus.IN_PROGRESS: "выполняется",
    TaskStatus.SUPPOSEDLY_COMPLETED: "ждёт контроля",
    TaskStatus.COMPLETED: "завершена",
    TaskStatus.DEFERRED: "отложена",
}

EVENTS = {
    "ONTASKADD": "создание задачи в Битрикс24",
    "ONTASKUPDATE": "изменение задачи в Битрикс24",
    "ONTASKDELETE": "удаление задачи в Битрикс24",
    "ONTASKCOMMENTADD": "комментарий в задаче",
    "ONTASKCOMMENTUPDATE": "изменение комментария",
    "ONIMMESSAGEADD": "сообщение в чате задачи",
}

JOBS = {
    "check_sla_clocks": "плановая проверка сроков",
    "expire_warranties": "плановая проверка гарантийных сроков",
    "refresh_time_entries": "плановая сверка трудозатрат",
    "check_package_usage": "плановая проверка пакетных часов",
    "catch_up": "догрузка пропущенных событий",
}

_COMMENT = re.compile(r"^comment (\d+)")
_EVENT = re.compile(r"^(ON[A-Z]+)\b")
_JOB = re.compile(r"^job (\w+)")
_REPLAY = re.compile(r"^(replay|retry)\b")


def trigger_text(trigger: str) -> str:
    """What set the decision off, in words; an unknown trigger says only that it was the app."""
    if match := _COMMENT.match(trigger):
        return f"комментарий #{match.group(1)}"
    if match := _EVENT.match(trigger):
        return EVENTS.get(match.group(1), "событие Битрикс24")
    if match := _JOB.match(trigger):
        return JOBS.get(match.group(1), "плановая проверка")
    if _REPLAY.match(trigger):
        return "повторная обработка"
    return "приложение" if trigger else ""


def _moment(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) == 10:
        return day(parsed.date())
    return labels.short(parsed)


def _minutes(label: str) -> Callable[[object, Mapping[int, str]], str | None]:
    def render(value: object, names: Mapping[int, str]) -> str | None:
        return f"{label} {duration(value)}" if isinstance(value, int) else None

    return render


def _person(value: object, names: Mapping[int, str]) -> str | None:
    return f"кто: {names.get(value, 'сотрудник портала')}" if isinstance(value, int) else None


def _reason(value: object, names: Mapping[int, str]) -> str | None:
    text = str(value)
    found = APPROVAL_REASONS.get(text) or ESTIMATE_REASONS.get(text) or ACCEPT_REASONS.get(text)
    return f"причина: {found}" if found else None


def _codes(value: object, names: Mapping[int, str]) -> str | None:
    if not isinstance(value, list | tuple) or not value:
        return None
    found = [labels.PROBLEM_TITLES[c] for c in value if c in labels.PROBLEM_TITLES]
    return f"замечания: {', '.join(found)}" if found else None


def _status(value: object, names: Mapping[int, str]) -> str | None:
    found = TASK_STATUSES.get(value) if isinstance(value, int) else None
    return f"статус в Битрикс24: {found}" if found else None


def _kind(value: object, names: Mapping[int, str]) -> str | None:
    return labels.CLOCKS.get(str(value))


def _at(label: str) -> Callable[[object, Mapping[int, str]], str | None]:
    def render(value: object, names: Mapping[int, str]) -> str | None:
        when = _moment(value)
        return f"{label} {when}" if when else None

    return render


def _remark(value: object, names: Mapping[int, str]) -> str | None:
    return REMARKS.get(Remark(str(value))) if value in set(Remark) else None


def _action(value: object, names: Mapping[int, str]) -> str | None:
    return AFTER_DELIVERY.get(AfterDelivery(str(value))) if value in set(AfterDelivery) else None


def _percent(value: object, names: Mapping[int, str]) -> str | None:
    return f"{value} % оценки" if isinstance(value, int) else None


def _new_task(value: object, names: Mapping[int, str]) -> str | None:
    return "будет создана новая задача" if value is True else None


DETAILS: dict[str, Callable[[object, Mapping[int, str]], str | None]] = {
    "raw_minutes": _minutes("оценка"),
    "rounded_minutes": _minutes("с округлением"),
    "billable_minutes": _minutes("к оплате"),
    "approved_minutes": _minutes("согласовано"),
    "estimate_minutes": _minutes("оценка"),
    "by": _person,
    "reason": _reason,
    "violations": _codes,
    "codes": _codes,
    "warnings": _codes,
    "status": _status,
    "kind": _kind,
    "breached_at": _at("срок истёк"),
    "noticed_at": _at("замечено"),
    "last_day": _at("последний день"),
    "remark": _remark,
    "action": _action,
    "percent": _percent,
    "new_task": _new_task,
}


def detail_phrases(details: Mapping[str, object], names: Mapping[int, str]) -> tuple[str, ...]:
    """The details the page can say in Russian, in the audit's order; the rest is left out."""
    phrases = []
    for key, value in details.items():
        render = DETAILS.get(key)
        text = render(value, names) if render else None
        if text:
            phrases.append(text)
    return tuple(phrases)
