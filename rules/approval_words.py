"""The words a client's approval comment is read by (п. 4.2, REGULATION.md "Reading comments"):
one place to add a word. rules.approval decides with them."""

from __future__ import annotations

import re

NEGATIONS = frozenset({"не", "ни", "нет"})
TAG_QUESTIONS = frozenset({"да", "верно", "так", "правильно", "ведь", "же", "нет", "ок", "ладно"})
# Words before the approval word in its clause that make it hypothetical, future or hedged.
HEDGES_BEFORE = frozenset(
    {
        "если",
        "когда",
        "будет",
        "будут",
        "буду",
        "должно",
        "должна",
        "должен",
        "нужно",
        "надо",
        "чтобы",
        "как",
        "может",
        "возможно",
        "наверное",
        "вроде",
        "почти",
        "частично",
    }
)
# Words after the approval word in its sentence that attach a condition or a reservation.
RESERVATIONS_AFTER = frozenset(
    {"если", "но", "однако", "кроме", "исключением", "условии", "условием", "только", "частично"}
)

# Consent in other words (REGULATION.md, "Reading comments"): it approves nothing, but the app
# answers it, so that nobody waits on a task the client believes approved.
CONSENT_WORDS = frozenset(
    {
        "согласен", "согласна", "согласны", "согласовываю", "согласовываем", "согласую",
        "ок", "окей", "ok", "okay", "хорошо", "ладно", "да", "давайте", "договорились",
        "подтверждаю", "подтверждаем", "одобряю", "одобряем", "одобрено", "утверждаю",
        "утверждено", "принято", "делайте", "приступайте", "начинайте", "запускайте", "go",
        "поехали", "вперед", "запускаем", "работаем", "принимается",
        "согласовали", "согласовал", "согласовала", "согласовало",
    }
)  # fmt: skip
CONSENT_MARKS = ("👍", "✅", "👌", "🆗", "🙆", "+")
CONSENT_FILLER = frozenset(
    {
        "спасибо", "пожалуйста", "добрый", "день", "здравствуйте", "привет", "коллеги", "с",
        "оценкой", "оценка", "сроками", "сроком", "все", "в", "работу", "можно", "ждем", "ждём",
        "тогда", "вас", "вам", "большое", "и", "так",
    }
)  # fmt: skip
# A reservation anywhere in the comment makes an approval a discussion; so does approving a part
# («По первому пункту согласовано», «Первый пункт согласовано, второй нет»).
RESERVATION_WORDS = frozenset(
    {
        "но", "однако", "только", "если", "условии", "условием", "кроме", "исключением", "хотя",
        "пункт", "пункту", "пункта", "пункты", "пунктам", "пунктов", "часть", "части",
        "первый", "первому", "первая", "первую", "второй", "второму", "вторая", "вторую",
        "остальное", "остальные", "остальным",
    }
)  # fmt: skip
CHANGE_REQUEST_RE = re.compile(
    r"(?<![а-я])(?:сдвин|перенес|передвин|измен|помен|уменьш|сократ|сниз|убер|убрать|ускор"
    r"|побыстрее|быстрее|дешевле|пересмотр)[а-я]*"
)
# «если будут вопросы», «если что — пишите»: an offer to help, not a condition.
POLITE_IF_RE = re.compile(
    r"(?<![а-я])если\s+(?:(?:будут|возникнут|появятся)\s+вопрос[а-я]*"
    r"|что(?:-то|-нибудь)?(?=[^.!?\n]{0,40}?(?<![а-я])(?:пиши|пишите|звони|звоните|обращайтесь"
    r"|сообщите|дайте\s+знать|на\s+связи)(?![а-я])))"
)
# «напишите «Согласовано»», «если согласны, ответьте «Согласовано»»: the word is named (the
# integrator's words repeated), not stated.
NAMED_WORD_RE = re.compile(
    r"(?<![а-я])(?:напишите|напиши|написать|пишите|пиши|ответьте|ответить|поставьте|оставьте)"
    r"[^.!?\n«\"„“]{0,30}[«\"„“]\s*(?:не)?согласован[а-я]*\s*[»\"“”]"
)
# «Согласованно», «Соглосовано»: the word misspelt is consent in other words (the client is told).
APPROVAL_TYPO_RE = re.compile(r"сог?л[ао]с[ао]в[ао]н+[оаы]?")
