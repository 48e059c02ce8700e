"""What a workbook's cells show that their values do not say: Excel error values and percent formats.

calamine (and fastexcel) give a cell's value only. Two things a user sees are lost that way:

- an error value (``#REF!``, ``#DIV/0!``, ``#N/A`` — a formula that failed) comes back as an
  empty cell, so a broken formula would pass as "no value";
- a number formatted as a percent (the user sees ``63.5 %``) comes back as ``0.635``, a
  hundredth of what the user sees.

So the sheet's own XML is read for just these cells: cells with ``t="e"``, and numeric cells
whose style has a percent number format (built-in formats 9 and 10, or a custom format with
a ``%`` outside quotes). Only ``.xlsx``/``.xlsm`` carry this XML; for other files there are no
marks. The scan is a regular expression over the sheet's bytes, and only runs when the sheet
has an error cell or the workbook has a percent style at all.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Final

from .limits import column_number, sheet_parts

Cell = tuple[int, int]  # 0-based row and column, as in a Grid

_BUILTIN_PERCENT: Final = frozenset({9, 10})
_NUMFMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_CELLXFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)")
_NUMFMT_ID = re.compile(rb'\bnumFmtId="(\d+)"')
_SHEET_NAME = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*>')
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*?\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


@dataclass(frozen=True)
class Marks:
    """The cells of one sheet that need more than their value: errors and percent formats."""

    errors: dict[Cell, str] = field(default_factory=dict)  # cell -> "#REF!"
    percent: frozenset[Cell] = frozenset()  # numeric cells shown as a percent

    def __bool__(self) -> bool:
        return bool(self.errors or self.percent)


NO_MARKS: Final = Marks()


def is_percent_format(code: str) -> bool:
    """A number format that shows a value ×100 with a percent sign (``0.0%``, ``#,##0 %``)."""
    text = _QUOTED.sub("", code.replace("&quot;", '"'))
    return "%" in text


def _percent_styles(styles: bytes) -> frozenset[int]:
    """The cell style indices (the ``s`` of a cell) whose number format is a percent."""
    percent_ids = set(_BUILTIN_PERCENT)
    for num_id, code in _NUMFMT.findall(styles):
        if is_percent_format(code.decode("utf-8", "replace")):
            percent_ids.add(int(num_id))
    block = _CELLXFS.search(styles)
    if block is None:
        return frozenset()
    out = set()
    for i, attrs in enumerate(_XF.findall(block.group(1))):
        found = _NUMFMT_ID.search(attrs)
        if found and int(found.group(1)) in percent_ids:
            out.add(i)
    return frozenset(out)


def _cell(attrs: bytes) -> Cell | None:
    ref = _REF.search(attrs)
    if ref is None:
        return None
    return int(ref.group(2)) - 1, column_number(ref.group(1).decode()) - 1


def sheet_marks(xml: bytes, percent_styles: frozenset[int]) -> Marks:
    """The marks of one sheet's XML."""
    errors: dict[Cell, str] = {}
    if b't="e"' in xml:
        for attrs, inner in _ERROR_CELL.findall(xml):
            cell = _cell(attrs)
            value = _VALUE.search(inner)
            if cell is not None:
                errors[cell] = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
    percent: set[Cell] = set()
    if percent_styles:
        ids = b"|".join(str(s).encode() for s in sorted(percent_styles))
        styled = re.compile(rb'<(?:\w+:)?c\s([^>]*?\bs="(?:' + ids + rb')"[^>]*)>')
        for attrs in styled.findall(xml):
            kind = _TYPE.search(attrs)
            if kind is None or kind.group(1) == b"n":
                cell = _cell(attrs)
                if cell is not None:
                    percent.add(cell)
    return Marks(errors, frozenset(percent))


def workbook_marks(data: bytes) -> list[tuple[str, Marks]]:
    """(sheet name, its marks) of every sheet in the workbook's order, for an
    ``.xlsx``/``.xlsm``; empty for anything else or on any doubt (the values are still read;
    only these hints are missing)."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        try:
            styles = book.read("xl/styles.xml")
        except KeyError:
            styles = b""
        percent_styles = _percent_styles(styles)
        out: list[tuple[str, Marks]] = []
        for name, path in sheet_parts(book):
            try:
                xml = book.read(path)
            except KeyError:
                xml = b""
            out.append((name, sheet_marks(xml, percent_styles)))
        return out
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return []


def unique_sheet_names(data: bytes) -> bytes:
    """The workbook with its sheet names made unique ("Projects", "Projects (2)"): a workbook
    may hold two sheets of one name (Excel refuses that, other programs write it), and both
    readers find a sheet by its name, so the second would be read as the first. Anything that
    is not such a workbook comes back as it was."""
    if data[:2] != b"PK":
        return data
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        workbook = book.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError):
        return data
    names = [m.group(1) for m in _SHEET_NAME.finditer(workbook)]
    if len(set(names)) == len(names):
        return data
    taken = set(names)
    seen: dict[bytes, int] = {}

    def rename(m: re.Match[bytes]) -> bytes:
        name = m.group(1)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            return m.group(0)
        n = seen[name]
        new = name + f" ({n})".encode()
        while new in taken:
            n += 1
            new = name + f" ({n})".encode()
        taken.add(new)
        return m.group(0).replace(b'name="' + name + b'"', b'name="' + new + b'"')

    patched = _SHEET_NAME.sub(rename, workbook)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in book.infolist():
            body = patched if info.filename == "xl/workbook.xml" else book.read(info)
            dst.writestr(info, body)
    return out.getvalue()
