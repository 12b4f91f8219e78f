"""Render the month's billing report as a text table, JSON, CSV or an XLSX workbook.

Money is kept in kopecks to the last step: "40 000,00" in the table, "40000.00" in JSON (strings,
so no float ever touches an amount); CSV and XLSX are written by reporting.csv_file and
reporting.xlsx from the typed tables of reporting.tables. Minutes are whole minutes in JSON and
h:mm in the table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from b24app.reporting.csv_file import render_csv
from b24app.reporting.model import ClientReport, DetailLine, LineChange, MonthReport
from b24app.reporting.snapshot import to_data
from b24app.reporting.tables import (
    CHANGE_COLUMNS,
    LINE_COLUMNS,
    OVERRUN_COLUMNS,
    SUMMARY_COLUMNS,
    Kind,
)
from b24app.reporting.xlsx import render_xlsx
from handlers.report_texts import (
    CHANGE_KINDS,
    PACKAGES,
    REPORT_HEADINGS,
    REPORT_KINDS,
    changes_since_lock,
    month_locked,
    regulation_signed,
    time_not_synced,
)
from rules.estimate import whole_minutes

FORMATS = ("table", "csv", "json", "xlsx")

# The plain-text table and the JSON take their columns from the CSV/XLSX tables' own lists.
SUMMARY_KEYS = tuple(c.key for c in SUMMARY_COLUMNS)
OVERRUN_KEYS = tuple(c.key for c in OVERRUN_COLUMNS)
CHANGE_KEYS = tuple(c.key for c in CHANGE_COLUMNS)
_ALL_COLUMNS = (*SUMMARY_COLUMNS, *LINE_COLUMNS, *OVERRUN_COLUMNS, *CHANGE_COLUMNS)
MONEY_KEYS = frozenset(c.key for c in _ALL_COLUMNS if c.kind is Kind.MONEY)
HOUR_KEYS = frozenset(c.key for c in _ALL_COLUMNS if c.kind is Kind.DURATION)


def rubles(kopecks: int) -> str:
    """40 000 000 kopecks → "400000.00" (JSON)."""
    sign = "-" if kopecks < 0 else ""
    whole, rest = divmod(abs(kopecks), 100)
    return f"{sign}{whole}.{rest:02d}"


def rubles_ru(kopecks: int) -> str:
    """4 000 000 kopecks → "40 000,00" (the table)."""
    sign = "-" if kopecks < 0 else ""
    whole, rest = divmod(abs(kopecks), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{rest:02d}"


def hours(minutes: int) -> str:
    """135 → "2:15"."""
    return f"{minutes // 60}:{minutes % 60:02d}"


# -- rows with raw values (kopecks, minutes, ISO dates) ----------------------------------------
def summary_row(client: ClientReport) -> dict[str, Any]:
    bill = client.bill
    return {
        "client": bill.client,
        "package": bill.package.value,
        "included_minutes": bill.included_minutes,
        "used_minutes": bill.package_used_minutes,
        "remaining_minutes": bill.remaining_minutes,
        "overflow_regular_minutes": bill.overflow_regular_minutes,
        "overflow_urgent_minutes": bill.overflow_urgent_minutes,
        "warranty_minutes": bill.warranty_minutes,
        "unapproved_minutes": bill.unapproved_minutes,
        "package_amount": bill.package_price_kopecks,
        "regular_amount": bill.regular_amount_kopecks,
        "urgent_amount": bill.urgent_amount_kopecks,
        "chat_amount": bill.chat_amount_kopecks,
        "total": bill.total_kopecks,
        "regulation_signed": client.acknowledged_on.isoformat() if client.acknowledged_on else "",
    }


def line_row(line: DetailLine) -> dict[str, Any]:
    raw = line.raw_seconds
    return {
        "client": line.client,
        "kind": line.kind,
        "task_id": line.task_id or "",
        "title": line.title,
        "date": line.at.isoformat() if line.at else "",
        "integrator": line.integrator,
        "entry_id": line.entry_id or "",
        "raw_seconds": "" if raw is None else raw,
        "raw_minutes": "" if raw is None else whole_minutes(raw),
        "billed_minutes": line.billed_minutes,
        "rate": line.rate_kopecks,
        "amount": line.amount_kopecks,
    }


def overrun_rows(client: ClientReport) -> list[dict[str, Any]]:
    return [
        {
            "client": client.bill.client,
            "task_id": o.task_id,
            "title": o.task_title,
            "first_minutes": o.first_minutes or o.approved_minutes,
            "approved_minutes": o.approved_minutes,
            "billed_minutes": o.billed_minutes,
            "over_minutes": max(o.billed_minutes - o.approved_minutes, 0),
            "not_approved_minutes": o.unapproved_minutes,
        }
        for o in client.bill.overruns
    ]


def _all_lines(report: MonthReport) -> list[dict[str, Any]]:
    return [line_row(line) for c in report.clients for line in c.details]


def _all_overruns(report: MonthReport) -> list[dict[str, Any]]:
    return [row for c in report.clients for row in overrun_rows(c)]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: rubles(v) if k in MONEY_KEYS else v for k, v in row.items()}


# -- formats -----------------------------------------------------------------------------------
def render_json(report: MonthReport) -> str:
    clients = []
    for client in report.clients:
        body = _plain(summary_row(client))
        body["regulation_signed"] = body["regulation_signed"] or None
        body["package_used_percent"] = client.bill.package_used_percent
        body["lines"] = [_plain(line_row(line)) for line in client.details]
        body["overruns"] = overrun_rows(client)
        clients.append(body)
    document = {
        "month": report.label,
        "total": rubles(report.total_kopecks),
        "locked_at": report.locked_at.isoformat() if report.locked_at else None,
        "total_now": rubles(report.total_now_kopecks),
        "changes_since_lock": [_plain(change_row(c)) for c in report.changes],
        "unassigned_entries": report.unassigned_entries,
        "time_synced_at": report.time_synced_at.isoformat() if report.time_synced_at else None,
        "clients": clients,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def change_row(change: LineChange) -> dict[str, Any]:
    row: dict[str, Any] = to_data(change)
    row["date"] = row.pop("at") or ""
    row["locked_amount"] = row.pop("locked_amount_kopecks")
    row["now_amount"] = row.pop("now_amount_kopecks")
    return row


def _cell_text(key: str, value: Any) -> str:
    if key in MONEY_KEYS:
        return rubles_ru(int(value))
    if key in HOUR_KEYS:
        return hours(value) if isinstance(value, int) else ""
    if key == "kind":
        return REPORT_KINDS.get(str(value), str(value))
    if key == "package":
        return PACKAGES.get(str(value), str(value))
    if key == "change":
        return CHANGE_KINDS.get(str(value), str(value))
    if key == "date" and value:
        return f"{datetime.fromisoformat(str(value)):%d.%m.%Y %H:%M}"
    if key == "title":
        text = str(value)
        return text if len(text) <= 48 else text[:47] + "…"
    return str(value)


def _grid(keys: Sequence[str], rows: Iterable[dict[str, Any]]) -> list[str]:
    table = [[REPORT_HEADINGS[k] for k in keys]]
    table += [[_cell_text(k, row[k]) for k in keys] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(keys))]
    right = [k in MONEY_KEYS or k.endswith(("_minutes", "_seconds", "_id")) for k in keys]
    return [
        "  ".join(
            cell.rjust(w) if r else cell.ljust(w)
            for cell, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()
        for cells in table
    ]


def render_table(report: MonthReport) -> str:
    """For people: the summary, one line per client's acknowledgement, the detail, overruns."""
    summary_keys = tuple(k for k in SUMMARY_KEYS if k != "regulation_signed")
    line_keys = tuple(c.key for c in LINE_COLUMNS if c.key != "client")
    out = [f"{REPORT_HEADINGS['summary']} {report.label}", ""]
    if report.locked_at is not None:
        out += [month_locked(report.label, report.locked_at), ""]
    if report.time_not_synced:
        out += [time_not_synced(report.label, report.time_synced_at), ""]
    out += _grid(summary_keys, (summary_row(c) for c in report.clients))
    out.append("")
    out.append(f"{REPORT_HEADINGS['grand_total']}: {rubles_ru(report.total_kopecks)}")
    if report.unassigned_entries:
        out.append(f"{REPORT_HEADINGS['unassigned']}: {report.unassigned_entries}")
    if report.locked_at is not None:
        delta = report.total_now_kopecks - report.total_kopecks
        out += ["", changes_since_lock(len(report.changes), delta)]
        if report.changes:
            out += _grid(CHANGE_KEYS, (change_row(c) for c in report.changes))
    for client in report.clients:
        out += ["", f"{client.bill.client} — {regulation_signed(client.acknowledged_on)}"]
        out += _grid(line_keys, (line_row(line) for line in client.details))
        overruns = overrun_rows(client)
        if overruns:
            out += ["", REPORT_HEADINGS["overruns"]]
            out += _grid(OVERRUN_KEYS[1:], overruns)
    return "\n".join(out) + "\n"


def render(report: MonthReport, fmt: str, table: str = "lines") -> str | bytes:
    """One of FORMATS; xlsx gives bytes, the others text (CSV: the one `table`, no BOM)."""
    if fmt == "xlsx":
        return render_xlsx(report)
    if fmt == "csv":
        return render_csv(report, table)
    text_renderers = {"table": render_table, "json": render_json}
    if fmt not in text_renderers:
        raise ValueError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")
    return text_renderers[fmt](report)
