"""п. 1.5, 2.1, 2.2, 2.3: whether a new task is set the way the regulation asks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rules.comments import PlainText, normalize, read_bbcode
from rules.regulation import ClientCompany, RegulationConfig, ResponsibleCheck
from rules.types import Role, TaskFacts, UserId

_CRM_PATH_RE = re.compile(
    r"/crm/(?:(?:lead|deal|contact|company|quote|invoice|order|activity)"
    r"|type/\d+)/(?:details|show|edit)/\d+"
    # pipelines (funnels) count too: /crm/deal/category/3/, /crm/deal/kanban/category/3/,
    # /crm/type/128/list/category/5/
    r"|/crm/(?:lead|deal|quote|invoice|type/\d+)/(?:kanban/|list/)?category/\d+",
    re.IGNORECASE,
)
# п. 2.2 asks for links to the records «по которым возникает вопрос»: a record numbered
# («сделка 1234», «лид №55»), pointed at («в этой сделке») or named («у лида Иванова»,
# «компания «Вектор»»). Words that name the system (CRM) are no record.
_SYSTEM_WORDS = frozenset({"crm", "срм", "црм"})
# «сделки 2025 года», «контакты 500 штук», «лиды 01.12», «10% скидки»: a number that is no id.
_NOT_AN_ID = (
    r"(?!\d|[.,:/-]\d|\s*%|\s*(?:год|гг?\.|шт\b|штук|дн(?:я|ей|\.)|день|недел|месяц"
    r"|час(?:а|ов)?\b|мин(?:ут|\.|\b)|раза?\b|руб|р\.|₽|тыс|млн|числ|лет\b|человек"
    r"|пользовател|сотрудник))"
)
_STEM_FORMS = {"сделк": "сдел(?:к|ок)", "счет": "сч[её]т"}
_POINTERS = (
    r"(?:эт(?:от|а|у|ой|ом|ого|ому|и|их|им)|данн(?:ый|ая|ую|ой|ом|ого|ому|ых)|вот"
    r"|т(?:от|а|у|ой|ом|ому))"
)
# Around generic title words: politeness and mail prefixes say nothing more (п. 2.1).
_TITLE_FILLER = r"пожалуйста|плиз|please|pls|очень"
_TITLE_PREFIX = r"(?:re|fwd?|отв)\s*:\s*"
_PUNCT = r".,;:!?…»«\"'()\-–—"
_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_TRAILING = " \t\n.,;:!?…»«\"'()-–—"


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a task breaks the regulation; details carry the numbers a message needs."""

    code: str
    clause: str
    blocking: bool = True
    details: dict[str, object] = field(default_factory=dict)


def _title_violations(title: str, config: RegulationConfig) -> Iterator[Violation]:
    """п. 2.1: a short, clear title: 5–120 characters, not just a generic word."""
    trimmed = " ".join(title.split())
    if len(trimmed) < config.title_min_length:
        details: dict[str, object] = {"min": config.title_min_length, "actual": len(trimmed)}
        yield Violation("title_too_short", "2.1", details=details)
    if len(trimmed) > config.title_max_length:
        details = {"max": config.title_max_length, "actual": len(trimmed)}
        yield Violation("title_too_long", "2.1", details=details)
    if _is_generic(trimmed, config.generic_titles):
        yield Violation("title_generic", "2.1", details={"title": trimmed})


def _plural(word: str) -> str:
    """«задача» → «задачи», «проблема» → «проблемы», «вопрос» → «вопросы»: a word or its plural."""
    if word.endswith("а"):
        return re.escape(word[:-1]) + "[аиы]"
    return re.escape(word) + "(?:ы|и)?"


def _is_generic(title: str, generic_titles: tuple[str, ...]) -> bool:
    """п. 2.1: only generic words, with politeness, «Re:», plurals or repeats around them
    («Помогите, пожалуйста!», «Срочно!!! Не работает!!!», «Fwd: Ошибки»)."""
    words = [normalize(t).strip() for t in generic_titles if t.strip()]
    if not words:
        return False
    phrase = "|".join(_plural(w) for w in sorted(words, key=len, reverse=True))
    filler = rf"(?:{_TITLE_FILLER}|{phrase})(?![а-яa-z0-9])"
    core = normalize(title).strip(_TRAILING)
    return re.fullmatch(rf"(?:{_TITLE_PREFIX})*(?:{filler}[\s{_PUNCT}]*)+", core) is not None


def _prose_length(plain: PlainText) -> int:
    """п. 2.1: characters of text once BBCode, files and URLs are gone (quoted text is text too)."""
    prose = " ".join(_URL_RE.sub(" ", f"{plain.text} {plain.quoted}").split())
    return len(prose)


def _description_violations(task: TaskFacts, config: RegulationConfig) -> Iterator[Violation]:
    """п. 2.1, 2.3: a detailed description, and never only a screenshot."""
    plain = read_bbcode(task.description)
    length = _prose_length(plain)
    has_files = plain.files > 0 or task.attached_files > 0
    if length == 0 and not plain.links and has_files:
        yield Violation(
            "screenshot_only", "2.3", details={"files": plain.files + task.attached_files}
        )
    elif length < config.description_min_length:
        details: dict[str, object] = {"min": config.description_min_length, "actual": length}
        yield Violation("description_too_short", "2.1", details=details)


def _entity(config: RegulationConfig) -> str:
    stems = [
        _STEM_FORMS.get(k, re.escape(k)) + r"[а-яa-z]*"
        for k in (normalize(k).strip() for k in config.crm_keywords)
        if k and k not in _SYSTEM_WORDS
    ]
    return "|".join(stems) or r"(?!)"


def points_at_crm_records(task: TaskFacts, config: RegulationConfig) -> bool:
    """п. 2.2: the text points at concrete CRM records — numbered, «в этой сделке», or named."""
    plain = read_bbcode(task.description)
    entity = _entity(config)
    lower = f"{normalize(task.title)}\n{plain.normalized}"
    numbered = rf"(?<![а-яa-z])(?:{entity})\s*(?:№|#|номер|n|id)?\s*\d+{_NOT_AN_ID}"
    pointed = rf"(?<![а-яa-z]){_POINTERS}\s+(?:{entity})"
    if re.search(f"{numbered}|{pointed}", lower):
        return True
    named = (
        rf"(?<![а-яёa-z])(?i:{entity})[ \t]+(?:(?:ООО|ИП|АО|ЗАО|ПАО)[ \t]+)?"
        r"(?:«[^»\n]{1,80}»|\"[^\"\n]{1,80}\"|[А-ЯЁ][а-яё]{2,})"
    )
    return re.search(named, f"{task.title}\n{plain.text}") is not None


def is_crm_question(task: TaskFacts, config: RegulationConfig) -> bool:
    """п. 2.2: the title or description mentions CRM (keywords match at the start of a word)."""
    plain = read_bbcode(task.description)
    text = f"{normalize(task.title)} {plain.normalized} {plain.quoted}"
    return any(
        re.search(rf"(?<![\w]){re.escape(normalize(keyword))}", text)
        for keyword in config.crm_keywords
        if keyword.strip()
    )


def has_crm_link(description_bbcode: str, crm_bindings: tuple[str, ...]) -> bool:
    """п. 2.2: a link to a concrete CRM entity (URL or path) or a CRM binding of the task."""
    if any(binding.strip() for binding in crm_bindings):
        return True
    plain = read_bbcode(description_bbcode)
    haystack = " ".join([*plain.links, plain.text, plain.quoted])
    return _CRM_PATH_RE.search(haystack) is not None


def _responsibles_for(
    creator: UserId, client: ClientCompany, role: Role | None
) -> tuple[UserId, ...] | None:
    """п. 1.5: who may set the creator's tasks, or None when the check does not apply."""
    if role is not None and role != Role.CLIENT:
        return None
    if role is None and creator not in client.all_user_ids():
        return None
    for department in client.departments:
        if creator in department.user_ids or creator == department.responsible_id:
            return tuple(dict.fromkeys((department.responsible_id, *client.responsible_ids)))
    return client.responsible_ids or None


def _responsible_violation(
    task: TaskFacts, config: RegulationConfig, client: ClientCompany | None, role: Role | None
) -> Iterator[Violation]:
    """п. 1.5: one responsible per client company sets tasks (autonomous departments: their own)."""
    if client is None or config.responsible_check == ResponsibleCheck.OFF:
        return
    responsibles = _responsibles_for(task.created_by, client, role)
    if responsibles is None or task.created_by in responsibles:
        return
    yield Violation(
        "not_responsible",
        "1.5",
        blocking=config.responsible_check == ResponsibleCheck.REJECT,
        details={"responsible_ids": responsibles, "company": client.name},
    )


def validate_task(
    task: TaskFacts,
    config: RegulationConfig,
    client: ClientCompany | None,
    *,
    creator_role: Role | None = None,
) -> tuple[Violation, ...]:
    """п. 1.5, 2.1–2.3: every violation of the task, not only the first."""
    violations = [
        *_title_violations(task.title, config),
        *_description_violations(task, config),
    ]
    if points_at_crm_records(task, config) and not has_crm_link(
        task.description, task.crm_bindings
    ):
        violations.append(Violation("crm_link_missing", "2.2"))
    violations.extend(_responsible_violation(task, config, client, creator_role))
    return tuple(violations)
