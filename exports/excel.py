"""Formatted Excel downloads of any table: headers in the user's language, dates as dates.

Numbers are numeric cells with an Excel number format (``#,##0``, ``0.0%``...), never text
formatted beforehand: Excel shows them in the reader's own regional format (a decimal comma and
spaces between thousands in Kazakh and Russian Windows, a point and commas in English). A
percentage is stored as a share (75.5% → 0.755) with a percent format, rounded to what is shown.

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``, or a
tab or carriage return) is neutralised with a leading apostrophe (CSV/formula injection, OWASP).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from . import palette

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT: Final = "dd.mm.yyyy"
PERCENT_FORMAT: Final = "0.0%"  # a share 0–1 shown as a percentage with one decimal
PERCENT_DIGITS: Final = 3  # the share rounded to what is shown: 0.616327 → 0.616 (61.6%)
WHOLE_FORMAT: Final = "#,##0"  # counts, days, thousands of tenge
DECIMAL_FORMAT: Final = "#,##0.0##"  # a number with a fraction: 4.45, 98.5
CODE_FORMAT: Final = "0"  # a whole number that is a code or a year: 2026, never 2 026
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
    note: str | None = None  # a line under the title (which data the sheet was made from)
    percent: Sequence[str] = ()  # columns holding 0–100 values: written as shares with a percent format
    fills: Mapping[str, Mapping[str, str]] | None = None  # column -> {value: hex colour}
    fraction: Sequence[str] = ()  # columns holding shares 0–1: written with a percent format
    formats: Mapping[str, str] | None = None  # column -> Excel number format (e.g. "#,##0")


def _safe_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "Sheet"
    out, n = clean, 2
    while out.casefold() in used:
        suffix = f" ({n})"
        out, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(out.casefold())
    return out


def _cell(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def _number(sheet: Sheet, col: str, value: int | float) -> tuple[float, str]:
    """The number to store and its Excel format: shares rounded to what is shown, a percent
    format for percentages, the column's own format, or one that suits the value."""
    if col in sheet.percent:
        return round(float(value) / 100, PERCENT_DIGITS), PERCENT_FORMAT
    if col in sheet.fraction:
        return round(float(value), PERCENT_DIGITS), PERCENT_FORMAT
    if sheet.formats and col in sheet.formats:
        return float(value), sheet.formats[col]
    if isinstance(value, int):
        return float(value), CODE_FORMAT
    return float(value), WHOLE_FORMAT if float(value).is_integer() else DECIMAL_FORMAT


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
    title_fmt = book.add_format({"bold": True, "font_size": 13})
    cache: dict[tuple[str | None, str | None], Any] = {}

    def fmt_of(num_format: str | None, fill: str | None) -> Any:
        """One format object per number format and fill colour (Excel keeps a table of them)."""
        key = (num_format, fill)
        if key not in cache:
            props: dict[str, str] = {}
            if num_format:
                props["num_format"] = num_format
            if fill:
                props["bg_color"] = fill
                props["font_color"] = palette.ink(fill)  # readable on a dark red as on a yellow
            cache[key] = book.add_format(props) if props else None
        return cache[key]

    top = 0
    if sheet.title:
        ws.write_string(0, 0, sheet.title, title_fmt)
        if sheet.note:
            ws.write_string(1, 0, neutralise(sheet.note))
        top = 2
    cols = [c for c in sheet.headers if c in sheet.frame.columns]
    for j, col in enumerate(cols):
        ws.write_string(top, j, sheet.headers[col], header)
    widths = [min(max(len(sheet.headers[c]), 8), 40) for c in cols]
    for i, row in enumerate(sheet.frame[cols].itertuples(index=False, name=None), start=top + 1):
        for j, (col, raw) in enumerate(zip(cols, row, strict=True)):
            value = _cell(raw)
            fill = None
            if sheet.fills and col in sheet.fills and value is not None:
                fill = sheet.fills[col].get(str(value))
            if value is None:
                ws.write_blank(i, j, None, fmt_of(None, fill))
            elif isinstance(value, pd.Timestamp | dt.datetime | dt.date):
                stamp = pd.Timestamp(value).to_pydatetime()
                ws.write_datetime(i, j, stamp, fmt_of(DATE_FORMAT, fill))
                widths[j] = max(widths[j], 11)
            elif isinstance(value, bool):
                ws.write_boolean(i, j, value, fmt_of(None, fill))
            elif isinstance(value, int | float):
                number, num_format = _number(sheet, col, value)
                ws.write_number(i, j, number, fmt_of(num_format, fill))
                widths[j] = max(widths[j], min(len(f"{number:,.2f}"), 20))
            else:
                text = neutralise(str(value))
                ws.write_string(i, j, text, fmt_of(None, fill))
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
