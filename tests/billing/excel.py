"""Reading a CSV file back the way Russian Excel's default import (a double-click) reads it.

Excel (ru-RU) takes UTF-8 only with a BOM, splits cells at the list separator `;`, and turns a
cell into a number when it is digits with an optional decimal comma (a `.` or a thousands space
makes it a date or text), into a date for ДД.ММ.ГГГГ with an optional ЧЧ:ММ; anything else is
text, and a leading apostrophe is kept as text too.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import datetime
from decimal import Decimal

NUMBER = re.compile(r"-?\d+(?:,\d+)?")
DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})(?: (\d{1,2}):(\d{2}))?")

Cell = Decimal | datetime | str | None


def excel_cell(text: str) -> Cell:
    if text == "":
        return None
    if NUMBER.fullmatch(text):
        return Decimal(text.replace(",", "."))
    found = DATE.fullmatch(text)
    if found:
        day, month, year, hour, minute = found.groups()
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))  # noqa: DTZ001
    return text


def read_like_excel(data: bytes) -> tuple[list[str], list[list[Cell]]]:
    """The header row and the typed rows; fails unless the file is UTF-8 with a BOM and every
    row has the header's number of `;`-separated cells."""
    assert data.startswith(codecs.BOM_UTF8), "no BOM: Excel would read Windows-1251"
    text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body), "ragged rows"
    return header, [[excel_cell(cell) for cell in row] for row in body]


def column(header: list[str], rows: list[list[Cell]], name: str) -> list[Cell]:
    index = header.index(name)
    return [row[index] for row in rows]
