"""The report model: stored entries, records and audit rows → bills that add up (п. 3, 6)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from b24app.reporting.billing import (
    CHAT_FEE,
    PACKAGE_FEE,
    ClientReport,
    MonthReport,
    UnknownClientError,
    build_month_report,
)
from b24app.reporting.months import parse_month
from b24app.storage.database import Database
from handlers.records import TaskRecord, is_warranty_rework
from rules.billing import LineKind
from rules.types import TaskId, TaskState
from tests.billing.conftest import (
    CONFIG,
    IVANOV,
    LYUTIK,
    MEMBER,
    MSK,
    ROMASHKA,
    add_audit,
    add_entry,
    add_task,
    add_user,
    at,
)


def report(db: Database, client: str | None = None) -> MonthReport:
    return build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK, client=client)


def by_name(result: MonthReport, name: str) -> ClientReport:
    return next(c for c in result.clients if c.bill.client == name)


MONTHS = [
    pytest.param("2026-11", (2026, 11), id="plain"),
    pytest.param("2026-1", (2026, 1), id="one-digit"),
    pytest.param("2026-13", None, id="month-13"),
    pytest.param("2026-00", None, id="month-0"),
    pytest.param("november", None, id="words"),
    pytest.param("2026-11-01", None, id="a-day"),
]


@pytest.mark.parametrize(("text", "expected"), MONTHS)
def test_parse_month(text: str, expected: tuple[int, int] | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="2026-11"):
            parse_month(text)
    else:
        assert parse_month(text) == expected


REWORK = TaskRecord(
    task_id=TaskId(1),
    rework_periods=((at(5), at(7)),),
    rework_since=at(20),
)
REWORK_TIMES = [
    pytest.param(at(4), False, id="before-rework"),
    pytest.param(at(5), True, id="period-start"),
    pytest.param(at(7) - timedelta(seconds=1), True, id="period-last-second"),
    # Issue 13: time logged after the fix was completed is the fix's, never billed
    pytest.param(at(7), True, id="issue-logged-after-the-fix-was-completed"),
    pytest.param(at(19), True, id="between-rework-rounds"),
    pytest.param(at(20), True, id="rework-since"),
    pytest.param(at(28), True, id="after-rework-since"),
]


@pytest.mark.parametrize(("when", "expected"), REWORK_TIMES)
def test_is_warranty_rework(when: datetime, expected: bool) -> None:
    assert is_warranty_rework(REWORK, when) is expected


def test_clients_without_tasks_still_show_their_package_line(db: Database) -> None:
    result = report(db)
    assert [c.bill.client for c in result.clients] == [ROMASHKA, LYUTIK, IVANOV]
    romashka = by_name(result, ROMASHKA)
    assert [(d.kind, d.amount_kopecks) for d in romashka.details] == [(PACKAGE_FEE, 4_000_000)]
    assert romashka.details[0].title == "Пакет «Стандарт», 01.11–30.11.2026 (п. 6.1)"
    lyutik = by_name(result, LYUTIK)
    assert [(d.kind, d.amount_kopecks) for d in lyutik.details] == [
        (PACKAGE_FEE, 7_000_000),
        (CHAT_FEE, 500_000),
    ]
    assert by_name(result, IVANOV).bill.total_kopecks == 0
    assert result.total_kopecks == 4_000_000 + 7_000_000 + 500_000


# (record fields, entry time, expected line kind): one entry of 30 min after the package is used
ENTRY_KINDS = [
    pytest.param({}, at(10), LineKind.REGULAR, id="regular-overflow"),
    pytest.param({"urgent": True}, at(10), LineKind.URGENT, id="urgent-record"),
    pytest.param(
        {"rework_periods": ((at(9), at(11)),)}, at(10), LineKind.WARRANTY, id="in-rework-period"
    ),
    pytest.param(
        {"rework_periods": ((at(9), at(11)),)},
        at(12),
        LineKind.WARRANTY,
        id="issue-logged-after-the-rework-period",
    ),
    pytest.param({"rework_since": at(9)}, at(10), LineKind.WARRANTY, id="rework-open"),
    pytest.param({"rework_since": at(11)}, at(10), LineKind.REGULAR, id="before-rework-open"),
]


@pytest.mark.parametrize(("fields", "when", "kind"), ENTRY_KINDS)
def test_entry_kind_from_the_task_record(
    db: Database, fields: dict[str, object], when: datetime, kind: LineKind
) -> None:
    add_task(db, 1, ROMASHKA, "Пакет выбран")
    add_entry(db, 1, 1, 600 * 60, at(2))  # the whole package
    add_task(db, 2, ROMASHKA, "Проверяемая", **fields)
    add_entry(db, 2, 2, 30 * 60, when)
    lines = by_name(report(db, ROMASHKA), ROMASHKA).details
    line = next(d for d in lines if d.entry_id == 2)
    assert (line.kind, line.billed_minutes, line.task_id) == (kind.value, 30, 2)


def test_entries_outside_the_month_and_unassigned_tasks(db: Database) -> None:
    add_task(db, 1, ROMASHKA)
    add_task(db, 2, "ООО Неизвестная")
    add_entry(db, 1, 1, 60, at(31, 23, 59, month=10))  # October, Moscow time
    add_entry(db, 2, 1, 60, at(1, 0, 0))
    add_entry(db, 3, 1, 60, at(30, 23, 59))
    add_entry(db, 4, 1, 60, at(1, 0, 0, month=12))
    add_entry(db, 5, 2, 60, at(10))
    add_entry(db, 6, 99, 60, at(10))  # a task the app does not track
    result = report(db)
    ids = [d.entry_id for d in by_name(result, ROMASHKA).details if d.entry_id]
    assert ids == [2, 3]
    assert result.unassigned_entries == 1


def test_detail_sums_to_the_summary_to_the_kopeck(db: Database) -> None:
    add_user(db, 17, "Иван Интеграторов")
    seconds = [1, 59, 61, 899, 900, 901, 3599, 3601, 7 * 3600 + 7, 0, 123_457]
    entry_id = 0
    for task_id, name in enumerate([ROMASHKA, LYUTIK, IVANOV, ROMASHKA, LYUTIK], start=1):
        add_task(db, task_id, name, urgent=task_id % 2 == 0, rework_since=at(25))
        for i, secs in enumerate(seconds):
            entry_id += 1
            add_entry(db, entry_id, task_id, secs * task_id, at(1 + (i * 3 + task_id) % 29, 9 + i))
    result = report(db)
    for client in result.clients:
        bill = client.bill
        assert sum(d.amount_kopecks for d in client.details) == bill.total_kopecks
        minutes = dict.fromkeys(LineKind, 0)
        for line in bill.lines:
            minutes[line.kind] += line.billed_minutes
        assert minutes[LineKind.PACKAGE] == bill.package_used_minutes
        assert minutes[LineKind.REGULAR] == bill.overflow_regular_minutes
        assert minutes[LineKind.URGENT] == bill.overflow_urgent_minutes
        assert minutes[LineKind.WARRANTY] == bill.warranty_minutes
        assert {d.integrator for d in client.details if d.entry_id} <= {"Иван Интеграторов"}
    assert sum(c.bill.total_kopecks for c in result.clients) == result.total_kopecks
    every_entry = {d.entry_id for c in result.clients for d in c.details if d.entry_id}
    assert every_entry == set(range(1, entry_id + 1))


def test_overrun_lines_from_audit_rows_and_records(db: Database) -> None:
    add_task(db, 1, ROMASHKA, "Аудит в ноябре", estimate_minutes=60)
    add_audit(db, 1, "overrun", at(10), billable_minutes=75, approved_minutes=60)
    add_audit(db, 1, "overrun", at(11), billable_minutes=75, approved_minutes=60)  # replayed
    add_task(db, 2, ROMASHKA, "Аудит в октябре")
    add_audit(db, 2, "overrun", at(10, month=10), billable_minutes=90, approved_minutes=60)
    add_entry(db, 1, 2, 600, at(3))
    add_task(db, 3, ROMASHKA, "Без аудита", overrun_level="exceeded", estimate_minutes=30,
             billable_minutes=45)  # fmt: skip
    add_entry(db, 2, 3, 2700, at(4))
    add_task(db, 4, ROMASHKA, "Без записей", overrun_level="exceeded", estimate_minutes=30)
    overruns = by_name(report(db), ROMASHKA).bill.overruns
    assert [(o.task_id, o.approved_minutes, o.billed_minutes) for o in overruns] == [
        (1, 60, 75),
        (3, 30, 45),
    ]


def test_regulation_acknowledged_date_per_client(db: Database) -> None:
    add_task(db, 1, ROMASHKA)
    add_task(db, 2, LYUTIK)
    add_audit(db, 1, "regulation_acknowledged", at(3, 23, 30), company=ROMASHKA, by=503)
    add_audit(db, 1, "regulation_acknowledged", at(9), company=ROMASHKA, by=503)
    add_audit(db, 2, "regulation_acknowledged", at(4))  # company from the task's record
    result = report(db)
    assert by_name(result, ROMASHKA).acknowledged_on == date(2026, 11, 3)
    assert by_name(result, LYUTIK).acknowledged_on == date(2026, 11, 4)
    assert by_name(result, IVANOV).acknowledged_on is None


def test_one_client_by_name_and_an_unknown_one(db: Database) -> None:
    assert [c.bill.client for c in report(db, LYUTIK).clients] == [LYUTIK]
    with pytest.raises(UnknownClientError):
        report(db, "ООО Нет такого")


def test_issue_overrun_not_approved_is_its_own_line_and_not_in_the_total(db: Database) -> None:
    """Demo task #4: 4 h approved, 4 h 30 logged; the new estimate was never approved."""
    add_task(db, 4, ROMASHKA, "Срочно: письма", urgent=True, approved_minutes=240,
             estimate_minutes=240, overrun_level="exceeded", state=TaskState.DONE)  # fmt: skip
    add_task(db, 5, ROMASHKA, "Другая задача")
    add_entry(db, 1, 5, 9 * 3600, at(2))  # another task: 540 of the 600 package minutes
    add_entry(db, 2, 4, 4 * 3600 + 30 * 60, at(19))
    add_audit(db, 4, "overrun", at(19), billable_minutes=270, approved_minutes=240)
    romashka = by_name(report(db), ROMASHKA)
    kinds = [(d.entry_id, d.kind, d.billed_minutes) for d in romashka.details if d.entry_id]
    assert kinds == [
        (1, "package", 540),
        (2, "package", 60),
        (2, "urgent", 180),
        (2, "unapproved", 30),
    ]
    assert romashka.bill.unapproved_minutes == 30
    assert romashka.bill.total_kopecks == 4_000_000 + 1_350_000  # 180 urgent min, not 210
    (overrun,) = romashka.bill.overruns
    assert (overrun.first_minutes, overrun.approved_minutes, overrun.unapproved_minutes) == (
        240,
        240,
        30,
    )


def test_overrun_section_shows_the_estimate_approved_now(db: Database) -> None:
    """Issue: after a re-approval the bill showed the first estimate."""
    add_task(db, 2, ROMASHKA, "Выгрузка", approved_minutes=300, estimate_minutes=300)
    add_entry(db, 1, 2, 225 * 60, at(3))
    add_entry(db, 2, 2, 75 * 60, at(4))
    add_audit(db, 2, "overrun", at(3), billable_minutes=225, approved_minutes=195)
    romashka = by_name(report(db), ROMASHKA)
    (overrun,) = romashka.bill.overruns
    assert (overrun.first_minutes, overrun.approved_minutes, overrun.billed_minutes) == (
        195,
        300,
        225,
    )
    assert romashka.bill.unapproved_minutes == 0


def test_unapproved_time_is_billed_when_the_client_config_says_so(db: Database) -> None:
    client = dataclasses.replace(CONFIG.clients[0], overrides={"bill_unapproved_overrun": True})
    config = dataclasses.replace(CONFIG, clients=(client, *CONFIG.clients[1:]))
    add_task(db, 4, ROMASHKA, "Письма", approved_minutes=60, estimate_minutes=60)
    add_entry(db, 1, 4, 90 * 60, at(2))
    result = build_month_report(db, config, MEMBER, 2026, 11, MSK)
    assert by_name(result, ROMASHKA).bill.unapproved_minutes == 0


def test_the_report_says_when_no_time_sync_ran_this_month(db: Database) -> None:
    assert report(db).time_not_synced is True
    db.set_value(MEMBER, "time_sync_at", repr(at(30, month=10).timestamp()))
    assert report(db).time_not_synced is True
    db.set_value(MEMBER, "time_sync_at", repr(at(2).timestamp()))
    result = report(db)
    assert result.time_not_synced is False
    assert result.time_synced_at == at(2)


def test_an_entry_of_the_reworks_first_second_is_the_reworks() -> None:
    """Bitrix24 dates entries to the second; the rework began later in that second."""
    record = TaskRecord(task_id=TaskId(1), rework_since=at(20) + timedelta(milliseconds=600))
    assert is_warranty_rework(record, at(20)) is True
    assert is_warranty_rework(record, at(20) - timedelta(seconds=1)) is False
