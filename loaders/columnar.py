"""Whole columns of a worksheet, as text, parsed with Arrow kernels: the fast path of an upload.

calamine's Python binding makes one Python object per cell, and for a big workbook that is most
of what an import costs. fastexcel (calamine underneath) hands a sheet over as Arrow columns
instead. Asked for text, it writes a date cell as ``2026-11-23 00:00:00``, a number cell as its
shortest decimal (``1234.5``, never with an exponent) and a TRUE/FALSE cell as ``true``/``false``.

A column parses here to exactly what ``normalise`` makes of calamine's cells, or to None:
- text that only a typed cell writes (a date cell's form, a boolean's) in a text column, or a
  time of day in a date column: only the cell's type can tell, so the caller reads the sheet
  again cell by cell;
- every other form goes to the same parsers the exact path uses, on the text as written. A number
  in a date column reads as unreadable text there, and the exact path, which sees that the cell
  was a number, reads it as an Excel serial.

The caller (``validate.read_tables``) also falls back to the exact path for any sheet that has
anything to report, so what a user is told always comes from the exact path.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .normalise import (
    AMBIGUOUS_SEPARATOR,
    EXACT_WHOLE,
    EXCEL_ERRORS,
    Parsed,
    enum_index,
    header_key,
    parse_date,
    parse_integer,
    parse_number,
)
from .schema import FieldSpec

# how fastexcel writes a date, datetime or time cell as text
CELL_DATE: Final = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
# how it writes a number cell; digits typed as text look the same
PLAIN_NUMBER: Final = r"^-?\d+(\.\d+)?$"
# text a typed cell would have read differently cell by cell: a date (isoformat), a boolean
# ("True"), a number below 0.0001 (Python's repr uses an exponent)
TYPED_IN_TEXT: Final = CELL_DATE + r"|^(true|false)$|^-?0\.0000"
# what both Python's str.strip and Arrow take for whitespace, and what only Python does
_ASCII_SPACE: Final = " \t\n\r\f"
PYTHON_ONLY_SPACE: Final = (
    r"[\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)


def parse_arrow(f: FieldSpec, column: pa.Array, *, dayfirst: bool, decimal_comma: bool) -> Parsed | None:
    """``column`` (text, null for an empty cell) parsed as field ``f``; None when only the
    cells' types could say how."""
    # stripped of the whitespace both Python and Arrow know; cells that still look odd go to the
    # exact path's parsers, which strip the rest
    raw = pc.fill_null(column.cast(pa.string()), "")
    text = pc.utf8_trim(raw, _ASCII_SPACE)
    match f.kind:
        case "text":
            if _any(text, TYPED_IN_TEXT):
                return None
            texts = _texts(raw, text, person=f.person)
            return None if texts is None else _parsed_texts(texts)
        case "enum":
            assert f.enum is not None
            texts = _texts(raw, text)
            return None if texts is None else _enums(texts, f.enum)
        case "number" | "integer":
            return _numbers(text, f, decimal_comma)
        case "date":
            return _dates(text, dayfirst)
    raise ValueError(f"unknown kind {f.kind!r}")


_ERROR_TEXT: Final = r"^\s*(" + "|".join(re.escape(e) for e in sorted(EXCEL_ERRORS)) + r")\s*$"


def has_error_text(column: pa.Array) -> bool:
    """Whether a cell holds an Excel error written as text (``#REF!``), which the exact path reports."""
    return bool(pc.any(pc.match_substring_regex(column, _ERROR_TEXT, ignore_case=True)).as_py())


class ArrowCells:
    """The cells of a column by position, for an issue that quotes one."""

    def __init__(self, column: pa.Array) -> None:
        self.column = column

    def __getitem__(self, i: int, /) -> object:
        return self.column[i].as_py()


def _texts(raw: pa.Array, text: pa.Array, *, person: bool = False) -> pa.Array | None:
    """``normalise.parse_text`` in Arrow, from the cells as written (``raw``) and stripped of
    ASCII whitespace (``text``): a name's inner spaces collapsed, a blank cell null. None when a
    cell holds whitespace only Python knows (a no-break space at an end, or inside a name), which
    the exact path then strips."""
    if person and _any(raw, PYTHON_ONLY_SPACE):
        return None
    ends = pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 0, 1), pc.utf8_slice_codeunits(text, -1), "")
    if _any(ends, PYTHON_ONLY_SPACE):
        return None
    if person:
        text = pc.replace_substring_regex(text, f"[{_ASCII_SPACE}]+", " ")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _parsed_texts(text: pa.Array) -> Parsed:
    """Text kept in Arrow (DuckDB reads it as is): no Python string is made per cell."""
    blank = _mask(pc.is_null(text))
    return Parsed(_series(text), pd.Series(np.zeros(len(text), dtype=bool)), blank=pd.Series(blank))


def _enums(text: pa.Array, enum: type[StrEnum]) -> Parsed:
    """``normalise.parse_enum``: each distinct spelling looked up once."""
    index = enum_index(enum)
    spelled = text.dictionary_encode()
    meaning = pa.array([index.get(header_key(v)) for v in spelled.dictionary.to_pylist()], type=pa.string())
    values = pc.take(meaning, spelled.indices)
    blank = _mask(pc.is_null(text))
    unknown = ~blank & _mask(pc.is_null(values))
    return Parsed(_series(values), pd.Series(unknown), blank=pd.Series(blank))


def _series(text: pa.Array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(text))


def _blank(parsed: Parsed, n: int) -> np.ndarray:
    """Cells the exact path's parser found blank (whitespace only Python strips)."""
    return np.zeros(n, dtype=bool) if parsed.blank is None else parsed.blank.to_numpy(dtype=bool)


def _any(text: pa.Array, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(text, pattern)).as_py())


def _mask(values: pa.Array) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def _numbers(text: pa.Array, f: FieldSpec, decimal_comma: bool) -> Parsed:
    """Plain numbers cast in one go; anything else (``1 234,5``, ``85%``, ``2026 ж.``) parsed
    as typed, by the parser of the exact path."""
    blank = _mask(pc.equal(text, ""))
    # "12.000" may be twelve thousand: the exact parser says which reading it takes
    plain = _mask(pc.match_substring_regex(text, PLAIN_NUMBER)) & ~_mask(
        pc.match_substring_regex(text, AMBIGUOUS_SEPARATOR)
    )
    out = np.array(
        pc.cast(pc.if_else(pa.array(plain), text, None), pa.float64()).to_numpy(zero_copy_only=False), dtype="float64"
    )  # NaN where not plain
    bad = np.zeros(len(out), dtype=bool)
    note = np.zeros(len(out), dtype=bool)
    ambiguous = np.zeros(len(out), dtype=bool)
    at = np.flatnonzero(~plain & ~blank)
    if len(at):
        cells = text.take(pa.array(at, type=pa.int64())).to_pylist()
        typed = (
            parse_integer(cells, decimal_comma=decimal_comma)
            if f.kind == "integer"
            else parse_number(cells, percent=f.percent, decimal_comma=decimal_comma)
        )
        out[at] = typed.values.to_numpy(dtype="float64", na_value=np.nan)
        bad[at] = typed.bad.to_numpy(dtype=bool)
        blank[at] = _blank(typed, len(at))
        if typed.note is not None:
            note[at] = typed.note.to_numpy(dtype=bool)
        if typed.ambiguous is not None:
            ambiguous[at] = typed.ambiguous.to_numpy(dtype=bool)
    if f.kind == "integer":
        big = np.abs(np.nan_to_num(out)) >= EXACT_WHOLE
        out[big] = np.nan
        frac = plain & (out != np.round(out)) & ~np.isnan(out)
        out[frac] = np.nan
        return Parsed(
            pd.Series(out).round().astype("Int64"),
            pd.Series(bad | frac),
            blank=pd.Series(blank),
            big=pd.Series(big),
            ambiguous=pd.Series(ambiguous),
        )
    if not f.percent:
        return Parsed(pd.Series(out), pd.Series(bad), blank=pd.Series(blank), ambiguous=pd.Series(ambiguous))
    share = plain & (out > 0) & (out <= 1)  # a share typed where a percent belongs: x100, with a warning
    out[share] = out[share] * 100
    return Parsed(
        pd.Series(out), pd.Series(bad), pd.Series(note | share), pd.Series(blank), ambiguous=pd.Series(ambiguous)
    )


def _dates(text: pa.Array, dayfirst: bool) -> Parsed | None:
    """Date cells cast in one go; dates typed as text parsed as typed."""
    blank = _mask(pc.equal(text, ""))
    cell = _mask(pc.match_substring_regex(text, CELL_DATE))
    if cell.any() and _mask(pc.less(pc.utf8_slice_codeunits(text, 0, 4), "1900"))[cell].any():
        return None  # a time of day (fastexcel dates it 1899-12-31): not a date, says calamine
    rest = ~cell & ~blank  # text, or a number cell (an Excel serial?), which reads as unreadable
    day = pc.strptime(pc.utf8_slice_codeunits(text, 0, 10), format="%Y-%m-%d", unit="s", error_is_null=True)
    out = np.array(pc.if_else(pa.array(cell), day, None).to_numpy(zero_copy_only=False), dtype="datetime64[s]")
    at = np.flatnonzero(rest)
    if len(at):
        typed = parse_date(text.take(pa.array(at, type=pa.int64())).to_pylist(), dayfirst=dayfirst)
        out[at] = typed.values.to_numpy(dtype="datetime64[s]")
        blank[at] = _blank(typed, len(at))
    return Parsed(pd.Series(out), pd.Series(~blank & np.isnat(out)), blank=pd.Series(blank))
