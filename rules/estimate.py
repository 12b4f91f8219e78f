"""п. 3.1, 3.4, 4.1, 4.3: read an integrator's estimate and term, round it, decide on approval."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from rules.regulation import RegulationConfig

_NUMBER_WORDS: dict[str, int] = {
    "один": 1,
    "одна": 1,
    "одну": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "десять": 10,
    "пятнадцать": 15,
    "двадцать": 20,
    "тридцать": 30,
    "сорок": 40,
    "пятьдесят": 50,
}
_ONE_AND_HALF = "полтора"
_NUM = rf"(?<![\d.,])\d{{1,5}}(?:[.,]\d{{1,3}})?|\b(?:{'|'.join(_NUMBER_WORDS)}|{_ONE_AND_HALF})\b"
_HOUR_UNIT = r"(?:ч(?:ас(?:а|ов)?)?\.?|h(?:rs?|ours?)?)(?![a-zа-я])"
_MINUTE_UNIT = r"(?:\s*(?:мин(?:ут[аыу]?)?\.?|min(?:ute)?s?|m)|м)(?![a-zа-я])"
_HOURS = rf"(?:(?P<h>{_NUM})\s*{_HOUR_UNIT}|(?<![\d\w])(?P<bare>час|часа)(?![a-zа-я]))"
_MINUTES = rf"(?P<m>{_NUM}){_MINUTE_UNIT}"
_ONLY_MINUTES = rf"(?P<om>{_NUM}){_MINUTE_UNIT}"
_HALF = r"(?<![\w])(?P<half>пол\s?часа|получаса)(?![a-zа-я])"
_QUARTER = r"(?<![\w])(?P<quarter>четверть\s+часа)(?![a-zа-я])"
_DURATION_RE = re.compile(
    rf"{_HALF}|{_QUARTER}|{_HOURS}(?:\s*(?:и\s+)?{_MINUTES})?|{_ONLY_MINUTES}", re.IGNORECASE
)
_BY_ACTUAL_RE = re.compile(r"(?<![\w])по\s+факт\w*")
_KEYWORD_RE = re.compile(r"(?<![\w])(?:пере)?(?:оцен|estimat)\w*")
_CLOCK_RE = re.compile(r"[\s:—–-]*(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?!\d)")
# «оценку дам через 2 часа»: the duration is when the estimate comes, not the estimate.
_DELAY_WORDS = frozenset(
    [
        "через",
        "течение",
        "дам",
        "дадим",
        "пришлю",
        "пришлем",
        "сообщу",
        "сообщим",
        "напишу",
        "напишем",
        "подготовлю",
        "предоставлю",
        "позже",
        "завтра",
        "сегодня",
        "ушло",
        "ушел",
        "ушла",
        "потрачено",
        "потратил",
        "потратили",
        "затрачено",
        "заняла",
        "занял",
        "заняло",
    ]
)
_TOTAL_RE = re.compile(r"(?<![\w])(?:итого|всего)\w*")
# Words that may stand around a bare duration without making it something other than an estimate.
_FILLER = frozenset(
    [
        "примерно",
        "около",
        "ориентировочно",
        "предварительно",
        "где-то",
        "порядка",
        "плюс-минус",
        "займет",
        "займут",
        "потребуется",
        "понадобится",
        "уйдет",
        "работы",
        "работ",
        "на",
        "это",
        "срок",
        "сроки",
        "срока",
        "реализации",
        "выполнения",
        "в",
        "течение",
        "за",
        "до",
        "задача",
        "работа",
        "доработка",
    ]
)
_INT_WORDS = "|".join(_NUMBER_WORDS)
_DAYS_RE = re.compile(
    rf"(?<![\w.,])(?P<n>\d{{1,3}}|{_INT_WORDS})\s*(?:(?P<work>рабоч\w*)\s*|(?P<cal>календарн\w*)\s*)?"
    r"(?:(?P<days>дн(?:я|ей)|день|дн\.)|(?P<weeks>недел[юиья]\w*))(?![a-zа-я])"
)
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
_UNTIL_RE = re.compile(
    r"(?<![\w])до\s+(?P<d>\d{1,2})(?:\.(?P<mo>\d{1,2})(?:\.(?P<y>\d{4}|\d{2}))?"
    rf"|\s+(?P<month>{'|'.join(MONTHS_GENITIVE)})(?:\s+(?P<y2>\d{{4}}))?)(?![\d\w])"
)


@dataclass(frozen=True, slots=True)
class Term:
    """п. 4.3: the agreed term: working or calendar days from approval, or a date."""

    working_days: int | None = None
    calendar_days: int | None = None
    until: date | None = None


_WORD_RE = re.compile(r"[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")


@dataclass(frozen=True, slots=True)
class Estimate:
    """п. 3.4, 4.1: minutes as written (None for «по факту») and the term, if one was given."""

    raw_minutes: int | None
    by_actual_time: bool
    term: Term | None = None


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    minutes: int | None  # None: «по факту»


def _number(token: str) -> Decimal:
    if token == _ONE_AND_HALF:
        return Decimal("1.5")
    word = _NUMBER_WORDS.get(token)
    return Decimal(word) if word is not None else Decimal(token.replace(",", "."))


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _duration_minutes(match: re.Match[str]) -> int:
    if match.group("half"):
        return 30
    if match.group("quarter"):
        return 15
    hours = Decimal(1) if match.group("bare") else _number(match.group("h") or "0")
    minutes = _number(match.group("m") or match.group("om") or "0")
    return _ceil(hours * 60 + minutes)


def _first_value(text: str, start: int, end: int | None = None) -> _Found | None:
    """The first duration or «по факту» in text[start:end]."""
    end = len(text) if end is None else end
    duration = _DURATION_RE.search(text, start, end)
    by_actual = _BY_ACTUAL_RE.search(text, start, end)
    if by_actual and (duration is None or by_actual.start() < duration.start()):
        return _Found(by_actual.start(), by_actual.end(), None)
    if duration:
        return _Found(duration.start(), duration.end(), _duration_minutes(duration))
    return None


def _total_after(text: str, start: int) -> _Found | None:
    """п. 4.1: a total («итого 3 ч») wins over the parts listed before it."""
    end = len(text)
    for total in reversed(list(_TOTAL_RE.finditer(text, start))):
        found = _first_value(text, total.end(), end)
        if found:
            return found
        end = total.start()
    return None


def _value_after(text: str, start: int, end: int) -> _Found | None:
    """The value a keyword introduces, unless it is when the estimate comes or time spent."""
    clock = _CLOCK_RE.match(text, start, end)
    if clock:
        minutes = int(clock.group("h")) * 60 + int(clock.group("m"))
        return _Found(clock.start("h"), clock.end(), minutes)
    found = _first_value(text, start, end)
    if found and set(_WORD_RE.findall(text[start : found.start])) & _DELAY_WORDS:
        return None
    return found


def _after_keyword(text: str) -> _Found | None:
    """п. 4.1: «оценка …» followed by a duration, each keyword read up to the next one."""
    keywords = list(_KEYWORD_RE.finditer(text))
    if not keywords:
        return None
    total = _total_after(text, keywords[0].end())
    if total:
        return total
    ends = [k.start() for k in keywords[1:]] + [len(text)]
    for keyword, end in zip(keywords, ends, strict=True):
        found = _value_after(text, keyword.end(), end)
        if found:
            return found
    return None


def _bare_duration(text: str) -> _Found | None:
    """A comment that is essentially just a duration («2 ч», «примерно 45 минут»)."""
    found = _first_value(text, 0)
    if found is None:
        return None
    rest = text[: found.start] + " " + text[found.end :]
    if any(word not in _FILLER for word in _WORD_RE.findall(rest)):
        return None
    return found


def _int(token: str) -> int:
    return _NUMBER_WORDS[token] if token in _NUMBER_WORDS else int(token)


def _days_term(match: re.Match[str]) -> Term:
    count = _int(match.group("n"))
    if match.group("weeks"):
        count *= 5 if match.group("work") else 7
    if match.group("work") or not (match.group("cal") or match.group("weeks")):
        return Term(working_days=count)
    return Term(calendar_days=count)


def _until_date(match: re.Match[str], today: date) -> date | None:
    month = (
        int(match.group("mo") or 0) or MONTHS_GENITIVE.index(match.group("month") or "января") + 1
    )
    year_text = match.group("y") or match.group("y2")
    year = int(year_text) if year_text else today.year
    year += 2000 if year < 100 else 0
    try:
        until = date(year, month, int(match.group("d")))
    except ValueError:
        return None
    if not year_text and until < today:
        return _replace_year(until, year + 1)
    return until


def _replace_year(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return None


def parse_term(plain: str, today: date) -> Term | None:
    """п. 4.3: «срок 3 рабочих дня», «2 календарных дня», «до 30.11», «до 5 декабря»."""
    days = _DAYS_RE.search(plain)
    term = _days_term(days) if days else Term()
    for match in _UNTIL_RE.finditer(plain):
        until = _until_date(match, today)
        if until is not None:
            term = Term(term.working_days, term.calendar_days, until)
            break
    return None if term == Term() else term


def strip_terms(plain: str) -> str:
    """Remove term expressions so that their numbers are never read as durations."""
    return _UNTIL_RE.sub(" ", _DAYS_RE.sub(" ", plain))


def parse_estimate(plain: str, today: date) -> Estimate | None:
    """п. 4.1: the estimate (and п. 4.3 term) stated in a normalized comment, or None."""
    text = strip_terms(plain)
    found = _after_keyword(text) or _bare_duration(text)
    if found is None:
        return None
    return Estimate(
        raw_minutes=found.minutes,
        by_actual_time=found.minutes is None,
        term=parse_term(plain, today),
    )


def round_up_minutes(minutes: int, unit: int) -> int:
    """п. 3.1: round up to a multiple of the unit (15 min), never less than one unit."""
    if minutes <= 0:
        return unit
    return -(-minutes // unit) * unit


def minutes_from_seconds(seconds: int | None) -> int | None:
    """п. 4.1: the task's TIME_ESTIMATE (seconds) in whole minutes, rounded up; None when unset."""
    if not seconds or seconds <= 0:
        return None
    return -(-seconds // 60)


def needs_approval(
    estimate: Estimate, rounded_minutes: int | None, config: RegulationConfig
) -> bool:
    """п. 3.4, 3.5: «по факту» or a rounded estimate above 60 min needs the client's approval."""
    if estimate.by_actual_time or rounded_minutes is None:
        return True
    return rounded_minutes > config.auto_accept_max_minutes
