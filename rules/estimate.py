"""п. 3.1, 3.4, 4.1, 4.3: read an integrator's estimate and term, round it, decide on approval.

How a comment is read (REGULATION.md, "Reading comments", estimates): rules.durations finds every
amount of time; this module decides from the words around each one what it is. A total
(«итого 3 ч») wins; otherwise the amounts after the estimate keyword are summed (a breakdown,
«4 часа + 30 минут»), alternatives («2 или 3 часа») and ranges give their upper bound, time already
spent («15 минут уже потрачено») and the time when an estimate comes («дам через 2 часа») are
left out, and days are an amount of work («1 день», «полдня») unless they are a term
(«срок 2 дня», «3 рабочих дня» beside an amount in hours). A comment that clearly is an
estimate but cannot be read gives `Unreadable`, never a guess.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from rules.durations import Amount, Unit, find_amounts
from rules.regulation import RegulationConfig

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
_KEYWORD_RE = re.compile(r"(?<![\w])(?:пере|до)?(?:оцен|estimat)\w*")
_BY_ACTUAL_RE = re.compile(r"(?<![\w])по\s+факт\w*")
_WORD_RE = re.compile(r"[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")
_BARE_NUMBER_RE = re.compile(r"(?<![\w.,:])\d{1,4}(?:[.,]\d{1,2})?(?![\w.,:]|[.,]\d)")
_SENTENCE_END = ".!?…\n;"
_READ_MAX = 4000  # an estimate is a short comment; longer text is read up to here
_BARE_MAX = 300  # a bare amount («2 ч») is a short comment
_CLAUSE_END = ",()"


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


UNREADABLE_NO_UNIT = "no_unit"  # «Оценка 3»
UNREADABLE_VAGUE = "vague"  # «Оценка: несколько часов»
UNREADABLE_TERM_ONLY = "term_only"  # «Оценка: срок 3 дня» and no amount of work

_SPENT = _vocabulary(
    "ушло ушел ушла потрачено потратил потратила потратили затрачено затратил затратили "
    "отработано отработал списано списал залогировал залогировано уже было"
)
_DELAY = _vocabulary(
    "через течение дам дадим пришлю пришлем сообщу сообщим напишу напишем подготовлю "
    "предоставлю позже завтра"
)
_EXTRA = _vocabulary("еще дополнительно доп плюс сверху +")
_TOTAL = _vocabulary("итого всего суммарно сумме общая общее общий total")
_TERM = _vocabulary(
    "срок сроки срока сроком течение за после через до готово готова будет сделаем сделаю "
    "сдадим сдам выполним выполню реализуем"
)
_ALTERNATIVE = _vocabulary("или либо максимум макс не более до")
# Words that may stand around a bare amount without making it something other than an estimate.
_FILLER = _vocabulary(
    "примерно около ориентировочно предварительно где-то порядка плюс-минус займет займут "
    "потребуется понадобится уйдет работы работ на это срок сроки срока реализации выполнения "
    "в течение за до задача работа доработка добрый день здравствуйте привет коллеги рабочих "
    "рабочий рабочие рабочего календарных"
)


@dataclass(frozen=True, slots=True)
class Term:
    """п. 4.3: the agreed term: working or calendar days from approval, or a date."""

    working_days: int | None = None
    calendar_days: int | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    """п. 3.4, 4.1: minutes as written (None for «по факту»), the term, and how it was read."""

    raw_minutes: int | None
    by_actual_time: bool
    term: Term | None = None
    parts: tuple[int, ...] = ()  # a breakdown that was summed («анализ 30 мин, разработка 2 ч»)
    additional: bool = False  # п. 3.3: «ещё 2 часа» adds to the approved estimate
    day_minutes: int | None = None  # days were converted at this working-day length
    spent_minutes: int = 0  # time already spent, mentioned beside the estimate, left out
    is_range: bool = False  # «2–3 часа»: the upper bound was taken


@dataclass(frozen=True, slots=True)
class Unreadable:
    """п. 4.1: a comment that states an estimate the app cannot read; nothing is accepted."""

    reason: str  # UNREADABLE_*
    fragment: str  # the words it could not read, for the question to the integrator


@dataclass(frozen=True, slots=True)
class _Read:
    """One amount with what its context makes of it."""

    amount: Amount
    role: str  # "value" | "spent" | "delay" | "term" | "total"
    extra: bool
    alternative: bool  # joined to the previous value by «или», «до», «максимум»


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _stops(text: str, amounts: list[Amount], chars: str) -> list[int]:
    """Positions of stop characters that are not inside an amount («2 ч. 15 м.», «1,5 ч»)."""
    inside = {i for a in amounts for i in range(a.start, a.end)}
    return [i for i, ch in enumerate(text) if ch in chars and i not in inside]


def _span(stops: list[int], pos: int, size: int) -> tuple[int, int]:
    """The stretch between the stops around `pos` (stops are sorted)."""
    i = bisect_left(stops, pos)
    return (stops[i - 1] + 1 if i else 0), (stops[i] if i < len(stops) else size)


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text) + (["+"] if text.rstrip().endswith("+") else [])


def _last(text: str, count: int) -> set[str]:
    return set(_words(text)[-count:])


@dataclass(frozen=True, slots=True)
class _Context:
    """The words of an amount's clause before and after it."""

    prefix: str
    suffix: str


def _contexts(text: str, amounts: list[Amount]) -> list[_Context]:
    stops = _stops(text, amounts, _SENTENCE_END + _CLAUSE_END)
    found = []
    for i, amount in enumerate(amounts):
        start, end = _span(stops, amount.start, len(text))
        previous_end = amounts[i - 1].end if i else 0
        next_start = amounts[i + 1].start if i + 1 < len(amounts) else len(text)
        found.append(
            _Context(
                text[max(start, previous_end) : amount.start],
                text[amount.end : min(end, next_start)],
            )
        )
    return found


def _time_role(context: _Context) -> str:
    words = set(_words(context.prefix))
    if words & _SPENT or set(_words(context.suffix)) & _SPENT:
        return "spent"
    if words & _DELAY:
        return "delay"
    return "total" if _last(context.prefix, 3) & _TOTAL else "value"


def _is_joined(text: str, a: Amount, b: Amount) -> bool:
    """«1 день + 2 часа», «1 день и 4 часа»: days added to hours are work, not a term."""
    between = text[min(a.end, b.end) : max(a.start, b.start)]
    return between.strip() in ("+", "и", "плюс")


def _day_role(amount: Amount, context: _Context, joined: bool, work_in_hours: bool) -> str:
    """A days amount is the term after a term word, beside an amount in hours, or calendar."""
    if amount.bare:  # «день» alone counts only right after the keyword (see _values)
        return "value"
    if amount.calendar or _last(context.prefix, 3) & _TERM:
        return "term"
    if work_in_hours and not joined:
        return "term"
    return _time_role(context)


def _read(text: str, amounts: list[Amount]) -> list[_Read]:
    contexts = _contexts(text, amounts)
    roles = [
        _time_role(c) if a.unit is Unit.MINUTES else ""
        for a, c in zip(amounts, contexts, strict=True)
    ]
    work = [r in ("value", "total") and not a.vague for a, r in zip(amounts, roles, strict=True)]
    reads = []
    for i, (amount, context) in enumerate(zip(amounts, contexts, strict=True)):
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(amounts) and work[j]]
        joined = any(_is_joined(text, amount, amounts[j]) for j in neighbours)
        role = roles[i] or _day_role(amount, context, joined, any(work))
        reads.append(
            _Read(
                amount,
                role,
                extra=bool(_last(context.prefix, 2) & _EXTRA),
                alternative=bool(i and set(_words(context.prefix)) & _ALTERNATIVE),
            )
        )
    return reads


def _parenthesized(text: str) -> list[bool]:
    """Per character: inside «( … )»."""
    depth, inside = 0, []
    for ch in text:
        depth += ch == "("
        inside.append(depth > 0)
        depth = max(depth - (ch == ")"), 0)
    return inside


def _values(reads: list[_Read], text: str, keyword_end: int) -> list[_Read]:
    """Amounts that state work: a clock («2:30») or a bare «день» only right after the keyword,
    and what is in parentheses only when nothing outside them states work."""
    right_after = text[keyword_end:].lstrip(" :—–-")
    offset = len(text) - len(right_after)
    values = [
        r
        for r in reads
        if r.role == "value"
        and not r.amount.vague
        and (not (r.amount.clock or r.amount.bare) or r.amount.start == offset)
    ]
    inside = _parenthesized(text)
    outside = [r for r in values if not inside[r.amount.start]]
    return outside or values


def _minutes(read: _Read, config: RegulationConfig) -> Decimal:
    if read.amount.unit is Unit.DAYS:
        return read.amount.value * config.working_day_minutes
    return read.amount.value


def _combine(chosen: list[_Read], config: RegulationConfig) -> tuple[int, tuple[int, ...]]:
    """A breakdown is summed; alternatives («2 или 3 часа») keep the larger."""
    groups: list[Decimal] = []
    for read in chosen:
        minutes = _minutes(read, config)
        if groups and read.alternative:
            groups[-1] = max(groups[-1], minutes)
        else:
            groups.append(minutes)
    parts = tuple(_ceil(g) for g in groups)
    return _ceil(sum(groups, Decimal(0))), parts if len(parts) > 1 else ()


def _sentences(text: str, amounts: list[Amount]) -> list[tuple[int, int]]:
    stops = _stops(text, amounts, _SENTENCE_END)
    starts = [0, *(s + 1 for s in stops)]
    ends = [*stops, len(text)]
    return [(a, b) for a, b in zip(starts, ends, strict=True) if text[a:b].strip()]


def _is_list_line(text: str, span: tuple[int, int]) -> bool:
    return bool(re.match(r"\s*(?:[-•*—–]|\d{1,2}[.)]\s)", text[span[0] : span[1]]))


def _pick(values: list[_Read], text: str, start: int, amounts: list[Amount]) -> list[_Read]:
    """The first sentence from `start` that states work, and the list lines right after it."""
    chosen: list[_Read] = []
    starts = [r.amount.start for r in values]
    for span in _sentences(text, amounts):
        if span[1] <= start:
            continue
        here = values[bisect_left(starts, span[0]) : bisect_left(starts, span[1])]
        if chosen and not (here and _is_list_line(text, span)):
            break
        chosen.extend(here)
    return chosen


def _term(reads: list[_Read], text: str, today: date) -> Term | None:
    """п. 4.3: «срок 3 рабочих дня», «2 календарных дня», «до 30.11», «до 5 декабря»."""
    days = next((r.amount for r in reads if r.role == "term"), None)
    term = Term()
    if days is not None:
        count = _ceil(days.value)
        if days.calendar:
            term = Term(calendar_days=count * 7 // 5 if days.weeks else count)
        else:
            term = Term(working_days=count)
    for match in _UNTIL_RE.finditer(text):
        until = _until_date(match, today)
        if until is not None:
            term = Term(term.working_days, term.calendar_days, until)
            break
    return None if term == Term() else term


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


def _estimate(
    chosen: list[_Read], reads: list[_Read], term: Term | None, config: RegulationConfig
) -> Estimate:
    minutes, parts = _combine(chosen, config)
    spent = sum((r.amount.value for r in reads if r.role == "spent"), Decimal(0))
    return Estimate(
        raw_minutes=minutes,
        by_actual_time=False,
        term=term,
        parts=parts,
        additional=chosen[0].extra,  # «ещё 2 ч»; a «+» between parts joins a breakdown
        day_minutes=config.working_day_minutes
        if any(r.amount.unit is Unit.DAYS for r in chosen)
        else None,
        spent_minutes=_ceil(spent),
        is_range=any(r.amount.is_range or r.alternative for r in chosen),
    )


def _unreadable(plain: str, reads: list[_Read], keyword: re.Match[str]) -> Unreadable | None:
    """A keyword with an amount nobody can read, a number without a unit, or only a term."""
    zone = [r for r in reads if r.amount.start >= keyword.start()]
    blanked = list(_UNTIL_RE.sub(_blank, plain))
    for read in zone:
        blanked[read.amount.start : read.amount.end] = " " * (read.amount.end - read.amount.start)
    text = "".join(blanked)
    sentence_end = min(
        (i for i in (text.find(ch, keyword.end()) for ch in _SENTENCE_END) if i >= 0),
        default=len(text),
    )
    fragment = plain[keyword.start() : sentence_end].strip()[:200]
    if any(r.amount.vague for r in zone):
        return Unreadable(UNREADABLE_VAGUE, fragment)
    promised = set(_words(fragment)) & (_DELAY - {"через", "течение"})  # «оценку пришлю …»
    if promised or any(r.role in ("delay", "spent") for r in zone):
        return None
    after = text[keyword.end() : sentence_end]
    number = _BARE_NUMBER_RE.search(after)
    before = after[: number.start()] if number else ""
    ticket = re.search(r"(?:задач\w*|№|#)\s*$", before)
    if number and not ticket and len(_words(before)) <= 3:
        return Unreadable(UNREADABLE_NO_UNIT, fragment)
    if any(r.role == "term" for r in zone):
        return Unreadable(UNREADABLE_TERM_ONLY, fragment)
    return None


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _bare(
    plain: str, reads: list[_Read], term: Term | None, config: RegulationConfig
) -> Estimate | None:
    """A comment that is essentially just an amount («2 ч», «примерно 45 минут», «по факту»)."""
    values = [r for r in reads if r.role == "value" and not (r.amount.bare or r.amount.clock)]
    rest = _UNTIL_RE.sub(_blank, _BY_ACTUAL_RE.sub(_blank, plain))
    covered = (
        "".join(
            " " if any(r.amount.start <= i < r.amount.end for r in reads) else ch
            for i, ch in enumerate(rest)
        )
        if len(plain) <= _BARE_MAX
        else plain
    )
    if any(word not in _FILLER for word in _WORD_RE.findall(covered)):
        return None
    if values:
        return _estimate(values, reads, term, config)
    if _BY_ACTUAL_RE.search(plain):
        return Estimate(raw_minutes=None, by_actual_time=True, term=term)
    return None


def parse_estimate(
    plain: str, today: date, config: RegulationConfig, *, bare_allowed: bool = True
) -> Estimate | Unreadable | None:
    """п. 4.1: the estimate (and п. 4.3 term) stated in a normalized comment.

    None: the comment states no estimate. `bare_allowed`: a comment that is only an amount
    («2 ч») counts too (while an estimate is awaited); otherwise the estimate keyword is needed.
    """
    plain = plain[:_READ_MAX]
    amounts = list(find_amounts(plain))
    reads = _read(plain, amounts)
    term = _term(reads, plain, today)
    keyword = _KEYWORD_RE.search(plain)
    if keyword is None:
        return _bare(plain, reads, term, config) if bare_allowed else None
    values = _values([r for r in reads if r.amount.start >= keyword.start()], plain, keyword.end())
    totals = [r for r in reads if r.role == "total" and r.amount.start >= keyword.start()]
    chosen = totals[-1:] or _pick(values, plain, keyword.start(), amounts)
    by_actual = _BY_ACTUAL_RE.search(plain, keyword.start())
    if by_actual and (not chosen or by_actual.start() < chosen[0].amount.start):
        return Estimate(raw_minutes=None, by_actual_time=True, term=term)
    if chosen:
        return _estimate(chosen, reads, term, config)
    return _unreadable(plain, reads, keyword)


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
