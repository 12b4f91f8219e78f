"""The words an estimate comment is read by (REGULATION.md, "Reading comments"): one place to
add a word. rules.amount_roles gives each amount of time a role from them, rules.estimate_text
finds the estimate and its term with them; rules.estimate decides what the estimate means."""

from __future__ import annotations

import re


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


# -- around an amount of time: its role (rules.amount_roles) -----------------------------------
SPENT = _vocabulary(
    "ушло ушел ушла потрачено потратил потратила потратили затрачено затратил затратили "
    "отработано отработал списано списал залогировал залогировано уже было потрачен потрачена "
    "потрачены затрачен затрачена"
)
DELAY = _vocabulary(
    "через течение дам дадим пришлю пришлем сообщу сообщим напишу напишем подготовлю "
    "предоставлю позже завтра"
)
EXTRA = _vocabulary("еще дополнительно доп плюс сверху +")
TOTAL = _vocabulary("итого всего суммарно сумме общая общее общий total")
TERM = _vocabulary(
    "срок сроки срока сроком течение за после через до готово готова будет сделаем сделаю "
    "сдадим сдам выполним выполню реализуем"
)
ALTERNATIVE = _vocabulary("или либо максимум макс не более до")

# -- the comment as a whole (rules.estimate_text) -----------------------------------------------
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)  # «до 5 декабря»; messages name days the same way
KEYWORD_RE = re.compile(r"(?<![\w])(?:пере|до)?(?:оцен|estimat)\w*")
BY_ACTUAL_RE = re.compile(r"(?<![\w])по\s+факт\w*")

# Words that may stand around a bare amount without making it something other than an estimate.
FILLER = _vocabulary(
    "примерно около ориентировочно предварительно где-то порядка плюс-минус займет займут "
    "потребуется понадобится уйдет работы работ на это срок сроки срока реализации выполнения "
    "в течение за до задача работа доработка добрый день здравствуйте привет коллеги рабочих "
    "рабочий рабочие рабочего календарных думаю наверное кажется по времени сделаю сделаем"
)
