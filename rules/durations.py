"""Amounts of time as Russian integrators write them: «1ч30м», «часа два», «полтора-два часа».

`find_amounts` reads a normalized comment (rules.comments.to_plain) and returns every amount of
time it finds, with its place in the text, so that rules.estimate can decide from the context
which ones make the estimate (a total, a breakdown, time already spent, a term).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

_UNITS: dict[str, int] = {
    "один": 1, "одна": 1, "одну": 1, "одного": 1, "одной": 1,
    "два": 2, "две": 2, "двух": 2, "пару": 2, "пара": 2, "пары": 2, "парочку": 2,
    "три": 3, "трех": 3, "тройку": 3,
    "четыре": 4, "четырех": 4,
    "пять": 5, "пяти": 5, "шесть": 6, "шести": 6, "семь": 7, "семи": 7,
    "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9,
    "десять": 10, "десяти": 10, "одиннадцать": 11, "одиннадцати": 11,
    "двенадцать": 12, "двенадцати": 12, "тринадцать": 13, "тринадцати": 13,
    "четырнадцать": 14, "четырнадцати": 14, "пятнадцать": 15, "пятнадцати": 15,
    "шестнадцать": 16, "шестнадцати": 16, "семнадцать": 17, "семнадцати": 17,
    "восемнадцать": 18, "восемнадцати": 18, "девятнадцать": 19, "девятнадцати": 19,
}  # fmt: skip
_TENS: dict[str, int] = {
    "двадцать": 20, "двадцати": 20, "тридцать": 30, "тридцати": 30, "сорок": 40, "сорока": 40,
    "пятьдесят": 50, "пятидесяти": 50, "шестьдесят": 60, "шестидесяти": 60,
    "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100,
}  # fmt: skip
_HALVES: dict[str, Decimal] = {"полтора": Decimal("1.5"), "полторы": Decimal("1.5")}
_HALVES["полутора"] = Decimal("1.5")


def _alternation(words: object) -> str:
    return "|".join(sorted(words, key=len, reverse=True))  # type: ignore[call-overload]


_B = r"(?<![a-zа-я0-9])"  # start of a word
_E = r"(?![a-zа-я0-9])"  # end of a word
_EU = r"(?![a-zа-я])"  # end of a unit: «1ч30м» glues the next number on
_WORD_NUMBER = (
    rf"(?:{_alternation(_TENS)})(?:\s+(?:{_alternation(_UNITS)}))?"
    rf"|{_alternation(_UNITS)}|{_alternation(_HALVES)}"
)
# «2», «1,5», «2-х»; a number glued to a longer number, a date or a time is not one
# («оценка:2ч» is: only a colon after a digit makes a time).
_DIGITS = r"(?<![\d.,])(?<!\d:)\d{1,4}(?:[.,]\d{1,2})?(?![\d:])(?:-?(?:х|ух|ти|ми)(?![а-я]))?"
_NUMBER = rf"(?:{_DIGITS}|{_B}(?:{_WORD_NUMBER}){_E})(?:\s+с\s+половиной)?"
_RANGE_SEP = r"\s*(?:-|–|—|\.{2,3}|…|/)\s*|\s+(?:до|или|-|–|—)\s+"
_QUANTITY = rf"(?:{_B}от\s+)?(?P<a>{_NUMBER})(?:(?:{_RANGE_SEP})(?P<b>{_NUMBER}))?"

_MAN = r"(?:человеко-?|чел\.?\s*-?\s*)?"
_HOUR = rf"{_MAN}(?:час(?:ов|а|ик(?:а|ов)?)?|(?P<hdot>ч\.)|ч|h(?:ours?|rs?)?)"
_ANY_HOUR = rf"{_MAN}(?:час(?:ов|а|ик(?:а|ов)?)?|ч\.?|h(?:ours?|rs?)?)"
_MINUTE_SHORT = r"(?:мин\.?|м\.?|min|m)"
_MINUTE = rf"(?:минут(?:ок|ки|ка|[аыу])?|min(?:utes?|s)|{_MINUTE_SHORT})"
_DAY = r"(?:дн(?:я|ей|\.)?|день)"
_WEEK = r"(?:недел(?:я|ю|и|ь))"
_DAY_KIND = r"(?:(?P<work>рабоч[а-я]*|раб\.?)\s*|(?P<cal>календарн[а-я]*|кал\.?)\s*)?"
_UNIT_AHEAD = rf"\s*(?:{_ANY_HOUR}|{_MINUTE}|{_DAY}|{_WEEK}|рабоч|календарн){_E}"

_PATTERNS = (
    # «2 ч 30 мин», «1ч30м», «2 ч. 15 м.», «1 ч 45», «2–3 часа»; after «ч.» only «15 м.» joins,
    # so «3 ч. 15 минут уже потрачено» stays two amounts
    (
        "hours",
        rf"{_QUANTITY}\s*{_HOUR}{_EU}(?:\s*(?:и\s+)?(?P<m>{_NUMBER})\s*"
        rf"(?(hdot){_MINUTE_SHORT}|{_MINUTE}){_EU}"
        rf"|\s*(?P<bare_m>[1-5]\d)(?![\d:]|[.,]\d)(?!{_UNIT_AHEAD}))?",
    ),
    ("minutes", rf"{_QUANTITY}\s*{_MINUTE}{_EU}"),
    ("days", rf"{_QUANTITY}\s*{_DAY_KIND}(?:(?P<day>{_DAY})|(?P<week>{_WEEK})){_E}"),
    ("half_hour", rf"{_B}(?:пол\s*-?\s*часа|получаса|полчасика){_E}"),
    ("quarter_hour", rf"{_B}четверть\s+часа{_E}"),
    ("half_day", rf"{_B}(?:пол\s*-?\s*дня|полдня|полдня){_E}"),
    # «часа два», «часов 5», «минут сорок», «часа на 2-3»: approximate, the number after the unit
    (
        "inverted",
        rf"{_B}(?P<unit>час(?:ов|а|ик(?:а|ов)?)?|минут(?:ок|ки)?)\s+(?:на\s+)?{_QUANTITY}"
        rf"(?!{_UNIT_AHEAD})(?![.,]?\d)",
    ),
    # «час-полтора», «час–два»
    ("hour_range", rf"{_B}час\s*(?:-|–|—)\s*(?P<b>{_NUMBER})(?!{_UNIT_AHEAD})"),
    # «час», «час 30 минут»
    ("hour", rf"{_B}(?:час|часа|часик|часок){_E}(?:\s*(?:и\s+)?(?P<m>{_NUMBER})\s*{_MINUTE}{_E})?"),
    ("bare_day", rf"{_B}(?P<day>день|неделю|неделя){_E}"),
    ("clock", r"(?<![\d.,])(?<!\d:)(?P<h>[0-2]?\d):(?P<mm>[0-5]\d)(?![\d:])"),
    (
        "vague",
        rf"{_B}(?:несколько|много|немного|пару-тройку)\s+(?:час|минут|дн|дней|недел)"
        rf"|{_B}(?:сутки|суток|суточн[а-я]*){_E}",
    ),
)
_COMPILED = tuple((name, re.compile(body)) for name, body in _PATTERNS)


class Unit(StrEnum):
    """What an amount counts: minutes of work, or working days to convert (or a term)."""

    MINUTES = "minutes"
    DAYS = "days"


@dataclass(frozen=True, slots=True)
class Amount:
    """One amount of time in a text; a range is read at its upper bound."""

    start: int
    end: int
    value: Decimal  # minutes for Unit.MINUTES, days for Unit.DAYS
    unit: Unit
    is_range: bool = False
    working: bool = False  # «рабочих дня»
    calendar: bool = False  # «календарных дней»: always a term
    weeks: bool = False
    bare: bool = False  # «день», «неделю» without a number
    clock: bool = False  # «2:30»
    vague: bool = False  # «несколько часов»: an amount nobody can read


def word_number(token: str) -> Decimal | None:
    """«двадцать пять» → 25, «полтора» → 1.5, «2,5» → 2.5, «два с половиной» → 2.5."""
    text = " ".join(token.split())
    half = Decimal("0.5") if text.endswith("с половиной") else Decimal(0)
    text = text.removesuffix("с половиной").strip()
    text = re.sub(r"-?(?:х|ух|ти|ми)$", "", text) if text[:1].isdigit() else text
    if text[:1].isdigit():
        return Decimal(text.replace(",", ".")) + half
    if text in _HALVES:
        return _HALVES[text] + half
    total = 0
    for word in text.split():
        found = _TENS.get(word, _UNITS.get(word))
        if found is None:
            return None
        total += found
    return Decimal(total) + half


def _quantity(match: re.Match[str]) -> tuple[Decimal, bool]:
    """The upper bound of «2–3», «от 2 до 3», or the single number."""
    upper = match.group("b")
    value = word_number(upper or match.group("a"))
    return (value if value is not None else Decimal(0)), upper is not None


def _hours(match: re.Match[str]) -> Amount:
    value, is_range = _quantity(match)
    extra = match.group("m") or match.group("bare_m")
    minutes = value * 60 + ((word_number(extra) or Decimal(0)) if extra else Decimal(0))
    return Amount(match.start(), match.end(), minutes, Unit.MINUTES, is_range=is_range)


def _days(match: re.Match[str]) -> Amount:
    value, is_range = _quantity(match)
    weeks = bool(match.group("week"))
    return Amount(
        match.start(),
        match.end(),
        value * 5 if weeks else value,
        Unit.DAYS,
        is_range=is_range,
        working=bool(match.group("work")),
        calendar=bool(match.group("cal")) or (weeks and not match.group("work")),
        weeks=weeks,
    )


def _inverted(match: re.Match[str]) -> Amount:
    value, is_range = _quantity(match)
    per_unit = 60 if match.group("unit").startswith("час") else 1
    return Amount(match.start(), match.end(), value * per_unit, Unit.MINUTES, is_range=is_range)


def _simple(match: re.Match[str], kind: str) -> Amount:
    start, end = match.start(), match.end()
    if kind == "minutes":
        value, is_range = _quantity(match)
        return Amount(start, end, value, Unit.MINUTES, is_range=is_range)
    if kind == "hour_range":
        upper = word_number(match.group("b")) or Decimal(1)
        return Amount(start, end, upper * 60, Unit.MINUTES, is_range=True)
    if kind == "hour":
        extra = match.group("m")
        more = (word_number(extra) or Decimal(0)) if extra else Decimal(0)
        return Amount(start, end, 60 + more, Unit.MINUTES)
    if kind == "bare_day":
        week = match.group("day").startswith("недел")
        return Amount(start, end, Decimal(5 if week else 1), Unit.DAYS, bare=True, weeks=week)
    if kind == "clock":
        clock = int(match.group("h")) * 60 + int(match.group("mm"))
        return Amount(start, end, Decimal(clock), Unit.MINUTES, clock=True)
    if kind == "vague":
        return Amount(start, end, Decimal(0), Unit.MINUTES, vague=True)
    fixed = {"half_hour": (Decimal(30), Unit.MINUTES), "quarter_hour": (Decimal(15), Unit.MINUTES)}
    amount, unit = fixed.get(kind, (Decimal("0.5"), Unit.DAYS))
    return Amount(start, end, amount, unit)


def _amount(kind: str, match: re.Match[str]) -> Amount:
    if kind == "hours":
        return _hours(match)
    if kind == "days":
        return _days(match)
    if kind == "inverted":
        return _inverted(match)
    return _simple(match, kind)


def find_amounts(plain: str) -> Iterator[Amount]:
    """Every amount of time in a normalized text, left to right, none overlapping.

    At each point the leftmost match wins, and of two at the same place the pattern listed
    first (so «2 часа 15 минут» is one amount, not «часа 15» read backwards).
    """
    pos = 0
    ahead: dict[str, re.Match[str] | None] = {}
    while True:
        for name, pattern in _COMPILED:
            found = ahead.get(name)
            if name not in ahead or (found is not None and found.start() < pos):
                ahead[name] = pattern.search(plain, pos)
        candidates = [(m.start(), i, n, m) for i, (n, m) in enumerate(ahead.items()) if m]
        if not candidates:
            return
        _, _, kind, match = min(candidates, key=lambda c: (c[0], c[1]))
        yield _amount(kind, match)
        pos = max(match.end(), pos + 1)
