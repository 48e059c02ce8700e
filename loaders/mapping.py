"""Mapping profiles: how to read an export of another system (TOML).

A profile names the source sheet, its header row (``auto``, a row number, or ``none``: the
columns are then A, B, …), whether the sheet is read across (``transpose``: field names down a
column, one record per column), the CSV encoding and delimiter, day-first or month-first dates
and the decimal separator, then one or more targets: the table to fill, and either which source
column feeds which field (value maps, constants, a date order per field), or an SQL ``SELECT``
over the source rows whose output columns are the fields (``loaders.profile_sql``)::

    name = "UK Government Major Projects Portfolio 2019"

    [source]
    encoding = "cp1252"
    delimiter = ","
    dates = "day_first"
    decimal = "."
    null_values = ["^Exempt under", "^Not provided$"]   # cells that mean "no value"

    [[target]]
    table = "projects"
    skip_invalid_rows = true          # a row the contract cannot take is left out, with a warning
    columns = { project_id = "project_name", name = "project_name", program = "department" }
    values.status = { "Closed" = "completed" }
    constants = { status = "execution" }
    dates = { end_date = "month_first" }

    [[target]]
    table = "budget"
    sql = '''SELECT _row, project_name AS project_id, CAST(year AS INTEGER) - 1 AS year, ...
             FROM src WHERE yearly_budget IS NOT NULL'''

A source column may be a header (as written, or differing only in case/spacing), a list of
headers (the first non-blank one is taken), or a template such as ``"{Loan Number}-closing"``.
Further files for an SQL join are ``[sources.<name>]`` tables, each a file beside the profile or
given with the import (``Profile.bind``).

Whichever way a target is read, its rows go through the contract (``validate.parse_grid``), so
the messages and the batch are those of any upload; each message says where the user finds the
row: its Excel row, its column when the sheet is read across, the row of the SQL result (and the
source row, when the ``SELECT`` passes ``_row`` through).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Literal

import numpy as np
import pyarrow as pa
import re2
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from . import limits
from .cellmarks import Marks
from .issues import Issue, ReadError, Tr, display_value, row_skipped
from .limits import column_letter
from .normalise import header_key, parse_date
from .reader import HEADER_SCAN_ROWS, Grid, Loaded, load, read_grids
from .schema import TABLES, table_specs
from .validate import IssueLog, ReadOptions, SheetTable, header_cells, parse_grid

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_SOURCE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
MAIN = "src"  # the SQL name of the file being imported
ROW = "_row"  # where a row is in its source (``profile_sql.ROW``)


def null_pattern(pattern: str) -> re2._Regexp:
    """A profile's regex, compiled by RE2: matching takes time linear in the cell's length, so a
    pattern like ``^(a+)+$`` cannot stall an import (Python's ``re`` backtracks exponentially);
    case is ignored. Back-references and look-arounds, which need backtracking, are refused."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return re2.compile(pattern, options)


ColumnSource = str | list[str]
Scalar = str | int | float | bool
DateOrder = Literal["day_first", "month_first"]


class SheetSpec(BaseModel):
    """How to find the rows in a file: what ``[source]`` and ``[sources.<name>]`` share."""

    model_config = ConfigDict(extra="forbid")

    sheet: str | int | None = None  # name, or 1-based position; None = the only/first data sheet
    # Excel row number of the header (its column number when transposed); "none": no header,
    # the columns are A, B, … and every row is data
    header_row: int | Literal["auto", "none"] = "auto"
    transpose: bool = False  # field names down a column, one record per column
    encoding: str | None = None  # CSV only; None = detect
    delimiter: str | None = None  # CSV only; None = sniff
    null_values: list[str] = Field(default_factory=list)  # regexes, matched against the trimmed cell

    @field_validator("header_row")
    @classmethod
    def _row_number(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("the header row is a row number from 1, 'auto' or 'none'")
        return value

    @field_validator("null_values")
    @classmethod
    def _regexes(cls, values: list[str]) -> list[str]:
        for v in values:
            try:
                null_pattern(v)
            except re2.error as exc:  # not a ValueError: pydantic would let it escape as it is
                raise ValueError(f"{v!r} is not a regular expression RE2 accepts: {exc}") from exc
        return values


class SourceSpec(SheetSpec):
    """The file being imported (``src`` in SQL), and how its values are written."""

    dates: DateOrder = "day_first"
    decimal: Literal[",", "."] = ","
    thousands: Literal[",", "."] | None = None  # the grouping mark, said outright; None = guess


class ExtraSource(SheetSpec):
    """A further file an SQL target may join: beside the profile, or given with the import."""

    file: str  # relative to the profile's folder; never outside it

    @property
    def file_name(self) -> str:
        """The name a file given with the import has when it is this source (case aside)."""
        return PurePosixPath(self.file.replace("\\", "/")).name

    @field_validator("file")
    @classmethod
    def _inside(cls, value: str) -> str:
        parts = [*PurePosixPath(value).parts, *PureWindowsPath(value).parts]
        if not value.strip() or PurePosixPath(value).is_absolute() or PureWindowsPath(value).anchor or ".." in parts:
            raise ValueError(f"{value!r}: a source file is named relative to the profile's folder, inside it")
        return value


class TargetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str
    sql: str | None = None  # a DuckDB SELECT over the sources; its output columns are the fields
    columns: dict[str, ColumnSource] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    constants: dict[str, Scalar] = Field(default_factory=dict)
    dates: dict[str, DateOrder] = Field(default_factory=dict)  # a date field written in its own order
    skip_invalid_rows: bool = False

    @model_validator(mode="after")
    def _fields_exist(self) -> TargetSpec:
        if self.table not in TABLES:
            raise ValueError(f"unknown table {self.table!r}; tables: {', '.join(TABLES)}")
        spec = table_specs()[self.table]
        for name in (*self.columns, *self.values, *self.constants, *self.dates):
            if name not in spec.columns:
                raise ValueError(f"table {self.table!r} has no field {name!r}")
        for name in self.dates:
            if spec.field(name).kind != "date":
                raise ValueError(f"table {self.table!r}: {name!r} is not a date field")
        if self.sql is not None:
            if self.columns:
                raise ValueError(f"table {self.table!r}: with sql, the SELECT gives the fields; leave out columns")
            from .profile_sql import check

            reason = check(self.sql)
            if reason is not None:
                raise ValueError(f"table {self.table!r}: the sql is not one SELECT DuckDB reads: {reason}")
            return self  # which fields the SELECT gives is known when it runs
        missing = [f for f in spec.required if f not in self.columns and f not in self.constants]
        if missing:
            raise ValueError(f"table {self.table!r}: required fields not mapped: {', '.join(missing)}")
        return self


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    description: str = ""
    source: SourceSpec = Field(default_factory=SourceSpec)
    sources: dict[str, ExtraSource] = Field(default_factory=dict)  # SQL table name -> further file
    targets: list[TargetSpec] = Field(alias="target", min_length=1)

    _folder: Path | None = PrivateAttr(default=None)  # the profile file's folder: where its sources are
    _given: dict[str, Loaded] = PrivateAttr(default_factory=dict)  # sources given with the import

    @field_validator("sources")
    @classmethod
    def _sql_names(cls, sources: dict[str, ExtraSource]) -> dict[str, ExtraSource]:
        for name in sources:
            if not _SOURCE_NAME.fullmatch(name) or name == MAIN:
                raise ValueError(f"{name!r}: a source is named like an SQL table (a-z, 0-9, _), and not {MAIN!r}")
        return sources

    @cached_property
    def options(self) -> ReadOptions:
        return ReadOptions(
            dayfirst=self.source.dates == "day_first",
            decimal_comma=self.source.decimal == ",",
            thousands=self.source.thousands,
        )

    def bind(self, files: Iterable[Loaded]) -> Profile:
        """This profile with its further sources taken from ``files`` (given with the import, as
        in ``pmo import export.xlsx rates.csv --mapping p.toml``): a file whose name is the file
        name of a source is that source, read with each export, and not imported on its own."""
        out = self.model_copy()
        out._given = dict(self._given)
        for f in files:
            for name, spec in self.sources.items():
                if spec.file_name.casefold() == f.name.casefold():
                    out._given[name] = f
        return out

    @property
    def given(self) -> dict[str, str]:
        """Each further source given with the import (``bind``) -> the name of the file taken for it."""
        return {name: f.name for name, f in self._given.items()}

    def unbound(self) -> dict[str, ExtraSource]:
        """The further sources neither given with the import nor beside the profile's file (a
        profile kept in the store has no folder): reading would say each is missing."""
        return {
            name: spec
            for name, spec in self.sources.items()
            if name not in self._given and (self._folder is None or not (self._folder / spec.file).is_file())
        }

    # reading ---------------------------------------------------------------------------

    def read(self, loaded: Loaded, log: IssueLog) -> list[SheetTable]:
        if any(g.name == loaded.name for g in self._given.values()):
            return []  # a further source: read with the export it belongs to
        names, whole = self._used()
        main = _read_sheet(self.source, loaded, names)
        _withhold(main, self.source.null_values, None if whole else names, log)
        tables: dict[str, pa.Table] = {}
        if any(t.sql is not None for t in self.targets):
            from . import profile_sql

            sheets = {MAIN: main}
            for name, spec in self.sources.items():
                sheets[name] = _read_sheet(spec, self._source_file(name, spec, loaded.name), names)
                _withhold(sheets[name], spec.null_values, None if whole else names, log)
            tables = {n: profile_sql.table(profile_sql.Rows(s.names, s.rows, s.numbers)) for n, s in sheets.items()}
        out = []
        for target in self.targets:
            if target.sql is not None:
                out.append(self._read_sql(target, main, tables, log))
            else:
                out.append(self._read_columns(target, main, log))
        return out

    def _used(self) -> tuple[set[str], bool]:
        """The header keys of the source columns the targets use, and whether an SQL target takes
        whole rows (``*``), so that every column counts as used."""
        names: set[str] = set()
        whole = False
        for target in self.targets:
            if target.sql is not None:
                from .profile_sql import referenced

                refs, star = referenced(target.sql)
                names.update(header_key(r) for r in refs)
                whole = whole or star
            for src in target.columns.values():
                for s in src if isinstance(src, list) else [src]:
                    names.update(header_key(n) for n in _TEMPLATE.findall(s) or [s])
        return names, whole

    def _source_file(self, name: str, spec: ExtraSource, file: str) -> Loaded:
        given = self._given.get(name)
        if given is not None:
            return given
        if self._folder is None:  # a profile kept in the store reads no file of the server
            raise ReadError("mapping_source_missing", file=file, source=name, path=spec.file)
        try:
            loaded = load(self._folder / spec.file)
        except ReadError as exc:
            raise ReadError("mapping_source_missing", file=file, source=name, path=spec.file) from exc
        limits.check_size(loaded.name, len(loaded.data), limits.active())
        return loaded

    def _read_columns(self, target: TargetSpec, sheet: _Sheet, log: IssueLog) -> SheetTable:
        """A target read by its column map: the sheet's columns, plus the list and template ones."""
        header: list[object] = list(sheet.names)
        rows = sheet.rows
        virtual = list({_virtual_name(s): s for s in target.columns.values() if _is_virtual(s)}.items())
        if virtual:
            position = {header_key(h): j for j, h in enumerate(sheet.names) if h}
            header += [name for name, _ in virtual]
            rows = [[*r, *(_virtual_value(spec, r, position) for _, spec in virtual)] for r in rows]
        percent = frozenset((i + 1, j) for i, j in sheet.percent)
        grid = Grid(sheet.file, sheet.sheet, [header, *rows], marks=Marks(percent=percent))
        columns = {f: _virtual_name(src) for f, src in target.columns.items()}
        where = _Where(sheet.numbers, sheet.header_at, sheet.across)
        return self._parse(target, grid, columns, where, log)

    def _read_sql(self, target: TargetSpec, main: _Sheet, tables: Mapping[str, pa.Table], log: IssueLog) -> SheetTable:
        """A target read by its SELECT over ``tables`` (``src``: ``main``): the result as a grid,
        its header the output columns."""
        from . import profile_sql

        assert target.sql is not None
        names, result = profile_sql.run(target.sql, tables, target=target.table, file=main.file)
        fields = _output_fields(names, target, main.file)
        at = fields.index(ROW) if ROW in fields else None
        if at is None:
            numbers = list(range(1, len(result) + 1))
            sheet: str | None = f"SQL {target.table}"  # rows are named by their place in the result
        else:
            numbers = [_row_number(r[at], i, target.table, main.file) for i, r in enumerate(result)]
            sheet = main.sheet
        header: list[object] = [f for f in fields if f != ROW]
        body = [[profile_sql.value(v) for j, v in enumerate(r) if j != at] for r in result]
        grid = Grid(main.file, sheet, [header, *body])
        where = _Where(numbers, None, main.across and at is not None, sql=target.table)
        return self._parse(target, grid, {str(f): str(f) for f in header}, where, log)

    def _parse(
        self, target: TargetSpec, grid: Grid, columns: Mapping[str, str], where: _Where, log: IssueLog
    ) -> SheetTable:
        """``grid`` (its header in the first row) through the contract, as any upload is; with
        ``skip_invalid_rows`` a row with an error is left out, with a warning."""
        value_maps = {f: dict(m) for f, m in target.values.items()}
        if target.dates:
            grid, columns = _dated(grid, columns, target.dates, value_maps)
        sub = _TargetLog(where, target.table, target.skip_invalid_rows)
        table = parse_grid(
            grid,
            target.table,
            0,
            sub,
            options=self.options,
            columns=columns,
            value_maps=value_maps,
            constants=target.constants,
        )
        assert table is not None  # parse_grid always gives a table (it may have no rows)
        frame = table.frame
        if target.skip_invalid_rows:
            frame = frame[~frame["_row"].isin(sub.skipped)].reset_index(drop=True)
            frame["_skip"] = True
        numbers = np.asarray(where.numbers, dtype="int64")
        frame["_row"] = numbers[frame["_row"].to_numpy(dtype="int64") - 2] if len(frame) else frame["_row"]
        table.frame = frame
        table.header_row = where.header_at or 0
        log.merge(sub)
        return table

    # writing --------------------------------------------------------------------------

    def to_toml(self) -> str:
        """The profile as TOML (the Upload page saves what the user mapped)."""
        lines = [f"name = {_toml(self.name)}"]
        if self.description:
            lines.append(f"description = {_toml_text(self.description)}")
        lines.append("\n[source]")
        lines.extend(_sheet_lines(self.source))
        for name, extra in self.sources.items():
            lines.append(f"\n[sources.{name}]")
            lines.append(f"file = {_toml(extra.file)}")
            lines.extend(_sheet_lines(extra, skip=("file",)))
        for target in self.targets:
            lines.append("\n[[target]]")
            lines.append(f"table = {_toml(target.table)}")
            if target.skip_invalid_rows:
                lines.append("skip_invalid_rows = true")
            if target.sql is not None:
                lines.append(f"sql = {_toml_text(target.sql)}")
            for section in ("columns", "constants", "dates"):
                data = getattr(target, section)
                if data:
                    lines.append(f"\n[target.{section}]")
                    lines.extend(f"{k} = {_toml(v)}" for k, v in data.items())
            for field, mapping in target.values.items():
                lines.append(f"\n[target.values.{field}]")
                lines.extend(f"{_toml(k)} = {_toml(v)}" for k, v in mapping.items())
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# A source as the profile reads it


@dataclass
class _Sheet:
    """A source's column names and the rows under them, and where each row is."""

    file: str
    sheet: str | None  # as in ``Grid``: None for a CSV file
    names: list[str]  # the header as the profile names it (a repeated one as ``x #2``); letters without one
    rows: list[list[object]]  # rectangular, as wide as ``names``
    numbers: list[int]  # each row's Excel row number; its column number when read across
    header_at: int | None  # the header's row (column when read across); None without a header
    across: bool
    percent: frozenset[tuple[int, int]]  # cells shown as a percent: (index into rows, column)

    @property
    def place(self) -> str:
        return self.sheet if self.sheet is not None else self.file


def _read_sheet(spec: SheetSpec, loaded: Loaded, wanted: set[str]) -> _Sheet:
    grids = read_grids(loaded, encoding=spec.encoding, delimiter=spec.delimiter)
    grid = _pick(grids, spec.sheet, loaded.name)
    cells = grid.rows  # read for this profile alone: changed in place
    errors, percent = dict(grid.marks.errors), set(grid.marks.percent)
    for (i, j), text in errors.items():  # a failed formula says so, in SQL too (calamine gives "")
        if i < len(cells) and j < len(cells[i]) and cells[i][j] in ("", None):
            cells[i][j] = text
    if spec.transpose:
        width = max((len(r) for r in cells), default=0)
        cells = [[r[j] if j < len(r) else "" for r in cells] for j in range(width)]
        percent = {(j, i) for i, j in percent}
    if spec.header_row == "none":
        names = [column_letter(j + 1) for j in range(max((len(r) for r in cells), default=0))]
        start, header_at = 0, None
    else:
        idx = spec.header_row - 1 if isinstance(spec.header_row, int) else _find_header(cells, wanted)
        names = header_cells(cells[idx]) if idx < len(cells) else []
        start, header_at = idx + 1, idx + 1
    width = len(names)
    rows = [r[:width] if len(r) >= width else [*r, *([""] * (width - len(r)))] for r in cells[start:]]
    numbers = list(range(start + 1, start + 1 + len(rows)))
    shown = frozenset((i - start, j) for i, j in percent if i >= start and j < width)
    return _Sheet(loaded.name, grid.sheet, names, rows, numbers, header_at, spec.transpose, shown)


def _pick(grids: list[Grid], want: str | int | None, file: str) -> Grid:
    if want is None:
        data = [g for g in grids if any(any(str(c).strip() for c in r) for r in g.rows)]
        return (data or grids)[-1] if len(data) != 1 else data[0]
    if isinstance(want, int):
        if 1 <= want <= len(grids):
            return grids[want - 1]
    else:
        for g in grids:
            if g.sheet is not None and header_key(g.sheet) == header_key(want):
                return g
    raise ReadError("mapping_sheet_missing", file=file, sheet=str(want))


def _find_header(rows: list[list[object]], wanted: set[str]) -> int:
    """The first of the top rows holding the most of the names the profile uses; without any,
    the first with the most text cells (a title row above the header holds fewer)."""
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = len(wanted & {header_key(c) for c in row if isinstance(c, str)})
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits:
        return best
    counts = [sum(1 for c in r if isinstance(c, str) and c.strip()) for r in rows[:HEADER_SCAN_ROWS]]
    return counts.index(max(counts)) if counts else 0


def _withhold(sheet: _Sheet, patterns: Sequence[str], used: set[str] | None, log: IssueLog) -> None:
    """Blank the cells that mean "no value" (matched after trimming the cell), in the columns the
    profile uses (``used``: header keys; None: every column), each told as a warning."""
    if not patterns:
        return
    nulls = [null_pattern(p) for p in patterns]
    columns = [j for j, n in enumerate(sheet.names) if used is None or header_key(n) in used]
    where = _Where(sheet.numbers, sheet.header_at, sheet.across)
    for i, row in enumerate(sheet.rows):
        for j in columns:
            cell = row[j]
            if not isinstance(cell, str):
                continue
            trimmed = cell.strip()
            if trimmed and any(p.search(trimmed) for p in nulls):
                issue = Issue("warning", "value_withheld", sheet.file, sheet.place, None, sheet.names[j], cell)
                log.add(where.cell(issue, i))
                row[j] = ""


def _is_virtual(src: ColumnSource) -> bool:
    return isinstance(src, list) or bool(_TEMPLATE.search(src))


def _virtual_name(src: ColumnSource) -> str:
    if isinstance(src, list):
        return " | ".join(src)
    return src


def _virtual_value(src: ColumnSource, row: list[object], position: dict[str, int]) -> object:
    def cell(name: str) -> object:
        j = position.get(header_key(name))
        return row[j] if j is not None else ""

    if isinstance(src, list):
        for name in src:
            value = cell(name)
            if not (value is None or (isinstance(value, str) and not value.strip())):
                return value
        return ""
    parts = {m: cell(m) for m in _TEMPLATE.findall(src)}
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in parts.values()):
        return ""
    text = src
    for name, value in parts.items():
        shown = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        text = text.replace("{" + name + "}", shown.strip())
    return text


# --------------------------------------------------------------------------------------------
# An SQL target's result


def _output_fields(names: Sequence[str], target: TargetSpec, file: str) -> list[str]:
    """The output columns as the contract's field names (case aside), each once, none also a
    constant; ``_row`` passes the source row through."""
    spec = table_specs()[target.table]
    table = Tr(f"table.{target.table}")
    out: list[str] = []
    for name in names:
        field = name.casefold()
        if field != ROW and field not in spec.columns:
            fields = ", ".join(spec.columns)
            raise ReadError("mapping_sql_column", file=file, table=table, output=name, fields=fields)
        if field in out or field in target.constants:
            raise ReadError("mapping_sql_twice", file=file, table=table, output=name)
        out.append(field)
    return out


def _row_number(cell: object, i: int, table: str, file: str) -> int:
    """A ``_row`` of the result: the row number of the source it came from."""
    if isinstance(cell, int | float | str) and not isinstance(cell, bool):
        try:
            number = float(cell)
        except ValueError:
            number = 0.0
        if number.is_integer() and number >= 1:
            return int(number)
    raise ReadError(
        "mapping_sql_row_number", file=file, table=Tr(f"table.{table}"), result_row=str(i + 1), cell=display_value(cell)
    )


# --------------------------------------------------------------------------------------------
# Where a row is, in the user's words


@dataclass(frozen=True)
class _Where:
    """How a row of the grid the contract reads (data from grid row 2) is found by the user."""

    numbers: Sequence[int]  # each data row's number in its source (Excel row; column when across)
    header_at: int | None  # the header's row in the source; None without one (or for SQL)
    across: bool  # the numbers are columns: the record is in column C, not row 3
    sql: str | None = None  # the target table whose SQL result the rows are

    def cell(self, issue: Issue, i: int) -> Issue:
        """``issue`` of data row ``i`` (0-based), told where the user finds it."""
        number = self.numbers[i]
        if self.sql is not None:
            issue = _within(issue, "sql_row", result_row=str(i + 1), table=Tr(f"table.{self.sql}"))
        if self.across:
            return dataclasses.replace(_within(issue, "across", letter=column_letter(number)), row=None)
        return dataclasses.replace(issue, row=number)


def _within(issue: Issue, code: str, **params: object) -> Issue:
    """``issue`` inside a message saying where it is. A warning takes the code's ``_note`` form:
    a code keeps one level, which the "N more like this" line of ``IssueLog`` takes from it."""
    level_code = code if issue.level == "error" else f"{code}_note"
    return Issue(
        issue.level,
        level_code,
        issue.file,
        issue.sheet,
        issue.row,
        issue.column,
        issue.value,
        {"because": issue, **params},
    )


class _TargetLog(IssueLog):
    """The issues of one target, told where the user finds each row. With ``skip``, a row with an
    error is left out and its errors become ``row_skipped`` warnings here, before any count: so
    however many there are, they stay warnings, the "N more like this" line too."""

    def __init__(self, where: _Where, table: str, skip: bool) -> None:
        super().__init__()
        self.where = where
        self.table = table
        self.skip = skip
        self.skipped: set[int] = set()  # grid rows (data from 2) left out

    def add(self, issue: Issue) -> None:
        row = issue.row
        if row is not None and row >= 2:
            skipped = self.skip and issue.level == "error"
            if skipped:
                self.skipped.add(row)
            issue = self.where.cell(issue, row - 2)
            if skipped:
                issue = row_skipped(issue, table=self.table)
        elif row is not None:
            issue = dataclasses.replace(issue, row=self.where.header_at)
        super().add(issue)


# --------------------------------------------------------------------------------------------
# A date field in its own order


@dataclass(frozen=True)
class _Unread:
    """A cell that did not read as a date in its field's own order: no text the contract could
    read in the source's order instead, but shown as typed when an issue quotes it."""

    text: str

    def __str__(self) -> str:
        return self.text


def _dated(
    grid: Grid, columns: Mapping[str, str], orders: Mapping[str, DateOrder], value_maps: dict[str, dict[str, str]]
) -> tuple[Grid, dict[str, str]]:
    """``grid`` with the cells of the fields that have their own date order read as dates here
    (value map first), and the columns then; the rest is read in the source's order. A field's
    value map is used up. A column another field reads as it is gets a copy (``header #2``)."""
    headers = header_cells(grid.rows[0]) if grid.rows else []
    exact = {h: j for j, h in enumerate(headers) if h}
    folded = {header_key(h): j for j, h in enumerate(headers) if h}
    rows = [list(r) for r in grid.rows]
    out = dict(columns)
    for field, order in orders.items():
        source = columns.get(field)
        j = None if source is None else exact.get(source, folded.get(header_key(source)))
        if j is None:
            continue  # a constant, or a column the contract reports as missing
        if any(s == source for f, s in columns.items() if f != field):
            for r in rows:
                r.append(r[j] if j < len(r) else "")
            out[field] = header_cells(rows[0])[-1]
            j = len(rows[0]) - 1
        raw = [r[j] if j < len(r) else "" for r in rows[1:]]
        mapping = {header_key(k): v for k, v in value_maps.pop(field, {}).items()}
        raw = [mapping.get(header_key(v), v) if isinstance(v, str) else v for v in raw]
        parsed = parse_date(raw, dayfirst=order == "day_first")
        assert parsed.blank is not None
        for i, (value, bad, blank) in enumerate(zip(parsed.values, parsed.bad, parsed.blank, strict=True)):
            rows[i + 1][j] = "" if blank else _Unread(display_value(raw[i], limit=10_000)) if bad else value.date()
    return dataclasses.replace(grid, rows=rows), out


# --------------------------------------------------------------------------------------------
# TOML


def _sheet_lines(spec: SheetSpec, skip: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for key, value in spec.model_dump(exclude_none=True).items():
        if key in skip or value == [] or (key == "transpose" and not value):
            continue
        lines.append(f"{key} = {_toml(value)}")
    return lines


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + "".join(_escape(c) for c in str(value)) + '"'


def _toml_text(value: str) -> str:
    """A long text (a description, an SQL query) as a multi-line literal string when it can be
    one, so the saved profile reads as it was written; else as an escaped string."""
    plain = all(c in "\n\t" or (ord(c) >= 0x20 and ord(c) != 0x7F) for c in value)
    if "\n" in value and plain and "'''" not in value and not value.endswith("'"):
        return "'''\n" + value + "'''"
    return _toml(value)


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(c: str) -> str:
    """TOML basic strings forbid control characters: a header with a CR (CSV exports) must still save."""
    if c in _TOML_ESCAPES:
        return _TOML_ESCAPES[c]
    return f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file; a bad profile is a ReadError naming what is wrong. Its
    further sources are read from the file's folder."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        profile = Profile.model_validate(data)
    except OSError as exc:
        raise ReadError("mapping_invalid", file=p.name, reason=exc.strerror or str(exc)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReadError("mapping_invalid", file=p.name, reason=str(exc)) from exc
    except ValidationError as exc:
        raise ReadError("mapping_invalid", file=p.name, reason=_reason(exc)) from exc
    profile._folder = p.resolve().parent
    return profile


def profile_from_toml(text: str, name: str = "profile.toml") -> Profile:
    """A profile from its text (saved in the store, pasted): it reads no file of the server, so
    its further sources must be given with the import (``Profile.bind``)."""
    try:
        return Profile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ReadError("mapping_invalid", file=name, reason=str(exc)) from exc
    except ValidationError as exc:
        raise ReadError("mapping_invalid", file=name, reason=_reason(exc)) from exc


def _reason(exc: ValidationError) -> str:
    """Where and what, one line per problem (pydantic's own text carries URLs and line breaks)."""
    return "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
