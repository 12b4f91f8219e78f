"""The bill as files for Russian Excel: the CSV read back by Excel's rules (tests/billing/excel.py)
and the XLSX read back with openpyxl: types, formats, widths, the frozen header, totals."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from b24app.reporting.billing import MonthReport, build_month_report
from b24app.reporting.csv_file import csv_bytes, decimal_hours, render_csv
from b24app.reporting.files import report_file
from b24app.reporting.xlsx import render_xlsx, sheet_name
from b24app.storage.database import Database
from handlers.report_texts import time_not_synced
from tests.billing.conftest import (
    CONFIG,
    LYUTIK,
    MEMBER,
    MSK,
    ROMASHKA,
    add_entry,
    add_task,
    at,
    seed_november,
)
from tests.billing.excel import column, excel_cell, read_like_excel


@pytest.fixture
def month(db: Database) -> MonthReport:
    return seed_november(db)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        pytest.param(0, "0,00", id="zero"),
        pytest.param(15, "0,25", id="unit"),
        pytest.param(135, "2,25", id="two-and-a-quarter"),
        pytest.param(600, "10,00", id="package"),
        pytest.param(41, "0,6833", id="raw-minutes-four-places"),
        pytest.param(1500, "25,00", id="past-24-hours"),
    ],
)
def test_hours_are_decimal_with_a_comma(minutes: int, text: str) -> None:
    assert decimal_hours(minutes) == text
    assert excel_cell(text) == Decimal(text.replace(",", "."))  # a number, not a date or text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("40000,00", Decimal("40000.00"), id="number"),
        pytest.param("40 000,00", "40 000,00", id="thousands-space-is-text"),
        pytest.param("40000.00", "40000.00", id="point-is-not-a-decimal-here"),
        pytest.param("02.11.2026 10:00", datetime(2026, 11, 2, 10, 0), id="date-time"),  # noqa: DTZ001
        pytest.param("2026-11-02T10:00:00+03:00", "2026-11-02T10:00:00+03:00", id="iso-is-text"),
    ],
)
def test_the_excel_rules_of_the_test_itself(text: str, expected: object) -> None:
    assert excel_cell(text) == expected


def test_csv_detail_opens_in_russian_excel(month: MonthReport) -> None:
    file = report_file(month, "csv")
    assert (file.filename, file.mimetype) == ("report-2026-11.csv", "text/csv; charset=utf-8")
    header, rows = read_like_excel(file.body)
    assert header[:5] == ["Клиент", "Вид", "Задача", "Название", "Дата"]
    assert header[-4:] == ["Факт, ч", "Учтено, ч", "Ставка, ₽/ч", "Сумма, ₽"]
    for name in ("Задача", "Запись", "Факт, ч", "Учтено, ч", "Ставка, ₽/ч", "Сумма, ₽"):
        assert all(v is None or isinstance(v, Decimal) for v in column(header, rows, name)), name
    dates = [d for d in column(header, rows, "Дата") if d is not None]
    assert len(dates) == 5  # four entries, the urgent one split at the end of the package
    assert all(isinstance(d, datetime) for d in dates)
    assert datetime(2026, 11, 2, 10, 0) in dates  # noqa: DTZ001 - Excel's dates have no zone
    urgent = next(r for r in rows if r[header.index("Вид")] == "срочно")
    assert urgent[header.index("Учтено, ч")] == Decimal("0.5")  # 30 min at the urgent rate
    assert urgent[header.index("Ставка, ₽/ч")] == Decimal("4500")


def test_csv_detail_adds_up_to_the_summary(month: MonthReport) -> None:
    header, rows = read_like_excel(csv_bytes(month, "lines"))
    summary_header, summary = read_like_excel(csv_bytes(month, "summary"))
    totals = dict(
        zip(
            column(summary_header, summary, "Клиент"),
            column(summary_header, summary, "Итого, ₽"),
            strict=True,
        )
    )
    assert totals[ROMASHKA] == Decimal("44000.00")
    for client, total in totals.items():
        amounts = [r[header.index("Сумма, ₽")] for r in rows if r[0] == client]
        assert sum(amounts) == total  # type: ignore[arg-type]
    romashka = summary[column(summary_header, summary, "Клиент").index(ROMASHKA)]
    assert romashka[summary_header.index("Пакет")] == "Стандарт"
    assert romashka[summary_header.index("Включено, ч")] == Decimal("10")
    assert romashka[summary_header.index("Регламент подписан")] == datetime(2026, 11, 3)  # noqa: DTZ001


def test_csv_one_table_per_file(month: MonthReport) -> None:
    overruns_header, overruns = read_like_excel(csv_bytes(month, "overruns"))
    assert overruns_header[:3] == ["Клиент", "Задача", "Название"]
    assert [(r[1], r[overruns_header.index("Сверх оценки, ч")]) for r in overruns] == [
        (Decimal(1), Decimal("0.5"))
    ]
    assert report_file(month, "csv", table="summary").filename == "report-2026-11-summary.csv"
    assert render_csv(month, "changes").count("\n") == 1  # not locked: the header only
    with pytest.raises(ValueError, match="unknown report table"):
        render_csv(month, "sections")


def test_text_that_looks_like_a_formula_stays_text(db: Database) -> None:
    """A client writes the task title: it must not run as a formula in the accountant's Excel."""
    add_task(db, 9, LYUTIK, '=HYPERLINK("http://evil.example/","Счёт")')
    add_entry(db, 90, 9, 3600, at(5))
    report = build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)
    header, rows = read_like_excel(csv_bytes(report))
    titles = column(header, rows, "Название")
    assert '\'=HYPERLINK("http://evil.example/","Счёт")' in titles
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    cells = [row[3] for row in book["Детализация"].iter_rows(min_row=2)]
    formula_like = [c for c in cells if str(c.value).startswith("=")]
    assert [c.data_type for c in formula_like] == ["s"]


def test_xlsx_for_people(month: MonthReport) -> None:
    book = load_workbook(io.BytesIO(report_file(month, "xlsx").body))
    assert book.sheetnames == ["Сводка", "Детализация", "Перерасход оценки"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.b for cell in sheet[1]), sheet.title
        assert str(sheet.auto_filter.ref).startswith("A1:"), sheet.title
    lines = book["Детализация"]
    header = [c.value for c in lines[1]]
    title_column = lines.column_dimensions["D"]
    assert header[3] == "Название"
    assert title_column.width >= len("Настроить воронку продаж")
    entry = next(r for r in lines.iter_rows(min_row=2) if r[6].value == 1)
    when, billed, amount = entry[4], entry[8], entry[10]
    assert (when.is_date, when.value, when.number_format) == (
        True,
        datetime(2026, 11, 2, 10, 0),  # noqa: DTZ001 - the wall clock in the portal's zone
        "DD.MM.YYYY HH:MM",
    )
    assert billed.number_format == "[h]:mm"
    assert round(billed.value.total_seconds() / 60) == 585  # 9 h 45 min as a time cell
    assert amount.number_format == "#,##0.00"
    totals = [r for r in lines.iter_rows(values_only=True) if r[0] == "Итого"]
    assert len(totals) == 1
    assert Decimal(str(totals[0][10])) == Decimal(month.total_kopecks) / 100  # 44 000 + 75 000


def test_xlsx_summary_totals_and_hours_past_a_day(month: MonthReport) -> None:
    sheet = load_workbook(io.BytesIO(render_xlsx(month)))["Сводка"]
    rows = list(sheet.iter_rows(min_row=2))
    lyutik = next(r for r in rows if r[0].value == LYUTIK)
    included = lyutik[2]
    assert included.number_format == "[h]:mm"  # 20:00, not 20 minutes nor a wrapped clock
    assert round(included.value.total_seconds() / 60) == 1200
    totals = next(r for r in rows if r[0].value == "Итого")
    assert all(c.font.b for c in totals if c.value is not None)
    assert Decimal(str(totals[13].value)) == Decimal(month.total_kopecks) / 100
    notes = [r[0].value for r in rows[rows.index(totals) + 1 :] if r[0].value]
    assert notes == [time_not_synced("2026-11", None)]  # no sync ran: the sheet says so


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Сводка", "Сводка"),
        (
            "Лист с очень длинным названием, длиннее тридцати одного",
            "Лист с очень длинным названием,",
        ),
        ("Клиент [ООО «Лютик»]: итог?", "Клиент  ООО «Лютик»   итог"),
    ],
)
def test_sheet_names_follow_excels_rules(title: str, name: str) -> None:
    assert sheet_name(title) == name


def test_text_cells_keep_the_xml_valid(db: Database) -> None:
    """A title with control characters (pasted from elsewhere) still gives a workbook that opens."""
    add_task(db, 9, LYUTIK, "a\x00b\x1fc & <d>")
    add_entry(db, 90, 9, 3600, at(5))
    report = build_month_report(db, CONFIG, MEMBER, 2026, 11, MSK)
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    titles = [row[3].value for row in book["Детализация"].iter_rows(min_row=2)]
    assert "abc & <d>" in titles
