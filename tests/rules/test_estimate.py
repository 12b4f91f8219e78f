"""п. 3.1, 3.4, 3.5, 4.1, 4.3: reading estimates and terms, rounding, approval need."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rules import comments, estimate, estimate_text
from rules.durations import word_number
from rules.estimate import (
    UNREADABLE_NO_UNIT,
    UNREADABLE_TERM_ONLY,
    UNREADABLE_VAGUE,
    Estimate,
    Term,
    Unreadable,
)
from rules.regulation import RegulationConfig

TODAY = date(2026, 11, 20)
CONFIG = RegulationConfig()


def _est(minutes: int | None, term: Term | None = None, **how: object) -> Estimate:
    return Estimate(raw_minutes=minutes, by_actual_time=minutes is None, term=term, **how)  # type: ignore[arg-type]


def _days(minutes: int, term: Term | None = None, **how: object) -> Estimate:
    return _est(minutes, term, day_minutes=480, **how)


ESTIMATES = [
    # REGULATION.md examples.
    pytest.param("Оценка: 2 ч 30 мин", _est(150), id="regulation-h-min"),
    pytest.param(
        "Предварительная оценка — 1,5 часа, срок 3 дня",
        _est(90, Term(working_days=3)),
        id="regulation-decimal-comma-with-term",
    ),
    pytest.param("оценка 45 минут", _est(45), id="regulation-minutes"),
    pytest.param("Оценка: по факту", _est(None), id="regulation-by-actual"),
    # Units.
    pytest.param("Оценка: 2 ч", _est(120), id="unit-ch"),
    pytest.param("Оценка: 2 ч.", _est(120), id="unit-ch-dot"),
    pytest.param("Оценка: 1 час", _est(60), id="unit-chas"),
    pytest.param("Оценка: 3 часа", _est(180), id="unit-chasa"),
    pytest.param("Оценка: 5 часов", _est(300), id="unit-chasov"),
    pytest.param("Оценка: 2h", _est(120), id="unit-h"),
    pytest.param("estimate 3 hr", _est(180), id="unit-hr-english"),
    pytest.param("Оценка 4 hours", _est(240), id="unit-hours"),
    pytest.param("Оценка: 20 мин", _est(20), id="unit-min"),
    pytest.param("Оценка: 20 мин.", _est(20), id="unit-min-dot"),
    pytest.param("Оценка: 1 минута", _est(1), id="unit-minuta"),
    pytest.param("Оценка: 3 минуты", _est(3), id="unit-minuty"),
    pytest.param("Оценка 40m", _est(40), id="unit-m"),
    pytest.param("Оценка 40 min", _est(40), id="unit-min-english"),
    pytest.param("Оценка: 1ч30м", _est(90), id="joined-h-m"),
    pytest.param("Оценка 1 час 30 минут", _est(90), id="words-h-m"),
    pytest.param("Оценка: 2 часа и 15 минут", _est(135), id="h-and-m"),
    pytest.param("Оценка 2:30", _est(150), id="clock-after-keyword"),
    pytest.param("оценка 1,5ч", _est(90), id="decimal-comma-joined"),
    pytest.param("0.5 ч", _est(30), id="decimal-point-bare"),
    pytest.param("Оценка: 0,33 ч", _est(20), id="decimal-rounds-up-to-minute"),
    pytest.param("Оценка: полчаса", _est(30), id="polchasa"),
    pytest.param("оценка пол часа", _est(30), id="pol-chasa-split"),
    pytest.param("Оценка — полтора часа", _est(90), id="poltora"),
    pytest.param("Оценка: четверть часа", _est(15), id="quarter"),
    pytest.param("Оценка: час", _est(60), id="bare-chas"),
    pytest.param("Оценка: час 30 минут", _est(90), id="bare-chas-and-minutes"),
    pytest.param("Оценка: два часа", _est(120), id="number-word"),
    pytest.param("Оценка: по фактическим трудозатратам", _est(None), id="by-actual-long"),
    pytest.param("Оценить заранее нельзя, работаем по факту", _est(None), id="by-actual-verb"),
    pytest.param("По факту", _est(None), id="by-actual-alone"),
    # Other keyword forms.
    pytest.param("Оценил в 2 часа 15 минут", _est(135), id="keyword-ocenil"),
    pytest.param("Оцениваю в 3 часа", _est(180), id="keyword-ocenivayu"),
    pytest.param("Оценим в 30 минут", _est(30), id="keyword-ocenim"),
    pytest.param("Переоценка: 6 часов", _est(360), id="keyword-reestimate"),
    pytest.param("Оценка по задаче 123: 2 часа", _est(120), id="ticket-number-before"),
    pytest.param("Оценка 2-3 часа", _est(180, is_range=True), id="range-upper-bound"),
    pytest.param(
        "Оценка:\n- бэкенд 2 ч\n- фронт 1 ч\nИтого: 3 ч", _est(180), id="total-wins-over-parts"
    ),
    pytest.param("Оценка: итого\n2 ч", _est(120), id="total-on-next-line"),
    pytest.param(
        "Оценка: всего 2 ч 15 мин, итого уточню", _est(135), id="total-without-value-falls-back"
    ),
    pytest.param("Оценка: 2 ч (анализ 30 мин)", _est(120), id="first-duration"),
    pytest.param(
        "На оценку ушло 30 минут, оценка — 4 часа",
        _est(240, spent_minutes=30),
        id="spent-on-estimating",
    ),
    pytest.param("Оценку дам через час. Оценка: 2 ч", _est(120), id="later-keyword-wins"),
    pytest.param("Задача займёт 2 часа", _est(120), id="bare-task-will-take"),
    pytest.param(
        "Добрый день! Оценка: 3 часа. Согласуйте, пожалуйста.", _est(180), id="with-request"
    ),
    pytest.param(
        "Оценка 3 ч. Срок реализации — 5 рабочих дней после согласования",
        _est(180, Term(working_days=5)),
        id="term-after-approval",
    ),
    pytest.param("Оценка: по факту, ориентир 3 ч", _est(None), id="by-actual-first"),
    pytest.param("Оценка: 3 ч, дальнейшие доработки по факту", _est(180), id="duration-first"),
    # Bare durations.
    pytest.param("2 ч", _est(120), id="bare-2h"),
    pytest.param("45 минут", _est(45), id="bare-45-min"),
    pytest.param("Примерно 2 часа", _est(120), id="bare-with-filler"),
    pytest.param("полтора часа", _est(90), id="bare-poltora"),
    # Terms.
    pytest.param(
        "Оценка 4 ч, срок 3 рабочих дня", _est(240, Term(working_days=3)), id="term-working"
    ),
    pytest.param("Оценка 4 ч, срок — 2 дня", _est(240, Term(working_days=2)), id="term-bare-days"),
    pytest.param(
        "Оценка 4 ч, срок 10 календарных дней",
        _est(240, Term(calendar_days=10)),
        id="term-calendar",
    ),
    pytest.param("Оценка 4 ч, срок 2 недели", _est(240, Term(calendar_days=14)), id="term-weeks"),
    pytest.param(
        "Оценка 4 ч, срок 2 рабочие недели", _est(240, Term(working_days=10)), id="term-work-weeks"
    ),
    pytest.param(
        "Оценка 4 ч, срок три рабочих дня", _est(240, Term(working_days=3)), id="term-word"
    ),
    pytest.param(
        "Оценка: 3 часа, срок до 30.11",
        _est(180, Term(until=date(2026, 11, 30))),
        id="term-until-day-month",
    ),
    pytest.param(
        "Оценка: 3 часа, до 10.11",
        _est(180, Term(until=date(2027, 11, 10))),
        id="term-until-rolls-to-next-year",
    ),
    pytest.param(
        "Оценка 4 ч, до 15.01.2027",
        _est(240, Term(until=date(2027, 1, 15))),
        id="term-until-full-date",
    ),
    pytest.param(
        "Оценка 4 ч, до 15.01.27",
        _est(240, Term(until=date(2027, 1, 15))),
        id="term-until-short-year",
    ),
    pytest.param(
        "Оценка 4 ч, до 5 декабря",
        _est(240, Term(until=date(2026, 12, 5))),
        id="term-until-month-name",
    ),
    pytest.param(
        "Оценка 4 ч, до 5 декабря 2027",
        _est(240, Term(until=date(2027, 12, 5))),
        id="term-until-month-name-year",
    ),
    pytest.param("Оценка 1 ч, до 31.02", _est(60), id="term-invalid-date-ignored"),
    pytest.param(
        "Примерно 2 часа, срок 3 рабочих дня",
        _est(120, Term(working_days=3)),
        id="bare-with-term",
    ),
    pytest.param(
        "Оценка 4 ч, срок 3 рабочих дня, до 30.11",
        _est(240, Term(working_days=3, until=date(2026, 11, 30))),
        id="term-days-and-date",
    ),
    # Not an estimate.
    pytest.param("задача 123", None, id="ticket-number"),
    pytest.param("до 30.11", None, id="date-alone"),
    pytest.param("Оценка до 30.11", None, id="keyword-and-date-only"),
    pytest.param("Оценка 3", Unreadable(UNREADABLE_NO_UNIT, "оценка 3"), id="number-without-unit"),
    pytest.param("Потрачено 2 часа", None, id="time-spent-not-estimate"),
    pytest.param("Оценку дам через 2 часа", None, id="estimate-comes-later"),
    pytest.param("Оценка будет завтра", None, id="keyword-no-value"),
    pytest.param("Иван, посмотрите, пожалуйста, через 2 часа", None, id="bare-with-text"),
    pytest.param("срок 3 рабочих дня", None, id="term-without-estimate"),
    pytest.param("Созвон в 15:00", None, id="clock-without-keyword"),
    pytest.param("В 2 человека сделаем", None, id="ch-prefix-of-word"),
    pytest.param("", None, id="empty"),
]

# Issue 13: how integrators really write estimates (each row was misread before).
AS_WRITTEN = [
    pytest.param("Оценка: часа два", _est(120), id="issue-inverted-word-number"),
    pytest.param(
        "Оценка 1 ч 45, срок 2 дня",
        _est(105, Term(working_days=2)),
        id="issue-hours-and-bare-minutes-with-term",
    ),
    pytest.param(
        "Оценка: анализ 30 мин, разработка 2 ч, тестирование 30 мин",
        _est(180, parts=(30, 120, 30)),
        id="issue-breakdown-summed",
    ),
    pytest.param("Оценка: 2 ч. 15 м.", _est(135), id="issue-abbreviations-with-dots"),
    pytest.param("Оценка: 4 часа + 30 минут", _est(270, parts=(240, 30)), id="issue-plus"),
    pytest.param(
        "Оценка: 3 часа. 15 минут уже потрачено",
        _est(180, spent_minutes=15),
        id="issue-spent-next-sentence",
    ),
    pytest.param("Повторная оценка: ещё 2 часа", _est(120, additional=True), id="issue-more-adds"),
    pytest.param("Оценка: полдня", _days(240), id="issue-half-day"),
    pytest.param("Оценка: 1 день", _days(480), id="issue-one-day"),
    pytest.param("Оценка: двенадцать часов", _est(720), id="issue-twelve-words"),
    # numbers and units
    pytest.param("Оценка: пару часов", _est(120), id="couple-of-hours-keyword"),
    pytest.param("пару часов", _est(120), id="couple-of-hours-bare"),
    pytest.param("Оценка: пара часов", _est(120), id="couple-nominative"),
    pytest.param("Оценка: часов пять", _est(300), id="inverted-digits-word"),
    pytest.param("Оценка: минут сорок", _est(40), id="inverted-minutes"),
    pytest.param("Оценка: часа на 2-3", _est(180, is_range=True), id="inverted-range-na"),
    pytest.param("Оценка — полтора-два часа", _est(120, is_range=True), id="range-words"),
    pytest.param("Оценка: час-полтора", _est(90, is_range=True), id="range-hour-and-half"),
    pytest.param("Оценка: от 2 до 3 часов", _est(180, is_range=True), id="range-from-to"),
    pytest.param("Оценка 2–3 часа", _est(180, is_range=True), id="range-en-dash"),
    pytest.param("Оценка: 30-45 минут", _est(45, is_range=True), id="range-minutes"),
    pytest.param("Оценка: 2 ч или 3 ч", _est(180, is_range=True), id="alternatives-larger"),
    pytest.param("Оценка: не более 3 часов", _est(180), id="at-most"),
    pytest.param("Оценка: 1.5ч", _est(90), id="decimal-point-glued"),
    pytest.param("Оценка: 2,5 часа", _est(150), id="decimal-comma-hours"),
    pytest.param("Оценка: 90 мин", _est(90), id="ninety-minutes"),
    pytest.param("Оценка: 2ч30", _est(150), id="glued-bare-minutes"),
    pytest.param("Оценка: 1 ч. 45 мин.", _est(105), id="dotted-both"),
    pytest.param("Оценка: два с половиной часа", _est(150), id="and-a-half-words"),
    pytest.param("Оценка: 2 с половиной часа", _est(150), id="and-a-half-digits"),
    pytest.param("Оценка: двадцать пять минут", _est(25), id="compound-number-words"),
    pytest.param("Оценка: в пределах 2-х часов", _est(120), id="ordinal-suffix"),
    pytest.param("Оценка: 3 человеко-часа", _est(180), id="man-hours"),
    pytest.param("Оценка: одиннадцать часов", _est(660), id="eleven-words"),
    pytest.param("Оценка: полтора часа", _est(90), id="one-and-half-words"),
    pytest.param("Оценка: около часа", _est(60), id="about-an-hour"),
    pytest.param("Оценка займёт около 2 часов", _est(120), id="will-take-about"),
    pytest.param("Оцениваю задачу в 4 часа", _est(240), id="verb-first-person"),
    # days are an amount of work, converted at the working day's length
    pytest.param("Оценка: 2 рабочих дня", _days(960), id="working-days-as-work"),
    pytest.param("Оценка: полтора дня", _days(720), id="one-and-half-days"),
    pytest.param("Оценка: день", _days(480), id="bare-day-after-keyword"),
    pytest.param("Оценка: неделя", _days(2400), id="bare-week-after-keyword"),
    pytest.param("Оценка: 1 день + 2 часа", _days(600, parts=(480, 120)), id="day-plus-hours"),
    pytest.param("полдня", _days(240), id="half-day-bare"),
    pytest.param(
        "Оценка 4 ч, 3 рабочих дня",
        _est(240, Term(working_days=3)),
        id="days-beside-hours-are-term",
    ),
    pytest.param(
        "Оценка: 2ч. Срок: 3 дня", _est(120, Term(working_days=3)), id="term-next-sentence"
    ),
    pytest.param(
        "Добрый день! Оценка 3 часа. Хорошего дня!", _est(180), id="greetings-are-not-days"
    ),
    # breakdowns, totals, spent time
    pytest.param(
        "Оценка:\n- бэкенд 2 ч\n- фронт 1 ч", _est(180, parts=(120, 60)), id="list-lines-summed"
    ),
    pytest.param(
        "Оценка: 2 часа на бэкенд и 1 час на фронт",
        _est(180, parts=(120, 60)),
        id="breakdown-with-and",
    ),
    pytest.param("Оценка: 3 часа. Т.е. 3 часа работы", _est(180), id="repeated-in-next-sentence"),
    pytest.param(
        "Оценка 3 часа (из них 15 минут уже потрачено)",
        _est(180, spent_minutes=15),
        id="spent-in-parentheses",
    ),
    pytest.param(
        "Оценка: 30 минут, уже потрачено 15 минут",
        _est(30, spent_minutes=15),
        id="spent-after-comma",
    ),
    pytest.param(
        "Оценка: 2 часа, из них 15 минут уже потрачено на анализ",
        _est(120, spent_minutes=15),
        id="of-which-spent",
    ),
    pytest.param("Уточнённая оценка: 5 часов", _est(300), id="refined-estimate"),
    pytest.param("Дополнительно ещё 1 час, оценка", None, id="keyword-after-amount"),
    pytest.param("Повторная оценка: +2 часа", _est(120, additional=True), id="plus-more"),
    # unreadable: the integrator is asked, nothing is accepted
    pytest.param(
        "Оценка: несколько часов",
        Unreadable(UNREADABLE_VAGUE, "оценка: несколько часов"),
        id="vague-several",
    ),
    pytest.param(
        "Оценка 3-4", Unreadable(UNREADABLE_NO_UNIT, "оценка 3-4"), id="range-without-unit"
    ),
    pytest.param(
        "Оценка: срок 3 дня",
        Unreadable(UNREADABLE_TERM_ONLY, "оценка: срок 3 дня"),
        id="term-only",
    ),
    pytest.param(
        "Оценка: примерно 5. Срок завтра",
        Unreadable(UNREADABLE_NO_UNIT, "оценка: примерно 5"),
        id="number-without-unit-with-filler",
    ),
    pytest.param("Оценка по задаче 123 будет завтра", None, id="ticket-number-is-not-amount"),
    pytest.param("Оценка по всем пунктам из списка 12", None, id="far-number-is-not-amount"),
    pytest.param("Оценку пришлю через 2 дня", None, id="estimate-comes-in-days"),
    pytest.param("Добрый день", None, id="greeting-alone"),
    pytest.param("Сделаю за 2 дня", None, id="bare-days-are-a-term"),
    pytest.param("Сделаю за 2 часа", _est(120), id="bare-will-do-in-hours"),
    pytest.param("Думаю, часа 3 займёт", _est(180), id="bare-i-think-inverted"),
    pytest.param("Займёт часа три", _est(180), id="bare-will-take-inverted-word"),
    pytest.param("Оценка: 1,5-2ч", _est(120, is_range=True), id="decimal-range-glued"),
    pytest.param(
        "Оценка:\n1) анализ — 1 ч\n2) разработка — 3 ч\n3) тесты — 30 мин",
        _est(270, parts=(60, 180, 30)),
        id="numbered-list",
    ),
    pytest.param(
        "Оценка: 5 часов. Итого с тестированием 6 часов", _est(360), id="total-later-sentence"
    ),
    pytest.param(
        "Оценка: 3 часа, из них час уже потрачен на анализ",
        _est(180, spent_minutes=60),
        id="hour-already-spent",
    ),
    pytest.param(
        "Оценка: трое суток", Unreadable(UNREADABLE_VAGUE, "оценка: трое суток"), id="days-24h"
    ),
]


# Phrasing review: comments as integrators write them that were misread before.
PHRASING = [
    # a colon glued to the amount is no time of day
    pytest.param("Оценка:2 ч", _est(120), id="colon-glued-hours"),
    pytest.param("оценка:30мин", _est(30), id="colon-glued-minutes"),
    pytest.param("Оценка:1:30", _est(90), id="colon-glued-clock"),
    pytest.param("Оценка: 2 ... 3 ч", _est(180, is_range=True), id="range-ellipsis"),
    # no upper bound, or a price per piece: the integrator is asked, nothing is auto-accepted
    pytest.param(
        "Оценка: от 1 часа", Unreadable(UNREADABLE_VAGUE, "оценка: от 1 часа"), id="from-only"
    ),
    pytest.param(
        "Оценка: минимум 1 час",
        Unreadable(UNREADABLE_VAGUE, "оценка: минимум 1 час"),
        id="at-least",
    ),
    pytest.param(
        "Оценка: не менее 1 часа",
        Unreadable(UNREADABLE_VAGUE, "оценка: не менее 1 часа"),
        id="no-less-than",
    ),
    pytest.param(
        "Оценка: 1 час и больше",
        Unreadable(UNREADABLE_VAGUE, "оценка: 1 час и больше"),
        id="and-more",
    ),
    pytest.param(
        "Оценка: 1 ч на каждую форму",
        Unreadable(UNREADABLE_VAGUE, "оценка: 1 ч на каждую форму"),
        id="per-piece",
    ),
    pytest.param(
        "Оценка: свыше 3 часов",
        Unreadable(UNREADABLE_VAGUE, "оценка: свыше 3 часов"),
        id="above",
    ),
    pytest.param(
        "Оценка: 2 часа, не меньше",
        Unreadable(UNREADABLE_VAGUE, "оценка: 2 часа, не меньше"),
        id="no-less-after",
    ),
    pytest.param(
        "Оценка: 2 часа не менее",
        Unreadable(UNREADABLE_VAGUE, "оценка: 2 часа не менее"),
        id="no-less-after-bare",
    ),
    pytest.param("Оценка: 2 часа, не больше", _est(120), id="no-more-after"),
    pytest.param("Оценка: 2 часа не больше", _est(120), id="no-more-after-bare"),
    pytest.param(
        "Оценка: 3+ часа", Unreadable(UNREADABLE_VAGUE, "оценка: 3+ часа"), id="plus-glued-before"
    ),
    pytest.param(
        "Оценка: 3 часа+", Unreadable(UNREADABLE_VAGUE, "оценка: 3 часа+"), id="plus-glued-after"
    ),
    pytest.param("Оценка: 3 ч+30 мин", _est(210, parts=(180, 30)), id="plus-between-parts"),
    pytest.param(
        "Оценка: анализ 30 мин, разработка от 2 часов",
        Unreadable(UNREADABLE_VAGUE, "оценка: анализ 30 мин, разработка от 2 часов"),
        id="breakdown-with-open-part",
    ),
    pytest.param(
        "Оценка: анализ 30 мин, разработка несколько часов",
        Unreadable(UNREADABLE_VAGUE, "оценка: анализ 30 мин, разработка несколько часов"),
        id="breakdown-with-vague-part",
    ),
    pytest.param("Оценка: анализ 30 мин, разработка — по факту", _est(None), id="by-actual-part"),
    pytest.param("Оценка: 30 мин на анализ, дальше по факту", _est(None), id="then-by-actual"),
    pytest.param("Оценка: 3 часа. Доработки по факту", _est(180), id="by-actual-in-next-sentence"),
    # a range between two amounts with units takes the upper bound
    pytest.param("Оценка: 30 мин — 1 ч", _est(60, is_range=True), id="range-minutes-to-hour"),
    pytest.param("Оценка: 45мин-1ч", _est(60, is_range=True), id="range-glued"),
    pytest.param("Оценка: 2 ч 30 мин — 3 ч", _est(180, is_range=True), id="range-h-min-to-h"),
    pytest.param(
        "Оценка: 2 ч — 30 мин на тесты", _est(150, parts=(120, 30)), id="falling-dash-is-a-part"
    ),
    # time spent in the next sentence after «ч.»
    pytest.param(
        "Оценка 1 ч. Уже потрачено 30 мин на анализ.",
        _est(60, spent_minutes=30),
        id="spent-after-h-dot",
    ),
    # corrections: the replaced amount is not part of the estimate
    pytest.param("Оценка не 2 часа, а 3 часа", _est(180), id="not-this-but-that"),
    pytest.param("Оценка: 1 час вместо 3 часов", _est(60), id="instead-of"),
    pytest.param("Оценка 2 ч вместо ранее указанных 1 ч", _est(120), id="instead-of-earlier"),
    pytest.param("Ранее была оценка 1 ч, теперь 3 ч", _est(180), id="earlier-now"),
    # a breakdown or a bare day without the keyword while an estimate is awaited
    pytest.param("анализ 30 мин, разработка 2 ч", _est(150, parts=(30, 120)), id="bare-breakdown"),
    pytest.param(
        "3 часа + тестирование 30 мин", _est(210, parts=(180, 30)), id="bare-plus-testing"
    ),
    pytest.param("Трудозатраты: 3 ч", _est(180), id="bare-labour"),
    pytest.param("ориентировочно день", _days(480), id="bare-approximately-a-day"),
    pytest.param("Оценка: ориентировочно день", _days(480), id="approximately-a-day"),
    pytest.param("Добрый день, 2 часа", _est(120), id="greeting-day-is-no-day"),
    # more or less than an amount
    pytest.param("Оценка: меньше часа", _est(60), id="less-than-an-hour"),
    pytest.param("Оценка: менее 30 минут", _est(30), id="under-thirty-minutes"),
    pytest.param(
        "Оценка: чуть больше часа",
        Unreadable(UNREADABLE_VAGUE, "оценка: чуть больше часа"),
        id="a-bit-more-than-an-hour",
    ),
    pytest.param(
        "Оценка: час с небольшим",
        Unreadable(UNREADABLE_VAGUE, "оценка: час с небольшим"),
        id="an-hour-and-a-bit",
    ),
    pytest.param(
        "Оценка: не меньше часа",
        Unreadable(UNREADABLE_VAGUE, "оценка: не меньше часа"),
        id="no-less-than-an-hour",
    ),
    pytest.param("Оценка: не больше 45 минут", _est(45), id="no-more-than"),
    # colloquial units
    pytest.param("Оценка — полчасика", _est(30), id="half-an-hour-diminutive"),
    pytest.param("Оценка: часок", _est(60), id="an-hour-colloquial"),
    # «Оценка: …» with nothing readable after it is asked back, not ignored
    pytest.param(
        "Оценка: пара-тройка часиков",
        Unreadable(UNREADABLE_VAGUE, "оценка: пара-тройка часиков"),
        id="stated-but-unreadable",
    ),
    pytest.param("Оценка: пришлю завтра", None, id="stated-but-promised"),
    pytest.param("Оценка: пока не могу сказать", None, id="stated-not-yet"),
    pytest.param("Оценка: после анализа", None, id="stated-after-analysis"),
    # two estimates with different amounts: a sum or a correction? asked back
    pytest.param(
        "Оценка 1 час. Оценка по второй части — 3 часа",
        Unreadable(UNREADABLE_VAGUE, "оценка 1 час. оценка по второй части — 3 часа"),
        id="two-estimates",
    ),
    pytest.param(
        "Предварительная оценка 1 ч. Уточнённая оценка 3 ч",
        Unreadable(UNREADABLE_VAGUE, "оценка 1 ч. уточненная оценка 3 ч"),
        id="two-estimates-after-h-dot",
    ),
    pytest.param("Оценка: 3 часа. Повторю: оценка 3 часа", _est(180), id="estimate-repeated"),
    pytest.param(
        "Оценка: 2 ч. Оценка срока: 3 дня",
        _est(120, Term(working_days=3)),
        id="second-keyword-for-the-term",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [*ESTIMATES, *AS_WRITTEN, *PHRASING])
def test_parse_estimate(text: str, expected: Estimate | Unreadable | None) -> None:
    assert estimate_text.parse_estimate(comments.to_plain(text), TODAY, CONFIG) == expected


def test_days_use_the_configured_working_day() -> None:
    config = RegulationConfig(working_day_minutes=420)
    parsed = estimate_text.parse_estimate("оценка: 2 дня", TODAY, config)
    assert parsed == _est(840, day_minutes=420)


IN_WORK = [
    pytest.param("Оценка: 5 ч", _est(300), id="keyword"),
    pytest.param("5 ч", None, id="bare-amount-is-not-read-in-work"),
    pytest.param("по факту", None, id="bare-by-actual-is-not-read-in-work"),
    pytest.param("Трудозатраты: 3 ч", None, id="bare-labour-is-not-read-in-work"),
    # Phrasing review: what is left of the approved estimate is no addition to it.
    pytest.param("По оценке осталось ещё 1 ч", None, id="left-of-the-estimate"),
    pytest.param("До конца оценки ещё 30 минут", None, id="until-the-end-of-the-estimate"),
    pytest.param(
        "Оценка: +1 ч к согласованным 3 ч",
        _est(60, additional=True),
        id="plus-to-the-approved",
    ),
    pytest.param("Оценка увеличилась на 2 часа", _est(120, additional=True), id="grew-by"),
    pytest.param("Уточнённая оценка 5 ч (было 3 ч)", _est(300), id="was-is-no-time-spent"),
]


@pytest.mark.parametrize(("text", "expected"), IN_WORK)
def test_parse_estimate_in_work_needs_the_keyword(text: str, expected: Estimate | None) -> None:
    parsed = estimate_text.parse_estimate(
        comments.to_plain(text), TODAY, CONFIG, bare_allowed=False
    )
    assert parsed == expected


WORD_NUMBERS = [
    pytest.param("2", Decimal(2), id="digit"),
    pytest.param("1,5", Decimal("1.5"), id="decimal"),
    pytest.param("2-х", Decimal(2), id="ordinal"),
    pytest.param("двадцать пять", Decimal(25), id="compound"),
    pytest.param("полтора с половиной", Decimal(2), id="half-plus-half"),
    pytest.param("три с половиной", Decimal("3.5"), id="and-a-half"),
    pytest.param("сколько", None, id="not-a-number"),
]


@pytest.mark.parametrize(("token", "expected"), WORD_NUMBERS)
def test_word_number(token: str, expected: Decimal | None) -> None:
    assert word_number(token) == expected


def test_parse_estimate_feb_29_that_passed_has_no_next_year() -> None:
    parsed = estimate_text.parse_estimate("оценка 1 ч, до 29.02", date(2028, 3, 1), CONFIG)
    assert parsed == _est(60)


def test_parse_estimate_feb_29_ahead_in_leap_year() -> None:
    parsed = estimate_text.parse_estimate("оценка 1 ч, до 29.02", date(2028, 1, 10), CONFIG)
    assert parsed == _est(60, Term(until=date(2028, 2, 29)))


ROUNDING = [
    pytest.param(-5, 15, 15, id="negative-is-one-unit"),
    pytest.param(0, 15, 15, id="zero-is-one-unit"),
    pytest.param(1, 15, 15, id="1"),
    pytest.param(14, 15, 15, id="14"),
    pytest.param(15, 15, 15, id="15"),
    pytest.param(16, 15, 30, id="16"),
    pytest.param(59, 15, 60, id="59"),
    pytest.param(60, 15, 60, id="60"),
    pytest.param(61, 15, 75, id="61"),
    pytest.param(89, 15, 90, id="89"),
    pytest.param(90, 15, 90, id="90"),
    pytest.param(91, 15, 105, id="91"),
    pytest.param(0, 30, 30, id="unit30-zero"),
    pytest.param(1, 30, 30, id="unit30-1"),
    pytest.param(30, 30, 30, id="unit30-30"),
    pytest.param(31, 30, 60, id="unit30-31"),
    pytest.param(61, 30, 90, id="unit30-61"),
]


@pytest.mark.parametrize(("minutes", "unit", "expected"), ROUNDING)
def test_round_up_minutes(minutes: int, unit: int, expected: int) -> None:
    assert estimate.round_up_minutes(minutes, unit) == expected


SECONDS = [
    pytest.param(None, None, id="none"),
    pytest.param(0, None, id="zero"),
    pytest.param(-60, None, id="negative"),
    pytest.param(1, 1, id="one-second"),
    pytest.param(60, 1, id="one-minute"),
    pytest.param(61, 2, id="rounds-up"),
    pytest.param(7200, 120, id="two-hours"),
]


@pytest.mark.parametrize(("seconds", "expected"), SECONDS)
def test_minutes_from_seconds(seconds: int | None, expected: int | None) -> None:
    assert estimate.minutes_from_seconds(seconds) == expected


WHOLE_MINUTES = [
    pytest.param(0, 0, id="zero"),
    pytest.param(1, 1, id="a-started-minute-counts"),
    pytest.param(60, 1, id="one-minute"),
    pytest.param(61, 2, id="rounds-up"),
]


@pytest.mark.parametrize(("seconds", "expected"), WHOLE_MINUTES)
def test_whole_minutes(seconds: int, expected: int) -> None:
    assert estimate.whole_minutes(seconds) == expected


APPROVAL_NEED = [
    pytest.param(_est(45), 45, False, id="below-hour"),
    pytest.param(_est(60), 60, False, id="exactly-hour"),
    pytest.param(_est(61), 75, True, id="over-hour"),
    pytest.param(_est(None), None, True, id="by-actual"),
    pytest.param(_est(30), None, True, id="no-rounded-value"),
]


@pytest.mark.parametrize(("parsed", "rounded", "expected"), APPROVAL_NEED)
def test_needs_approval(parsed: Estimate, rounded: int | None, expected: bool) -> None:
    assert estimate.needs_approval(parsed, rounded, RegulationConfig()) is expected


def test_needs_approval_uses_config_limit() -> None:
    config = RegulationConfig(auto_accept_max_minutes=120)
    assert estimate.needs_approval(_est(90), 90, config) is False


HOSTILE = [
    pytest.param("оценка " + "итого " * 20_000, id="many-totals"),
    pytest.param("1 ч " * 20_000, id="many-durations"),
    pytest.param("оценка по " * 20_000, id="many-po"),
    pytest.param("до 1." * 20_000, id="many-date-starts"),
    pytest.param("9" * 100_000 + " ч", id="long-number"),
    pytest.param("оценка 1 ч, " * 20_000, id="many-amounts-many-clauses"),
    pytest.param("оценка: 1 день 1 ч. " * 20_000, id="many-days-and-hours"),
    pytest.param("2 ч " * 200, id="many-bare-amounts"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_read_without_error(text: str) -> None:
    parsed = estimate_text.parse_estimate(comments.to_plain(text), TODAY, CONFIG)
    assert parsed is None or isinstance(parsed, Estimate | Unreadable)
