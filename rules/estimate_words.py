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
    "отработано отработал списано списал залогировал залогировано уже потрачен потрачена "
    "потрачены затрачен затрачена"
)
DELAY = _vocabulary(
    "через течение дам дадим пришлю пришлем сообщу сообщим напишу напишем подготовлю "
    "предоставлю позже завтра"
)
EXTRA = _vocabulary(
    "еще дополнительно доп плюс сверху + увеличилась увеличена увеличится увеличим выросла"
)
# «по оценке осталось ещё 1 ч», «до конца оценки 30 минут»: what is left of the approved one.
REMAINING = _vocabulary("осталось остается осталась остались останется остаток конца")
TOTAL = _vocabulary("итого всего суммарно сумме общая общее общий total")
TERM = _vocabulary(
    "срок сроки срока сроком течение за после через до готово готова будет сделаем сделаю "
    "сдадим сдам выполним выполню реализуем"
)
ALTERNATIVE = _vocabulary("или либо максимум макс не более до")
# «не менее 1 часа», «от 1 часа», «1 час и больше», «1 ч на каждую форму»: no upper bound, or a
# price per piece: nobody can approve or auto-accept it, the integrator is asked.
OPEN_BEFORE = _vocabulary("от минимум минимально больше более свыше")  # not after «не»: «не более»
AT_LEAST = _vocabulary("менее меньше")  # only after «не»: «меньше часа» is an upper bound
OPEN_AFTER = _vocabulary(
    "больше более дольше минимум небольшим каждую каждый каждое каждого каждой каждые штуку единицу"
)
# «вместо 3 часов», «ранее 1 ч», «не 2 часа, а 3»: an amount the comment replaces.
REPLACED = _vocabulary(
    "вместо ранее раньше прежняя прежней прежние старая старой было была "
    "согласованным согласованной согласованных согласованные утвержденным утвержденной "
    "утвержденных текущей текущим текущих первоначальной первоначальным первоначальных"
)
# «ориентировочно день»: words that may stand between the keyword and a bare «день».
APPROXIMATELY = ("ориентировочно", "примерно", "около", "где-то", "порядка", "~", "≈")

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
# «Оценка: 3 ч, дальнейшие доработки по факту»: «по факту» about later work, not this estimate.
LATER_WORK = _vocabulary(
    "дальнейшие дальнейших дальнейшая дальнейшее последующие последующих будущие следующие "
    "новые другие дополнительные доп"
)

# «Оценка: пока не могу сказать», «Оценка: после анализа»: no estimate yet, nothing to ask back.
NOT_YET = _vocabulary("пока после позже позднее уточню уточним скажу скажем сказать могу можем")

# Words that may stand around a bare amount without making it something other than an estimate.
FILLER = _vocabulary(
    "примерно около ориентировочно предварительно где-то порядка плюс-минус займет займут "
    "потребуется понадобится уйдет работы работ на это срок сроки срока реализации выполнения "
    "в течение за до задача работа доработка добрый день здравствуйте привет коллеги рабочих "
    "рабочий рабочие рабочего календарных думаю наверное кажется по времени сделаю сделаем "
    # a breakdown without the keyword: «анализ 30 мин, разработка 2 ч»
    "анализ разработка разработку тестирование тесты настройка настройку внедрение и "
    "трудозатраты трудоемкость"
)
