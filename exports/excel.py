"""Formatted Excel downloads of any table: headers in the user's language, dates as dates.

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``, or a
tab or carriage return) is neutralised with a leading apostrophe (CSV/formula injection, OWASP).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT: Final = "dd.mm.yyyy"
HEADER_COLOR: Final = "#1F4E79"


def neutralise(text: str) -> str:
    """``=SUM(A1)`` → ``'=SUM(A1)``: shown as typed, never run."""
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a frame, the columns to show with their headers, a title."""

    name: str
    frame: pd.DataFrame
    headers: Mapping[str, str]  # column -> header in the user's language
    title: str | None = None
    percent: Sequence[str] = ()  # columns holding 0–100 values shown with one decimal
    fills: Mapping[str, Mapping[str, str]] | None = None  # column -> {value: hex colour}


def _safe_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "Sheet"
    out, n = clean, 2
    while out.casefold() in used:
        suffix = f" ({n})"
        out, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(out.casefold())
    return out


def _cell(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def _write_sheet(book: xlsxwriter.Workbook, sheet: Sheet, used: set[str]) -> None:
    ws: Worksheet = book.add_worksheet(_safe_name(sheet.name, used))
    header = book.add_format(
        {
            "bold": True,
            "font_color": "white",
            "bg_color": HEADER_COLOR,
            "text_wrap": True,
            "valign": "vcenter",
            "border": 1,
            "border_color": "#BFBFBF",
        }
    )
    date_fmt = book.add_format({"num_format": DATE_FORMAT})
    pct_fmt = book.add_format({"num_format": "0.0"})
    title_fmt = book.add_format({"bold": True, "font_size": 13})
    fills: dict[tuple[str, str], Any] = {}
    top = 0
    if sheet.title:
        ws.write_string(0, 0, sheet.title, title_fmt)
        top = 2
    cols = [c for c in sheet.headers if c in sheet.frame.columns]
    for j, col in enumerate(cols):
        ws.write_string(top, j, sheet.headers[col], header)
    widths = [min(max(len(sheet.headers[c]), 8), 40) for c in cols]
    for i, row in enumerate(sheet.frame[cols].itertuples(index=False, name=None), start=top + 1):
        for j, (col, raw) in enumerate(zip(cols, row, strict=True)):
            value = _cell(raw)
            fmt = None
            if sheet.fills and col in sheet.fills and value is not None and str(value) in sheet.fills[col]:
                key = (col, str(value))
                if key not in fills:
                    fills[key] = book.add_format({"bg_color": sheet.fills[col][str(value)]})
                fmt = fills[key]
            if value is None:
                ws.write_blank(i, j, None, fmt)
            elif isinstance(value, pd.Timestamp | dt.datetime | dt.date):
                stamp = pd.Timestamp(value).to_pydatetime()
                ws.write_datetime(i, j, stamp, date_fmt)
                widths[j] = max(widths[j], 11)
            elif isinstance(value, bool):
                ws.write_boolean(i, j, value, fmt)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(i, j, float(value), pct_fmt if col in sheet.percent else fmt)
            else:
                text = neutralise(str(value))
                ws.write_string(i, j, text, fmt)
                widths[j] = min(max(widths[j], len(text) + 1), 60)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w + 2)
    ws.freeze_panes(top + 1, 0)
    if cols:
        ws.autofilter(top, 0, top + max(len(sheet.frame), 1), len(cols) - 1)


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx with one formatted, filterable sheet per ``Sheet``."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": dt.datetime(2026, 1, 1)})
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(book, sheet, used)
    book.close()
    return out.getvalue()


def table(frame: pd.DataFrame, headers: Mapping[str, str], sheet_name: str, title: str | None = None) -> bytes:
    """One table as a formatted workbook (what every download button on the dashboard gives)."""
    return workbook([Sheet(sheet_name, frame, headers, title)])
