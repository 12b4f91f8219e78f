"""What each amount of time in an estimate comment is: work, time spent, a delay, a term, a total.

rules.estimate reads a comment with these: every amount from rules.durations gets a role from
the words of its clause, and the amounts that state work are picked and combined.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from rules.durations import Amount, Unit
from rules.estimate_words import (
    ALTERNATIVE,
    APPROXIMATELY,
    AT_LEAST,
    DELAY,
    EXTRA,
    OPEN_AFTER,
    OPEN_BEFORE,
    REMAINING,
    REPLACED,
    SPENT,
    TERM,
    TOTAL,
)

SENTENCE_END = ".!?…\n;"
_CLAUSE_END = ",()"
_WORD_RE = re.compile(r"[a-zа-я0-9]+(?:-[a-zа-я0-9]+)*")
# What may stand between the keyword and a clock or a bare «день»: «Оценка: ориентировочно день».
_APPROX = "|".join(re.escape(w) for w in APPROXIMATELY)
_LEAD_RE = re.compile(rf"[\s:—–-]*(?:(?:{_APPROX})[\s:—–-]*)*")
_APPROX_BEFORE_RE = re.compile(rf"(?<![\w])(?:{_APPROX})[\s:—–-]*$")
_PLUS_BEFORE_RE = re.compile(r"\d\s*\+\s*$")
_PLUS_AFTER_RE = re.compile(r"\s*\+(?!\s*\w)")
_AT_LEAST_AFTER_RE = re.compile(rf"[\s,—–-]*не\s+(?:{'|'.join(sorted(AT_LEAST))})(?![а-я])")


def is_approximate(text: str, amount: Amount) -> bool:
    """«ориентировочно день», «примерно неделю»: a bare day after a word of approximation."""
    return _APPROX_BEFORE_RE.search(text, 0, amount.start) is not None


@dataclass(frozen=True, slots=True)
class Read:
    """One amount with what its context makes of it."""

    amount: Amount
    role: str  # value | spent | delay | term | total | open | replaced | remaining
    extra: bool
    alternative: bool  # joined to the previous value by «или», «до», «максимум»


def ceil_minutes(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _stops(text: str, amounts: list[Amount], chars: str) -> list[int]:
    """Positions of stop characters that are not inside an amount («2 ч. 15 м.», «1,5 ч»)."""
    inside = {i for a in amounts for i in range(a.start, a.end)}
    return [i for i, ch in enumerate(text) if ch in chars and i not in inside]


def _span(stops: list[int], pos: int, size: int) -> tuple[int, int]:
    """The stretch between the stops around `pos` (stops are sorted)."""
    i = bisect_left(stops, pos)
    return (stops[i - 1] + 1 if i else 0), (stops[i] if i < len(stops) else size)


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text) + (["+"] if text.rstrip().endswith("+") else [])


def _last(text: str, count: int) -> set[str]:
    return set(words(text)[-count:])


@dataclass(frozen=True, slots=True)
class _Context:
    """The words of an amount's clause before and after it."""

    prefix: str
    suffix: str
    into_next: bool  # the next amount follows in the same clause: the suffix leads up to it


def _contexts(text: str, amounts: list[Amount]) -> list[_Context]:
    stops = _stops(text, amounts, SENTENCE_END + _CLAUSE_END)
    found = []
    for i, amount in enumerate(amounts):
        start, end = _span(stops, amount.start, len(text))
        previous_end = amounts[i - 1].end if i else 0
        next_start = amounts[i + 1].start if i + 1 < len(amounts) else len(text)
        found.append(
            _Context(
                text[max(start, previous_end) : amount.start],
                text[amount.end : min(end, next_start)],
                into_next=next_start < end,
            )
        )
    return found


def _time_role(context: _Context) -> str:
    before = set(words(context.prefix))
    # «1 ч. Уже потрачено 30 мин»: spent words that lead up to the next amount are about it
    after = set() if context.into_next else set(words(context.suffix))
    if before & SPENT or after & SPENT:
        return "spent"
    if _last(context.prefix, 4) & REMAINING:
        return "remaining"
    if before & DELAY:
        return "delay"
    return "total" if _last(context.prefix, 3) & TOTAL else "value"


def _is_open(text: str, amount: Amount, context: _Context) -> bool:
    """«от 1 часа», «не менее 1 часа», «1 час и больше», «1 ч на каждую форму»: no total."""
    if amount.is_range:
        return False
    before = words(context.prefix)[-2:]
    negated = before[:1] == ["не"]
    lower_bound = bool(set(before[-1:]) & (AT_LEAST if negated else OPEN_BEFORE))
    starts_from = text.startswith("от ", amount.start)
    # «2 часа не больше» bounds it; «2 часа, не меньше» does not (past the clause's comma too)
    after = words(context.suffix)[:3]
    open_after = any(w in OPEN_AFTER and after[i - 1 : i] != ["не"] for i, w in enumerate(after))
    at_least_after = _AT_LEAST_AFTER_RE.match(text, amount.end) is not None
    # «3+ часа», «3 часа+»: and more (a «+» between two amounts adds them: «3 ч+30 мин»)
    plus = bool(
        _PLUS_BEFORE_RE.search(text, 0, amount.start) or _PLUS_AFTER_RE.match(text, amount.end)
    )
    return starts_from or lower_bound or open_after or at_least_after or plus


def _is_replaced(context: _Context) -> bool:
    """«вместо 3 часов», «ранее была оценка 1 ч», «не 2 часа, а 3»: an amount taken back."""
    return bool(_last(context.prefix, 3) & REPLACED) or words(context.prefix)[-1:] == ["не"]


def _is_dash_range(text: str, a: Amount, b: Amount) -> bool:
    """«30 мин — 1 ч», «2 ч 30 мин – 3 ч»: two amounts joined by a dash, rising, are a range."""
    dash = text[a.end : b.start].strip() in ("-", "–", "—")
    return dash and a.unit is b.unit and a.value < b.value


def _role(text: str, amount: Amount, context: _Context, role: str) -> str:
    if role not in ("value", "total"):
        return role
    if _is_replaced(context):
        return "replaced"
    return "open" if _is_open(text, amount, context) else role


def _is_joined(text: str, a: Amount, b: Amount) -> bool:
    """«1 день + 2 часа», «1 день и 4 часа»: days added to hours are work, not a term."""
    between = text[min(a.end, b.end) : max(a.start, b.start)]
    return between.strip() in ("+", "и", "плюс")


def _day_role(amount: Amount, context: _Context, joined: bool, work_in_hours: bool) -> str:
    """A days amount is the term after a term word, beside an amount in hours, or calendar."""
    if amount.bare:  # «день» alone counts only right after the keyword (see _values)
        return "value"
    if amount.calendar or _last(context.prefix, 3) & TERM:
        return "term"
    if work_in_hours and not joined:
        return "term"
    return _time_role(context)


def read_roles(text: str, amounts: list[Amount]) -> list[Read]:
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
        alternative = bool(i and set(words(context.prefix)) & ALTERNATIVE)
        reads.append(
            Read(
                amount,
                _role(text, amount, context, role),
                extra=bool(_last(context.prefix, 2) & EXTRA),
                alternative=alternative or bool(i and _is_dash_range(text, amounts[i - 1], amount)),
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


def work_values(reads: list[Read], text: str, keyword_end: int) -> list[Read]:
    """Amounts that state work: a clock («2:30») or a bare «день» only right after the keyword,
    and what is in parentheses only when nothing outside them states work."""
    offset = _LEAD_RE.match(text, keyword_end).end()  # type: ignore[union-attr]  # always matches
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


def _minutes(read: Read, day_minutes: int) -> Decimal:
    if read.amount.unit is Unit.DAYS:
        return read.amount.value * day_minutes
    return read.amount.value


def combine(chosen: list[Read], day_minutes: int) -> tuple[int, tuple[int, ...]]:
    """A breakdown is summed; alternatives («2 или 3 часа») keep the larger; days are converted
    at the working day's length."""
    groups: list[Decimal] = []
    for read in chosen:
        minutes = _minutes(read, day_minutes)
        if groups and read.alternative:
            groups[-1] = max(groups[-1], minutes)
        else:
            groups.append(minutes)
    parts = tuple(ceil_minutes(g) for g in groups)
    return ceil_minutes(sum(groups, Decimal(0))), parts if len(parts) > 1 else ()


def _sentences(text: str, amounts: list[Amount]) -> list[tuple[int, int]]:
    stops = _stops(text, amounts, SENTENCE_END)
    starts = [0, *(s + 1 for s in stops)]
    ends = [*stops, len(text)]
    return [(a, b) for a, b in zip(starts, ends, strict=True) if text[a:b].strip()]


def _is_list_line(text: str, span: tuple[int, int]) -> bool:
    return bool(re.match(r"\s*(?:[-•*—–]|\d{1,2}[.)]\s)", text[span[0] : span[1]]))


def pick(values: list[Read], text: str, start: int, amounts: list[Amount]) -> list[Read]:
    """The first sentence from `start` that states work, and the list lines right after it."""
    chosen: list[Read] = []
    starts = [r.amount.start for r in values]
    for span in _sentences(text, amounts):
        if span[1] <= start:
            continue
        here = values[bisect_left(starts, span[0]) : bisect_left(starts, span[1])]
        if chosen and not (here and _is_list_line(text, span)):
            break
        chosen.extend(here)
    return chosen
