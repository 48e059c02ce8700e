"""Building a mapping profile from a foreign file, one choice at a time (the Upload page's mapping step).

An export of another system holds no sheet the importer recognises, or only one it hardly fits
(a few of its headers happen to be ours: ``poor_match``). The page lets the user pick its sheet
and header row, suggests a source column for each field of the target table, lists the values of
an enum column the dashboard cannot read, and turns the choices into a ``Profile``
(``mapping.py``) that ``importer.prepare`` reads the file with and that can be saved as TOML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .importer import ImportPlan
from .issues import display_value
from .mapping import Profile, Scalar, SourceSpec, TargetSpec
from .normalise import column_index, header_key, parse_enum, table_for_name
from .reader import HEADER_SCAN_ROWS, Grid, Loaded, read_grids
from .schema import table_specs
from .validate import IssueLog, ReadOptions, SheetTable, header_cells, read_tables

MAX_DISTINCT = 30


@dataclass(frozen=True)
class PoorMatch:
    """A sheet taken for ``table`` that hardly fits it: an export of another system whose headers
    happen to hold a few of ours (``start_date``, ``end_date``). Read as it is, it gives a table of
    errors about columns it never meant to have; it needs a mapping instead."""

    file: str
    place: str
    table: str
    known: tuple[str, ...]  # its headers the table knows, as written
    unknown: tuple[str, ...]  # its headers the table does not know, as written
    missing: tuple[str, ...]  # required fields of the table no header feeds

    @property
    def total(self) -> int:
        return len(self.known) + len(self.unknown)


def poor_match(sheet: SheetTable, unknown: Sequence[str]) -> PoorMatch | None:
    """``sheet`` as a poor match, or None when it fits its table well enough to be checked as the
    template is (``unknown``: its headers the table does not know).

    A sheet recognised by its columns alone is a poor match when a required column of the table
    is missing or fewer than half of its headers are the table's. A sheet whose name says the
    table (our template's "Projects", a ``projects.csv``) is meant to be one: it is a poor match
    only when both hold, else its errors say what to correct in it."""
    spec = table_specs()[sheet.table]
    missing = tuple(f for f in spec.required if f not in sheet.headers)
    known = tuple(sheet.headers.values())
    few = len(known) * 2 < len(known) + len(unknown)
    named = table_for_name(Path(sheet.place).stem if sheet.place == sheet.file else sheet.place) == sheet.table
    if not ((missing and few) if named else (missing or few)):
        return None
    return PoorMatch(sheet.file, sheet.place, sheet.table, known, tuple(unknown), missing)


def poor_matches(plan: ImportPlan) -> list[PoorMatch]:
    """The sheets of the upload read as a table they hardly fit (``poor_match``), in file order."""
    unknown: dict[tuple[str, str], list[str]] = {}
    for i in plan.issues:
        if i.code == "unknown_column" and i.column:
            unknown.setdefault((i.file, i.sheet or ""), []).append(i.column)
    found = (poor_match(s, unknown.get((s.file, s.place), [])) for s in plan.validation.sources)
    return [m for m in found if m is not None]


def foreign_files(plan: ImportPlan) -> list[str]:
    """Files of the upload that hold no table the importer can take as it is: every sheet unknown,
    empty or a poor match (``poor_match``), at least one unknown or a poor match. Exports of another
    system: they need a mapping, not a table of errors."""
    poor = {(m.file, m.place) for m in poor_matches(plan)}
    fitting = {s.file for s in plan.validation.sources if (s.file, s.place) not in poor}
    foreign = {f for f, _ in poor} | {i.file for i in plan.issues if i.code == "unknown_sheet"}
    return [r.name for r in plan.files if r.name in foreign and r.name not in fitting]


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != "" and cell == cell  # NaN != NaN


def guess_header_row(grid: Grid) -> int:
    """The header row (0-based) to offer before any column is mapped: the first of the top rows
    with the most filled text cells (a title row above the header holds fewer)."""
    best, best_count = 0, 0
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        count = sum(1 for c in row if isinstance(c, str) and c.strip())
        if count > best_count:
            best, best_count = i, count
    return best


def headers(grid: Grid, header_idx: int) -> list[str]:
    """The non-blank headers of that row as the profile names them (a repeated one as ``x #2``)."""
    if not 0 <= header_idx < len(grid.rows):
        return []
    return [h for h in header_cells(grid.rows[header_idx]) if h]


def suggest_columns(table: str, source_headers: list[str]) -> dict[str, str]:
    """Field -> the first header that is one of its known spellings (kk, ru, en, aliases)."""
    index = column_index(table)
    out: dict[str, str] = {}
    for h in source_headers:
        name = index.get(header_key(h))
        if name is not None and name not in out:
            out[name] = h
    return out


def column_values(grid: Grid, header_idx: int, header: str, limit: int = MAX_DISTINCT) -> tuple[list[str], bool]:
    """The distinct non-blank values under ``header`` as text, in order of first appearance (at
    most ``limit``), and whether there are more."""
    names = header_cells(grid.rows[header_idx]) if 0 <= header_idx < len(grid.rows) else []
    folded = {header_key(h): j for j, h in enumerate(names) if h}
    j = names.index(header) if header in names else folded.get(header_key(header))
    if j is None:
        return [], False
    seen: dict[str, None] = {}
    for row in grid.rows[header_idx + 1 :]:
        if j < len(row) and _filled(row[j]):
            seen.setdefault(display_value(row[j]), None)
            if len(seen) > limit:
                return list(seen)[:limit], True
    return list(seen), False


def unreadable_values(table: str, field: str, values: list[str]) -> list[str]:
    """The values an enum field cannot read as they are (they need a value map)."""
    spec = table_specs()[table].field(field)
    if spec.enum is None or not values:
        return []
    bad = parse_enum(values, spec.enum).bad
    return [v for v, b in zip(values, bad.tolist(), strict=True) if b]


def missing_required(table: str, columns: Mapping[str, object], constants: Mapping[str, object]) -> list[str]:
    """Required fields of ``table`` given neither a source column nor a constant."""
    return [f for f in table_specs()[table].required if not columns.get(f) and constants.get(f) in (None, "")]


def build_profile(
    name: str,
    *,
    table: str,
    columns: Mapping[str, str | None],
    sheet: str | int | None = None,
    header_row: int | Literal["auto"] = "auto",
    dates: Literal["day_first", "month_first"] = "day_first",
    decimal: Literal[",", "."] = ",",
    constants: Mapping[str, Scalar | None] | None = None,
    values: Mapping[str, Mapping[str, str | None]] | None = None,
    description: str = "",
) -> Profile:
    """A one-target profile from what the user picked; blank picks are left out. Raises
    pydantic's ``ValidationError`` when a required field is still unmapped."""
    consts = {k: v for k, v in (constants or {}).items() if v is not None and v != "" and not columns.get(k)}
    maps = {f: {s: t for s, t in m.items() if t} for f, m in (values or {}).items() if columns.get(f)}
    target = TargetSpec(
        table=table,
        columns={f: c for f, c in columns.items() if c},
        constants=consts,
        values={f: m for f, m in maps.items() if m},
    )
    source = SourceSpec(sheet=sheet, header_row=header_row, dates=dates, decimal=decimal)
    return Profile(name=name.strip() or "profile", description=description, source=source, targets=[target])


_NOT_IN_NAME = re.compile(r"[^\w-]+")


def profile_stem(name: str) -> str:
    """A safe file name (no folder, no dots) for a profile called ``name``; letters in any script."""
    stem = _NOT_IN_NAME.sub("_", name.strip().casefold()).strip("_-")
    return stem[:60] or "profile"


@dataclass(frozen=True)
class ForFiles:
    """A mapping profile for some files of an upload; the others are read as the template is, so
    a foreign export and the teams' workbooks can go in one batch."""

    profile: Profile
    names: frozenset[str]
    options: ReadOptions = ReadOptions()

    def read(self, loaded: Loaded, log: IssueLog) -> list[SheetTable]:
        if loaded.name in self.names:
            return self.profile.read(loaded, log)
        return read_tables(read_grids(loaded), log, self.options)


@dataclass(frozen=True)
class Bound:
    """A profile chosen for one file of an upload, and what the upload gives its further sources
    (``[sources.<name>]``)."""

    mapping: ForFiles
    used: Mapping[str, str]  # source -> the uploaded file taken for it
    missing: Mapping[str, str]  # source -> the file the profile names: not uploaded (nor beside a shipped profile)
    itself: str | None  # the source the mapped file is (not an export): reading it would give nothing


def for_upload(profile: Profile, files: Sequence[Loaded], name: str) -> Bound:
    """``profile`` reading the file ``name`` of the upload, its further sources bound to the other
    files named as they are (the file name the profile gives, case aside: ``Profile.bind``). A
    bound file is read with the export, not as the template is (it is in ``ForFiles.names``, and
    the profile reads nothing of it on its own), and is recorded with the batch, as on the
    command line (``pmo import export.xlsx people.csv --mapping p.toml``)."""
    bound = profile.bind(f for f in files if f.name != name)
    used = bound.given
    missing = {source: spec.file for source, spec in bound.unbound().items()}
    itself = next(iter(profile.bind(f for f in files if f.name == name).given), None)
    return Bound(ForFiles(bound, frozenset({name, *used.values()})), used, missing, itself)
