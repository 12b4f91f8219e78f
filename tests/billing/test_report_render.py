"""Rendering: the table and JSON carry the same numbers, amounts exact to the kopeck (CSV and
XLSX: test_excel_files.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from b24app.reporting.billing import MonthReport
from b24app.reporting.files import ReportFile
from b24app.reporting.render import hours, render, rubles, rubles_ru
from b24app.storage.database import Database
from tests.billing.conftest import (
    ROMASHKA,
    seed_november,
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
    return seed_november(db)


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
    header = ReportFile(b"x", "text/csv", "report-2026-11-ООО Ромашка.csv").content_disposition
    header.encode("latin-1")  # what the WSGI server needs
    assert 'filename="report-2026-11-___________.csv"' in header
    assert "filename*=UTF-8''report-2026-11-%D0%9E%D0%9E%D0%9E" in header
