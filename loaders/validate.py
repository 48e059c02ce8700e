"""Grids in, typed tables and issues out.

A grid is recognised as a table by its sheet (or CSV file) name, or failing that by its
columns; its header row is found by matching known column names, so title rows above it are
fine. Columns are parsed whole (``normalise``); the pydantic models in ``schema`` say what
each column is. Then the checks across rows and tables: duplicate keys, references to unknown
projects/indicators, end before start.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from i18n import all_languages

from .cellmarks import Marks
from .columnar import ArrowCells, has_error_text, parse_arrow
from .issues import EnumValues, Issue, Level, Tr, TrList, display_value, row_skipped
from .limits import column_letter
from .normalise import (
    EXCEL_ERRORS,
    Parsed,
    column_index,
    header_key,
    parse_date,
    parse_enum,
    parse_integer,
    parse_number,
    parse_text,
    table_for_name,
)
from .reader import HEADER_SCAN_ROWS, ColumnGrid, Grid
from .schema import FieldSpec, TableSpec, table_specs

MAX_ISSUES_PER_KIND: Final = 200

KnownKeys = Callable[[str], set[str]]


@dataclass(frozen=True)
class ReadOptions:
    """How to read values: a mapping profile may say month-first dates or ``.`` decimals."""

    dayfirst: bool = True
    decimal_comma: bool = True
    thousands: str | None = None  # a profile's grouping mark, said outright: "," or "."


@dataclass
class SheetTable:
    """One grid read as one table."""

    table: str
    file: str
    place: str
    header_row: int  # Excel row number of the header
    headers: dict[str, str]  # field -> header as the user wrote it
    frame: pd.DataFrame  # typed columns of the fields present, plus _row (Excel row) and _place


@dataclass
class Validation:
    """Everything an upload holds, ready for the store, and what is wrong with it."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    present: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fields each table carries
    issues: list[Issue] = field(default_factory=list)
    sources: list[SheetTable] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


class IssueLog:
    """Collects issues, keeping at most ``MAX_ISSUES_PER_KIND`` of one kind in one column."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self._counts: dict[tuple[str, str, str, str | None], int] = {}
        self._levels: dict[tuple[str, str, str, str | None], Level] = {}

    def add(self, issue: Issue) -> None:
        k = (issue.code, issue.file, issue.sheet or "", issue.column)
        n = self._counts.get(k, 0) + 1
        self._counts[k] = n
        self._levels.setdefault(k, issue.level)
        if n <= MAX_ISSUES_PER_KIND:
            self.issues.append(issue)

    def merge(self, other: IssueLog, keep: Callable[[Issue], bool] = lambda i: True) -> None:
        """Take over another log's issues and counts (a file read in a child process); ``keep``
        leaves some out (the issues of a file not imported after all)."""
        self.issues.extend(i for i in other.issues if keep(i))
        for k, n in other._counts.items():
            if keep(Issue("warning", k[0], k[1], k[2] or None, None, k[3])):
                self._counts[k] = self._counts.get(k, 0) + n
                self._levels.setdefault(k, other._levels.get(k, "error"))

    def finish(self) -> list[Issue]:
        out = list(self.issues)
        for (code, file, sheet, column), n in self._counts.items():
            if n > MAX_ISSUES_PER_KIND:  # the summary has the level of the issues it counts
                level = self._levels.get((code, file, sheet, column), "error")
                out.append(
                    Issue(
                        level,
                        "more_issues",
                        file,
                        sheet or None,
                        None,
                        column,
                        params={"count": n - MAX_ISSUES_PER_KIND},
                    )
                )
        return out


# --------------------------------------------------------------------------------------------
# Finding the table and its header row


@dataclass(frozen=True)
class Located:
    table: str
    header_idx: int  # 0-based index into grid.rows


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or (isinstance(cell, float) and np.isnan(cell))


@cache
def template_sheets() -> frozenset[str]:
    """Sheets of our own template that carry no data (instructions, drop-down lists)."""
    names = (*all_languages("template.instructions_sheet"), *all_languages("template.lists_sheet"))
    return frozenset(header_key(n) for n in names)


def locate(grid: Grid | ColumnGrid) -> Located | None:
    """The table this grid holds and the row of its header, or None if it holds none."""
    named = table_for_name(grid.stem)
    candidates = [named] if named else list(table_specs())
    best: tuple[float, int, str] | None = None
    head = grid.head if isinstance(grid, ColumnGrid) else grid.rows[:HEADER_SCAN_ROWS]
    for i, row in enumerate(head):
        keys = {header_key(c) for c in row if isinstance(c, str) and c.strip()}
        if len(keys) < 2:
            continue
        for table in candidates:
            index = column_index(table)
            fields = {index[k] for k in keys if k in index}
            if len(fields) < 2:
                continue
            spec = table_specs()[table]
            required = sum(1 for f in spec.required if f in fields) / len(spec.required)
            score = len(fields) + required
            if best is None or score > best[0]:
                best = (score, i, table)
    if best is None:
        return None
    return Located(best[2], best[1])


# --------------------------------------------------------------------------------------------
# Parsing one grid


def _dedupe(headers: list[str]) -> list[str]:
    """A header written twice keeps both columns: the second is named ``header #2``."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        k = h.strip()
        if k:
            seen[k] = seen.get(k, 0) + 1
            out.append(k if seen[k] == 1 else f"{k} #{seen[k]}")
        else:
            out.append("")
    return out


def _header_texts(row: list[object]) -> list[str]:
    return [display_value(c, limit=10_000).strip() if not _is_blank(c) else "" for c in row]


def header_cells(row: list[object]) -> list[str]:
    return _dedupe(_header_texts(row))


def _rectangle(rows: list[list[object]], width: int) -> list[list[object]]:
    return [r[:width] if len(r) >= width else [*r, *([""] * (width - len(r)))] for r in rows]


def parse_column(
    spec: FieldSpec, raw: list[object], options: ReadOptions, shown_percent: np.ndarray | None = None
) -> Parsed:
    match spec.kind:
        case "date":
            return parse_date(raw, dayfirst=options.dayfirst)
        case "number":
            return parse_number(
                raw,
                percent=spec.percent,
                decimal_comma=options.decimal_comma,
                thousands=options.thousands,
                shown_percent=shown_percent,
            )
        case "integer":
            return parse_integer(raw, decimal_comma=options.decimal_comma, thousands=options.thousands)
        case "enum":
            assert spec.enum is not None
            return parse_enum(raw, spec.enum)
        case _:
            return parse_text(raw, person=spec.person)


def _bad_code(spec: FieldSpec) -> str:
    return {
        "date": "bad_date",
        "number": "bad_number",
        "integer": "bad_integer",
        "enum": "bad_enum",
        "text": "bad_text",
    }[spec.kind]


def _cell_issues(
    log: IssueLog,
    level: Level,
    code: str,
    mask: pd.Series,
    raw: pd.Series | _Cells,
    rows: pd.Series,
    where: tuple[str, str],
    column: str,
    params: Mapping[str, object] | None = None,
    per_cell: Mapping[str, pd.Series] | None = None,
) -> None:
    if not mask.any():
        return
    file, place = where
    for idx in mask[mask].index:
        cell = {k: _param(v[idx]) for k, v in (per_cell or {}).items()}
        log.add(
            Issue(level, code, file, place, int(rows[idx]), column, display_value(raw[idx]), {**(params or {}), **cell})
        )


def recognise_columns(
    header: list[object],
    table: str,
    where: tuple[str, str],
    header_row: int,
    log: IssueLog,
    columns: Mapping[str, str] | None = None,
) -> tuple[dict[str, int], dict[str, str]]:
    """The column of each field (field -> 0-based index) and its header as the user wrote it.

    Without ``columns`` the headers are recognised as written: a header typed twice is reported
    as a duplicate, not renamed "header #2" and ignored as unknown. ``columns`` (field -> source
    header) is a mapping profile's choice."""
    file, place = where
    field_col: dict[str, int] = {}
    written: dict[str, str] = {}
    if columns is None:
        index = column_index(table)
        for j, h in enumerate(_header_texts(header)):
            if not h:
                continue
            name = index.get(header_key(h))
            if name is None:
                params: dict[str, object] = {"table": Tr(f"table.{table}")}
                log.add(Issue("warning", "unknown_column", file, place, header_row, h, params=params))
            elif name in field_col:
                log.add(
                    Issue(
                        "error",
                        "duplicate_column",
                        file,
                        place,
                        header_row,
                        h,
                        params={
                            "first": written[name],
                            "letter": column_letter(j + 1),
                            "first_letter": column_letter(field_col[name] + 1),
                        },
                    )
                )
            else:
                field_col[name] = j
                written[name] = h
        return field_col, written
    headers = header_cells(header)
    position = {h: j for j, h in enumerate(headers) if h}
    folded = {header_key(h): j for j, h in enumerate(headers) if h}
    for name, source in columns.items():
        pos = position.get(source, folded.get(header_key(source)))
        if pos is None:
            log.add(
                Issue(
                    "error",
                    "mapped_column_missing",
                    file,
                    place,
                    header_row,
                    source,
                    params={"field": Tr(f"col.{table}.{name}")},
                )
            )
        else:
            field_col[name] = pos
            written[name] = headers[pos]
    return field_col, written


def missing_columns(
    table: str, present: Iterable[str], where: tuple[str, str], header_row: int, log: IssueLog
) -> list[str]:
    """The required fields no column (or constant) feeds, each reported."""
    have = set(present)
    missing = [f for f in table_specs()[table].required if f not in have]
    for name in missing:
        log.add(
            Issue(
                "error",
                "missing_column",
                where[0],
                where[1],
                header_row,
                params={"expected": Tr(f"col.{table}.{name}"), "table": Tr(f"table.{table}")},
            )
        )
    return missing


def parse_grid(
    grid: Grid,
    table: str,
    header_idx: int,
    log: IssueLog,
    *,
    options: ReadOptions = ReadOptions(),
    columns: Mapping[str, str] | None = None,
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    constants: Mapping[str, object] | None = None,
) -> SheetTable | None:
    """Read one grid as ``table`` with its header at ``header_idx``.

    ``columns`` (field -> source header) replaces header recognition, for mapping profiles;
    ``value_maps`` (field -> {source value: our value}) and ``constants`` (field -> value) too.
    """
    spec = table_specs()[table]
    where = (grid.file, grid.place)
    header = grid.rows[header_idx] if header_idx < len(grid.rows) else []
    headers = header_cells(header)
    width = len(headers)
    header_row = header_idx + 1
    field_col, written = recognise_columns(header, table, where, header_row, log, columns)

    constants = dict(constants or {})
    missing_columns(table, [*field_col, *constants], where, header_row, log)

    body = grid.rows[header_idx + 1 :]
    if any(len(r) < width for r in body):  # ragged CSV rows; calamine's are rectangular
        body = _rectangle(body, width)
    transposed = (
        list(zip(*body, strict=False)) if body else [() for _ in range(width)]
    )  # columns up to the shortest row (>= width)
    n = len(body)

    # parse every mapped column whole, then leave out the rows that are blank in all of them
    parsed_cols: list[tuple[FieldSpec, list[object], Parsed, str]] = []
    for f in spec.fields:
        errors: dict[int, str] = {}
        shown: np.ndarray | None = None
        if f.name in field_col:
            j = field_col[f.name]
            raw: list[object] = list(transposed[j])
            errors = _error_cells(raw, grid.marks, j, header_idx)
            if errors:
                quoted = raw  # an issue quotes the error as Excel shows it
                raw = list(raw)
                for i in errors:
                    raw[i] = ""
            if f.kind in ("number", "integer") and grid.marks.percent:
                shown = np.zeros(n, dtype=bool)
                for r, c in grid.marks.percent:
                    if c == j and 0 <= r - header_idx - 1 < n:
                        shown[r - header_idx - 1] = True
            if value_maps and f.name in value_maps:
                raw = _apply_value_map(raw, value_maps[f.name])
            column = written[f.name]
        elif f.name in constants:
            raw, column = [constants[f.name]] * n, f.name
        else:
            continue
        parsed = parse_column(f, raw, options, shown)
        if errors:
            marked = pd.Series([errors.get(i) for i in range(n)], dtype=object)
            parsed = dataclasses.replace(parsed, errors=marked)
            raw = [errors.get(i, quoted[i]) for i in range(n)]
        parsed_cols.append((f, raw, parsed, column))
    return finish_table(table, where, header_idx, n, parsed_cols, set(field_col), written, log)


def _error_cells(raw: list[object], marks: Marks, column: int, header_idx: int) -> dict[int, str]:
    """The cells of one column (by position under the header) that hold an Excel error value:
    marked so in the sheet (calamine reads them as empty) or written as one (a CSV export)."""
    out: dict[int, str] = {}
    if marks.errors:
        for (r, c), text in marks.errors.items():
            i = r - header_idx - 1
            if c == column and 0 <= i < len(raw):
                out[i] = text
    for i, v in enumerate(raw):
        if type(v) is str and v.strip().upper() in EXCEL_ERRORS:
            out[i] = v.strip().upper()
    return out


ParsedColumn = tuple[FieldSpec, "Quotable", Parsed, str]  # field, raw cells, parsed, header as written


class Quotable(Protocol):
    """Raw cells of a column, by position: read only when an issue quotes one."""

    def __getitem__(self, i: int, /) -> object: ...


def finish_table(
    table: str,
    where: tuple[str, str],
    header_idx: int,
    n: int,
    parsed_cols: Sequence[ParsedColumn],
    mapped_fields: set[str],
    written: dict[str, str],
    log: IssueLog,
) -> SheetTable:
    """The typed frame of one sheet from its parsed columns (``n`` rows under the header), with
    every issue of its cells: unreadable, required but blank, out of range, a share read as a
    percent, an end before its start. Rows blank in every mapped column are left out."""
    spec = table_specs()[table]
    file, place = where
    header_row = header_idx + 1
    mapped = [p.blank for f, _, p, _ in parsed_cols if f.name in mapped_fields and p.blank is not None]
    keep = ~np.logical_and.reduce([b.to_numpy() for b in mapped]) if mapped else np.zeros(n, dtype=bool)
    positions = np.flatnonzero(keep)
    rows = pd.Series(positions + header_idx + 2, dtype="int64")

    frame = pd.DataFrame({"_row": rows, "_place": place, "_file": file})
    for f, raw_all, parsed_all, column in parsed_cols:
        cells = _Cells(raw_all, positions)
        parsed = _take(parsed_all, positions)
        values = parsed.values
        bad = parsed.bad
        params: dict[str, object] = {"table": Tr(f"table.{table}")}
        if f.kind == "enum":
            assert f.enum is not None
            params["allowed"] = EnumValues(f.enum)
        _cell_issues(log, "error", _bad_code(f), bad, cells, rows, where, column, params)
        blank = parsed.blank if parsed.blank is not None else values.isna() & ~bad
        if parsed.errors is not None:
            error = parsed.errors.notna()
            blank = blank & ~error
            level: Level = "error" if f.required else "warning"
            _cell_issues(
                log, level, "excel_error" if f.required else "excel_error_blank", error, cells, rows, where, column
            )
        values = _number_issues(log, f, parsed, values, cells, rows, where, column)
        values = _key_issues(log, f, values, cells, rows, where, column)
        if f.required:
            _cell_issues(log, "error", "required_blank", blank, cells, rows, where, column)
        elif f.default is not None and blank.any():
            values = values.astype(object).where(~blank, getattr(f.default, "value", f.default))
        if parsed.note is not None:
            _cell_issues(
                log, "warning", "share_as_percent", parsed.note, cells, rows, where, column, per_cell={"read": values}
            )
        _range_issues(log, f, values, cells, rows, where, column)
        frame[f.name] = _typed(f, values)
        written.setdefault(f.name, column)

    present = [f.name for f in spec.fields if f.name in frame.columns]
    for rule in spec.order_rules:
        if rule.earlier in present and rule.later in present:
            before = frame[rule.later] < frame[rule.earlier]
            dates = spec.field(rule.later).kind == "date"
            shown = _day if dates else str  # a year is written as it is: 2028, not 2 028
            for idx in before[before.fillna(False)].index:
                log.add(
                    Issue(
                        "error",
                        "end_before_start" if dates else "less_than_other",
                        file,
                        place,
                        int(rows[idx]),
                        written[rule.later],
                        shown(_at(frame, idx, rule.later)),
                        {"other": written[rule.earlier], "other_value": shown(_at(frame, idx, rule.earlier))},
                    )
                )
    return SheetTable(table, file, place, header_row, written, frame)


class _Cells:
    """The raw cells of the rows kept, looked up only when an issue quotes one."""

    def __init__(self, cells: Quotable, positions: np.ndarray) -> None:
        self.cells = cells
        self.positions = positions

    def __getitem__(self, idx: int) -> object:
        return self.cells[int(self.positions[idx])]


def _take(p: Parsed, positions: np.ndarray) -> Parsed:
    """The parsed cells of the rows kept, renumbered 0..n-1."""

    def pick(series: pd.Series | None) -> pd.Series | None:
        return None if series is None else series.iloc[positions].reset_index(drop=True)

    values, bad = pick(p.values), pick(p.bad)
    assert values is not None and bad is not None
    return Parsed(
        values,
        bad,
        pick(p.note),
        pick(p.blank),
        big=pick(p.big),
        ambiguous=pick(p.ambiguous),
        other=pick(p.other),
        shown=pick(p.shown),
        errors=pick(p.errors),
    )


def _day(value: pd.Timestamp) -> str:
    """A date the way people in Kazakhstan write it: 23.11.2026."""
    return value.strftime("%d.%m.%Y")


def _apply_value_map(raw: list[object], mapping: Mapping[str, str]) -> list[object]:
    folded = {header_key(k): v for k, v in mapping.items()}
    out: list[object] = []
    for v in raw:
        hit = folded.get(header_key(v)) if isinstance(v, str) else None
        out.append(v if hit is None else hit)
    return out


#: the largest whole number an INTEGER column of the store holds
INTEGER_MAX: Final = 2**31 - 1


def _number_issues(
    log: IssueLog,
    f: FieldSpec,
    parsed: Parsed,
    values: pd.Series,
    raw: _Cells,
    rows: pd.Series,
    where: tuple[str, str],
    column: str,
) -> pd.Series:
    """What a number cell was read as, where the user could have meant otherwise: a percent
    format read as shown, a separator that reads two ways; and numbers no column can hold
    (infinite, beyond the store's whole numbers), which are errors and read as nothing."""
    if f.kind not in ("number", "integer"):
        return values
    if parsed.shown is not None and not f.percent:
        _cell_issues(
            log,
            "warning",
            "percent_format",
            parsed.shown,
            raw,
            rows,
            where,
            column,
            per_cell={"shown": values, "stored": values.astype("float64") / 100},
        )
    if parsed.ambiguous is not None and parsed.ambiguous.any():
        read = values.astype("float64")
        decimal = read.abs() < 1000  # "500,000" read as 500: the mark was taken for a decimal
        meaning = decimal.map({True: Tr("issue.separator.decimal"), False: Tr("issue.separator.thousands")})
        mark = pd.Series([_separator(raw[i]) for i in range(len(values))], index=values.index)
        _cell_issues(
            log,
            "warning",
            "ambiguous_separator",
            parsed.ambiguous,
            raw,
            rows,
            where,
            column,
            per_cell={"read": read, "other": _given(parsed.other, read), "mark": mark, "meaning": meaning},
        )
    number = pd.to_numeric(values, errors="coerce").astype("float64")
    infinite = pd.Series(np.isinf(number.to_numpy()), index=values.index)
    _cell_issues(log, "error", "not_finite", infinite, raw, rows, where, column)
    high = INTEGER_MAX if f.kind == "integer" else None
    big = parsed.big if parsed.big is not None else pd.Series(False, index=values.index)
    if high is not None:
        big = big | number.abs().gt(high).fillna(False)
    if big.any():  # a column with a range of its own says it (1–5), not the store's limit
        low = f.ge if f.ge is not None else f.gt
        if f.le is not None and low is not None:
            code, params = "out_of_range", {"low": low, "high": f.le}
        else:
            code, params = "too_large", {"high": f.le if f.le is not None else high or 0}
        _cell_issues(log, "error", code, big, raw, rows, where, column, params)
    if infinite.any() or big.any():
        values = values.where(~(infinite | big))
    return values


# --------------------------------------------------------------------------------------------
# Identifiers that look right and are not

# characters nobody sees: format controls (zero-width space, right-to-left mark, BOM), other
# controls, private use, unassigned, line and paragraph separators
_INVISIBLE: Final = frozenset({"Cf", "Cc", "Co", "Cn", "Zl", "Zp"})
# letters of other alphabets drawn like Latin ones (Cyrillic, Greek), for telling look-alike IDs
_CONFUSABLE_FROM: Final = "аеорсухіјѕԁһӏкмнвтАЕОРСУХІЈЅКМНВТΑΒΕΖΗΙΚΜΝΟΡΤΥΧαοκνρτυχ"
_CONFUSABLE_TO: Final = "aeopcyxijsdhlkmhbtAEOPCYXIJSKMHBTABEZHIKMNOPTYXaokvptux"
# pairs after lower-casing, for Arrow (which has no translate)
_CONFUSABLE_PAIRS: Final = tuple(
    dict.fromkeys((a.lower(), b.lower()) for a, b in zip(_CONFUSABLE_FROM, _CONFUSABLE_TO, strict=True))
)


def describe_char(c: str) -> str:
    """A character as a person can find it: ``«Р» U+0420 CYRILLIC CAPITAL LETTER ER``."""
    name = unicodedata.name(c, "")
    shown = f"«{c}» " if c.isprintable() and not c.isspace() and unicodedata.category(c) not in _INVISIBLE else ""
    return f"{shown}U+{ord(c):04X} {name}".strip()


def _script(c: str) -> str:
    return unicodedata.name(c, "?").split(" ")[0]


def _key_problem(value: str, person: bool) -> tuple[str, dict[str, object]] | None:
    """Why an identifier cannot be taken as typed: an invisible character, or (in a code, not a
    person's name) letters of two alphabets."""
    hidden = next((c for c in value if unicodedata.category(c) in _INVISIBLE), None)
    if hidden is not None:
        return "key_invisible", {"char": describe_char(hidden)}
    if person:
        return None
    letters = [c for c in value if c.isalpha()]
    scripts = [_script(c) for c in letters]
    kinds = set(scripts)
    if len(kinds) < 2:
        return None
    main = max(kinds, key=lambda k: (scripts.count(k), k == "LATIN"))
    odd = next(c for c, k in zip(letters, scripts, strict=True) if k != main)
    named = main.lower() if main in ("LATIN", "CYRILLIC", "GREEK") else "other"
    return "key_mixed_script", {"char": describe_char(odd), "script": Tr(f"issue.script.{named}")}


_HIDDEN_RE: Final = r"[\p{Cf}\p{Cc}\p{Co}\p{Zl}\p{Zp}]"


def _doubtful(values: pd.Series, person: bool) -> list[str]:
    """The distinct identifiers worth a closer look, found with Arrow's kernels in one pass each
    (a ministry's 100 000 IDs in Cyrillic take milliseconds): an invisible character, letters
    of two alphabets (not in a person's name), or a form NFKC changes."""
    texts = pa.array(pd.unique(values.dropna()).astype(str), type=pa.string())
    if len(texts) == 0:
        return []
    flags = pc.invert(pc.string_is_ascii(texts))
    if not pc.any(flags).as_py() and not pc.any(pc.match_substring_regex(texts, _HIDDEN_RE)).as_py():
        return []
    doubt = pc.or_(pc.match_substring_regex(texts, _HIDDEN_RE), pc.not_equal(pc.utf8_normalize(texts, "NFKC"), texts))
    if not person:
        scripts = [
            pc.cast(pc.match_substring_regex(texts, rf"\p{{{s}}}"), pa.int8()) for s in ("Latin", "Cyrillic", "Greek")
        ]
        mixed = pc.greater(pc.add(pc.add(scripts[0], scripts[1]), scripts[2]), 1)
        doubt = pc.or_(doubt, mixed)
    return [str(v) for v in texts.filter(doubt).to_pylist()]


def skeletons(values: list[str]) -> list[str]:
    """What each identifier looks like, in Arrow: case, width, spacing and look-alike letters of
    other alphabets ignored (``Р01`` in Cyrillic, ``p01`` and ``P01`` look the same)."""
    if not values:
        return []
    arr = pc.utf8_lower(pc.utf8_normalize(pa.array(values, type=pa.string()), "NFKC"))
    if not pc.all(pc.string_is_ascii(arr)).as_py():
        for src, dst in _CONFUSABLE_PAIRS:
            arr = pc.replace_substring(arr, src, dst)
    arr = pc.replace_substring_regex(arr, r"[\s\p{Cf}\p{Cc}\p{Co}\p{Zl}\p{Zp}]", "")
    return [str(v) for v in arr.to_pylist()]


def _key_issues(
    log: IssueLog,
    f: FieldSpec,
    values: pd.Series,
    raw: _Cells,
    rows: pd.Series,
    where: tuple[str, str],
    column: str,
) -> pd.Series:
    """Identifiers (keys and references) are read in NFKC form (a full-width ``Ｐ０１`` is
    ``P01``, with a warning); one holding an invisible character, or a code mixing alphabets,
    is an error naming the character, and is read as nothing."""
    if f.kind != "text" or not (f.key or f.ref is not None):
        return values
    read: dict[str, str] = {}
    wrong: dict[str, tuple[str, dict[str, object]]] = {}
    for text in _doubtful(values, f.person):
        plain = unicodedata.normalize("NFKC", text)
        problem = _key_problem(plain, f.person)
        if problem is not None:
            wrong[text] = problem
        elif plain != text:
            read[text] = plain
    if not wrong and not read:
        return values
    file, place = where
    as_text = values.astype(object)
    for idx in values.index:
        v = as_text[idx]
        if not isinstance(v, str):
            continue
        if v in wrong:
            code, params = wrong[v]
            log.add(Issue("error", code, file, place, int(rows[idx]), column, display_value(raw[idx]), params))
        elif v in read:
            params = {"read": read[v]}
            log.add(Issue("warning", "key_normalised", file, place, int(rows[idx]), column, display_value(v), params))
    out = as_text.where(~as_text.isin(list(wrong)), None).replace(read)
    return out


def _given(series: pd.Series | None, like: pd.Series) -> pd.Series:
    return series if series is not None else pd.Series(np.nan, index=like.index)


def _separator(cell: object) -> str:
    text = str(cell)
    return "," if "," in text else "."


def _range_issues(
    log: IssueLog,
    f: FieldSpec,
    values: pd.Series,
    raw: pd.Series | _Cells,
    rows: pd.Series,
    where: tuple[str, str],
    column: str,
) -> None:
    if f.kind not in ("number", "integer") or (f.ge is None and f.gt is None and f.le is None):
        return
    v = pd.to_numeric(values, errors="coerce")
    out = pd.Series(False, index=values.index)
    if f.ge is not None:
        out |= v < f.ge
    if f.gt is not None:
        out |= v <= f.gt
    if f.le is not None:
        out |= v > f.le
    out = out.fillna(False).astype(bool)
    low = f.ge if f.ge is not None else f.gt
    if f.le is not None and low is not None:
        code, params = "out_of_range", {"low": low, "high": f.le}
    elif f.gt is not None:
        code, params = "not_positive", {}
    else:
        code, params = "below_minimum", {"low": low or 0}
    _cell_issues(log, "error", code, out, raw, rows, where, column, params)


def _param(value: object) -> object:
    """A value the message quotes beside the cell (what a share was read as): a number stays a
    number, written in the reader's language when the message is made; anything else as shown."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and not pd.isna(value):
        return float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Tr):
        return value
    return display_value(value)


def _typed(f: FieldSpec, values: pd.Series) -> pd.Series:
    match f.kind:
        case "date":
            return pd.to_datetime(values)
        case "number":
            return pd.to_numeric(values).astype("float64")
        case "integer":
            return pd.to_numeric(values).astype("Int64")
        case _ if isinstance(values.dtype, pd.ArrowDtype):
            return values  # text read as columns stays in Arrow, a blank as null
        case _:
            return values.astype(object).where(values.notna(), None)


# --------------------------------------------------------------------------------------------
# The whole upload


def read_tables(
    grids: Iterable[Grid | ColumnGrid], log: IssueLog, options: ReadOptions = ReadOptions()
) -> list[SheetTable]:
    """Recognise and parse every grid; unknown and empty sheets are warnings. A sheet read as
    columns is parsed whole when it has nothing to report, else read again cell by cell."""
    out = []
    for sheet in grids:
        if header_key(sheet.stem) in template_sheets():
            continue
        if isinstance(sheet, ColumnGrid):
            fast = parse_columns(sheet, options)
            if fast is not None:
                out.append(fast)
                continue
            grid = sheet.exact()
        else:
            grid = sheet
        if not any(not _is_blank(c) for r in grid.rows for c in r):
            log.add(Issue("warning", "empty_sheet", grid.file, grid.place))
            continue
        located = locate(grid)
        if located is None:
            named = table_for_name(grid.stem)
            if named:
                log.add(
                    Issue(
                        "error",
                        "no_header",
                        grid.file,
                        grid.place,
                        params={
                            "sheet": grid.place,
                            "table": Tr(f"table.{named}"),
                            "expected": _required_labels(named),
                        },
                    )
                )
            else:
                log.add(Issue("warning", "unknown_sheet", grid.file, grid.place))
            continue
        table = parse_grid(grid, located.table, located.header_idx, log, options=options)
        if table is not None:
            out.append(table)
    return out


def parse_columns(grid: ColumnGrid, options: ReadOptions = ReadOptions()) -> SheetTable | None:
    """The table a sheet read as columns holds, when it reads without a doubt and without a
    single issue; None sends it to the exact path (``parse_grid``), which gives the messages."""
    if grid.height == 0 or all(c.null_count == len(c) for c in grid.columns):
        return None
    located = locate(grid)
    if located is None:
        return None
    table, header_idx = located.table, located.header_idx
    where, header_row = (grid.file, grid.place), header_idx + 1
    if grid.marks:  # error values or percent formats: only the exact path sees and reports them
        return None
    scratch = IssueLog()  # anything in it sends the sheet to the exact path
    field_col, written = recognise_columns(grid.head[header_idx], table, where, header_row, scratch)
    missing_columns(table, field_col, where, header_row, scratch)
    if scratch.issues:
        return None
    parsed_cols: list[ParsedColumn] = []
    for f in table_specs()[table].fields:
        if f.name not in field_col:
            continue
        column = grid.columns[field_col[f.name]].slice(header_idx + 1)
        if has_error_text(column):
            return None
        parsed = parse_arrow(f, column, dayfirst=options.dayfirst, decimal_comma=options.decimal_comma)
        if parsed is None:
            return None
        parsed_cols.append((f, ArrowCells(column), parsed, written[f.name]))
    n = grid.height - header_idx - 1
    result = finish_table(table, where, header_idx, n, parsed_cols, set(field_col), written, scratch)
    return None if scratch.issues else result


def _required_labels(table: str) -> TrList:
    """The required columns, shown in the user's language."""
    return TrList(tuple(f"col.{table}.{f}" for f in table_specs()[table].required))


def key_frame(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The natural key of each row, comparable: person names ignore case."""
    out = pd.DataFrame(index=frame.index)
    for name in spec.key:
        col = frame[name] if name in frame.columns else pd.Series(None, index=frame.index)
        if spec.field(name).person:
            col = col.str.casefold()
        out[name] = col
    return out


def combine(sheets: list[SheetTable], log: IssueLog, known: KnownKeys) -> Validation:
    """Join the sheets of each table; check duplicate keys and references."""
    result = Validation(sources=sheets)
    by_table: dict[str, list[SheetTable]] = {}
    for s in sheets:
        by_table.setdefault(s.table, []).append(s)
    for table, parts in by_table.items():
        spec = table_specs()[table]
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
        for k in spec.key:  # an optional key column left out is blank in every row
            if k not in frame.columns:
                frame[k] = None
        fields = [f.name for f in spec.fields if f.name in frame.columns]
        _duplicate_keys(spec, frame, parts, log)
        _lookalike_keys(spec, frame, parts, log, known)
        result.tables[table] = frame
        result.present[table] = tuple(fields)
    _references(result, by_table, log, known)
    result.issues = log.finish()
    return result


def _header(parts: list[SheetTable], place: str, name: str) -> str:
    for p in parts:
        if p.place == place and name in p.headers:
            return p.headers[name]
    return name


def _duplicate_keys(spec: TableSpec, frame: pd.DataFrame, parts: list[SheetTable], log: IssueLog) -> None:
    if not set(spec.key) <= set(frame.columns) or frame.empty:
        return
    keys = key_frame(spec, frame)
    dup = keys.duplicated(keep="first")
    if not dup.any():
        return
    clashing = keys[keys.duplicated(keep=False)].astype(str)
    tuples = pd.Series(list(zip(*(clashing[k] for k in spec.key), strict=True)), index=clashing.index)
    first = {key: i for i, key in tuples[~dup[tuples.index]].items()}
    for idx in dup[dup].index:
        first_idx = first[tuples[idx]]
        place = str(_at(frame, idx, "_place"))
        column = _header(parts, place, spec.key[0])
        parts_shown = (_key_part(_at(frame, idx, k)) for k in spec.key)
        value = " / ".join(p for p in parts_shown if p)  # an empty part of the key (no change) is left out
        log.add(
            Issue(
                "error",
                "duplicate_key",
                str(_at(frame, idx, "_file")),
                place,
                int(_at(frame, idx, "_row")),
                column,
                value,
                # a row number is an address, written as Excel shows it (never grouped)
                {
                    "first_row": str(int(_at(frame, first_idx, "_row"))),
                    "first_sheet": str(_at(frame, first_idx, "_place")),
                },
            )
        )


def _lookalike_keys(
    spec: TableSpec, frame: pd.DataFrame, parts: list[SheetTable], log: IssueLog, known: KnownKeys
) -> None:
    """A new ID that looks like an existing one (``p01``, a Cyrillic ``Р01`` beside ``P01``) is
    a warning naming the existing ID: it would load as a record of its own."""
    if len(spec.key) != 1 or spec.field(spec.key[0]).kind != "text" or frame.empty:
        return
    name = spec.key[0]
    existing = known(spec.name)
    if not existing:  # a first load: nothing to look like
        return
    ids = [str(v) for v in pd.unique(frame[name].dropna())]
    if all(v in existing for v in ids):  # a new upload of known records: nothing can clash
        return
    known_ids = sorted(str(v) for v in existing)
    looks: dict[str, str] = {}
    for v, look in zip(known_ids, skeletons(known_ids), strict=True):
        looks.setdefault(look, v)
    new = [v for v in ids if v not in existing]
    clash: dict[str, str] = {}
    for v, look in zip(new, skeletons(new), strict=True):  # in the file's order: a later
        other = looks.setdefault(look, v)  # look-alike of an earlier new ID is named too
        if other != v:
            clash[v] = other
    if not clash:
        return
    for idx in frame.index[frame[name].isin(list(clash))]:
        value = str(_at(frame, idx, name))
        place = str(_at(frame, idx, "_place"))
        log.add(
            Issue(
                "warning",
                "key_lookalike",
                str(_at(frame, idx, "_file")),
                place,
                int(_at(frame, idx, "_row")),
                _header(parts, place, name),
                value,
                {"existing": clash[value]},
            )
        )


def _at(frame: pd.DataFrame, idx: object, col: str) -> Any:
    """One cell of a frame (pandas types a cell as a wide union)."""
    return frame.at[idx, col]


def _key_part(value: object) -> str:
    """One part of a row's key in a message: a date as people write it, the rest as typed; an
    empty part as nothing."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    return _day(value) if isinstance(value, pd.Timestamp) else display_value(_plain(value))


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _references(result: Validation, by_table: dict[str, list[SheetTable]], log: IssueLog, known: KnownKeys) -> None:
    ids: dict[str, set[str]] = {}

    def available(table: str, key: str) -> set[str]:
        if table not in ids:
            in_file: set[str] = set()
            if table in result.tables and key in result.tables[table].columns:
                in_file = set(result.tables[table][key].dropna())
            ids[table] = in_file | known(table)
        return ids[table]

    for table, frame in result.tables.items():
        spec = table_specs()[table]
        for f in spec.fields:
            if f.ref is None or f.name not in frame.columns:
                continue
            values = frame[f.name]
            ok = values.isna() | values.isin(available(f.ref.table, f.ref.field))
            skip = frame["_skip"] if "_skip" in frame.columns else pd.Series(False, index=frame.index)
            for idx in ok[~ok].index:
                place = str(_at(frame, idx, "_place"))
                issue = Issue(
                    "error",
                    "unknown_ref",
                    str(_at(frame, idx, "_file")),
                    place,
                    int(_at(frame, idx, "_row")),
                    _header(by_table[table], place, f.name),
                    display_value(values[idx]),
                    {"target": Tr(f"table.{f.ref.table}")},
                )
                if skip[idx]:  # a mapping profile leaves such rows out, with a warning
                    issue = row_skipped(issue)
                log.add(issue)
            if bool(skip[~ok].any()):
                frame = frame.drop(index=ok[~ok & skip].index)
                result.tables[table] = frame


def validate(
    grids: Iterable[Grid],
    known: KnownKeys = lambda table: set(),
    options: ReadOptions = ReadOptions(),
) -> Validation:
    """Read every grid of an upload and check it; nothing is written anywhere."""
    log = IssueLog()
    sheets = read_tables(grids, log, options)
    return combine(sheets, log, known)
