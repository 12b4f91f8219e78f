"""The month's bill as a file to download: CSV or XLSX, under a name that may be Cyrillic."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from b24app.reporting.csv_file import csv_bytes
from b24app.reporting.model import MonthReport
from b24app.reporting.xlsx import render_xlsx

FILE_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class ReportFile:
    """A rendered report with its media type and file name."""

    body: bytes
    mimetype: str
    filename: str

    @property
    def content_disposition(self) -> str:
        """An attachment whose name may be Cyrillic (a client's name): an ASCII `filename` for
        old clients plus the exact name as RFC 5987 `filename*` (HTTP headers stay Latin-1)."""
        name = self.filename
        fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def report_file(
    report: MonthReport, fmt: str, client: str | None = None, table: str = "lines"
) -> ReportFile:
    """`fmt` is one of FILE_FORMATS; the name says the month, the client when there is one, and
    the CSV's table when it is not the detail. CSV is UTF-8 with a BOM (reporting.csv_file)."""
    name = f"report-{report.label}" + (f"-{client}" if client else "")
    if fmt == "csv":
        suffix = "" if table == "lines" else f"-{table}"
        body = csv_bytes(report, table)
        return ReportFile(body, "text/csv; charset=utf-8", f"{name}{suffix}.csv")
    if fmt == "xlsx":
        return ReportFile(render_xlsx(report), XLSX_TYPE, f"{name}.xlsx")
    raise ValueError(f"unknown report file format {fmt!r}")
