"""A month's bill locked once sent: the report keeps the billed figures, and what changed in the
time entries since is listed apart (entries added, changed, removed; the total now)."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, update

from b24app.reporting.billing import build_month_report, compute_month_report
from b24app.reporting.csv_file import csv_bytes
from b24app.reporting.locks import load_lock, remove_lock, save_lock
from b24app.reporting.render import render
from b24app.reporting.snapshot import report_from_data, report_to_data
from b24app.storage.database import Database
from b24app.storage.schema import time_entries
from handlers.report_texts import month_locked
from tests.billing.conftest import (
    CONFIG,
    LYUTIK,
    MEMBER,
    MSK,
    ROMASHKA,
    add_entry,
    at,
    seed_november,
)
from tests.billing.excel import column, read_like_excel


def _change_time(db: Database) -> None:
    """After the bill: one entry added, one lengthened, one deleted on the portal and synced."""
    add_entry(db, 5, 1, 2 * 3600, at(28))  # 2 h more on Ромашка's task
    with db.begin() as conn:
        conn.execute(
            update(time_entries)
            .where(time_entries.c.member_id == MEMBER, time_entries.c.entry_id == 3)
            .values(seconds=50 * 60)  # 20 → 50 min
        )
        conn.execute(
            delete(time_entries).where(
                time_entries.c.member_id == MEMBER, time_entries.c.entry_id == 4
            )
        )


def test_snapshot_round_trip(db: Database) -> None:
    report = seed_november(db)
    data = json.loads(json.dumps(report_to_data(report)))
    assert report_from_data(data) == report


def test_a_locked_month_keeps_its_bill_and_lists_changes(db: Database) -> None:
    billed = seed_november(db)
    save_lock(db, MEMBER, billed, "anna", MSK)
    _change_time(db)
    now = compute_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)
    assert now.total_kopecks != billed.total_kopecks  # the sync did change the figures
    shown = build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)
    assert shown.locked_at is not None
    assert shown.clients == billed.clients
    assert shown.total_kopecks == billed.total_kopecks
    assert shown.total_now_kopecks == now.total_kopecks
    assert [(c.entry_id, c.change, c.locked_minutes, c.now_minutes) for c in shown.changes] == [
        (3, "changed", 20, 50),
        (4, "removed", 60, None),
        (5, "added", None, 120),
    ]
    assert not shown.time_not_synced  # the bill was sent as it is
    document = json.loads(str(render(shown, "json")))
    assert document["locked_at"] == shown.locked_at.isoformat()
    assert document["total"] != document["total_now"]
    assert [c["change"] for c in document["changes_since_lock"]] == ["changed", "removed", "added"]
    text = str(render(shown, "table"))
    assert month_locked("2026-11", shown.locked_at) in text
    assert "Изменений после фиксации: 3" in text


def test_a_locked_month_as_files(db: Database) -> None:
    seed_november(db)
    save_lock(db, MEMBER, compute_month_report(db, CONFIG, MEMBER, 2026, 11, MSK), "anna", MSK)
    _change_time(db)
    shown = build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)
    header, rows = read_like_excel(csv_bytes(shown, "changes"))
    assert column(header, rows, "Изменение") == ["изменена", "удалена", "добавлена"]
    assert column(header, rows, "Клиент") == [ROMASHKA, LYUTIK, ROMASHKA]
    book = load_workbook(io.BytesIO(render(shown, "xlsx")))  # type: ignore[arg-type]
    assert book.sheetnames[-1] == "Изменения после фиксации"
    notes = [r[0] for r in book["Сводка"].iter_rows(values_only=True) if r[0]]
    assert any(str(n).startswith("Счёт за 2026-11 зафиксирован") for n in notes)


def test_one_client_of_a_locked_month(db: Database) -> None:
    seed_november(db)
    save_lock(db, MEMBER, compute_month_report(db, CONFIG, MEMBER, 2026, 11, MSK), "anna", MSK)
    _change_time(db)
    shown = build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK, client=LYUTIK)
    assert [c.bill.client for c in shown.clients] == [LYUTIK]
    assert [(c.entry_id, c.change) for c in shown.changes] == [(4, "removed")]


def test_unlock(db: Database) -> None:
    billed = seed_november(db)
    save_lock(db, MEMBER, billed, "anna", MSK)
    assert load_lock(db, MEMBER, 2026, 11) is not None
    _change_time(db)
    assert remove_lock(db, MEMBER, 2026, 11) is True
    assert remove_lock(db, MEMBER, 2026, 11) is False
    shown = build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)
    assert shown.locked_at is None
    assert shown.total_kopecks != billed.total_kopecks


@pytest.mark.parametrize("month", [10, 12])
def test_other_months_are_not_locked(db: Database, month: int) -> None:
    save_lock(db, MEMBER, seed_november(db), "anna", MSK)
    assert build_month_report(db, CONFIG, MEMBER, 2026, month, MSK).locked_at is None
