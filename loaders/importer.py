"""An upload from files to one batch: read, validate, show what will change, then write.

``prepare`` writes nothing: it reads and checks the files and works out, per table, which rows
are new, changed or unchanged (with the changed values side by side). ``commit`` writes one
batch in one transaction. A file already imported byte for byte is reported and skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import duckdb
import pandas as pd

from .issues import Issue, ReadError
from .reader import Loaded, Source, iter_sheets, load
from .schema import TableSpec, table_specs
from .store import (
    FileRecord,
    TableCounts,
    bump_data_version,
    fetch_one,
    find_applied,
    key_exprs,
    known_keys,
    q,
    transaction,
    upsert_current,
)
from .validate import IssueLog, ReadOptions, SheetTable, Validation, combine, read_tables

MAX_CHANGES_SHOWN = 5000


class SheetSource(Protocol):
    """Something that turns files into sheets of the contract (a mapping profile)."""

    def read(self, loaded: Loaded, log: IssueLog) -> list[SheetTable]: ...


@dataclass
class TableDiff:
    table: str
    counts: TableCounts
    changes: pd.DataFrame  # key, column, old, new — one line per changed value


@dataclass
class ImportPlan:
    files: list[FileRecord]
    validation: Validation
    skipped: list[Issue] = field(default_factory=list)
    diffs: dict[str, TableDiff] = field(default_factory=dict)

    @property
    def issues(self) -> list[Issue]:
        return [*self.skipped, *self.validation.issues]

    @property
    def ok(self) -> bool:
        return self.validation.ok

    @property
    def has_changes(self) -> bool:
        return any(d.counts.inserted or d.counts.changed for d in self.diffs.values())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prepare(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source | Loaded],
    *,
    mapping: SheetSource | None = None,
    options: ReadOptions = ReadOptions(),
    stage: bool = True,
) -> ImportPlan:
    """Read and check ``sources`` against the store; nothing is written.

    With ``stage`` (the default) the plan also says, per table, what would be new, changed and
    unchanged; ``import_files`` skips that when it commits right away (the commit works it out
    inside its transaction anyway)."""
    files = [s if isinstance(s, Loaded) else load(s) for s in sources]
    log = IssueLog()
    skipped: list[Issue] = []
    records: list[FileRecord] = []
    sheets: list[SheetTable] = []
    for f in files:
        digest = sha256(f.data)
        earlier = find_applied(con, digest)
        if earlier is not None:
            skipped.append(
                Issue(
                    "warning",
                    "already_imported",
                    f.name,
                    params={"file": f.name, "batch": earlier[0], "when": earlier[1].strftime("%d.%m.%Y %H:%M")},
                )
            )
            continue
        records.append(FileRecord(f.name, digest, len(f.data)))
        try:
            if mapping is not None:
                sheets.extend(mapping.read(f, log))
            else:
                sheets.extend(read_tables(iter_sheets(f), log, options))
        except ReadError as exc:
            log.add(exc.issue())
    validation = combine(sheets, log, lambda table: known_keys(con, table))
    plan = ImportPlan(records, validation, skipped)
    if records and validation.ok and not any(len(v) for v in validation.tables.values()):
        validation.issues.append(Issue("error", "no_data", ", ".join(r.name for r in records)))
    if stage and plan.ok and validation.tables:
        plan.diffs = _stage_all(con, validation, keep=False)
    return plan


def commit(con: duckdb.DuckDBPyConnection, plan: ImportPlan, user: str) -> int | None:
    """Write ``plan`` as one batch, all or nothing; None when there is nothing to write."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be committed")
    if not plan.files:
        return None
    now = dt.datetime.now()
    with transaction(con):
        for r in plan.files:
            if find_applied(con, r.sha256) is not None:
                raise ValueError(f"{r.name} was imported meanwhile")
        row = fetch_one(con, "SELECT nextval('batch_seq')")
        assert row is not None
        batch_id = int(str(row[0]))
        names = ", ".join(r.name for r in plan.files)
        combined = r.sha256 if len(plan.files) == 1 else sha256("".join(sorted(f.sha256 for f in plan.files)).encode())
        con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, 'applied', NULL, NULL)",
            [batch_id, now, user, names, combined],
        )
        con.executemany(
            "INSERT INTO batch_files VALUES (?, ?, ?, ?)",
            [[batch_id, r.name, r.sha256, r.size] for r in plan.files],
        )
        diffs = _write_first_loads(con, plan.validation, batch_id)
        staged = _stage_all(con, plan.validation, keep=True, skip=set(diffs))
        diffs.update(staged)
        for table, d in staged.items():
            spec = table_specs()[table]
            cols = ", ".join(q(f.name) for f in spec.fields)
            con.execute(
                f"INSERT INTO {q('h_' + table)} ({cols}, _batch) "  # noqa: S608 - identifiers from the schema
                f"SELECT {cols}, ? FROM {q('stage_' + table)} WHERE change <> 'unchanged'",
                [batch_id],
            )
            con.execute(
                "INSERT INTO batch_stats VALUES (?, ?, ?, ?, ?)",
                [batch_id, table, d.counts.inserted, d.counts.changed, d.counts.unchanged],
            )
            upsert_current(con, spec, f"stage_{table}", batch_id)
            con.execute(f"DROP TABLE {q('stage_' + table)}")
        bump_data_version(con)
    plan.diffs = diffs
    return batch_id


def import_files(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source | Loaded],
    *,
    user: str,
    mapping: SheetSource | None = None,
    dry_run: bool = False,
    options: ReadOptions = ReadOptions(),
) -> tuple[ImportPlan, int | None]:
    """Prepare and, when clean and not a dry run, commit."""
    plan = prepare(con, sources, mapping=mapping, options=options, stage=dry_run)
    if not plan.ok or dry_run:
        return plan, None
    return plan, commit(con, plan, user)


# --------------------------------------------------------------------------------------------
# Staging: the new version of every incoming row, and whether it is new, changed or unchanged


def _stage_all(
    con: duckdb.DuckDBPyConnection, v: Validation, *, keep: bool, skip: set[str] | None = None
) -> dict[str, TableDiff]:
    out = {}
    for table, frame in v.tables.items():
        if frame.empty or table in (skip or ()):
            continue
        spec = table_specs()[table]
        out[table] = _stage(con, spec, frame, v.present[table], keep=keep)
    return out


def _write_first_loads(con: duckdb.DuckDBPyConnection, v: Validation, batch_id: int) -> dict[str, TableDiff]:
    """The tables that hold no current row yet, written straight from the upload (inside the
    commit's transaction): every row is new, so nothing needs staging and comparing first."""
    out = {}
    for table, frame in v.tables.items():
        spec = table_specs()[table]
        if frame.empty or not _is_empty(con, spec):
            continue
        present = v.present[table]
        default = _defaults(spec)
        cols = ", ".join(q(f.name) for f in spec.fields)
        view = f"incoming_{table}"
        con.register(view, frame[list(present)])
        try:
            con.execute(
                f"INSERT INTO {q('h_' + table)} ({cols}, _batch) SELECT {_cast_incoming(spec, present)}, ? "  # noqa: S608
                f"FROM {q(view)} i",
                [*(default(f.name) for f in spec.fields if f.name not in present), batch_id],
            )
        finally:
            con.unregister(view)
        con.execute(
            f"INSERT INTO {q('c_' + table)} SELECT {cols}, _batch FROM {q('h_' + table)} WHERE _batch = ?",  # noqa: S608
            [batch_id],
        )
        out[table] = TableDiff(table, TableCounts(len(frame), 0, 0), _empty_changes(spec))
        con.execute("INSERT INTO batch_stats VALUES (?, ?, ?, 0, 0)", [batch_id, table, len(frame)])
    return out


def _is_empty(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> bool:
    """Whether the store has no current row of this table."""
    row = fetch_one(con, f"SELECT count(*) = 0 FROM {q(spec.name)}")  # noqa: S608 - identifier from the schema
    return bool(row and row[0])


def _cast_incoming(spec: TableSpec, present: tuple[str, ...]) -> str:
    """Each field of the upload (alias ``i``) in its store type; a field it leaves out is a
    bound parameter (its default), in field order."""
    return ", ".join(
        f"CAST(i.{q(f.name)} AS {f.sql_type}) AS {q(f.name)}"
        if f.name in present
        else f"CAST(? AS {f.sql_type}) AS {q(f.name)}"
        for f in spec.fields
    )


def _defaults(spec: TableSpec) -> Callable[[str], object]:
    def default(name: str) -> object:
        d = spec.field(name).default
        return getattr(d, "value", d)

    return default


def _stage(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, frame: pd.DataFrame, present: tuple[str, ...], *, keep: bool
) -> TableDiff:
    """``stage_<table>``: the new version of every incoming row and whether it is inserted,
    changed or unchanged. Columns the file leaves out keep their current values (or, for a new
    row, the model's default)."""
    incoming = frame[[*present, "_row"]]
    view = f"incoming_{spec.name}"
    stage = q("stage_" + spec.name)
    default = _defaults(spec)
    params = [default(f.name) for f in spec.fields if f.name not in present]
    first_load = _is_empty(con, spec)
    if first_load:  # nothing to compare with: every row is new
        cols = _cast_incoming(spec, present)
        sql = f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {cols}, i._row, 'inserted' AS change FROM {q(view)} i"  # noqa: S608
    else:
        select = []
        for f in spec.fields:
            if f.name in present:
                select.append(f"CAST(i.{q(f.name)} AS {f.sql_type}) AS {q(f.name)}")
                select.append(f"c.{q(f.name)} AS {q('old_' + f.name)}")
            else:
                select.append(
                    f"CASE WHEN c._batch IS NULL THEN CAST(? AS {f.sql_type}) ELSE c.{q(f.name)} END AS {q(f.name)}"
                )
        on = " AND ".join(
            f"{a} IS NOT DISTINCT FROM {b}" for a, b in zip(key_exprs(spec, "i"), key_exprs(spec, "c"), strict=True)
        )
        new_hash = "hash(" + ", ".join(f"m.{q(f.name)}" for f in spec.fields) + ")"
        old_hash = "hash(" + ", ".join(f"c.{q(f.name)}" for f in spec.fields) + ")"
        sql = f"""
            CREATE OR REPLACE TEMP TABLE {stage} AS
            WITH m AS (
                SELECT {", ".join(select)}, i._row, c._batch IS NULL AS is_new, {old_hash} AS old_hash
                FROM {q(view)} i LEFT JOIN {q(spec.name)} c ON {on}
            )
            SELECT m.*, CASE WHEN is_new THEN 'inserted'
                             WHEN {new_hash} <> old_hash THEN 'changed'
                             ELSE 'unchanged' END AS change
            FROM m
        """  # noqa: S608 - identifiers from the schema, values bound
    con.register(view, incoming)
    try:
        con.execute(sql, params)
    finally:
        con.unregister(view)
    if first_load:
        counts = TableCounts(len(incoming), 0, 0)
    else:
        row = fetch_one(
            con,
            f"SELECT count(*) FILTER (change = 'inserted'), count(*) FILTER (change = 'changed'), "  # noqa: S608
            f"count(*) FILTER (change = 'unchanged') FROM {stage}",
        )
        assert row is not None
        counts = TableCounts(*(int(str(x)) for x in row))
    changes = _changed_values(con, spec, present, stage) if counts.changed else _empty_changes(spec)
    if not keep:
        con.execute(f"DROP TABLE {stage}")
    return TableDiff(spec.name, counts, changes)


def _empty_changes(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame(columns=["_row", *spec.key, "field", "old", "new"])


def _changed_values(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, present: tuple[str, ...], stage: str
) -> pd.DataFrame:
    """Changed rows in long form: one line per value that differs, old and new side by side."""
    keys = ", ".join(q(k) for k in spec.key)
    parts = [
        f"SELECT _row, {keys}, ? AS field, CAST({q('old_' + name)} AS VARCHAR) AS old, "  # noqa: S608
        f"CAST({q(name)} AS VARCHAR) AS new FROM {stage} "
        f"WHERE change = 'changed' AND {q('old_' + name)} IS DISTINCT FROM {q(name)}"
        for name in present
    ]
    sql = " UNION ALL ".join(parts) + f" ORDER BY _row LIMIT {MAX_CHANGES_SHOWN}"
    return con.execute(sql, list(present)).df()
