"""The month's report as typed tables: what the CSV and XLSX files show, one table per file or
sheet, with Russian headings.

Cells keep their raw values (text, integers, kopecks, minutes, dates); each format writes them
in its own way (csv_file: text Russian Excel reads as numbers and dates; xlsx: typed cells). A
column with `total` is added up in the «Итого» row. Package fee and chat lines have no «Учтено»
time (the package's hours are the summary's «Включено»): the column adds up to the time billed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from b24app.reporting.model import ClientReport, DetailLine, LineChange, MonthReport
from handlers.report_texts import CHANGE_KINDS, PACKAGES, REPORT_HEADINGS, REPORT_KINDS, SHEETS
from rules.estimate import whole_minutes

TABLES = ("lines", "summary", "overruns", "changes")  # the first is the default CSV


class Kind(StrEnum):
    """How a cell is written: CSV text Excel reads, or an XLSX cell type and number format."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"  # kopecks
    DURATION = "duration"  # whole minutes
    DATETIME = "datetime"  # aware, in the calendar's zone
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    kind: Kind
    total: bool = False

    @property
    def heading(self) -> str:
        return REPORT_HEADINGS[self.key]


@dataclass(frozen=True, slots=True)
class Table:
    """One table: its columns, its rows (values in column order) and the «Итого» row."""

    name: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]

    @property
    def title(self) -> str:
        return SHEETS[self.name]

    def totals(self) -> tuple[Any, ...] | None:
        """«Итого» in the first column and the sum of every `total` column; None without any."""
        if not any(c.total for c in self.columns):
            return None
        sums: list[Any] = [
            sum(row[i] or 0 for row in self.rows) if column.total else None
            for i, column in enumerate(self.columns)
        ]
        sums[0] = REPORT_HEADINGS["totals_row"]
        return tuple(sums)


T, N, M, D = Kind.TEXT, Kind.INT, Kind.MONEY, Kind.DURATION
SUMMARY_COLUMNS = (
    Column("client", T),
    Column("package", T),
    *(
        Column(key, D, total=True)
        for key in (
            "included_minutes",
            "used_minutes",
            "remaining_minutes",
            "overflow_regular_minutes",
            "overflow_urgent_minutes",
            "warranty_minutes",
            "unapproved_minutes",
        )
    ),
    *(
        Column(key, M, total=True)
        for key in ("package_amount", "regular_amount", "urgent_amount", "chat_amount", "total")
    ),
    Column("regulation_signed", Kind.DATE),
)
LINE_COLUMNS = (
    Column("client", T),
    Column("kind", T),
    Column("task_id", N),
    Column("title", T),
    Column("date", Kind.DATETIME),
    Column("integrator", T),
    Column("entry_id", N),
    Column("raw_minutes", D, total=True),
    Column("billed_minutes", D, total=True),
    Column("rate", M),
    Column("amount", M, total=True),
)
OVERRUN_COLUMNS = (
    Column("client", T),
    Column("task_id", N),
    Column("title", T),
    Column("first_minutes", D),
    Column("approved_minutes", D),
    Column("billed_minutes", D, total=True),
    Column("over_minutes", D, total=True),
    Column("not_approved_minutes", D, total=True),
)
CHANGE_COLUMNS = (
    Column("client", T),
    Column("change", T),
    Column("entry_id", N),
    Column("task_id", N),
    Column("title", T),
    Column("date", Kind.DATETIME),
    Column("integrator", T),
    Column("locked_minutes", D, total=True),
    Column("now_minutes", D, total=True),
    Column("locked_amount", M, total=True),
    Column("now_amount", M, total=True),
)


def summary_values(client: ClientReport) -> tuple[Any, ...]:
    bill = client.bill
    return (
        bill.client,
        PACKAGES.get(bill.package.value, bill.package.value),
        bill.included_minutes,
        bill.package_used_minutes,
        bill.remaining_minutes,
        bill.overflow_regular_minutes,
        bill.overflow_urgent_minutes,
        bill.warranty_minutes,
        bill.unapproved_minutes,
        bill.package_price_kopecks,
        bill.regular_amount_kopecks,
        bill.urgent_amount_kopecks,
        bill.chat_amount_kopecks,
        bill.total_kopecks,
        client.acknowledged_on,
    )


def line_values(line: DetailLine) -> tuple[Any, ...]:
    entry = bool(line.entry_id)
    return (
        line.client,
        REPORT_KINDS.get(line.kind, line.kind),
        line.task_id or None,
        line.title,
        line.at,
        line.integrator,
        line.entry_id or None,
        None if line.raw_seconds is None else whole_minutes(line.raw_seconds),
        line.billed_minutes if entry else None,
        line.rate_kopecks if entry else None,
        line.amount_kopecks,
    )


def overrun_values(client: ClientReport) -> list[tuple[Any, ...]]:
    return [
        (
            client.bill.client,
            o.task_id,
            o.task_title,
            o.first_minutes or o.approved_minutes,
            o.approved_minutes,
            o.billed_minutes,
            max(o.billed_minutes - o.approved_minutes, 0),
            o.unapproved_minutes,
        )
        for o in client.bill.overruns
    ]


def change_values(change: LineChange) -> tuple[Any, ...]:
    return (
        change.client,
        CHANGE_KINDS[change.change],
        change.entry_id,
        change.task_id or None,
        change.title,
        change.at,
        change.integrator,
        change.locked_minutes,
        change.now_minutes,
        change.locked_amount_kopecks,
        change.now_amount_kopecks,
    )


def report_table(report: MonthReport, name: str) -> Table:
    """One of TABLES; "changes" is empty unless the month is locked and changed since."""
    if name == "summary":
        return Table(name, SUMMARY_COLUMNS, [summary_values(c) for c in report.clients])
    if name == "lines":
        rows = [line_values(line) for c in report.clients for line in c.details]
        return Table(name, LINE_COLUMNS, rows)
    if name == "overruns":
        return Table(name, OVERRUN_COLUMNS, [r for c in report.clients for r in overrun_values(c)])
    if name == "changes":
        return Table(name, CHANGE_COLUMNS, [change_values(c) for c in report.changes])
    raise ValueError(f"unknown report table {name!r} (known: {', '.join(TABLES)})")


def workbook_tables(report: MonthReport) -> list[Table]:
    """The XLSX sheets: summary, lines, overruns, and the changes since the lock when any."""
    names: Sequence[str] = ("summary", "lines", "overruns")
    if report.changes:
        names = (*names, "changes")
    return [report_table(report, name) for name in names]


def plain_date(value: datetime | date) -> datetime | date:
    """The wall-clock time of an aware datetime (spreadsheets have no time zones)."""
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value
