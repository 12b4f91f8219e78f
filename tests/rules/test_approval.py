"""п. 4.2: «Согласовано» as a rule, not a substring; the «Ознакомлен» sign-off."""

from __future__ import annotations

import pytest

from rules import approval, comments
from rules.regulation import RegulationConfig
from rules.types import Role, TaskState

# A mail-style signature under a comment.
SIGNATURE = "\n\nС уважением,\nМария Иванова\nтел. 8 (800) 555-35-35"

APPROVAL_TEXTS = [
    # Affirmative: counts.
    pytest.param("Согласовано", True, id="bare"),
    pytest.param("согласовано", True, id="lowercase"),
    pytest.param("СОГЛАСОВАНО", True, id="caps"),
    pytest.param("Согласовано.", True, id="dot"),
    pytest.param("Согласовано!", True, id="exclamation"),
    pytest.param("Согласовано!!!", True, id="many-exclamations"),
    pytest.param("  Согласовано  ", True, id="spaces-around"),
    pytest.param("Добрый день! Согласовано.", True, id="greeting-and-dot"),
    pytest.param("Добрый день, согласовано", True, id="greeting-comma"),
    pytest.param("Согласовано, спасибо", True, id="thanks-after"),
    pytest.param("Спасибо, согласовано!", True, id="thanks-before"),
    pytest.param("[USER=5]Иван[/USER], согласовано", True, id="after-mention"),
    pytest.param("Согласовано, [USER=7]Анна Петрова[/USER]", True, id="before-mention"),
    pytest.param("Всё согласовано", True, id="yo-all"),
    pytest.param("Да, согласовано", True, id="yes-comma"),
    pytest.param("Ок, согласовано", True, id="ok-comma"),
    pytest.param("Смета согласована", True, id="feminine-short-participle"),
    pytest.param("Оценка и сроки согласованы", True, id="plural-short-participle"),
    pytest.param("Бюджет согласован.", True, id="masculine-short-participle"),
    pytest.param("[B]Согласовано[/B]", True, id="bold"),
    pytest.param("Со[B]гласо[/B]вано", True, id="bold-inside-word"),
    pytest.param("Согласовано 👍", True, id="emoji"),
    pytest.param("Здравствуйте!\n\nСогласовано.\n\nС уважением, Мария", True, id="multi-line"),
    pytest.param("Согласовано\nА когда будет готово?", True, id="then-question-new-line"),
    pytest.param("Согласовано. А когда начнёте?", True, id="then-question-sentence"),
    pytest.param("Согласовано, а когда будет готово?", True, id="then-question-same-sentence"),
    pytest.param("Согласовано? Да, согласовано.", True, id="asked-then-stated"),
    pytest.param("[QUOTE]Оценка 3 ч[/QUOTE]Согласовано", True, id="estimate-quoted-reply"),
    pytest.param("Как и договаривались, согласовано", True, id="as-agreed-other-clause"),
    pytest.param("Согласовано с руководителем, начинайте", True, id="with-whom"),
    pytest.param("согласовано&nbsp;", True, id="html-entity"),
    pytest.param("Согласовано, приступайте", True, id="go-ahead"),
    pytest.param("Согласовано ✅", True, id="check-mark"),
    pytest.param("Согласовано, спасибо! Но можно ли ускорить?", False, id="then-question-but"),
    pytest.param("Нет, пока не согласовано, ждём директора", False, id="no-not-yet-waiting"),
    pytest.param("Согласовано, только побыстрее", False, id="only-reservation"),
    # Negated.
    pytest.param("не согласовано", False, id="negated"),
    pytest.param("Пока не согласовано", False, id="not-yet"),
    pytest.param("Ещё не согласовано", False, id="not-yet-yo"),
    pytest.param("Несогласовано", False, id="joined-negation"),
    pytest.param("Не совсем согласовано", False, id="not-quite"),
    pytest.param("Не до конца согласовано", False, id="not-fully"),
    pytest.param("Согласовано не будет", False, id="will-not-be"),
    pytest.param("Согласовано? Нет, не согласовано.", False, id="asked-then-negated"),
    pytest.param("Согласовано. Хотя нет, не согласовано", False, id="stated-then-negated"),
    # Asked.
    pytest.param("согласовано?", False, id="question"),
    pytest.param("Это согласовано?", False, id="this-question"),
    pytest.param("Согласовано ли это с бухгалтерией", False, id="li-particle"),
    pytest.param("Согласовано, да?", False, id="tag-question"),
    pytest.param("Согласовано или нет?", False, id="or-not-question"),
    pytest.param("Это согласовано, или нужно что-то ещё?", False, id="or-clause-question"),
    pytest.param("Согласовано?!", False, id="question-exclamation"),
    # Quoted only.
    pytest.param("[QUOTE]Согласовано[/QUOTE] а сроки?", False, id="only-quoted"),
    pytest.param(
        "[QUOTE]Ответ: [QUOTE]Согласовано[/QUOTE][/QUOTE]Уточните сроки", False, id="nested-quote"
    ),
    pytest.param(">>Согласовано\nЖдём ответа бухгалтерии", False, id="chat-quote"),
    # Other word forms.
    pytest.param("согласуйте, пожалуйста", False, id="other-form-imperative"),
    pytest.param("Согласуем завтра", False, id="other-form-future"),
    pytest.param("Отправил на согласование", False, id="other-form-noun"),
    pytest.param("Нужно согласовать с директором", False, id="other-form-infinitive"),
    pytest.param("Согласен", False, id="other-form-agree"),
    pytest.param("Согласна, делайте", False, id="other-form-agree-feminine"),
    pytest.param("Согласовали", False, id="other-form-past"),
    # Conditional or hedged.
    pytest.param("Согласовано, если уложитесь в 2 часа", False, id="conditional-if"),
    pytest.param("Согласовано при условии, что сроки не сдвинутся", False, id="on-condition"),
    pytest.param("Согласовано, но без пункта 3", False, id="but-reservation"),
    pytest.param("Всё согласовано, кроме сроков", False, id="except"),
    pytest.param("Частично согласовано", False, id="partially"),
    pytest.param("Как только будет согласовано, напишу", False, id="future"),
    pytest.param("Вроде согласовано", False, id="hedge"),
    # No word at all.
    pytest.param("Спасибо, ждём", False, id="discussion"),
    pytest.param("", False, id="empty"),
    pytest.param("[IMG]https://x.ru/a.png[/IMG]", False, id="image-only"),
    pytest.param("Согласованно", False, id="misspelled"),
]


@pytest.mark.parametrize(("text", "expected"), APPROVAL_TEXTS)
def test_is_approval_text(text: str, expected: bool) -> None:
    assert approval.is_approval_text(comments.to_plain(text)) is expected


REASONS = [
    pytest.param("Согласовано", approval.APPROVED, id="approved"),
    pytest.param("Обсудим на созвоне в четверг", approval.NO_APPROVAL_WORD, id="no-word"),
    pytest.param("Хорошо, ждём", approval.CONSENT_WITHOUT_WORD, id="consent-ok-waiting"),
    pytest.param(
        "Да, согласовано. Но срок сдвиньте на пятницу",
        approval.RESERVATION,
        id="issue-reservation-next-sentence",
    ),
    pytest.param("Пока не согласовано", approval.NEGATED, id="negated"),
    pytest.param("Это согласовано?", approval.QUESTION, id="question"),
    pytest.param("Согласуйте", approval.OTHER_WORD_FORM, id="other-form"),
    pytest.param("Согласовано, если уложитесь", approval.CONDITIONAL, id="conditional"),
    pytest.param("[QUOTE]Согласовано[/QUOTE]А сроки?", approval.QUOTED_ONLY, id="quoted-only"),
    pytest.param(
        "[QUOTE]Согласовано[/QUOTE]Не согласовано", approval.NEGATED, id="quoted-and-negated"
    ),
]


# Issue 13: consent in other words is answered (the client is told the regulation's word); a
# reservation anywhere makes it a discussion that the integrator is told about.
CONSENT_AND_RESERVATIONS = [
    pytest.param("Согласен", approval.CONSENT_WITHOUT_WORD, id="issue-agree-masculine"),
    pytest.param("Согласна", approval.CONSENT_WITHOUT_WORD, id="issue-agree-feminine"),
    pytest.param("👍", approval.CONSENT_WITHOUT_WORD, id="issue-thumbs-up"),
    pytest.param("Согласны, делайте", approval.CONSENT_WITHOUT_WORD, id="agree-plural-do-it"),
    pytest.param("ок", approval.CONSENT_WITHOUT_WORD, id="ok"),
    pytest.param("Ok", approval.CONSENT_WITHOUT_WORD, id="ok-latin"),
    pytest.param("Да", approval.CONSENT_WITHOUT_WORD, id="yes"),
    pytest.param("Да, давайте", approval.CONSENT_WITHOUT_WORD, id="yes-lets"),
    pytest.param("Подтверждаю", approval.CONSENT_WITHOUT_WORD, id="confirm"),
    pytest.param("Одобряю, приступайте", approval.CONSENT_WITHOUT_WORD, id="endorse-go-ahead"),
    pytest.param(
        "Согласовываю, Иван, спасибо!", approval.CONSENT_WITHOUT_WORD, id="approve-present"
    ),
    pytest.param("Согласен с оценкой, в работу", approval.CONSENT_WITHOUT_WORD, id="into-work"),
    pytest.param("Добрый день! Ок 👍", approval.CONSENT_WITHOUT_WORD, id="greeting-ok-emoji"),
    pytest.param("+", approval.CONSENT_WITHOUT_WORD, id="plus"),
    pytest.param("Поехали", approval.CONSENT_WITHOUT_WORD, id="lets-go"),
    pytest.param("Хорошо, давайте", approval.CONSENT_WITHOUT_WORD, id="fine-lets"),
    pytest.param("Утверждаю", approval.CONSENT_WITHOUT_WORD, id="i-sanction"),
    pytest.param("Оценку согласовываю", approval.CONSENT_WITHOUT_WORD, id="approve-the-estimate"),
    pytest.param("Согласна, но дорого", approval.RESERVATION, id="agree-but-expensive"),
    pytest.param("Ок, но почему так долго?", approval.NO_APPROVAL_WORD, id="ok-but-question"),
    pytest.param("Согласовано, работайте", approval.APPROVED, id="approved-go-on"),
    pytest.param(
        "В целом согласовано, но давайте обсудим сроки", approval.CONDITIONAL, id="on-the-whole"
    ),
    pytest.param("Не согласен", approval.OTHER_WORD_FORM, id="disagree"),
    pytest.param("Нет", approval.NO_APPROVAL_WORD, id="no"),
    pytest.param("Ок, а когда будет готово?", approval.NO_APPROVAL_WORD, id="ok-then-question"),
    pytest.param("Ок, но сначала покажите макет", approval.RESERVATION, id="ok-with-reservation"),
    pytest.param(
        "Хорошо. Для начала расскажите подробнее, как будет устроен обмен с 1С и склад",
        approval.NO_APPROVAL_WORD,
        id="long-text-is-discussion",
    ),
    pytest.param(
        "Согласовано. Уменьшите, пожалуйста, срок до трёх дней",
        approval.RESERVATION,
        id="change-request-next-sentence",
    ),
    pytest.param(
        "Согласовано! Если будут вопросы — пишите",
        approval.APPROVED,
        id="polite-if-questions-is-no-reservation",
    ),
    pytest.param(
        "Согласовано. Перенесите, пожалуйста, на следующую неделю",
        approval.RESERVATION,
        id="move-to-next-week",
    ),
]


# Phrasing review: comments as clients write them that were misread before.
PHRASING = [
    # an offer to help is no condition
    pytest.param(
        "Согласовано, если будут вопросы — пишите", approval.APPROVED, id="polite-if-comma"
    ),
    pytest.param("Согласовано, если что пишите", approval.APPROVED, id="polite-if-anything"),
    pytest.param(
        "Согласовано, спасибо. Если что-то понадобится — звоните",
        approval.APPROVED,
        id="polite-if-something-call",
    ),
    pytest.param(
        "Согласовано, если что-то пойдёт не так — переделаете",
        approval.CONDITIONAL,
        id="if-something-goes-wrong-is-a-condition",
    ),
    # a quoted consent: the client is answered, not ignored
    pytest.param(
        "[QUOTE]Оценка 3 ч. Если согласны, напишите «Согласовано»[/QUOTE]Хорошо",
        approval.CONSENT_WITHOUT_WORD,
        id="quote-then-fine",
    ),
    pytest.param("[QUOTE]Согласовано[/QUOTE]Хорошо", approval.CONSENT_WITHOUT_WORD, id="quote-ok"),
    # «> » lines (a mail reply) are quotes
    pytest.param("> Согласовано\nа сроки какие?", approval.QUOTED_ONLY, id="mail-quote-line"),
    pytest.param("> Оценка 3 ч\nСогласовано", approval.APPROVED, id="mail-quote-then-approval"),
    # the integrator's words repeated name the word, they do not state it
    pytest.param(
        "Для начала работ напишите «Согласовано»",
        approval.NO_APPROVAL_WORD,
        id="repeated-instruction",
    ),
    pytest.param(
        "Если согласны, напишите в комментарии «Согласовано» (п. 4.2)",
        approval.RESERVATION,
        id="repeated-app-message",
    ),
    pytest.param("Пишу: «Согласовано»", approval.APPROVED, id="i-write-the-word"),
    pytest.param(
        "Вы просили написать «Согласовано». Согласовано!",
        approval.APPROVED,
        id="named-then-stated",
    ),
    # a misspelt word is answered with the right one
    pytest.param("Согласованно", approval.CONSENT_WITHOUT_WORD, id="typo-double-n"),
    pytest.param("Соглосовано!", approval.CONSENT_WITHOUT_WORD, id="typo-o"),
    pytest.param("Не согласованно", approval.OTHER_WORD_FORM, id="typo-negated"),
    # a mention glued to the word
    pytest.param("Согласовано[USER=5]Иван[/USER]", approval.APPROVED, id="mention-glued-after"),
    # a part approved is no approval of the estimate
    pytest.param("По первому пункту согласовано", approval.RESERVATION, id="first-item"),
    pytest.param(
        "Первый пункт согласовано, второй нет", approval.RESERVATION, id="first-yes-second-no"
    ),
    # consent in the past tense is answered with the word
    pytest.param("Согласовали", approval.CONSENT_WITHOUT_WORD, id="we-approved"),
    pytest.param("Руководство согласовало", approval.CONSENT_WITHOUT_WORD, id="management-did"),
    pytest.param("Ещё не согласовали", approval.OTHER_WORD_FORM, id="not-yet-approved"),
    # a mail-style signature under a consent
    pytest.param(
        "Ок" + SIGNATURE,
        approval.CONSENT_WITHOUT_WORD,
        id="ok-signed",
    ),
    pytest.param(
        "Согласна\nОтправлено с iPhone", approval.CONSENT_WITHOUT_WORD, id="agree-sent-from-phone"
    ),
    # a separator line is no signature delimiter («--» is): what follows it is read
    pytest.param(
        "Согласовано.\n---\nТолько без третьего пункта",
        approval.RESERVATION,
        id="separator-then-reservation",
    ),
    pytest.param(
        "Согласовано\n——\nНо срок сдвиньте на пятницу",
        approval.RESERVATION,
        id="dashes-then-reservation",
    ),
    # a postscript under the signature is the client's own words again
    pytest.param(
        "Согласовано" + SIGNATURE + "\nP.S. Срок сдвиньте на пятницу",
        approval.RESERVATION,
        id="signed-then-postscript",
    ),
]


@pytest.mark.parametrize(("text", "reason"), [*REASONS, *CONSENT_AND_RESERVATIONS, *PHRASING])
def test_decide_approval_text_reasons(text: str, reason: str) -> None:
    decision = approval.decide_approval(
        text,
        Role.CLIENT,
        TaskState.AWAITING_APPROVAL,
        is_company_user=True,
        is_responsible=True,
        config=RegulationConfig(),
    )
    assert decision == approval.ApprovalDecision(reason == approval.APPROVED, reason, "4.2")


# Phrasing review: an approval that names another amount than the estimate (180 min rounded);
# (text, estimate, estimate approved before — a re-estimate —, reason).
AMOUNTS = [
    pytest.param("Согласовано на 2 часа", 180, None, approval.RESERVATION, id="fewer-hours"),
    pytest.param("Согласовано 2 ч", 180, None, approval.RESERVATION, id="fewer-hours-short"),
    pytest.param("Согласовано, 3 часа", 180, None, approval.APPROVED, id="same-hours"),
    pytest.param("Согласовано, 2 ч 50 мин", 180, None, approval.APPROVED, id="same-once-rounded"),
    pytest.param("Согласовано, пару часов", 180, None, approval.RESERVATION, id="couple-of-hours"),
    pytest.param("Согласовано, несколько часов", 180, None, approval.RESERVATION, id="vague-hours"),
    pytest.param("Согласовано, созвон в 15:00", 180, None, approval.APPROVED, id="clock-no-amount"),
    pytest.param("Согласовано, срок 3 дня", 180, None, approval.APPROVED, id="days-are-the-term"),
    pytest.param("Согласовано на 2 часа", None, None, approval.APPROVED, id="by-actual-estimate"),
    pytest.param("Согласовано ещё 2 часа", 300, None, approval.APPROVED, id="addition-in-work"),
    pytest.param("Согласовано +2 ч", 300, None, approval.APPROVED, id="plus-in-work"),
    pytest.param("Согласовано ещё 2 часа", 300, 180, approval.APPROVED, id="addition-as-asked"),
    pytest.param("Согласовано ещё 5 часов", 300, 180, approval.RESERVATION, id="other-addition"),
    pytest.param("Согласовано +1 ч", 300, 180, approval.RESERVATION, id="other-plus"),
    pytest.param(
        "Согласовано ещё несколько часов", 300, 180, approval.RESERVATION, id="vague-addition"
    ),
]


@pytest.mark.parametrize(("text", "estimate_minutes", "approved_minutes", "reason"), AMOUNTS)
def test_decide_approval_amount_named(
    text: str, estimate_minutes: int | None, approved_minutes: int | None, reason: str
) -> None:
    """A row with an estimate approved before is a re-estimate: an addition is compared with
    what it adds (300 − 180 = 120 min); without one an addition is not compared."""
    decision = approval.decide_approval(
        text,
        Role.CLIENT,
        TaskState.AWAITING_APPROVAL,
        is_company_user=True,
        is_responsible=True,
        config=RegulationConfig(),
        estimate_minutes=estimate_minutes,
        approved_minutes=approved_minutes,
    )
    assert decision.reason == reason


AUTHOR_CASES = [
    pytest.param(
        Role.CLIENT, TaskState.AWAITING_APPROVAL, True, True, False, approval.APPROVED, id="client"
    ),
    pytest.param(
        Role.CLIENT, TaskState.IN_PROGRESS, True, True, False, approval.WRONG_STATE, id="in-work"
    ),
    pytest.param(
        Role.INTEGRATOR, TaskState.AWAITING_ESTIMATE, True, True, False, approval.WRONG_STATE,
        id="state-checked-before-role",
    ),
    pytest.param(
        Role.INTEGRATOR, TaskState.AWAITING_APPROVAL, False, False, False, approval.NOT_CLIENT,
        id="integrator",
    ),
    pytest.param(
        Role.SYSTEM, TaskState.AWAITING_APPROVAL, True, True, False, approval.NOT_CLIENT,
        id="system",
    ),
    pytest.param(
        Role.CLIENT, TaskState.AWAITING_APPROVAL, False, False, False, approval.NOT_COMPANY_USER,
        id="other-company",
    ),
    pytest.param(
        Role.CLIENT, TaskState.AWAITING_APPROVAL, True, False, True, approval.NOT_RESPONSIBLE,
        id="responsible-only",
    ),
    pytest.param(
        Role.CLIENT, TaskState.AWAITING_APPROVAL, True, False, False, approval.APPROVED,
        id="any-company-user",
    ),
    pytest.param(
        Role.CLIENT, TaskState.AWAITING_APPROVAL, True, True, True, approval.APPROVED,
        id="the-responsible",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "state", "company_user", "responsible", "responsible_only", "reason"), AUTHOR_CASES
)
def test_decide_approval_author_and_state(
    role: Role,
    state: TaskState,
    company_user: bool,
    responsible: bool,
    responsible_only: bool,
    reason: str,
) -> None:
    decision = approval.decide_approval(
        "Добрый день! Согласовано.",
        role,
        state,
        is_company_user=company_user,
        is_responsible=responsible,
        config=RegulationConfig(approval_from_responsible_only=responsible_only),
    )
    assert (decision.approved, decision.reason, decision.clause) == (
        reason == approval.APPROVED,
        reason,
        "4.2",
    )


ACKNOWLEDGEMENTS = [
    pytest.param("Ознакомлен", True, id="masculine"),
    pytest.param("Ознакомлена.", True, id="feminine"),
    pytest.param("С регламентом ознакомлен(а)", True, id="form-text"),
    pytest.param("С регламентом ознакомлена, спасибо!", True, id="with-thanks"),
    pytest.param("Ознакомились, всё понятно", True, id="plural-past"),
    pytest.param("Ознакомлен, но не согласен с п. 3.3", True, id="with-objection"),
    pytest.param("[USER=1]Ольга[/USER], ознакомился", True, id="after-mention"),
    pytest.param("Не ознакомлен", False, id="negated"),
    pytest.param("Ещё не ознакомилась", False, id="not-yet"),
    pytest.param("Ознакомлен?", False, id="question"),
    pytest.param("Вы ознакомлены с регламентом?", False, id="asked-by-someone"),
    pytest.param("Ознакомлюсь позже", False, id="future"),
    pytest.param("[QUOTE]С регламентом ознакомлен(а)[/QUOTE]Что это?", False, id="quoted"),
    pytest.param("Спасибо", False, id="other"),
]


@pytest.mark.parametrize(("text", "expected"), ACKNOWLEDGEMENTS)
def test_is_acknowledgement_text(text: str, expected: bool) -> None:
    assert approval.is_acknowledgement_text(comments.to_plain(text)) is expected


HOSTILE = [
    pytest.param("согласовано " * 20_000, id="many-words-one-sentence"),
    pytest.param("согласовано, " * 20_000, id="many-clauses"),
    pytest.param("не согласовано? " * 20_000, id="many-sentences"),
    pytest.param("[QUOTE]" * 5_000 + "согласовано", id="deep-quotes"),
    pytest.param("[" * 10_000 + "согласовано", id="brackets"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_read_without_error(text: str) -> None:
    plain = comments.to_plain(text)
    assert isinstance(approval.is_approval_text(plain), bool)
    assert isinstance(approval.is_acknowledgement_text(plain), bool)
