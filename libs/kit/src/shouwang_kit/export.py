"""Spreadsheet exports that are safe to open: a text cell that Excel would read as a formula
(=, +, -, @, or a tab / carriage return first) is written with a leading apostrophe, so an
agency's or a person's text never runs as a formula on a county office computer."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, made inert if it is text that would start a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet, header first (write-only mode: rows are streamed into the file)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
