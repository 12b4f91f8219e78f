"""The month's report as CSV that Russian Excel's default import (double-click) reads right.

- `;` between cells (Excel takes the list separator from the system's regional settings, `;` in
  Russian Windows), UTF-8 with a BOM (without it Excel reads the bytes as Windows-1251);
- one table per file: the detail by default, `summary`, `overruns` or `changes` on request. A
  file with several tables of different columns cannot be sorted, filtered or pivoted; the XLSX
  has every table on its own sheet, with totals;
- numbers with a decimal comma and no thousands separator (`40000,00`), which a Russian Excel
  reads as numbers; durations as decimal hours (`2,25`: they add up in any cell format, while
  `h:mm` text becomes a time of day that wraps past 24 hours in the default format);
- dates as `ДД.ММ.ГГГГ ЧЧ:ММ`, which it reads as dates;
- text that starts like a formula (`=`, `+`, `-`, `@`) gets a leading apostrophe, so a task title
  cannot run as a formula in the accountant's Excel (CSV injection).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from b24app.reporting.model import MonthReport
from b24app.reporting.tables import Kind, report_table

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def decimal_comma(value: Decimal, places: int = 2) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def decimal_hours(minutes: int) -> str:
    """135 → "2,25"; 41 → "0,6833" (at least two places, at most four)."""
    whole, _, fraction = f"{Decimal(minutes) / 60:.4f}".partition(".")
    return f"{whole},{fraction.rstrip('0').ljust(2, '0')}"


def csv_cell(kind: Kind, value: Any) -> str:
    if value is None:
        return ""
    if kind is Kind.MONEY:
        return decimal_comma(Decimal(int(value)) / 100)
    if kind is Kind.DURATION:
        return decimal_hours(int(value))
    if kind is Kind.DATETIME and isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if kind is Kind.DATE and isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    text = str(value)
    if kind is Kind.TEXT and text.startswith(FORMULA_START):
        return "'" + text
    return text


def render_csv(report: MonthReport, table: str = "lines") -> str:
    """One table with its header row (no BOM: see csv_bytes)."""
    chosen = report_table(report, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.heading for c in chosen.columns])
    kinds = [c.kind for c in chosen.columns]
    for row in chosen.rows:
        writer.writerow([csv_cell(k, v) for k, v in zip(kinds, row, strict=True)])
    return buffer.getvalue()


def csv_bytes(report: MonthReport, table: str = "lines") -> bytes:
    """The file as the CLI writes it and the web serves it: UTF-8 with a BOM."""
    return (BOM + render_csv(report, table)).encode("utf-8")
