"""п. 3.2, 5.x, 1.2: what a client's comment means — a defect, thanks, acceptance, a question.

The kinds carry how sure the reading is (STYLE §8.5): only DEFECT reopens a delivered task as free
rework; THANKS and ACCEPTANCE change nothing; QUESTION and UNCLEAR go to the integrator, who
decides. When a comment has signs of both a defect and contentment («Спасибо, но всё равно не
сохраняется»), the defect wins; a weak sign alone («нет кнопки») is UNCLEAR, not a defect.
"""

from __future__ import annotations

import re
from enum import StrEnum

from rules.approval import is_acknowledgement_text, is_approval_text
from rules.comments import without_signature


class Remark(StrEnum):
    """What a client comment is, as far as the words tell."""

    DEFECT = "defect"  # reports a fault or asks for a fix: warranty rework inside the window
    THANKS = "thanks"  # thanks or a plain acknowledgement («спасибо», «ок», 👍)
    ACCEPTANCE = "acceptance"  # the client accepts the result («принято», «замечаний нет»)
    QUESTION = "question"  # asks something: the integrator answers
    UNCLEAR = "unclear"  # anything else: the integrator decides


_W = r"(?<![а-яa-z0-9])"
# «не работает», «не сохраняется», «так и не пришло»: a function that does not work.
_BROKEN_VERBS = (
    r"работа|сохран|отобража|отобрази|приход|пришл|пришел|уход|ушл|ушел|открыва|откро|загруж|"
    r"загруз|видн|вид[ие]|срабатыва|сработа|выгруж|выгруз|передает|передаю|переда[лн]|созда|"
    r"меня[ею]т|поменял|появля|появил|получа|получил|прох[оо]д|прош|показыва|показал|считае|"
    r"считаю|посчита|отправля|отправил|запуска|запусти|подтягива|подтянул|подставля|"
    r"заполня|заполни|обновля|обновил|синхрониз|грузит|печата|формиру|сформир|находит|"
    r"нашел|нашл|привяза|связ|отрабатыва|добавля|удаля|пересчит|распозна|звонит|работ"
)
_STRONG_DEFECT_RE = re.compile(
    rf"{_W}(?:не|ни)\s+(?:[а-я]+\s+)?(?:{_BROKEN_VERBS})[а-я]*"
    rf"|{_W}(?:опять|снова|по-прежнему|до\s+сих\s+пор|все\s+равно|так\s+и\s+не|вс[её]\s+ещ[её])"
    r"(?![а-я])"
    rf"|{_W}(?:ошибк|ошибочн|баг|глюч|глюк|сломал|слома|слетел|слетает|пропал|пропада|исчез"
    r"|пада[ею]т|упал|завис|висит|висят|виснет|тормоз|некорректн|неправильн|неверн|не\s+корректн|не\s+правильн"
    r"|не\s+так\b|не\s+то\b|не\s+хватает|не\s+хватило|не\s+получа|не\s+удал)"
    rf"|{_W}(?:исправ|поправ|почин|переделай|переделайте|доработай|доработайте|верните|вернуть"
    rf"|устран|замечани)[а-я]*"
    r"|не\s+всегда|не\s+везде|не\s+у\s+всех|не\s+полностью|не\s+до\s+конца|частично|через\s+раз"
    r"|\b500\b|белый\s+экран|появил[а-я]*\s+(?:друг|нов)[а-я]*|(?:друг|нов)[а-я]*\s+ошибк",
)
_WEAK_DEFECT_RE = re.compile(rf"{_W}нет\s+(?!(?:вопрос|замечани|претензи|проблем|ошибок))[а-я]+")
# Phrases that deny a problem: they are acceptance, and their words are no defect.
_NO_PROBLEM_RE = re.compile(
    rf"{_W}(?:(?:замечани[йя]|вопрос(?:ов)?|претензи[йя]|проблем|ошибок)\s+(?:больше\s+)?нет"
    rf"|нет\s+(?:ни\s+)?(?:замечани[йя]|вопрос(?:ов)?|претензи[йя]|проблем|ошибок)"
    rf"|без\s+(?:замечани[йя]|ошибок|проблем)|не\s+за\s+что|не\s+нужно|не\s+требуется"
    rf"|ошибка\s+(?:больше\s+)?не\s+(?:воспроизводится|повторяется|появляется)"
    # «замечаний не выявлено», «ошибок не нашли», «ни одной ошибки»
    rf"|(?:замечаний|ошибок|проблем|недочетов)\s+не\s+(?:выявл|обнаруж|найден|нашл|нашел|было"
    rf"|заметил)[а-я]*|ни\s+(?:одной|одного)\s+(?:ошибк|замечани|проблем)[а-я]*)"
)
# «Спасибо, что исправили», «Ошибку исправили», «Все замечания устранены»: a fix that is done is
# thanks, and its words are no defect; «не исправили», «исправили не всё» stay one.
_FIXED = r"(?:исправил|поправил|починил|устранил|исправлен|поправлен|починен|устранен)"
_FIXED_THINGS = r"(?:ошибк|проблем|замечани|недочет|баг)[а-я]*"
# A fault that is gone is thanks too: «Ошибка пропала», «Больше не падает», «Всё опять работает».
_FAULT_VERBS = r"(?:пада|тормоз|завис|висн|глюч|вылета|ругает|дублир|теря|сбрасыва|слета|пропада)"
_FIXED_RE = re.compile(
    rf"{_W}(?<!не\s)(?<!ни\s)(?:(?:вс[её]\s+)?{_FIXED_THINGS}\s+)?(?:уже\s+)?"
    rf"{_FIXED}[аоиы]?(?![а-я])(?!\s+(?:не|ни)\s)(?:\s+(?:вс[её]\s+)?{_FIXED_THINGS})?"
    rf"|{_W}(?:спасибо|благодар[а-я]*)\s+за\s+(?:оперативн[а-я]*\s+|быстр[а-я]*\s+)?"
    r"(?:исправлени|починк|устранени)[а-я]*"
    rf"|{_W}(?:ошибк|проблем|глюк|баг|дубл)[а-я]*\s+(?:больше\s+|уже\s+)?(?:нет|ушл[аи]?|ушел"
    r"|пропал[аи]?|исчезл[аи]?|исчез|не\s+(?:появля|возника|создаю|повторя|воспроизвод)[а-я]*)"
    rf"(?![а-я])|{_W}(?<!не\s)(?:больше|уже|теперь)\s+не\s+{_FAULT_VERBS}[а-я]*"
    rf"|{_W}(?<!не\s)(?:опять|снова)\s+(?:вс[её]\s+)?(?:работа|заработа)[а-я]*(?!\s+не\s)"
    rf"|{_W}(?<!не\s)(?:вс[её]\s+)?работа[а-я]*\s+(?:опять|снова)(?![а-я])"
)
_ACCEPTANCE_RE = re.compile(
    rf"{_W}(?:принято|принимаю|принимаем|приняли|принята|принят|работу\s+принимаю"
    rf"|можно\s+закрывать|можно\s+закрыть|закрывайте|закрываем|все\s+устраивает"
    rf"|всё\s+устраивает|устраивает)(?![а-я])"
)
_THANKS_RE = re.compile(
    rf"{_W}(?:спасибо|спс|благодар[а-я]*|thanks?|thank\s+you|отлично|супер|класс|здорово"
    rf"|прекрасно|замечательно|круто|ок|окей|ok|okay|хорошо|понятно|ясно|понял|поняла|поняли"
    rf"|договорились|работает|работают|заработал[а-я]*|получилось|все|всё|вс[её]\s+ок"
    rf"|проверил[а-я]*|посмотрел[а-я]*|увидел[а-я]*|получил[а-я]*|да|большое|огромное|вам"
    rf"|тебе|отличная|работа|молодцы|молодец|теперь|правильно|корректно|верно)(?![а-я])"
    r"|👍|🙏|👌|✅|👏|🔥|❤|☺|🙂|😊|\+"
)
_QUESTION_RE = re.compile(
    rf"\?|{_W}(?:подскажите|скажите|уточните|объясните|расскажите|поясните|интересует"
    rf"|хотел[а-я]*\s+(?:бы\s+)?(?:спросить|уточнить|узнать)|можно\s+ли|а\s+как|а\s+где"
    rf"|как\s+(?:теперь|сделать|настроить)|почему|зачем)(?![а-я])"
)
_GREETINGS_RE = re.compile(
    rf"{_W}(?:добрый\s+(?:день|вечер)|доброе\s+утро|здравствуйте|привет|коллеги"
    rf"|с\s+уважением)(?![а-я])"
)
_WORD_RE = re.compile(r"[a-zа-я0-9]+")
# «Работает, но медленно», «не везде»: a contented reading needs no «но» and no negation left.
_BUTS = frozenset({"не", "нет", "но", "однако", "только", "кроме", "хотя", "ни"})
_THANKS_MAX_OTHER_WORDS = 3  # a name or two; more words say something else


def _cleared(plain: str) -> str:
    """The text without the phrases that deny a problem or report a fix done."""
    return _FIXED_RE.sub(" ", _NO_PROBLEM_RE.sub(" ", plain))


def _leftover(plain: str) -> list[str]:
    text = _GREETINGS_RE.sub(" ", _cleared(plain))
    return _WORD_RE.findall(_ACCEPTANCE_RE.sub(" ", _THANKS_RE.sub(" ", text)))


def classify_remark(plain: str) -> Remark:
    """п. 3.2: a normalized client comment on a delivered task, by its words."""
    plain = without_signature(plain)
    cleared = _cleared(plain)
    if _STRONG_DEFECT_RE.search(cleared):
        return Remark.DEFECT
    if _QUESTION_RE.search(cleared):
        return Remark.QUESTION
    leftover = _leftover(plain)
    if _WEAK_DEFECT_RE.search(cleared) or set(leftover) & _BUTS:
        return Remark.UNCLEAR
    if len(leftover) > _THANKS_MAX_OTHER_WORDS:
        return Remark.UNCLEAR
    if _ACCEPTANCE_RE.search(plain) or _NO_PROBLEM_RE.search(plain):
        return Remark.ACCEPTANCE
    if _THANKS_RE.search(plain) or _FIXED_RE.search(plain):
        return Remark.THANKS
    return Remark.UNCLEAR


def expects_answer(plain: str) -> bool:
    """п. 1.2: a comment that waits for a person's answer (a question, a remark, a request, new
    information) — not «Согласовано» (the app answers it), «Ознакомлен(а)», thanks or «ок»."""
    plain = without_signature(plain)
    if is_approval_text(plain) and "?" not in plain:
        return False
    if is_acknowledgement_text(plain) and "?" not in plain:
        return False
    return classify_remark(plain) not in (Remark.THANKS, Remark.ACCEPTANCE)
