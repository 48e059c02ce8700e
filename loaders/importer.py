"""An upload from files to one batch: read, validate, show what will change, then write.

``prepare`` writes nothing: it reads and checks the files and works out, per table, which rows
are new, changed or unchanged (with the changed values side by side). ``commit`` writes one
batch in one transaction, with its audit row. A file already imported byte for byte is reported
and skipped. Each file is read in a child process under the import limits (``loaders.sandbox``),
so a hostile file becomes a message, never a crash of the caller. Who may write what is checked
here (``loaders.access``): a manager's upload may hold only the rows of their own projects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import duckdb
import pandas as pd

from . import audit, limits, sandbox
from .access import AccessDenied, Actor, Right, foreign_rows
from .issues import Issue, ReadError
from .reader import Loaded, Source, iter_sheets, load
from .schema import TableSpec, table_specs
from .store import (
    FileRecord,
    TableCounts,
    bump_data_version,
    compared,
    data_version,
    fetch_one,
    find_applied,
    hash_expr,
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


class StalePlan(RuntimeError):
    """The store changed between the check and the confirmation: the upload must be checked again."""


@dataclass
class ImportPlan:
    files: list[FileRecord]
    validation: Validation
    skipped: list[Issue] = field(default_factory=list)
    diffs: dict[str, TableDiff] = field(default_factory=dict)
    data_version: int | None = None  # of the store it was checked against

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


def parse_file(loaded: Loaded, mapping: SheetSource | None, options: ReadOptions) -> tuple[list[SheetTable], IssueLog]:
    """One file's sheets as tables of the contract, and what is wrong with them (runs in the
    reader's child process: nothing here touches the store)."""
    log = IssueLog()
    try:
        if mapping is not None:
            return mapping.read(loaded, log), log
        return read_tables(iter_sheets(loaded), log, options), log
    except ReadError as exc:
        log.add(exc.issue())
        return [], log


def read_files(
    files: Sequence[Loaded],
    *,
    mapping: SheetSource | None = None,
    options: ReadOptions = ReadOptions(),
    bounds: limits.Limits | None = None,
) -> tuple[list[SheetTable], IssueLog]:
    """Every file read in a child process of its own under ``bounds`` (the import limits)."""
    bounds = bounds or limits.Limits()
    log = IssueLog()
    sheets: list[SheetTable] = []
    for f in files:
        try:
            limits.check_size(f.name, len(f.data), bounds)
            got, sub = sandbox.run(parse_file, f, mapping, options, file=f.name, limits=bounds)
        except ReadError as exc:
            log.add(exc.issue())
            continue
        sheets.extend(got)
        log.merge(sub)
    return sheets, log


def prepare(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source | Loaded],
    *,
    mapping: SheetSource | None = None,
    options: ReadOptions = ReadOptions(),
    stage: bool = True,
    actor: Actor | None = None,
    already_read: tuple[list[SheetTable], IssueLog] | None = None,
) -> ImportPlan:
    """Read and check ``sources`` against the store; nothing is written.

    With ``stage`` (the default) the plan also says, per table, what would be new, changed and
    unchanged; ``import_files`` skips that when it commits right away (the commit works it out
    inside its transaction anyway). With ``actor``, the rows the actor may not write are errors
    (a manager's upload may hold only their projects' rows). The files are read under the
    store's import limits (settings ``import_*``), unless ``already_read`` brings what
    ``read_files`` made of them (the command line reads before it opens the store)."""
    skipped: list[Issue] = []
    records: list[FileRecord] = []
    todo: list[Loaded] = []
    log = IssueLog()
    for source in sources:
        try:
            f = source if isinstance(source, Loaded) else load(source)
        except ReadError as exc:
            log.add(exc.issue())
            continue
        digest = sha256(f.data)
        earlier = find_applied(con, digest)
        if earlier is not None:
            skipped.append(
                Issue(
                    "warning",
                    "already_imported",
                    f.name,
                    params={"file": f.name, "batch": str(earlier[0]), "when": earlier[1].strftime("%d.%m.%Y %H:%M")},
                )
            )
            continue
        records.append(FileRecord(f.name, digest, len(f.data)))
        todo.append(f)
    if already_read is None:
        sheets, read_log = read_files(todo, mapping=mapping, options=options, bounds=import_limits(con))
    else:
        names = {f.name for f in todo}
        sheets = [s for s in already_read[0] if s.file in names]
        read_log = IssueLog()
        read_log.merge(already_read[1], keep=lambda i: i.file in names)
    log.merge(read_log)
    validation = combine(sheets, log, lambda table: known_keys(con, table))
    if validation.ok:
        validation.issues.extend(date_team_rows(con, validation))
    plan = ImportPlan(records, validation, skipped, data_version=data_version(con))
    if records and validation.ok and not any(len(v) for v in validation.tables.values()):
        validation.issues.append(Issue("error", "no_data", ", ".join(r.name for r in records)))
    if actor is not None:
        validation.issues.extend(foreign_rows(con, actor, validation.tables, _headers(validation)))
    if stage and plan.ok and validation.tables:
        plan.diffs = _stage_all(con, validation, keep=False)
    return plan


def date_team_rows(con: duckdb.DuckDBPyConnection, v: Validation) -> list[Issue]:
    """A team row without a start date is the person's row the user means: the person's
    undated row when the store has one (the date is part of the key, so nothing to do), else
    their latest dated row, which the upload then updates (with a warning) instead of adding a
    second row beside it -- an allocation of 80 % must not become 80 % + 60 %. A person the
    store does not have on that project gets an undated row, as typed."""
    frame = v.tables.get("team")
    if frame is None or frame.empty or not frame["from_date"].isna().any():
        return []
    latest = {
        (str(r[0]), str(r[1])): r[2]
        for r in con.execute(
            "SELECT project_id, lower(person), max(from_date) FROM team "
            "GROUP BY ALL HAVING count(*) FILTER (from_date IS NULL) = 0"
        ).fetchall()
    }
    if not latest:
        return []
    issues = []
    column = next((s.headers.get("person", "person") for s in v.sources if s.table == "team"), "person")
    for idx in frame.index[frame["from_date"].isna()]:
        day = latest.get((str(frame.at[idx, "project_id"]), str(frame.at[idx, "person"]).lower()))
        if day is None:
            continue
        frame.at[idx, "from_date"] = pd.Timestamp(day)
        issues.append(
            Issue(
                "warning",
                "team_dated_row",
                str(frame.at[idx, "_file"]),
                str(frame.at[idx, "_place"]),
                int(str(frame.at[idx, "_row"])),
                column,
                str(frame.at[idx, "person"]),
                {"from_date": day.strftime("%d.%m.%Y")},
            )
        )
    if issues and "from_date" not in v.present["team"]:
        v.present["team"] = (*v.present["team"], "from_date")
    return issues


def import_limits(con: duckdb.DuckDBPyConnection) -> limits.Limits:
    """The import limits in force: the store's settings ``import_*`` over the defaults."""
    return limits.from_settings(_stored_limits(con))


def _stored_limits(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    rows = con.execute("SELECT key, value FROM settings WHERE starts_with(key, ?)", [limits.SETTING_PREFIX]).fetchall()
    return {str(k): float(v) for k, v in rows}


def _headers(v: Validation) -> dict[tuple[str, str, str], str]:
    """(file, sheet, field) → the header as the user wrote it, for messages."""
    return {(s.file, s.place, name): header for s in v.sources for name, header in s.headers.items()}


def commit(con: duckdb.DuckDBPyConnection, plan: ImportPlan, actor: Actor) -> int | None:
    """Write ``plan`` as one batch with its audit row, all or nothing; None when there is nothing
    to write. Refused (``AccessDenied``) when the actor may not upload, or holds rows of projects
    that are not theirs; ``StalePlan`` when the store changed since the plan was checked."""
    actor.require(Right.UPLOAD, Right.UPLOAD_OWN)
    if not plan.ok:
        raise ValueError("a plan with errors cannot be committed")
    if not plan.files:
        return None
    now = dt.datetime.now()
    with transaction(con):
        if plan.data_version is not None and data_version(con) != plan.data_version:
            raise StalePlan(f"checked against data version {plan.data_version}, the store is at {data_version(con)}")
        foreign = foreign_rows(con, actor, plan.validation.tables)
        if foreign:
            raise AccessDenied(actor, Right.UPLOAD, tuple(sorted({str(i.params["project"]) for i in foreign})))
        for r in plan.files:
            if find_applied(con, r.sha256) is not None:
                raise ValueError(f"{r.name} was imported meanwhile")
        batch_id, diffs = write_batch(con, plan.validation, plan.files, actor, now)
        audit.record(
            con,
            actor,
            "import",
            str(batch_id),
            {
                "files": [{"name": r.name, "sha256": r.sha256, "bytes": r.size} for r in plan.files],
                "rows": {t: [d.counts.inserted, d.counts.changed, d.counts.unchanged] for t, d in diffs.items()},
            },
            at=now,
        )
    plan.diffs = diffs
    return batch_id


def write_batch(
    con: duckdb.DuckDBPyConnection, v: Validation, files: Sequence[FileRecord], actor: Actor, now: dt.datetime
) -> tuple[int, dict[str, TableDiff]]:
    """The rows of ``v`` as a new batch (inside the caller's transaction, after its checks)."""
    row = fetch_one(con, "SELECT nextval('batch_seq')")
    assert row is not None
    batch_id = int(str(row[0]))
    names = ", ".join(r.name for r in files)
    combined = files[0].sha256 if len(files) == 1 else sha256("".join(sorted(f.sha256 for f in files)).encode())
    con.execute(
        "INSERT INTO batches VALUES (?, ?, ?, ?, ?, 'applied', NULL, NULL)",
        [batch_id, now, actor.label, names, combined],
    )
    con.executemany(
        "INSERT INTO batch_files VALUES (?, ?, ?, ?)",
        [[batch_id, r.name, r.sha256, r.size] for r in files],
    )
    diffs = _write_first_loads(con, v, batch_id)
    staged = _stage_all(con, v, keep=True, skip=set(diffs))
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
    return batch_id, diffs


def import_files(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source | Loaded],
    *,
    actor: Actor,
    mapping: SheetSource | None = None,
    dry_run: bool = False,
    options: ReadOptions = ReadOptions(),
    already_read: tuple[list[SheetTable], IssueLog] | None = None,
) -> tuple[ImportPlan, int | None]:
    """Prepare and, when clean and not a dry run, commit."""
    if not dry_run:
        actor.require(Right.UPLOAD, Right.UPLOAD_OWN)
    plan = prepare(
        con, sources, mapping=mapping, options=options, stage=dry_run, actor=actor, already_read=already_read
    )
    if not plan.ok or dry_run:
        return plan, None
    return plan, commit(con, plan, actor)


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
        new_hash = hash_expr(spec, "m")
        old_hash = hash_expr(spec, "c")
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
        f"WHERE change = 'changed' AND {compared(spec.field(name), '', 'old_' + name)} "
        f"IS DISTINCT FROM {compared(spec.field(name), '')}"
        for name in present
    ]
    sql = " UNION ALL ".join(parts) + f" ORDER BY _row LIMIT {MAX_CHANGES_SHOWN}"
    return con.execute(sql, list(present)).df()
