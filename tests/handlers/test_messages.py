"""Texts to people (handlers/messages.py): polite, concrete, one reason, every number from the
regulation in force (issue 13: «отмашка», both reasons, hard-coded 14 days, 15 min, 1 h, 8 h)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from b24app.pages.taskpage import TaskPage
from handlers import messages
from handlers.records import TaskRecord
from rules.estimate import Estimate
from rules.regulation import RegulationConfig
from rules.types import TaskId
from rules.validation import Violation

DEFAULT = RegulationConfig()
OTHER = RegulationConfig(
    estimate_sla_working_minutes=300,
    auto_accept_max_minutes=30,
    rounding_unit_minutes=10,
    warranty_days=21,
)
MSK = ZoneInfo("Europe/Moscow")


APPROVAL = [
    pytest.param(None, None, DEFAULT, "п. 3.4", "п. 3.5", id="by-actual-cites-3.4-only"),
    pytest.param(130, 135, DEFAULT, "Оценка больше 1 ч", "п. 3.4", id="over-an-hour-3.5-only"),
    pytest.param(40, 40, OTHER, "Оценка больше 30 мин", "1 ч", id="limit-from-the-config"),
]


@pytest.mark.parametrize(("raw", "rounded", "reg", "present", "absent"), APPROVAL)
def test_approval_request_gives_the_one_reason_that_applies(
    raw: int | None, rounded: int | None, reg: RegulationConfig, present: str, absent: str
) -> None:
    text = messages.approval_requested(raw, rounded, "", reg)
    assert present in text
    assert absent not in text
    assert "отмашка" not in text
    assert "или по факту" not in text


def test_rounding_note_names_the_configured_unit() -> None:
    text = messages.approval_requested(131, 140, "", OTHER)
    assert "округлена до 10 минут, п. 3.1" in text


def test_summary_numbers_come_from_the_regulation() -> None:
    default = messages.regulation_summary(DEFAULT)
    assert "8 рабочих часов" in default
    assert "14 календарных дней" in default
    assert "15 минут" in default
    assert "до 1 ч включительно" in default
    other = messages.regulation_summary(OTHER)
    assert "5 рабочих часов" in other
    assert "21 календарный день" in other
    assert "10 минут" in other
    assert "до 30 мин включительно" in other
    for number in ("8 рабочих", "14 календарных", "15 минут", "1 ч "):
        assert number not in other


def test_reestimate_request_cites_3_3_with_the_earlier_estimate_and_the_invoice() -> None:
    text = messages.reestimate_requested(195, 300, 300, "", DEFAULT)
    assert "Повторная оценка задачи: 5 ч вместо согласованной ранее оценки 3 ч 15 мин (п. 3.3)" in (
        text
    )
    assert "дополнительным счётом" in text
    assert "п. 3.5" not in text


def test_how_the_estimate_was_read() -> None:
    estimate = Estimate(
        raw_minutes=180,
        by_actual_time=False,
        parts=(30, 120, 30),
        day_minutes=480,
        spent_minutes=15,
        is_range=True,
    )
    text = messages.how_read(estimate)
    assert "сумма частей: 30 мин + 2 ч + 30 мин" in text
    assert "взята верхняя граница" in text
    assert "1 рабочий день считается как 8 ч" in text
    assert "уже потраченные 15 мин в оценку не входят" in text
    assert messages.how_read(Estimate(raw_minutes=60, by_actual_time=False)) == ""


def test_work_done_and_late_comment_use_the_window_length() -> None:
    assert "в течение 21 календарного дня" in messages.work_done(date(2026, 12, 1), 21)
    assert "в течение 14 календарных дней" in messages.work_done(date(2026, 12, 1), 14)
    late = messages.late_comment(date(2026, 12, 1), 7, 42)
    assert "после 7 календарных дней" in late
    assert "новую задачу #42" in late
    assert "поставьте новую задачу" not in late


def test_late_task_names_the_author_without_declension() -> None:
    text = messages.late_task_description(5, "Снова ошибка", "Анна Смирнова")
    assert "Автор: Анна Смирнова" in text
    assert "Комментарий Анна Смирнова" not in text


def test_responsible_note_is_below_the_problems() -> None:
    problem = Violation("title_generic", "2.1", details={"title": "Вопрос"})
    note = Violation(
        "not_responsible", "1.5", blocking=False,
        details={"responsible_ids": (3,), "company": "ООО Ромашка"},
    )  # fmt: skip
    text = messages.refusal([problem, note], {3: "Анна Смирнова"})
    problems, rest = text.split("[/LIST]")
    assert "п. 2.1" in problems
    assert "п. 1.5" not in problems
    assert "Обратите внимание" in rest
    assert "Анна Смирнова" in rest


def test_rework_done_names_the_new_and_the_old_day() -> None:
    text = messages.rework_done(date(2026, 12, 12), date(2026, 12, 7), 14)
    assert "до 12 декабря 2026 включительно (раньше было до 7 декабря 2026)" in text
    same = messages.rework_done(date(2026, 12, 7), date(2026, 12, 7), 14)
    assert "раньше было" not in same


def test_task_tab_shows_what_the_bill_counts() -> None:
    record = TaskRecord(
        task_id=TaskId(4), estimate_minutes=240, approved_minutes=240, billable_minutes=270,
        unapproved_minutes=30,
    )  # fmt: skip
    page = TaskPage(record, {}, (), (), (), datetime(2026, 11, 20, tzinfo=MSK), 30)
    assert (page.payable_minutes, page.approved_minutes, page.time_percent) == (240, 240, 112)
