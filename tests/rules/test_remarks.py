"""п. 3.2, 5.x, 1.2: what a client's comment on a delivered task means, and whether it waits for
an answer. Unsure readings are QUESTION or UNCLEAR (the integrator decides), never DEFECT."""

from __future__ import annotations

import pytest

from rules import comments
from rules.remarks import Remark, classify_remark, expects_answer

# A mail-style signature under a comment.
SIGNATURE = "\n\nС уважением,\nМария Иванова\nтел. 8 (800) 555-35-35"

REMARKS = [
    # Issue 13: thanks reopened a delivered task as free rework.
    pytest.param("Спасибо, всё работает!", Remark.THANKS, id="issue-thanks-it-works"),
    pytest.param("Спасибо!", Remark.THANKS, id="thanks"),
    pytest.param("Отлично, спасибо", Remark.THANKS, id="great-thanks"),
    pytest.param("Спасибо большое, Иван!", Remark.THANKS, id="thanks-with-name"),
    pytest.param("[USER=17]Иван Петров[/USER], спасибо 🙏", Remark.THANKS, id="mention-thanks"),
    pytest.param("ок", Remark.THANKS, id="ok"),
    pytest.param("👍", Remark.THANKS, id="thumbs-up"),
    pytest.param("Проверила, всё ок", Remark.THANKS, id="checked-all-ok"),
    pytest.param("Супер, заработало", Remark.THANKS, id="super-works-now"),
    pytest.param("Добрый день! Всё работает, благодарю", Remark.THANKS, id="greeting-thanks"),
    pytest.param("Теперь всё корректно, спасибо", Remark.THANKS, id="now-correct"),
    pytest.param("Понятно, спасибо", Remark.THANKS, id="understood"),
    pytest.param("Принято", Remark.ACCEPTANCE, id="accepted"),
    pytest.param("Работу принимаю, спасибо", Remark.ACCEPTANCE, id="i-accept-the-work"),
    pytest.param("Замечаний нет", Remark.ACCEPTANCE, id="no-remarks"),
    pytest.param("Всё проверили, ошибок нет", Remark.ACCEPTANCE, id="no-errors"),
    pytest.param("Можно закрывать", Remark.ACCEPTANCE, id="can-close"),
    pytest.param("Ошибка больше не воспроизводится, спасибо", Remark.ACCEPTANCE, id="gone"),
    pytest.param("Всё отлично, спасибо большое!", Remark.THANKS, id="all-great"),
    pytest.param("Спасибо, проверили — работает", Remark.THANKS, id="checked-works"),
    pytest.param("Всё супер, закрывайте", Remark.ACCEPTANCE, id="close-it"),
    pytest.param("Коллеги, спасибо за оперативность!", Remark.THANKS, id="thanks-for-speed"),
    # Defects: reopen as warranty rework.
    pytest.param("Спасибо, но поле опять пустое", Remark.DEFECT, id="thanks-but-empty-again"),
    pytest.param(
        "Проверьте, пожалуйста, ещё раз — данные не выгрузились", Remark.DEFECT, id="not-exported"
    ),
    pytest.param(
        "Добрый день! Есть замечание: не отображается поле ИНН", Remark.DEFECT, id="remark-shown"
    ),
    pytest.param("Сейчас не открывается страница", Remark.DEFECT, id="page-does-not-open"),
    pytest.param("Не работает", Remark.DEFECT, id="does-not-work"),
    pytest.param("Не работает на телефоне", Remark.DEFECT, id="not-on-phone"),
    pytest.param("Опять не сохраняется телефон", Remark.DEFECT, id="again"),
    pytest.param("Поле всё равно не сохраняется", Remark.DEFECT, id="still-not-saved"),
    pytest.param("Исправьте, пожалуйста, формат даты в отчёте", Remark.DEFECT, id="fix-please"),
    pytest.param("Ошибка осталась", Remark.DEFECT, id="error-remains"),
    pytest.param("Снова не сохраняется телефон с добавочным", Remark.DEFECT, id="demo-again"),
    pytest.param("В выгрузке не хватает склада, поправьте", Remark.DEFECT, id="missing-fix"),
    pytest.param("И ещё одно замечание", Remark.DEFECT, id="one-more-remark"),
    pytest.param("Спасибо, но всё равно не приходят письма", Remark.DEFECT, id="thanks-but"),
    pytest.param("Почему опять не сохраняется?", Remark.DEFECT, id="why-again-question"),
    pytest.param("Сумма считается неправильно", Remark.DEFECT, id="computes-wrong"),
    pytest.param("После обновления страница падает с 500", Remark.DEFECT, id="crashes"),
    pytest.param("Кнопка пропала из карточки", Remark.DEFECT, id="button-vanished"),
    pytest.param("Так и не пришло уведомление", Remark.DEFECT, id="still-no-notification"),
    pytest.param("Письма по-прежнему висят в исходящих", Remark.DEFECT, id="still-hanging"),
    # Questions and anything else go to the integrator.
    pytest.param("А где теперь эта кнопка?", Remark.QUESTION, id="where-question"),
    pytest.param("Подскажите, как выгрузить отчёт", Remark.QUESTION, id="tell-me-how"),
    pytest.param("Спасибо! А можно ещё добавить поле ИНН?", Remark.QUESTION, id="new-wish"),
    pytest.param("Работает. Хотела уточнить про права доступа", Remark.QUESTION, id="ask-more"),
    pytest.param("Нет кнопки выгрузки", Remark.UNCLEAR, id="weak-missing-button"),
    pytest.param("Не могу найти кнопку", Remark.UNCLEAR, id="cannot-find"),
    pytest.param("Доступа нет", Remark.UNCLEAR, id="no-access"),
    pytest.param(
        "Всё работает, но хотелось бы ещё добавить сортировку", Remark.UNCLEAR, id="works-but-wish"
    ),
    pytest.param(
        "Посмотрели с бухгалтерией, завтра дадим обратную связь по отчёту",
        Remark.UNCLEAR,
        id="news-not-a-defect",
    ),
    pytest.param("[IMG]https://x.ru/1.png[/IMG]", Remark.UNCLEAR, id="image-only"),
    pytest.param("Работает, но медленно", Remark.UNCLEAR, id="works-but-slow"),
    pytest.param("Работает не всегда", Remark.DEFECT, id="works-not-always"),
    pytest.param("Да, всё хорошо", Remark.THANKS, id="yes-all-good"),
    pytest.param("Спасибо, больше ничего не нужно", Remark.ACCEPTANCE, id="nothing-more-needed"),
    pytest.param("", Remark.UNCLEAR, id="empty"),
    # Phrasing review: thanks for a fix reopened the task as free rework.
    pytest.param("Спасибо, что исправили!", Remark.THANKS, id="thanks-for-fixing"),
    pytest.param("Ошибку исправили, спасибо", Remark.THANKS, id="error-fixed-thanks"),
    pytest.param("Спасибо за исправление!", Remark.THANKS, id="thanks-for-the-fix"),
    pytest.param("Все замечания устранены, спасибо", Remark.THANKS, id="remarks-removed"),
    pytest.param("Починили, спасибо! 👍", Remark.THANKS, id="repaired-thanks"),
    pytest.param("Исправлено, работает", Remark.THANKS, id="fixed-works"),
    pytest.param("Уже исправили замечания, спасибо", Remark.THANKS, id="already-fixed-remarks"),
    pytest.param("Ошибку так и не исправили", Remark.DEFECT, id="still-not-fixed"),
    pytest.param("Ещё не исправили ошибку", Remark.DEFECT, id="not-yet-fixed"),
    pytest.param("Исправьте, пожалуйста, дату", Remark.DEFECT, id="fix-request"),
    pytest.param("Нужно исправление в шаблоне", Remark.DEFECT, id="fix-needed-noun"),
    pytest.param("Поле исправили, а кнопка всё равно не работает", Remark.DEFECT, id="half-fixed"),
    pytest.param("Исправили не всё", Remark.DEFECT, id="not-all-fixed"),
    pytest.param("Исправили?", Remark.QUESTION, id="fixed-question"),
    # a fault that is gone is no defect
    pytest.param("Ошибка пропала, спасибо!", Remark.THANKS, id="error-gone"),
    pytest.param("Ошибки больше нет, спасибо", Remark.THANKS, id="error-no-more"),
    pytest.param("Больше не падает, спасибо", Remark.THANKS, id="no-longer-crashes"),
    pytest.param("Теперь не тормозит", Remark.THANKS, id="no-longer-slow"),
    pytest.param("Дубли больше не создаются", Remark.THANKS, id="no-more-duplicates"),
    pytest.param("Спасибо, всё опять работает", Remark.THANKS, id="works-again"),
    pytest.param("Снова всё работает, спасибо", Remark.THANKS, id="again-works"),
    pytest.param("Проверили — замечаний не выявлено", Remark.ACCEPTANCE, id="none-found"),
    pytest.param("Ошибок не нашли", Remark.ACCEPTANCE, id="no-errors-found"),
    pytest.param("Всё работает, ни одной ошибки", Remark.ACCEPTANCE, id="not-a-single-error"),
    pytest.param("Опять не работает", Remark.DEFECT, id="again-not-working"),
    pytest.param("Не работает опять", Remark.DEFECT, id="not-working-again"),
    pytest.param("Больше не работает", Remark.DEFECT, id="no-longer-works"),
    pytest.param("Ошибка не пропала", Remark.DEFECT, id="error-not-gone"),
    pytest.param("Ошибка снова появилась", Remark.DEFECT, id="error-back"),
    pytest.param("Работает опять через раз", Remark.DEFECT, id="every-other-time"),
    pytest.param(
        "Больше не падает, но теперь не сохраняется", Remark.DEFECT, id="gone-but-new-fault"
    ),
    pytest.param("Ошибка ушла, но появилась другая", Remark.DEFECT, id="gone-but-another"),
    # a mail-style signature under the comment says nothing
    pytest.param(
        "Спасибо!" + SIGNATURE,
        Remark.THANKS,
        id="thanks-signed",
    ),
    pytest.param("Принято\n--\nМария, ООО «Ромашка»", Remark.ACCEPTANCE, id="accepted-dashes"),
    pytest.param(
        "Спасибо!\n-----\nНо выгрузка снова не работает", Remark.DEFECT, id="separator-then-defect"
    ),
    pytest.param(
        "Спасибо!" + SIGNATURE + "\nP.S. Выгрузка не работает",
        Remark.DEFECT,
        id="signed-then-postscript",
    ),
    pytest.param(
        "Спасибо!" + SIGNATURE + "\nЗЫ. Отчёт пустой, почините",
        Remark.DEFECT,
        id="signed-then-zy",
    ),
    pytest.param(
        "Не работает кнопка" + SIGNATURE,
        Remark.DEFECT,
        id="defect-signed",
    ),
    pytest.param(
        "С уважением, Мария. Не работает кнопка", Remark.DEFECT, id="regards-first-is-no-signature"
    ),
]


@pytest.mark.parametrize(("text", "kind"), REMARKS)
def test_classify_remark(text: str, kind: Remark) -> None:
    assert classify_remark(comments.to_plain(text)) is kind


ANSWER_EXPECTED = [
    # Issue 13: these started the 24-hour reaction clock and breached.
    pytest.param("Согласовано", False, id="issue-approval"),
    pytest.param("Ознакомлена", False, id="issue-acknowledged"),
    pytest.param("С регламентом ознакомлен(а)", False, id="acknowledged-form"),
    pytest.param("Спасибо!", False, id="thanks"),
    pytest.param("ок", False, id="ok"),
    pytest.param("Принято", False, id="accepted"),
    pytest.param("👍", False, id="thumbs-up"),
    pytest.param("Согласовано, спасибо", False, id="approval-thanks"),
    pytest.param("Согласовано. А когда будет готово?", True, id="approval-with-question"),
    pytest.param("Когда будет готово?", True, id="question"),
    pytest.param("Не работает выгрузка", True, id="remark"),
    pytest.param("Добавьте, пожалуйста, ещё поле «Отдел»", True, id="request"),
    pytest.param("Логин для 1С: admin, пароль отправила в чат", True, id="new-information"),
    pytest.param("Ознакомлена. А где посмотреть тарифы?", True, id="ack-with-question"),
    pytest.param("Спасибо, что исправили!", False, id="thanks-for-fixing"),
    pytest.param(
        "Спасибо!" + SIGNATURE + "\nПС: а отчёт за март где?", True, id="signed-then-postscript"
    ),
    pytest.param(
        "Спасибо!" + SIGNATURE,
        False,
        id="thanks-signed",
    ),
    pytest.param("Отправлено с iPhone", True, id="only-a-mail-footer-is-no-signature"),
]


@pytest.mark.parametrize(("text", "expected"), ANSWER_EXPECTED)
def test_expects_answer(text: str, expected: bool) -> None:
    assert expects_answer(comments.to_plain(text)) is expected


HOSTILE = [
    pytest.param("не " * 30_000 + "работает", id="many-negations"),
    pytest.param("спасибо " * 30_000, id="many-thanks"),
    pytest.param("нет " * 30_000, id="many-no"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_read_without_error(text: str) -> None:
    assert isinstance(classify_remark(text), Remark)
