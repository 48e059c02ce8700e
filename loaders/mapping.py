"""Mapping profiles: how to read an export of another system (TOML).

A profile names the source sheet, its header row (or ``auto``), the CSV encoding and delimiter,
day-first or month-first dates and the decimal separator, then one or more targets: the table
to fill, which source column feeds which field, value maps and constant fields::

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

A source column may be a header (as written, or differing only in case/spacing), a list of
headers (the first non-blank one is taken), or a template such as ``"{Loan Number}-closing"``.
"""

from __future__ import annotations

import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

import re2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .issues import Issue, ReadError
from .normalise import header_key
from .reader import HEADER_SCAN_ROWS, Grid, Loaded, read_grids
from .schema import TABLES, table_specs
from .validate import IssueLog, ReadOptions, SheetTable, parse_grid

_TEMPLATE = re.compile(r"\{([^{}]+)\}")


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


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sheet: str | int | None = None  # name, or 1-based position; None = the only/first data sheet
    header_row: int | Literal["auto"] = "auto"  # Excel row number of the header
    encoding: str | None = None  # CSV only; None = detect
    delimiter: str | None = None  # CSV only; None = sniff
    dates: Literal["day_first", "month_first"] = "day_first"
    decimal: Literal[",", "."] = ","
    null_values: list[str] = Field(default_factory=list)  # regexes: a matching cell is blank

    @field_validator("null_values")
    @classmethod
    def _regexes(cls, values: list[str]) -> list[str]:
        for v in values:
            try:
                null_pattern(v)
            except re2.error as exc:  # not a ValueError: pydantic would let it escape as it is
                raise ValueError(f"{v!r} is not a regular expression RE2 accepts: {exc}") from exc
        return values


class TargetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str
    columns: dict[str, ColumnSource] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    constants: dict[str, Scalar] = Field(default_factory=dict)
    skip_invalid_rows: bool = False

    @model_validator(mode="after")
    def _fields_exist(self) -> TargetSpec:
        if self.table not in TABLES:
            raise ValueError(f"unknown table {self.table!r}; tables: {', '.join(TABLES)}")
        spec = table_specs()[self.table]
        for name in (*self.columns, *self.values, *self.constants):
            if name not in spec.columns:
                raise ValueError(f"table {self.table!r} has no field {name!r}")
        missing = [f for f in spec.required if f not in self.columns and f not in self.constants]
        if missing:
            raise ValueError(f"table {self.table!r}: required fields not mapped: {', '.join(missing)}")
        return self


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    description: str = ""
    source: SourceSpec = Field(default_factory=SourceSpec)
    targets: list[TargetSpec] = Field(alias="target", min_length=1)

    @cached_property
    def options(self) -> ReadOptions:
        return ReadOptions(dayfirst=self.source.dates == "day_first", decimal_comma=self.source.decimal == ",")

    # reading ---------------------------------------------------------------------------

    def read(self, loaded: Loaded, log: IssueLog) -> list[SheetTable]:
        grids = read_grids(loaded, encoding=self.source.encoding, delimiter=self.source.delimiter)
        grid = self._pick(grids, loaded.name)
        header_idx = self._header_idx(grid)
        grid = self._prepare(grid, header_idx, log)
        out = []
        for target in self.targets:
            columns = {f: _virtual_name(src) for f, src in target.columns.items()}
            sub = IssueLog()
            table = parse_grid(
                grid,
                target.table,
                header_idx,
                sub,
                options=self.options,
                columns=columns,
                value_maps=target.values,
                constants=target.constants,
            )
            issues = sub.finish()
            if table is not None and target.skip_invalid_rows:
                bad_rows = {i.row for i in issues if i.level == "error" and i.row and i.row > header_idx + 1}
                table.frame = table.frame[~table.frame["_row"].isin(bad_rows)].reset_index(drop=True)
                table.frame["_skip"] = True
                issues = [
                    Issue(
                        "warning",
                        "row_skipped",
                        i.file,
                        i.sheet,
                        i.row,
                        i.column,
                        i.value,
                        {"because": i, "table": target.table},
                    )
                    if i.level == "error" and i.row in bad_rows
                    else i
                    for i in issues
                ]
            for i in issues:
                log.add(i)
            if table is not None:
                out.append(table)
        return out

    def _pick(self, grids: list[Grid], file: str) -> Grid:
        want = self.source.sheet
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

    def _sources(self) -> set[str]:
        names: set[str] = set()
        for target in self.targets:
            for src in target.columns.values():
                for s in src if isinstance(src, list) else [src]:
                    found = _TEMPLATE.findall(s)
                    names.update(found or [s])
        return names

    def _header_idx(self, grid: Grid) -> int:
        if self.source.header_row != "auto":
            return self.source.header_row - 1
        wanted = {header_key(s) for s in self._sources()}
        best, best_hits = 0, -1
        for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
            hits = len(wanted & {header_key(c) for c in row if isinstance(c, str)})
            if hits > best_hits:
                best, best_hits = i, hits
        return best

    def _prepare(self, grid: Grid, header_idx: int, log: IssueLog) -> Grid:
        """Blank the cells that mean "no value" and add the list and template columns."""
        from .validate import header_cells

        headers = header_cells(grid.rows[header_idx]) if header_idx < len(grid.rows) else []
        position = {header_key(h): j for j, h in enumerate(headers) if h}
        nulls = [null_pattern(p) for p in self.source.null_values]
        width = len(headers)
        rows = [list(r[:width]) + [""] * (width - len(r)) for r in grid.rows]
        if nulls:
            used = {position[k] for k in (header_key(s) for s in self._sources()) if k in position}
            for i in range(header_idx + 1, len(rows)):
                for j in used:
                    cell = rows[i][j]
                    if isinstance(cell, str) and cell.strip() and any(p.search(cell) for p in nulls):
                        log.add(Issue("warning", "value_withheld", grid.file, grid.place, i + 1, headers[j], cell))
                        rows[i][j] = ""
        virtual = [src for t in self.targets for src in t.columns.values() if _is_virtual(src)]
        for src in dict.fromkeys(_virtual_name(s) for s in virtual):
            spec = next(s for s in virtual if _virtual_name(s) == src)
            rows[header_idx].append(src)
            for i in range(header_idx + 1, len(rows)):
                rows[i].append(_virtual_value(spec, rows[i], position))
        return Grid(grid.file, grid.sheet, rows, grid.merged)

    # writing --------------------------------------------------------------------------

    def to_toml(self) -> str:
        """The profile as TOML (the Upload page saves what the user mapped)."""
        lines = [f"name = {_toml(self.name)}"]
        if self.description:
            lines.append(f"description = {_toml(self.description)}")
        lines.append("\n[source]")
        for key, value in self.source.model_dump(exclude_none=True).items():
            if value != []:
                lines.append(f"{key} = {_toml(value)}")
        for target in self.targets:
            lines.append("\n[[target]]")
            lines.append(f"table = {_toml(target.table)}")
            if target.skip_invalid_rows:
                lines.append("skip_invalid_rows = true")
            for section in ("columns", "constants"):
                data = getattr(target, section)
                if data:
                    lines.append(f"\n[target.{section}]")
                    lines.extend(f"{k} = {_toml(v)}" for k, v in data.items())
            for field, mapping in target.values.items():
                lines.append(f"\n[target.values.{field}]")
                lines.extend(f"{_toml(k)} = {_toml(v)}" for k, v in mapping.items())
        return "\n".join(lines) + "\n"


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


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + "".join(_escape(c) for c in str(value)) + '"'


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(c: str) -> str:
    """TOML basic strings forbid control characters: a header with a CR (CSV exports) must still save."""
    if c in _TOML_ESCAPES:
        return _TOML_ESCAPES[c]
    return f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file; a bad profile is a ReadError naming what is wrong."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        return Profile.model_validate(data)
    except OSError as exc:
        raise ReadError("mapping_invalid", file=p.name, reason=exc.strerror or str(exc)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReadError("mapping_invalid", file=p.name, reason=str(exc)) from exc
    except ValidationError as exc:
        raise ReadError("mapping_invalid", file=p.name, reason=_reason(exc)) from exc


def profile_from_toml(text: str, name: str = "profile.toml") -> Profile:
    try:
        return Profile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ReadError("mapping_invalid", file=name, reason=str(exc)) from exc
    except ValidationError as exc:
        raise ReadError("mapping_invalid", file=name, reason=_reason(exc)) from exc


def _reason(exc: ValidationError) -> str:
    """Where and what, one line per problem (pydantic's own text carries URLs and line breaks)."""
    return "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
