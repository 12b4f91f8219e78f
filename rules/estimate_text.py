"""п. 4.1, 4.3: read an integrator's estimate and term out of a comment (rules.estimate decides).

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
from datetime import date
from decimal import Decimal

from rules.amount_roles import (
    SENTENCE_END,
    Read,
    ceil_minutes,
    combine,
    is_approximate,
    pick,
    read_roles,
    words,
    work_values,
)
from rules.durations import Unit, find_amounts
from rules.estimate import (
    UNREADABLE_NO_UNIT,
    UNREADABLE_TERM_ONLY,
    UNREADABLE_VAGUE,
    Estimate,
    Term,
    Unreadable,
)
from rules.estimate_words import (
    BY_ACTUAL_RE,
    DELAY,
    FILLER,
    KEYWORD_RE,
    LATER_WORK,
    MONTHS_GENITIVE,
    NOT_YET,
)
from rules.regulation import RegulationConfig

_UNTIL_RE = re.compile(
    r"(?<![\w])до\s+(?P<d>\d{1,2})(?:\.(?P<mo>\d{1,2})(?:\.(?P<y>\d{4}|\d{2}))?"
    rf"|\s+(?P<month>{'|'.join(MONTHS_GENITIVE)})(?:\s+(?P<y2>\d{{4}}))?)(?![\d\w])"
)
_WORD_RE = re.compile(r"[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")
_BARE_NUMBER_RE = re.compile(r"(?<![\w.,])(?<!\d:)\d{1,4}(?:[.,]\d{1,2})?(?![\w.,:]|[.,]\d)")
_STATED_RE = re.compile(r"[ \t]*[:=—–-]")  # «Оценка: …» states an estimate, whatever follows
_READ_MAX = 4000  # an estimate is a short comment; longer text is read up to here
_BARE_MAX = 300  # a bare amount («2 ч») is a short comment


def _term(reads: list[Read], text: str, today: date) -> Term | None:
    """п. 4.3: «срок 3 рабочих дня», «2 календарных дня», «до 30.11», «до 5 декабря»."""
    days = next((r.amount for r in reads if r.role == "term"), None)
    term = Term()
    if days is not None:
        count = ceil_minutes(days.value)
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
    chosen: list[Read], reads: list[Read], term: Term | None, config: RegulationConfig
) -> Estimate:
    minutes, parts = combine(chosen, config.working_day_minutes)
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
        spent_minutes=ceil_minutes(spent),
        is_range=any(r.amount.is_range or r.alternative for r in chosen),
    )


def _unreadable(plain: str, reads: list[Read], keyword: re.Match[str]) -> Unreadable | None:
    """A keyword with an amount nobody can read, a number without a unit, or only a term."""
    zone = [r for r in reads if r.amount.start >= keyword.start()]
    blanked = list(_UNTIL_RE.sub(_blank, plain))
    for read in zone:
        blanked[read.amount.start : read.amount.end] = " " * (read.amount.end - read.amount.start)
    text = "".join(blanked)
    sentence_end = min(
        (i for i in (text.find(ch, keyword.end()) for ch in SENTENCE_END) if i >= 0),
        default=len(text),
    )
    fragment = plain[keyword.start() : sentence_end].strip()[:200]
    if any(_is_unbounded(r) for r in zone):
        return Unreadable(UNREADABLE_VAGUE, fragment)
    promised = set(words(fragment)) & ((DELAY - {"через", "течение"}) | NOT_YET)  # «пришлю …»
    if promised or any(r.role in ("delay", "spent", "remaining") for r in zone):
        return None
    after = text[keyword.end() : sentence_end]
    number = _BARE_NUMBER_RE.search(after)
    before = after[: number.start()] if number else ""
    ticket = re.search(r"(?:задач\w*|№|#)\s*$", before)
    if number and not ticket and len(words(before)) <= 3:
        return Unreadable(UNREADABLE_NO_UNIT, fragment)
    if any(r.role == "term" for r in zone):
        return Unreadable(UNREADABLE_TERM_ONLY, fragment)
    if _STATED_RE.match(plain, keyword.end()) and words(after):  # «Оценка: полчасика»
        return Unreadable(UNREADABLE_VAGUE, fragment)
    return None


def _is_by_actual(plain: str, by_actual: re.Match[str], chosen: list[Read]) -> bool:
    """п. 3.4: «по факту» before the amounts, or in their sentence about this work
    («анализ 30 мин, разработка — по факту»), not about later work («дальнейшие доработки»)."""
    if not chosen or by_actual.start() < chosen[0].amount.start:
        return True
    between = plain[chosen[-1].amount.end : by_actual.start()]
    later = set(words(between)[-3:]) & LATER_WORK
    return not later and not any(ch in SENTENCE_END for ch in between)


def _is_unbounded(read: Read) -> bool:
    """«несколько часов», «от 1 часа», «1 ч на каждую форму»: no amount anyone could approve."""
    return read.amount.vague or read.role == "open"


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _bare(
    plain: str, reads: list[Read], term: Term | None, config: RegulationConfig
) -> Estimate | None:
    """A comment that is essentially just an amount («2 ч», «примерно 45 минут», «по факту»)."""
    values = [
        r
        for r in reads
        if r.role == "value"
        and not r.amount.clock
        and (not r.amount.bare or is_approximate(plain, r.amount))
    ]
    rest = _UNTIL_RE.sub(_blank, BY_ACTUAL_RE.sub(_blank, plain))
    covered = (
        "".join(
            " " if any(r.amount.start <= i < r.amount.end for r in reads) else ch
            for i, ch in enumerate(rest)
        )
        if len(plain) <= _BARE_MAX
        else plain
    )
    if any(word not in FILLER for word in _WORD_RE.findall(covered)):
        return None
    if values:
        return _estimate(values, reads, term, config)
    if BY_ACTUAL_RE.search(plain):
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
    reads = read_roles(plain, amounts)
    term = _term(reads, plain, today)
    keyword = KEYWORD_RE.search(plain)
    if keyword is None:
        return _bare(plain, reads, term, config) if bare_allowed else None
    zone = [r for r in reads if r.amount.start >= keyword.start()]
    values = work_values(zone, plain, keyword.end())
    totals = [r for r in zone if r.role == "total"]
    chosen = totals[-1:] or pick(values, plain, keyword.start(), amounts)
    by_actual = BY_ACTUAL_RE.search(plain, keyword.start())
    if by_actual and _is_by_actual(plain, by_actual, chosen):
        return Estimate(raw_minutes=None, by_actual_time=True, term=term)
    restated = None if totals or not chosen else _restated(plain, chosen, values, config)
    if restated is not None:
        return Unreadable(UNREADABLE_VAGUE, plain[keyword.start() : restated].strip()[:200])
    # a part with no upper bound («разработка от 2 ч») leaves the sum unknown: ask
    if chosen and (totals or not any(_is_unbounded(r) for r in zone)):
        return _estimate(chosen, reads, term, config)
    return _unreadable(plain, reads, keyword)


def _restated(
    plain: str, chosen: list[Read], values: list[Read], config: RegulationConfig
) -> int | None:
    """«Оценка 1 ч. Оценка по второй части — 3 ч»: a second estimate with another amount (a sum?
    a correction?) is asked back; returns where the second one ends, None when there is none."""
    again = KEYWORD_RE.search(plain, chosen[0].amount.end)
    at = again.start() if again else len(plain)
    first = [r for r in chosen if r.amount.start < at]
    later = [r for r in values if r.amount.start > at]
    day = config.working_day_minutes
    if not later or combine(later, day)[0] == combine(first, day)[0]:
        return None
    return later[-1].amount.end
