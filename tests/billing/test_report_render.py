"""Rendering: table, CSV, JSON and XLSX carry the same numbers, amounts exact to the kopeck."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from b24app.billing_report import MonthReport, build_month_report
from b24app.report_render import SUMMARY_KEYS, hours, render, render_csv, rubles, rubles_ru
from b24app.storage import Database
from tests.billing.conftest import (
    CONFIG,
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

AMOUNTS = [
    pytest.param(0, "0.00", "0,00", id="zero"),
    pytest.param(5, "0.05", "0,05", id="kopecks"),
    pytest.param(4_000_000, "40000.00", "40 000,00", id="standard-package"),
    pytest.param(123_456_789, "1234567.89", "1 234 567,89", id="millions"),
    pytest.param(-150, "-1.50", "-1,50", id="negative"),
]


@pytest.mark.parametrize(("kopecks", "plain", "russian"), AMOUNTS)
def test_amount_formats(kopecks: int, plain: str, russian: str) -> None:
    assert (rubles(kopecks), rubles_ru(kopecks)) == (plain, russian)


@pytest.mark.parametrize(("minutes", "text"), [(0, "0:00"), (45, "0:45"), (600, "10:00")])
def test_hours(minutes: int, text: str) -> None:
    assert hours(minutes) == text


@pytest.fixture
def month(db: Database) -> MonthReport:
    add_user(db, 17, "Иван Интеграторов")
    add_task(db, 1, ROMASHKA, "Настроить воронку продаж")
    add_task(db, 2, ROMASHKA, "Срочно: упал обмен с 1С", urgent=True)
    add_task(db, 3, LYUTIK, "Доработка отчёта", rework_since=at(20))
    add_entry(db, 1, 1, 9 * 3600 + 45 * 60, at(2))  # 585 of the 600 package minutes
    add_entry(db, 2, 2, 40 * 60 + 1, at(3))  # 41 → 45 min: 15 in the package, 30 urgent
    add_entry(db, 3, 1, 20 * 60, at(4))  # 30 min regular
    add_entry(db, 4, 3, 3600, at(21))  # warranty
    add_audit(db, 1, "regulation_acknowledged", at(3), company=ROMASHKA)
    add_audit(db, 1, "overrun", at(4), billable_minutes=630, approved_minutes=600)
    return build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)


def _sections(text: str) -> dict[str, list[dict[str, str]]]:
    sections: dict[str, list[dict[str, str]]] = {}
    for block in text.strip().split("\n\n"):
        rows = list(csv.DictReader(io.StringIO(block)))
        if rows:
            sections[rows[0]["section"]] = rows
    return sections


def test_csv_sections_add_up(month: MonthReport) -> None:
    sections = _sections(render_csv(month))
    summary = {r["client"]: r for r in sections["summary"]}
    assert summary[ROMASHKA]["package_amount"] == "40000.00"
    assert (summary[ROMASHKA]["package"], summary[ROMASHKA]["remaining_minutes"]) == (
        "standard",
        "0",
    )
    assert summary[ROMASHKA]["regulation_signed"] == "2026-11-03"
    for client, row in summary.items():
        lines = [r for r in sections["line"] if r["client"] == client]
        assert sum(Decimal(r["amount"]) for r in lines) == Decimal(row["total"])
    urgent = [r for r in sections["line"] if r["kind"] == "urgent"]
    assert urgent[0]["entry_id"] == "2"
    assert urgent[0]["raw_seconds"] == ""
    assert (urgent[0]["billed_minutes"], urgent[0]["rate"]) == ("30", "4500.00")
    assert [(r["task_id"], r["over_minutes"]) for r in sections["overrun"]] == [("1", "30")]


def test_json_has_exact_amounts_and_traceable_lines(month: MonthReport) -> None:
    doc = json.loads(str(render(month, "json")))
    assert doc["month"] == "2026-11"
    romashka = next(c for c in doc["clients"] if c["client"] == ROMASHKA)
    assert romashka["urgent_amount"] == "2250.00"  # 30 min × 4 500 ₽/h
    assert romashka["regular_amount"] == "1750.00"  # 30 min × 3 500 ₽/h
    assert romashka["total"] == "44000.00"
    assert romashka["regulation_signed"] == "2026-11-03"
    assert sum(Decimal(line["amount"]) for line in romashka["lines"]) == Decimal("44000.00")
    assert sorted({line["entry_id"] for line in romashka["lines"] if line["entry_id"]}) == [1, 2, 3]
    total = sum(Decimal(c["total"]) for c in doc["clients"])
    assert Decimal(doc["total"]) == total


def test_xlsx_opens_with_openpyxl(month: MonthReport) -> None:
    book = load_workbook(io.BytesIO(render(month, "xlsx")))  # type: ignore[arg-type]
    assert book.sheetnames == ["Сводка", "Детализация", "Перерасход оценки п. 3.3"]
    summary = list(book["Сводка"].iter_rows(values_only=True))
    assert summary[0][0] == "Клиент"
    romashka = next(r for r in summary if r[0] == ROMASHKA)
    assert Decimal(str(romashka[SUMMARY_KEYS.index("total")])) == Decimal("44000.00")
    lines = list(book["Детализация"].iter_rows(values_only=True))[1:]
    romashka_lines = [r for r in lines if r[0] == ROMASHKA]
    assert sum(Decimal(str(r[11])) for r in romashka_lines) == Decimal("44000.00")
    assert book["Детализация"].cell(2, 12).number_format == "#,##0.00"


def test_table_for_people(month: MonthReport) -> None:
    text = str(render(month, "table"))
    assert "Сводка 2026-11" in text
    assert "40 000,00" in text
    assert "44 000,00" in text
    assert "ООО Ромашка — Регламент подписан: 03.11.2026" in text
    assert "ООО Лютик — Регламент не подписан" in text
    assert "Перерасход оценки (п. 3.3)" in text
    assert "гарантия" in text
    assert "срочно" in text


def test_unknown_format(month: MonthReport) -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        render(month, "pdf")


def test_download_name_may_be_cyrillic() -> None:
    from b24app.reports_web import download

    response = download(b"x", "text/csv", "report-2026-11-ООО Ромашка.csv")
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")  # what the WSGI server needs
    assert 'filename="report-2026-11-___________.csv"' in header
    assert "filename*=UTF-8''report-2026-11-%D0%9E%D0%9E%D0%9E" in header
