"""The month's report as an XLSX workbook: one sheet per table (reporting.tables), Russian sheet
and column names, a bold frozen header row with a filter, column widths from the contents,
money as numbers in a money format, durations as time cells shown h:mm (past 24 hours too),
dates as date cells, and an «Итого» row under every table with amounts or hours. Text is always
written as text: a task title that starts with «=» is not a formula.

Written with XlsxWriter in its constant-memory mode (rows streamed to the file as they come):
openpyxl took ~8 s for 1 000 clients even through lxml (BENCHMARKS.md); the tests read the
files back with openpyxl."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from b24app.reporting.model import MonthReport
from b24app.reporting.tables import Kind, Table, plain_date, workbook_tables
from handlers.report_texts import changes_since_lock, month_locked, time_not_synced

NUMBER_FORMATS = {
    Kind.MONEY: "#,##0.00",
    Kind.DURATION: "[h]:mm",
    Kind.DATETIME: "DD.MM.YYYY HH:MM",
    Kind.DATE: "DD.MM.YYYY",
}
WIDTHS = {Kind.MONEY: 14, Kind.DURATION: 9, Kind.DATETIME: 17, Kind.DATE: 11}
MAX_WIDTH = 60


def cell_value(kind: Kind, value: Any) -> Any:
    """What the cell stores: a Decimal of rubles, a fraction of a day, a naive date."""
    if value is None:
        return None
    if kind is Kind.MONEY:
        return Decimal(int(value)) / 100
    if kind is Kind.DURATION:
        return int(value) / 1440
    if isinstance(value, datetime | date):
        return plain_date(value)
    return value


def column_widths(table: Table) -> list[float]:
    """Characters per column: the widest heading or text value, a fixed width for numbers."""
    widths: list[float] = []
    for i, column in enumerate(table.columns):
        width: float = WIDTHS.get(column.kind, 0)
        if not width:
            width = max((len(str(row[i])) for row in table.rows if row[i] is not None), default=0)
        widths.append(min(max(width, len(column.heading)) + 2, MAX_WIDTH))
    return widths


SHEET_NAME_LIMIT = 31  # Excel's limit
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_TEXT = 32_767  # Excel's limit for one cell


class _Formats:
    """One XlsxWriter format per (number format, bold), created once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.made: dict[tuple[str | None, bool], Format] = {}

    def get(self, kind: Kind | None, *, bold: bool = False) -> Format:
        number_format = NUMBER_FORMATS.get(kind) if kind is not None else None
        key = (number_format, bold)
        if key not in self.made:
            spec: dict[str, Any] = {"bold": bold}
            if number_format:
                spec["num_format"] = number_format
            self.made[key] = self.book.add_format(spec)
        return self.made[key]


def _write_cell(sheet: Worksheet, row: int, col: int, value: Any, style: Format) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "да" if value else "нет", style)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value), style)
    elif isinstance(value, datetime | date):
        sheet.write_datetime(row, col, value, style)
    else:  # text is text: never a formula, a number or a link
        sheet.write_string(row, col, _NOT_XML.sub("", str(value))[:MAX_TEXT], style)


def _write_row(sheet: Worksheet, row: int, values: Sequence[Any], styles: Sequence[Format]) -> None:
    for col, (value, style) in enumerate(zip(values, styles, strict=True)):
        _write_cell(sheet, row, col, value, style)


def sheet_name(title: str) -> str:
    r"""Excel's rules for a sheet name: 31 characters, none of []:*?/\."""
    return _NOT_IN_SHEET_NAME.sub(" ", title)[:SHEET_NAME_LIMIT].strip() or "Лист"


def _write_table(
    book: xlsxwriter.Workbook, formats: _Formats, table: Table, notes: Sequence[str]
) -> None:
    sheet = book.add_worksheet(sheet_name(table.title))
    kinds = [c.kind for c in table.columns]
    for col, width in enumerate(column_widths(table)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(table.rows), max(len(kinds) - 1, 0))
    header = formats.get(None, bold=True)
    _write_row(sheet, 0, [c.heading for c in table.columns], [header] * len(kinds))
    plain = [formats.get(k) for k in kinds]
    row = 1
    for values in table.rows:
        _write_row(
            sheet, row, [cell_value(k, v) for k, v in zip(kinds, values, strict=True)], plain
        )
        row += 1
    totals = table.totals()
    if totals is not None:
        bold = [formats.get(k, bold=True) for k in kinds]
        _write_row(sheet, row, [cell_value(k, v) for k, v in zip(kinds, totals, strict=True)], bold)
        row += 1
    for note in notes:
        row += 1
        _write_cell(sheet, row, 0, note, formats.get(None))


def report_notes(report: MonthReport) -> list[str]:
    """What the summary sheet says under its table: locked, changed since, time not synced."""
    notes = []
    if report.locked_at is not None:
        notes.append(month_locked(report.label, report.locked_at))
        delta = report.total_now_kopecks - report.total_kopecks
        notes.append(changes_since_lock(len(report.changes), delta))
    if report.time_not_synced:
        notes.append(time_not_synced(report.label, report.time_synced_at))
    return notes


def render_xlsx(report: MonthReport) -> bytes:
    """Сводка, Детализация, Перерасход оценки and, for a locked month changed since, the
    changes; money, hours and dates as typed cells."""
    out = BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    formats = _Formats(book)
    for table in workbook_tables(report):
        notes = report_notes(report) if table.name == "summary" else ()
        _write_table(book, formats, table, notes)
    book.close()
    return out.getvalue()
