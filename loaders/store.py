"""The versioned store, in a DuckDB file or (``postgresql://…``) in PostgreSQL.

Every table of the contract has a history table ``h_<table>`` holding every version of every
row with the batch that wrote it, and a view ``<table>`` with the current version of each
natural key among the batches still applied (``latest_<table>`` defines it; its rows are kept
ready in ``c_<table>``, refreshed in the same transaction as every import and rollback). An
import is one batch, written in one transaction; a rollback marks a batch (and every later one)
rolled back, which restores the state before it. Nothing is ever deleted.

SQL here only ever interpolates identifiers taken from the schema (an allowlist); values are
always bound parameters.

A store named by a ``postgresql://`` URL (``PMO_DB``, or wherever a path is passed) lives in
PostgreSQL, and every connection handed out is one of this process's in-memory DuckDB copy of it
(``loaders.store_pg``): the SQL stays DuckDB's, and ``transaction`` sends each write on. This
module is the only one that knows which backend holds the store.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import duckdb

if TYPE_CHECKING:  # pandas costs a command line 0.3 s to import; these only name it
    import pandas as pd

    from .schema import FieldSpec, TableSpec

from . import audit
from .access import Actor, Right

SCHEMA_VERSION: Final = 6  # 4: projects.reported_rag; 5: the decisions table; 6: roadmaps, indicators.direction_id
PROJECT_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_DB: Final = PROJECT_ROOT / "data" / "pmo.duckdb"
CHECKPOINT_THRESHOLD: Final = "128MB"
#: how long a command or a page waits for another process to let go of the store (``PMO_BUSY_WAIT``)
BUSY_WAIT_DEFAULT: Final = 30.0


def default_db_path() -> Path | str:
    """``PMO_DB`` if set (a file, or a ``postgresql://`` URL), else ``data/pmo.duckdb`` in the
    project."""
    env = os.environ.get("PMO_DB")
    if not env:
        return DEFAULT_DB
    return env if _in_postgres(env) else Path(env)


def _target(path: str | Path | None) -> str:
    return str(path) if path is not None else str(default_db_path())


#: a store named so lives in PostgreSQL (``loaders.store_pg``, imported only then)
POSTGRES_SCHEMES: Final = ("postgresql://", "postgres://")


def _in_postgres(target: str) -> bool:
    return target.startswith(POSTGRES_SCHEMES)


def display(path: str | Path | None = None) -> str:
    """The store's name for a message (a URL without its password)."""
    target = _target(path)
    if _in_postgres(target):
        from . import store_pg

        return store_pg.redact(target)
    return target


class StoreUnreachable(RuntimeError):
    """The database server holding the store did not answer (a PostgreSQL store)."""

    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        self.reason = reason
        super().__init__(f"{target}: {reason}")


def connect(path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store; ``":memory:"`` gives a private in-memory store. A
    PostgreSQL store gives a connection of this process's copy of it, brought up to date."""
    target = _target(path)
    if _in_postgres(target):
        from . import store_pg

        return store_pg.connect(target)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(target, read_only=read_only)
    if not read_only:
        # A commit goes to the write-ahead log; past this size DuckDB folds the log into the file
        # (a checkpoint) before the commit returns. The default, 16 MB, would make the upload of
        # a ministry-scale workbook (about 55 MB of log) wait for that; at 128 MB it happens at a
        # later commit or when the store is closed.
        con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        ensure_schema(con)
    return con


# --------------------------------------------------------------------------------------------
# Sharing the file between processes
#
# DuckDB lets one process open a file for writing, or several for reading, never both. So nobody
# keeps the store open between operations: the dashboard computes from an in-memory copy of the
# current tables (``snapshot``), refreshed when the data version changes, and opens the file only
# for the moment of a write or of taking that copy; a command opens it for its own work. When
# another process holds the file, ``session`` waits for it (``busy_wait``), then gives up with
# ``StoreBusy``. Inside one process every opening goes through one lock: POSIX file locks belong
# to the process, so two openings in one process would not exclude each other.

_PROCESS_LOCK: Final = threading.RLock()
_RETRY_PAUSE: Final = 0.05


class StoreBusy(RuntimeError):
    """Another process held the store for longer than we were prepared to wait."""

    def __init__(self, path: str, waited: float, holder: str) -> None:
        self.path = path
        self.waited = waited
        self.holder = holder
        super().__init__(f"{path}: busy for {waited:.0f} s ({holder})")


def busy_wait() -> float:
    """Seconds to wait for a busy store: ``PMO_BUSY_WAIT`` if set, else 30."""
    try:
        return max(0.0, float(os.environ.get("PMO_BUSY_WAIT", BUSY_WAIT_DEFAULT)))
    except ValueError:
        return BUSY_WAIT_DEFAULT


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _holder(exc: duckdb.Error) -> str:
    """The process DuckDB names as holding the file ("PID 1234"), for the busy message."""
    text = str(exc)
    at = text.find("PID ")
    if at < 0:
        return ""
    return "PID " + "".join(ch for ch in text[at + 4 : at + 16] if ch.isdigit())


T = typing.TypeVar("T")


@dataclass(frozen=True)
class _Deadline:
    at: float  # time.monotonic()
    patience: float


def _retrying(open_: Callable[[], T], target: str, deadline: _Deadline, on_wait: Callable[[str], None] | None) -> T:
    """``open_()``, tried again while another process holds the file, until ``deadline``."""
    told = False
    while True:
        try:
            return open_()
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise
            if time.monotonic() >= deadline.at:
                raise StoreBusy(target, deadline.patience, _holder(exc)) from exc
            if on_wait is not None and not told:
                on_wait(_holder(exc))
                told = True
            time.sleep(_RETRY_PAUSE)


def _missing(target: str) -> bool:
    return target == ":memory:" or not Path(target).exists()


@contextmanager
def _exclusive(target: str, wait: float | None) -> Iterator[_Deadline]:
    """This process's one opening of the store at a time; yields the deadline of the wait."""
    patience = busy_wait() if wait is None else wait
    deadline = _Deadline(time.monotonic() + patience, patience)
    if not _PROCESS_LOCK.acquire(timeout=patience):
        raise StoreBusy(target, patience, "")
    try:
        yield deadline
    finally:
        _PROCESS_LOCK.release()


def _open(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not read_only:
        return connect(target)
    try:
        return duckdb.connect(target, read_only=True)
    except duckdb.ConnectionException as exc:
        # this process already holds the file open for writing (a caller's own connection):
        # DuckDB shares that instance, it cannot open a second one read-only
        if "different configuration" not in str(exc):
            raise
        return duckdb.connect(target)


def _up_to_date(target: str, deadline: _Deadline, on_wait: Callable[[str], None] | None) -> None:
    """Create the store, or bring its schema up to date, when it needs it (a write opening)."""
    if not _missing(target):
        con = _retrying(lambda: _open(target, True), target, deadline, on_wait)
        try:
            if schema_version(con) == SCHEMA_VERSION:
                return
        finally:
            con.close()
    _retrying(lambda: connect(target), target, deadline, on_wait).close()


@contextmanager
def session(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store, open for one piece of work and closed after it.

    Waits up to ``wait`` seconds (default ``busy_wait()``) while another process holds the file,
    calling ``on_wait(holder)`` once when it starts waiting; then raises ``StoreBusy``. A store
    that does not exist yet, or has an older schema, is created or brought up to date first.
    In PostgreSQL a reading session never waits for another process, and a writing one holds
    the store's lock until it ends (two writers take turns, as with a file)."""
    target = _target(path)
    if _in_postgres(target):
        from . import store_pg

        with store_pg.session(target, read_only=read_only, wait=wait, on_wait=on_wait) as con:
            yield con
        return
    with _exclusive(target, wait) as deadline:
        if read_only:
            _up_to_date(target, deadline, on_wait)
        con = _retrying(lambda: _open(target, read_only), target, deadline, on_wait)
        try:
            yield con
        finally:
            con.close()


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    try:
        row = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    except duckdb.CatalogException:
        return None
    return int(str(row[0])) if row else None


def signature(path: str | Path | None = None) -> tuple[int, ...]:
    """Changes whenever the file (or its write-ahead log) is written: a cheap test, made on every
    rerun, of whether the data version needs reading again. In PostgreSQL: the store's version
    as this process last heard of it."""
    if _in_postgres(_target(path)):
        from . import store_pg

        return store_pg.signature(_target(path))
    target = Path(_target(path))
    out: list[int] = []
    for p in (target, target.with_name(target.name + ".wal")):
        try:
            st = p.stat()
        except OSError:
            out += [0, -1]
        else:
            out += [st.st_mtime_ns, st.st_size]
    return tuple(out)


#: what the dashboard reads, copied into its in-memory snapshot (the current rows, not the history)
SNAPSHOT_TABLES: Final = ("meta", "batches", "batch_files", "batch_stats", "settings", "calendar_days", "rag_overrides")
#: which batches wrote a version of which project's rows, per table: the one thing of the history
#: the snapshot keeps (a few rows per project and batch), for the data freshness of every project
TOUCHES: Final = "project_touches"


def touches_sql() -> str:
    """``(table_name, project_id, batch_id)``: every batch, applied or rolled back, that wrote a
    version (new or changed) of a row of the project in that table. A row names its project by
    ``project_id``; an indicator value by its indicator (of any version)."""
    parts = []
    for spec in table_specs().values():
        history, name = q("h_" + spec.name), spec.name  # names from the schema (``q`` checks them)
        if "project_id" in spec.columns:
            parts.append(
                f"SELECT DISTINCT '{name}' AS table_name, project_id, _batch AS batch_id FROM {history} "  # noqa: S608
                "WHERE project_id IS NOT NULL"
            )
        elif "indicator_id" in spec.columns:  # indicator values belong to their indicator's project
            parts.append(
                f"SELECT DISTINCT '{name}' AS table_name, i.project_id, v._batch AS batch_id FROM {history} v "  # noqa: S608
                "JOIN (SELECT DISTINCT indicator_id, project_id FROM h_indicators) i USING (indicator_id)"
            )
    return "\nUNION ALL\n".join(parts)


def touches(con: duckdb.DuckDBPyConnection) -> str:
    """The relation of ``touches_sql`` for a query on ``con``: the snapshot's copy, else (the
    store itself) computed from the history."""
    row = fetch_one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [TOUCHES])
    if row is not None and int(str(row[0])) > 0:
        return q(TOUCHES)
    return f"({touches_sql()})"


class BatchUnknown(LookupError):
    """``snapshot(batch=N)`` of a batch the store has no record of."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        super().__init__(f"no batch {batch_id}")


def snapshot(
    path: str | Path | None = None,
    *,
    wait: float = 0.0,
    batch: int | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[int, duckdb.DuckDBPyConnection]:
    """An in-memory copy of what the metrics read (current rows, settings, batches, and which
    batches touched which project: ``TOUCHES``) and its data version; the views of the store
    (``projects`` over ``c_projects``...) are made the same way.
    With ``batch``, the store as it stood right after that batch (``loaders.batch_state``; the
    data version is still the store's); ``BatchUnknown`` when the store has no such batch.
    Raises ``StoreBusy`` when another process holds the file for longer than ``wait`` seconds
    (``on_wait`` as in ``session``)."""
    mem = duckdb.connect(":memory:")
    try:
        with session(path, read_only=True, wait=wait, on_wait=on_wait) as con:
            if batch is None:
                for name in (*SNAPSHOT_TABLES, *(f"c_{t}" for t in table_names())):
                    copy_rows(con, mem, name, f"SELECT * FROM {q(name)}")  # noqa: S608 - allowlisted names
            else:
                from . import batch_state

                batch_state.copy(con, mem, batch_state.state(con, batch))
            copy_rows(con, mem, TOUCHES, touches_sql())
        for table in table_names():
            mem.execute(f"CREATE VIEW {q(table)} AS SELECT * FROM {q('c_' + table)}")  # noqa: S608
    except BaseException:
        mem.close()
        raise
    return data_version(mem), mem


def copy_rows(
    source: duckdb.DuckDBPyConnection,
    mem: duckdb.DuckDBPyConnection,
    name: str,
    sql: str,
    params: list[object] | dict[str, object] | None = None,
) -> None:
    """Create the table ``name`` in ``mem`` holding what ``sql`` selects from ``source`` (values
    bound: ``params``)."""
    rows = source.sql(sql, params=params).to_arrow_table()
    mem.register("_rows", rows)
    try:
        mem.execute(f"CREATE TABLE {q(name)} AS SELECT * FROM _rows")  # noqa: S608 - allowlisted name
    finally:
        mem.unregister("_rows")


def as_of_batch(con: duckdb.DuckDBPyConnection) -> int | None:
    """The batch a snapshot stands at (``snapshot(batch=N)``); None for the current data."""
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'as_of_batch'")
    return int(str(row[0])) if row else None


def data_batch(con: duckdb.DuckDBPyConnection) -> tuple[int, dt.datetime] | None:
    """The batch the data stands at, with its import time: the newest applied one (in a snapshot
    at batch N, N); None before any import. ``snapshot(batch=…)`` of it rebuilds the same data."""
    row = fetch_one(
        con, "SELECT batch_id, imported_at FROM batches WHERE status = 'applied' ORDER BY batch_id DESC LIMIT 1"
    )
    return (int(str(row[0])), typing.cast(dt.datetime, row[1])) if row else None


def fetch_one(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple[object, ...] | None:
    """The first row of a query, reading the result to its end (DuckDB wants every result
    finished before the connection does anything else)."""
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


def q(name: str) -> str:
    """Quote an identifier from the schema allowlist."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not an identifier: {name!r}")
    return f'"{name}"'


def _key_expr(spec: TableSpec, f: FieldSpec, alias: str) -> str:
    col = f"{alias}.{q(f.name)}"
    return f"lower({col})" if f.person else col


def key_exprs(spec: TableSpec, alias: str) -> list[str]:
    return [_key_expr(spec, spec.field(k), alias) for k in spec.key]


def compared(f: FieldSpec, alias: str, column: str | None = None) -> str:
    """A field as compared between two versions of a row: a list of names as the set of names
    (``A, B`` is ``b; a``), anything else as it is. ``column`` names it otherwise than ``f``."""
    col = f"{alias}.{q(column or f.name)}" if alias else q(column or f.name)
    if not f.name_list:
        return col
    names = f"regexp_split_to_array(lower({col}), '[;,\\n\\r]+')"
    return (
        f"list_sort(list_distinct(list_filter(list_transform({names}, "
        f"lambda x: regexp_replace(trim(x), '\\s+', ' ', 'g')), lambda x: x <> '')))"
    )


def hash_expr(spec: TableSpec, alias: str) -> str:
    return "hash(" + ", ".join(compared(f, alias) for f in spec.fields) + ")"


def _history_ddl(spec: TableSpec) -> str:
    cols = ",\n  ".join(f"{q(f.name)} {f.sql_type}" for f in spec.fields)
    return f"CREATE TABLE IF NOT EXISTS {q('h_' + spec.name)} (\n  {cols},\n  _batch INTEGER NOT NULL\n)"


def latest_select(spec: TableSpec, among: str) -> str:
    """The latest version of each key among the batches ``b`` for which ``among`` holds (a fixed
    condition; its values bound as parameters)."""
    cols = ", ".join(f"h.{q(f.name)}" for f in spec.fields)
    part = ", ".join(key_exprs(spec, "h"))
    return (
        f"SELECT {cols}, h._batch FROM {q('h_' + spec.name)} h\n"  # noqa: S608 - identifiers from the schema
        f"JOIN batches b ON b.batch_id = h._batch AND {among}\n"
        f"QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY h._batch DESC) = 1"
    )


def _latest_ddl(spec: TableSpec) -> str:
    """The definition of "current": the latest version of each key among applied batches."""
    return f"CREATE OR REPLACE VIEW {q('latest_' + spec.name)} AS\n" + latest_select(spec, "b.status = 'applied'")


def _current_ddl(spec: TableSpec) -> tuple[str, str]:
    """The current rows kept ready in ``c_<table>`` (refreshed by every import and rollback, so
    metrics do not recompute the latest version on every query) and the view ``<table>``."""
    return (
        f"CREATE TABLE IF NOT EXISTS {q('c_' + spec.name)} AS SELECT * FROM {q('latest_' + spec.name)} LIMIT 0",  # noqa: S608
        f"CREATE OR REPLACE VIEW {q(spec.name)} AS SELECT * FROM {q('c_' + spec.name)}",  # noqa: S608
    )


def upsert_current(con: duckdb.DuckDBPyConnection, spec: TableSpec, stage: str, batch_id: int) -> None:
    """Bring ``c_<table>`` up to date with the staged rows of a new batch (inside its transaction):
    the changed keys lose their old row, the new and changed rows go in."""
    cols = ", ".join(q(f.name) for f in spec.fields)
    on = " AND ".join(
        f"{a} IS NOT DISTINCT FROM {b}" for a, b in zip(key_exprs(spec, "c"), key_exprs(spec, "s"), strict=True)
    )
    current, staged = q("c_" + spec.name), q(stage)
    con.execute(
        f"DELETE FROM {current} c USING {staged} s WHERE s.change = 'changed' AND {on}"  # noqa: S608
    )
    con.execute(
        f"INSERT INTO {current} SELECT {cols}, ? FROM {staged} WHERE change <> 'unchanged'",  # noqa: S608
        [batch_id],
    )


def refresh_current(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...] | list[str] | None = None) -> None:
    """Recompute the current rows of ``tables`` (all by default) from their history (inside the
    caller's transaction)."""
    for table in table_names() if tables is None else tables:
        con.execute(f"DELETE FROM {q('c_' + table)}")  # noqa: S608 - identifiers from the schema
        con.execute(f"INSERT INTO {q('c_' + table)} SELECT * FROM {q('latest_' + table)}")  # noqa: S608


_BASE_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE SEQUENCE IF NOT EXISTS batch_seq START 1",
    """CREATE TABLE IF NOT EXISTS batches (
        batch_id INTEGER PRIMARY KEY,
        imported_at TIMESTAMP NOT NULL,
        user_name VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        status VARCHAR NOT NULL CHECK (status IN ('applied', 'rolled_back')),
        rolled_back_at TIMESTAMP,
        rolled_back_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS batch_files (
        batch_id INTEGER NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        bytes BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS batch_stats (
        batch_id INTEGER NOT NULL, table_name VARCHAR NOT NULL,
        inserted INTEGER NOT NULL, changed INTEGER NOT NULL, unchanged INTEGER NOT NULL)""",
    # metrics settings (DOMAIN §4: thresholds are defaults an administrator can change)
    """CREATE TABLE IF NOT EXISTS settings (
        key VARCHAR PRIMARY KEY, value DOUBLE NOT NULL, updated_at TIMESTAMP NOT NULL,
        updated_by VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS calendar_days (
        day DATE PRIMARY KEY, kind VARCHAR NOT NULL CHECK (kind IN ('day_off', 'working_day')),
        note VARCHAR, updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL)""",
    # coordinator's RAG override (DOMAIN §4.6); every version kept, the latest one counts
    """CREATE TABLE IF NOT EXISTS rag_overrides (
        project_id VARCHAR NOT NULL, rag VARCHAR CHECK (rag IN ('red', 'amber', 'green')),
        comment VARCHAR NOT NULL, author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    # accounts: local sign-in (argon2 hash) or the role of an identity provider's user (loaders.users)
    """CREATE TABLE IF NOT EXISTS users (
        login VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR NOT NULL, password_hash VARCHAR,
        email VARCHAR, disabled BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
    # signed-in browsers of local accounts: the hash of the cookie's token, until when it holds
    """CREATE TABLE IF NOT EXISTS sessions (
        token_hash VARCHAR PRIMARY KEY, login VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL)""",
    # mapping profiles users saved (the shipped ones are files: loaders.profiles)
    """CREATE TABLE IF NOT EXISTS profiles (
        stem VARCHAR PRIMARY KEY, toml VARCHAR NOT NULL, saved_by VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL)""",
    # who did what, each row chained to the one before by its hash (loaders.audit)
    """CREATE TABLE IF NOT EXISTS audit (
        seq BIGINT PRIMARY KEY, logged_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, role VARCHAR NOT NULL,
        source VARCHAR NOT NULL, action VARCHAR NOT NULL, target VARCHAR NOT NULL, detail VARCHAR NOT NULL,
        prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)""",
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view that is missing; a no-op on an up-to-date store."""
    row = None
    with suppress(duckdb.CatalogException):
        row = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    if row is not None and int(str(row[0])) == SCHEMA_VERSION:
        return
    with transaction(con):
        for ddl in _BASE_DDL:
            con.execute(ddl)
        for spec in table_specs().values():
            con.execute(_history_ddl(spec))
            if _add_new_fields(con, spec):  # the kept current rows are remade with the new columns
                con.execute(f"DROP VIEW IF EXISTS {q(spec.name)}")
                con.execute(f"DROP TABLE IF EXISTS {q('c_' + spec.name)}")
            con.execute(_latest_ddl(spec))
            for ddl in _current_ddl(spec):
                con.execute(ddl)
        refresh_current(con)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("INSERT OR IGNORE INTO meta VALUES ('data_version', '0')")


def _add_new_fields(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> bool:
    """Add to an older store's history table the fields the contract gained since (blank in every
    old row, so no row reads as changed); True when any was added."""
    have = {
        str(r[0])
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", ["h_" + spec.name]
        ).fetchall()
    }
    new = [f for f in spec.fields if f.name not in have]
    for f in new:
        con.execute(f"ALTER TABLE {q('h_' + spec.name)} ADD COLUMN {q(f.name)} {f.sql_type}")
    return bool(new)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: any exception rolls every statement back. On a PostgreSQL store's
    connection the write goes to PostgreSQL in one transaction there, under the store's lock."""
    pg = sys.modules.get(f"{__package__}.store_pg")  # not imported: no PostgreSQL store in this process
    mirror = pg.mirror_of(con) if pg is not None else None
    if mirror is not None:
        with mirror.transaction(con):
            yield
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that changes whenever anything the metrics read changes (cache key)."""
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'data_version'")
    return int(str(row[0])) if row else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'")


def mark_demo(con: duckdb.DuckDBPyConnection, batch_id: int, as_of: dt.date) -> None:
    """Remember that ``batch_id`` is the demo portfolio, which describes the portfolio as of
    ``as_of`` (``demo_as_of``)."""
    with transaction(con):
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('demo_batch', ?), ('demo_as_of', ?)",
            [str(batch_id), as_of.isoformat()],
        )


def demo_as_of(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The date the demo portfolio describes, while the demo is all the store holds (its batch is
    the last one applied); None once real data has been uploaded."""
    rows = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('demo_batch', 'demo_as_of')").fetchall())
    if len(rows) < 2:
        return None
    last = fetch_one(con, "SELECT max(batch_id) FROM batches WHERE status = 'applied'")
    if last is None or last[0] is None or int(str(last[0])) != int(rows["demo_batch"]):
        return None
    return dt.date.fromisoformat(str(rows["demo_as_of"]))


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    row = fetch_one(con, "SELECT count(*) FROM batches WHERE status = 'applied'")
    return row is None or row[0] == 0


def known_keys(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The ids of one table in the current data (for reference checks)."""
    spec = table_specs()[table]
    if len(spec.key) != 1:
        return set()
    rows = con.execute(f"SELECT {q(spec.key[0])} FROM {q(table)}").fetchall()  # noqa: S608
    return {r[0] for r in rows}


# --------------------------------------------------------------------------------------------
# Batches


@dataclass(frozen=True)
class FileRecord:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class TableCounts:
    inserted: int
    changed: int
    unchanged: int


def find_applied(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, dt.datetime] | None:
    """The applied batch that already holds a byte-identical file, if any."""
    row = fetch_one(
        con,
        """SELECT b.batch_id, b.imported_at FROM batch_files f JOIN batches b USING (batch_id)
           WHERE f.sha256 = ? AND b.status = 'applied' ORDER BY b.batch_id LIMIT 1""",
        [sha256],
    )
    return (int(str(row[0])), typing.cast(dt.datetime, row[1])) if row else None


_BATCHES: Final = """
    SELECT b.batch_id, b.imported_at, b.user_name, b.file_name, b.sha256, b.status,
           b.rolled_back_at, b.rolled_back_by,
           coalesce(sum(s.inserted), 0)::INTEGER AS inserted,
           coalesce(sum(s.changed), 0)::INTEGER AS changed,
           coalesce(sum(s.unchanged), 0)::INTEGER AS unchanged
    FROM batches b LEFT JOIN batch_stats s USING (batch_id)
    GROUP BY ALL ORDER BY b.batch_id DESC"""


def batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Upload history, newest first, with the row counts per table."""
    return con.execute(_BATCHES).df()


def batch_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """``batches`` as plain rows (the command line: no pandas to import for a list)."""
    cursor = con.execute(_BATCHES)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def batch_stats(con: duckdb.DuckDBPyConnection, batch_id: int) -> pd.DataFrame:
    return con.execute(
        "SELECT table_name, inserted, changed, unchanged FROM batch_stats WHERE batch_id = ? ORDER BY table_name",
        [batch_id],
    ).df()


class RollbackError(ValueError):
    def __init__(self, code: str, batch_id: int) -> None:
        self.code = code
        self.batch_id = batch_id
        super().__init__(f"{code}: {batch_id}")


def rollback(con: duckdb.DuckDBPyConnection, batch_id: int, actor: Actor) -> list[int]:
    """Undo ``batch_id`` and every later applied batch (audited); returns the batches undone.
    Only the office head and the coordinators may (``Right.ROLLBACK``)."""
    actor.require(Right.ROLLBACK)
    row = fetch_one(con, "SELECT status FROM batches WHERE batch_id = ?", [batch_id])
    if row is None:
        raise RollbackError("batch_unknown", batch_id)
    if row[0] != "applied":
        raise RollbackError("batch_already_rolled_back", batch_id)
    with transaction(con):
        undone = [
            int(r[0])
            for r in con.execute(
                "SELECT batch_id FROM batches WHERE batch_id >= ? AND status = 'applied' ORDER BY batch_id",
                [batch_id],
            ).fetchall()
        ]
        now = dt.datetime.now()
        con.execute(
            """UPDATE batches SET status = 'rolled_back', rolled_back_at = ?, rolled_back_by = ?
               WHERE batch_id >= ? AND status = 'applied'""",
            [now, actor.label, batch_id],
        )
        refresh_current(con)
        bump_data_version(con)
        audit.record(con, actor, "rollback", str(batch_id), {"undone": undone}, at=now)
    return undone


def table_names() -> tuple[str, ...]:
    """The contract's tables (the schema is imported when first needed: ``pmo batches`` does
    without its models)."""
    from .schema import TABLES

    return TABLES


def table_specs() -> dict[str, TableSpec]:
    from .schema import table_specs as specs

    return specs()


#: the tables that are the store (everything else: the current rows and the views, is made from
#: them), besides the history ``h_<table>`` of every table of the contract
BASE_TABLES: Final = (
    "meta",
    "batches",
    "batch_files",
    "batch_stats",
    "settings",
    "calendar_days",
    "rag_overrides",
    "users",
    "sessions",
    "profiles",
    "audit",
)


def base_tables() -> tuple[str, ...]:
    """Every table the store keeps (not worked out from others): ``BASE_TABLES`` and the history."""
    return (*BASE_TABLES, *(f"h_{t}" for t in table_names()))


# --------------------------------------------------------------------------------------------
# Copying a store to another place (a DuckDB file to PostgreSQL, or back)


class StoreNotEmpty(RuntimeError):
    """``copy`` into a store that already holds something."""

    def __init__(self, target: str) -> None:
        self.target = target
        super().__init__(f"{target} is not empty")


class SameStore(ValueError):
    """``copy`` of a store onto itself."""


def copy(source: str | Path | None, target: str | Path) -> dict[str, int]:
    """Copy every base table of ``source`` into ``target``, an empty store (a DuckDB file is
    created), in one transaction of the target; the current rows are worked out there and the
    next batch number follows the last. Returns the rows copied per table. ``StoreNotEmpty``
    when the target holds any row besides its schema's (nothing is written then)."""
    src_name, dst_name = _target(source), _target(target)
    if _same(src_name, dst_name):
        raise SameStore(display(dst_name))
    copied: dict[str, int] = {}
    with session(src_name, read_only=True) as src, session(dst_name) as dst, transaction(dst):
        if not _blank(dst):
            raise StoreNotEmpty(display(dst_name))
        for name in base_tables():
            rows = src.sql(f"SELECT * FROM {q(name)}").to_arrow_table()  # noqa: S608 - a schema name
            copied[name] = rows.num_rows
            dst.register("_rows", rows)
            try:
                if name == "meta":
                    dst.execute("INSERT OR REPLACE INTO meta SELECT * FROM _rows")
                else:
                    dst.execute(f"INSERT INTO {q(name)} BY NAME SELECT * FROM _rows")  # noqa: S608
            finally:
                dst.unregister("_rows")
        refresh_current(dst)
        row = fetch_one(dst, "SELECT coalesce(max(batch_id), 0) FROM batches")
        dst.execute("DROP SEQUENCE batch_seq")
        dst.execute(f"CREATE SEQUENCE batch_seq START {int(str(row[0] if row else 0)) + 1}")
    return copied


def _same(a: str, b: str) -> bool:
    if _in_postgres(a) or _in_postgres(b):
        return a == b
    return Path(a).resolve() == Path(b).resolve()


def _blank(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store holds no row besides the schema's own (``meta``)."""
    counts = " UNION ALL ".join(f"SELECT count(*) FROM {q(name)}" for name in base_tables() if name != "meta")  # noqa: S608
    return all(int(r[0]) == 0 for r in con.execute(counts).fetchall())


def disconnect(path: str | Path | None = None) -> None:
    """Let go of what this process keeps open for the store: a PostgreSQL store's copy and its
    connections (a DuckDB file is never kept open)."""
    target = _target(path)
    if _in_postgres(target):
        from . import store_pg

        store_pg.disconnect(target)
