"""п. 1.5, 2.1, 2.2, 2.3: validating a new task."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from rules import validation
from rules.regulation import ClientCompany, Department, RegulationConfig, ResponsibleCheck
from rules.types import Role, TaskFacts, TaskId, UserId
from rules.validation import Violation

GOOD_TITLE = "Не приходят уведомления о новых заказах"
GOOD_DESCRIPTION = (
    "С понедельника менеджерам не приходят уведомления о новых заказах с сайта. "
    "Проверили настройки уведомлений у двух сотрудников, там всё включено."
)
CRM_DESCRIPTION = (
    "В сделках из воронки «Опт» не заполняется поле «Источник», хотя в форме оно есть. "
    "Пример: https://b24.example.ru/crm/deal/details/1523/"
)

RESPONSIBLE = UserId(10)
COLLEAGUE = UserId(11)
DEPT_RESPONSIBLE = UserId(20)
DEPT_USER = UserId(21)
INTEGRATOR = UserId(1)
COMPANY = ClientCompany(
    name="ООО Ромашка",
    user_ids=(COLLEAGUE,),
    responsible_ids=(RESPONSIBLE,),
    departments=(Department("Склад", DEPT_RESPONSIBLE, (DEPT_USER,)),),
)


def _task(
    title: str = GOOD_TITLE,
    description: str = GOOD_DESCRIPTION,
    created_by: UserId = RESPONSIBLE,
    **changes: object,
) -> TaskFacts:
    task = TaskFacts(
        task_id=TaskId(1),
        title=title,
        description=description,
        created_by=created_by,
        responsible_id=INTEGRATOR,
        created_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )
    return dataclasses.replace(task, **changes)  # type: ignore[arg-type]


def _codes(task: TaskFacts, client: ClientCompany | None = COMPANY, **config: object) -> list[str]:
    violations = validation.validate_task(task, RegulationConfig(**config), client)  # type: ignore[arg-type]
    return [v.code for v in violations]


TITLES = [
    pytest.param(GOOD_TITLE, [], id="good"),
    pytest.param("Баг", ["title_too_short"], id="too-short"),
    pytest.param("  Баг!  ", ["title_too_short"], id="short-after-trim"),
    pytest.param("Сайт", ["title_too_short"], id="four-letters"),
    pytest.param("Сайт1", [], id="exactly-five"),
    pytest.param("Я" * 120, [], id="exactly-120"),
    pytest.param("Я" * 121, ["title_too_long"], id="121"),
    pytest.param("Задача", ["title_generic"], id="generic-task"),
    pytest.param("ВОПРОС???", ["title_generic"], id="generic-caps-question-marks"),
    pytest.param("Помогите!!!", ["title_generic"], id="generic-exclamations"),
    pytest.param("Не работает.", ["title_generic"], id="generic-two-words"),
    pytest.param("  Срочно  ", ["title_generic"], id="generic-urgent"),
    pytest.param("Тест", ["title_too_short", "title_generic"], id="short-and-generic"),
    pytest.param("Не работает выгрузка товаров в 1С", [], id="generic-word-in-real-title"),
    pytest.param("Ошибка при сохранении счёта", [], id="crm-title-in-general-needs-no-link"),
    # Phrasing review: generic words with politeness, mail prefixes, plurals or repeats.
    pytest.param("Помогите, пожалуйста!", ["title_generic"], id="generic-help-please"),
    pytest.param("Срочно!!! Не работает!!!", ["title_generic"], id="generic-two-generics"),
    pytest.param("срочно срочно", ["title_generic"], id="generic-repeated"),
    pytest.param("Re: Не работает", ["title_generic"], id="generic-reply-prefix"),
    pytest.param("Fwd: Ошибка", ["title_generic"], id="generic-forward-prefix"),
    pytest.param("Задачи", ["title_generic"], id="generic-plural-a"),
    pytest.param("Проблемы", ["title_generic"], id="generic-plural-y"),
    pytest.param("Вопросы", ["title_generic"], id="generic-plural-consonant"),
    pytest.param("Задача: не работает", ["title_generic"], id="generic-colon-generic"),
    pytest.param("Ошибка 500", [], id="generic-word-with-a-code"),
    pytest.param("Задача №5", [], id="generic-word-with-a-number"),
    pytest.param("Задачка", [], id="diminutive-is-no-generic-word"),
    pytest.param("Вопрос по телефонии", [], id="generic-word-with-a-subject"),
]


def test_title_generic_words_come_from_the_config() -> None:
    task = _task(title="Помогите, пожалуйста!")
    assert _codes(task, generic_titles=("задача",)) == []
    assert _codes(task, generic_titles=(" ",)) == []


@pytest.mark.parametrize(("title", "codes"), TITLES)
def test_title(title: str, codes: list[str]) -> None:
    assert _codes(_task(title=title)) == codes


DESCRIPTIONS = [
    pytest.param(GOOD_DESCRIPTION, 0, [], id="good"),
    pytest.param("Не работает, посмотрите", 0, ["description_too_short"], id="too-short"),
    pytest.param("", 0, ["description_too_short"], id="empty"),
    pytest.param("а" * 40, 0, [], id="exactly-40"),
    pytest.param("а" * 39, 0, ["description_too_short"], id="39"),
    pytest.param(
        "[B]Смотрите[/B] https://example.ru/very/long/path/to/page/with/the/problem",
        0,
        ["description_too_short"],
        id="url-does-not-count",
    ),
    pytest.param(
        "[QUOTE]Письмо клиента: «У нас перестала работать форма обратной связи»[/QUOTE]",
        0,
        [],
        id="quoted-text-counts",
    ),
    pytest.param("[IMG]https://x.ru/screen.png[/IMG]", 0, ["screenshot_only"], id="image-only"),
    pytest.param("[DISK FILE ID=n4755]", 0, ["screenshot_only"], id="disk-file-only"),
    pytest.param("", 2, ["screenshot_only"], id="empty-with-attachments"),
    pytest.param(
        "[DISK FILE ID=n1]\nhttps://x.ru/page", 0, ["description_too_short"], id="file-and-link"
    ),
    pytest.param("см. скрин [DISK FILE ID=n1]", 0, ["description_too_short"], id="file-and-words"),
    pytest.param(GOOD_DESCRIPTION + "[DISK FILE ID=n1]", 1, [], id="text-and-files"),
]


@pytest.mark.parametrize(("description", "attached", "codes"), DESCRIPTIONS)
def test_description(description: str, attached: int, codes: list[str]) -> None:
    assert _codes(_task(description=description, attached_files=attached)) == codes


def test_violation_details_and_clauses() -> None:
    task = _task(title="Тест", description="мало текста")
    assert validation.validate_task(task, RegulationConfig(), None) == (
        Violation("title_too_short", "2.1", True, {"min": 5, "actual": 4}),
        Violation("title_generic", "2.1", True, {"title": "Тест"}),
        Violation("description_too_short", "2.1", True, {"min": 40, "actual": 11}),
    )


def test_violation_details_long_and_screenshot() -> None:
    task = _task(title="Я" * 130, description="[IMG]a.png[/IMG]", attached_files=1)
    assert validation.validate_task(task, RegulationConfig(), None) == (
        Violation("title_too_long", "2.1", True, {"max": 120, "actual": 130}),
        Violation("screenshot_only", "2.3", True, {"files": 2}),
    )


CRM_QUESTIONS = [
    pytest.param("Не двигаются сделки по воронке", "", True, id="deals"),
    pytest.param(
        "Настройка", "Нужно поправить карточку сделку вручную", True, id="deal-accusative"
    ),
    pytest.param("Вопрос по CRM", "", True, id="crm-latin"),
    pytest.param("Вопрос по СРМ", "", True, id="crm-cyrillic"),
    pytest.param("Дубли компаний", "", True, id="companies"),
    pytest.param("Не уходит счёт клиенту", "", True, id="invoice-yo"),
    pytest.param("Лиды с сайта", "", True, id="leads"),
    pytest.param("Поля", "Не сохраняется коммерческое предложение", True, id="multi-word"),
    pytest.param("Смарт-процесс «Договоры»", "", True, id="smart-process"),
    pytest.param("Обновить модуль", "[QUOTE]по сделке 5[/QUOTE]", True, id="in-quote"),
    pytest.param("Не работает почта", "Письма уходят в спам", False, id="no-crm"),
    pytest.param("Перерасчёт зарплаты", "", False, id="not-word-prefix"),
]


@pytest.mark.parametrize(("title", "description", "expected"), CRM_QUESTIONS)
def test_is_crm_question(title: str, description: str, expected: bool) -> None:
    task = _task(title=title, description=description)
    assert validation.is_crm_question(task, RegulationConfig()) is expected


def test_is_crm_question_ignores_blank_keywords() -> None:
    config = RegulationConfig(crm_keywords=("", "  "))
    assert validation.is_crm_question(_task(), config) is False


CRM_LINKS = [
    pytest.param("https://b24.example.ru/crm/deal/details/15/", (), True, id="deal-url"),
    pytest.param("[URL=https://b24.ru/crm/lead/details/7/]лид[/URL]", (), True, id="lead-tag"),
    pytest.param("/crm/contact/details/3/", (), True, id="contact-path"),
    pytest.param("https://b24.ru/crm/company/details/9/", (), True, id="company"),
    pytest.param("https://b24.ru/crm/type/128/details/4/", (), True, id="smart-process"),
    pytest.param("https://b24.ru/crm/type/31/details/12/", (), True, id="smart-invoice"),
    pytest.param("https://b24.ru/crm/quote/details/2/", (), True, id="quote"),
    pytest.param("https://b24.ru/crm/invoice/show/2/", (), True, id="old-invoice"),
    pytest.param("https://b24.ru/CRM/DEAL/DETAILS/2/", (), True, id="caps"),
    pytest.param("Сделка «Поставка»", ("D_27",), True, id="binding"),
    pytest.param("https://b24.ru/crm/deal/list/", (), False, id="list-not-entity"),
    pytest.param("https://b24.ru/crm/deal/details/0/?x", (), True, id="with-query"),
    pytest.param("сделка номер 15", (), False, id="number-only"),
    pytest.param("сделка", ("",), False, id="blank-binding"),
    pytest.param("https://b24.ru/crm/deal/category/3/", (), True, id="issue-funnel-link"),
    pytest.param("https://b24.ru/crm/deal/kanban/category/3/", (), True, id="funnel-kanban"),
    pytest.param("/crm/type/128/list/category/5/", (), True, id="smart-process-funnel"),
]


@pytest.mark.parametrize(("description", "bindings", "expected"), CRM_LINKS)
def test_has_crm_link(description: str, bindings: tuple[str, ...], expected: bool) -> None:
    assert validation.has_crm_link(description, bindings) is expected


CRM_TASKS = [
    pytest.param(CRM_DESCRIPTION, (), [], id="crm-with-link"),
    pytest.param(
        "В сделках из воронки «Опт» не заполняется поле «Источник», хотя в форме оно есть.",
        (),
        ["crm_link_missing"],
        id="crm-without-link",
    ),
    pytest.param(
        "В сделках из воронки «Опт» не заполняется поле «Источник», хотя в форме оно есть.",
        ("D_27",),
        [],
        id="crm-with-binding",
    ),
]


CONCRETE_RECORDS = [
    # Issue 13: a task about CRM in general needs no link.
    pytest.param(
        "Добавить поле ИНН в карточку компании",
        "В карточке компании нужно поле ИНН: обязательное, 10 или 12 цифр, с проверкой.",
        False,
        id="issue-good-example-title",
    ),
    pytest.param(
        "Выгрузка сделок",
        "Нужна выгрузка сделок в Excel по кнопке из списка, с товарами и суммами.",
        False,
        id="issue-deals-in-general",
    ),
    pytest.param(
        "Настроить воронку продаж", "Добавить стадию «Оплачено» во все воронки", False, id="all"
    ),
    pytest.param("Права на лиды", "Менеджеры не должны видеть чужие лиды", False, id="rights"),
    pytest.param("Отчёт по CRM", "В CRM 5 сделок потерялись после импорта", False, id="system"),
    # Concrete records: a link or a binding is needed.
    pytest.param("Сумма", "В сделке 1234 не считается сумма товаров", True, id="numbered"),
    pytest.param("Лид", "Лид №55 не распределился на менеджера", True, id="number-sign"),
    pytest.param("Сумма", "В этой сделке не считается сумма товаров", True, id="this-deal"),
    pytest.param("Счёт", "По данному счёту не формируется PDF", True, id="this-invoice"),
    pytest.param("Телефон", "У лида Иванова пропал телефон", True, id="named-lead"),
    pytest.param("Доступ", "Компания «Вектор» не видна менеджерам", True, id="quoted-company"),
    pytest.param("Доступ", "Контакт ООО «Вектор» дублируется", True, id="legal-form"),
    pytest.param("Сделки 12 и 14", "Не приходят уведомления", True, id="numbered-title"),
    pytest.param("Сделка", "в сделке. Нужно проверить", False, id="sentence-break-no-name"),
    # Phrasing review: a year, a date, a quantity or a share after the word is no record id.
    pytest.param("Выгрузка", "Выгрузить все сделки 2025 года в Excel", False, id="year"),
    pytest.param("Архив", "Сделки 2024-2025 годов перенести в архив", False, id="years-range"),
    pytest.param("Лиды", "Лиды 01.12.2025 не распределились", False, id="date"),
    pytest.param("Импорт", "Загрузить контакты 500 штук из файла", False, id="pieces"),
    pytest.param("Импорт", "Импорт компаний 1000 шт. из Excel", False, id="pcs"),
    pytest.param("Лиды", "Лиды 3 дня висят без ответственного", False, id="days"),
    pytest.param("Счёт", "Счёт 15% предоплаты формировать автоматически", False, id="percent"),
    pytest.param("Дубли", "Лиды 2 раза дублируются", False, id="times"),
    pytest.param("Сумма", "В сделке 1234. Не считается сумма", True, id="id-then-full-stop"),
    pytest.param("Лид", "Лид 55 разошёлся по двум менеджерам", True, id="id-then-raz-word"),
]


@pytest.mark.parametrize(("title", "description", "expected"), CONCRETE_RECORDS)
def test_points_at_crm_records(title: str, description: str, expected: bool) -> None:
    task = _task(title=title, description=description)
    assert validation.points_at_crm_records(task, RegulationConfig()) is expected


def test_only_system_words_are_no_record() -> None:
    config = RegulationConfig(crm_keywords=("crm", "срм"))
    assert validation.points_at_crm_records(_task(description="CRM 12"), config) is False


@pytest.mark.parametrize(("description", "bindings", "codes"), CRM_TASKS)
def test_crm_task(description: str, bindings: tuple[str, ...], codes: list[str]) -> None:
    task = _task(title="Поле «Источник» в сделках", description=description, crm_bindings=bindings)
    assert _codes(task) == codes


RESPONSIBLES = [
    pytest.param(RESPONSIBLE, None, ResponsibleCheck.WARN, [], id="responsible"),
    pytest.param(COLLEAGUE, None, ResponsibleCheck.WARN, ["not_responsible"], id="colleague"),
    pytest.param(COLLEAGUE, None, ResponsibleCheck.OFF, [], id="off"),
    pytest.param(DEPT_USER, None, ResponsibleCheck.WARN, ["not_responsible"], id="dept-user"),
    pytest.param(DEPT_RESPONSIBLE, None, ResponsibleCheck.WARN, [], id="dept-responsible"),
    pytest.param(INTEGRATOR, None, ResponsibleCheck.WARN, [], id="not-a-listed-client"),
    pytest.param(
        UserId(99), Role.CLIENT, ResponsibleCheck.WARN, ["not_responsible"], id="unlisted-client"
    ),
    pytest.param(COLLEAGUE, Role.INTEGRATOR, ResponsibleCheck.WARN, [], id="integrator-role"),
    pytest.param(RESPONSIBLE, Role.CLIENT, ResponsibleCheck.REJECT, [], id="reject-responsible"),
]


@pytest.mark.parametrize(("creator", "role", "check", "codes"), RESPONSIBLES)
def test_responsible(
    creator: UserId, role: Role | None, check: ResponsibleCheck, codes: list[str]
) -> None:
    config = RegulationConfig(responsible_check=check)
    violations = validation.validate_task(
        _task(created_by=creator), config, COMPANY, creator_role=role
    )
    assert [v.code for v in violations] == codes


def test_responsible_details_warn_and_reject() -> None:
    task = _task(created_by=COLLEAGUE)
    warn = validation.validate_task(task, RegulationConfig(), COMPANY)
    reject_config = RegulationConfig(responsible_check=ResponsibleCheck.REJECT)
    reject = validation.validate_task(task, reject_config, COMPANY)
    details: dict[str, object] = {"responsible_ids": (RESPONSIBLE,), "company": "ООО Ромашка"}
    assert warn == (Violation("not_responsible", "1.5", False, details),)
    assert reject == (Violation("not_responsible", "1.5", True, details),)


def test_department_user_is_told_the_department_responsible() -> None:
    (violation,) = validation.validate_task(
        _task(created_by=DEPT_USER), RegulationConfig(), COMPANY
    )
    assert violation.details["responsible_ids"] == (DEPT_RESPONSIBLE, RESPONSIBLE)


NO_CHECK_CLIENTS = [
    pytest.param(None, id="no-company"),
    pytest.param(
        ClientCompany(name="Без ответственного", user_ids=(COLLEAGUE,)), id="no-responsible"
    ),
]


@pytest.mark.parametrize("client", NO_CHECK_CLIENTS)
def test_responsible_check_needs_a_company_with_a_responsible(client: ClientCompany | None) -> None:
    assert _codes(_task(created_by=COLLEAGUE), client) == []


def test_every_violation_is_returned() -> None:
    task = _task(title="Сделка 1234", description="[IMG]a.png[/IMG]", created_by=COLLEAGUE)
    assert _codes(task) == ["screenshot_only", "crm_link_missing", "not_responsible"]
