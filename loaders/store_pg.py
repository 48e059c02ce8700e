"""The store in PostgreSQL, for a dashboard served from more than one machine.

Reached only through ``loaders.store``: a store named ``postgresql://…`` (``PMO_DB``, ``--db``)
lands here, and no other module knows which backend holds the store.

What lives where. PostgreSQL holds the base tables of the store, with the columns and keys they
have in a DuckDB file: the history ``h_<table>``, ``batches``, ``batch_files``, ``batch_stats``,
``meta``, ``settings``, ``calendar_days``, ``rag_overrides``, ``users``, ``sessions``,
``profiles``, ``audit``; and ``store_state``, a version per table that every write changing the
table moves on (the row ``*`` is the store's own version). DuckDB keeps computing: each process
holds a *mirror*, an in-memory DuckDB made by the same ``store.ensure_schema`` as a file, with a
copy of every base table, the current rows ``c_<table>`` worked out from the history, and the
views. The metrics and the writers run their DuckDB SQL on it unchanged. A process reads again
only the tables whose version moved, and of the history, the batch files and the audit log only
the rows of new batches. Loading and writing use ADBC (Arrow straight to and from PostgreSQL's
binary rows), measured three to four times faster than psycopg's binary COPY either way
(``bench.bench_pg``); psycopg only LISTENs.

A write (``store.transaction`` on a mirror connection) is one PostgreSQL transaction holding the
store's advisory lock: the mirror is brought up to date under the lock (so batch numbers, the
audit chain and decision numbers carry on from PostgreSQL's state), the body runs in a DuckDB
transaction on the mirror, and what it changed is sent: rows added to the tables that only grow
(the history, ``batch_files``, ``batch_stats``, ``rag_overrides``, ``audit``; a row removed from
one of them is refused), rows changed or removed by primary key in the others. Then the versions
move on, ``NOTIFY pmo_store`` tells every other process, PostgreSQL commits and then DuckDB does.
A failure rolls both back (one while sending also makes the mirror load afresh). A write
session (``store.session`` not read-only) holds the same lock for its whole length, as a DuckDB
file is held open for writing: two ``pmo import`` at once run one after the other.

Freshness. ``signature`` is asked on every rerun of every page: a thread per process LISTENs on
``pmo_store`` and keeps the latest version heard; while it is down, one row is read instead.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import duckdb

from . import store
from .store import q

if TYPE_CHECKING:
    import pyarrow as pa

STATE: Final = "store_state"
WHOLE: Final = "*"  # the row of store_state that moves with every write
CHANNEL: Final = "pmo_store"
LOCK_KEY: Final = 0x706D6F  # "pmo": the advisory lock of the store (one per database)
MARK: Final = "pmo_mirror"  # the schema that marks a DuckDB database as a mirror
LOCK_NOT_AVAILABLE: Final = "55P03"  # lock_timeout ran out
#: DuckDB's types of the store, in PostgreSQL
PG_TYPES: Final = {
    "VARCHAR": "text",
    "DOUBLE": "double precision",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
}
#: tables besides the history that only ever gain rows, and the column that grows with them
GROWING: Final = {"batch_files": "batch_id", "batch_stats": "batch_id", "audit": "seq", "rag_overrides": None}
#: one thread each, so a forked file reader (``loaders.sandbox``) finds no DuckDB worker running
MIRROR_THREADS: Final = 1

log = logging.getLogger(__name__)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _named(url: str) -> str:
    """The URL with this process named in ``application_name`` (a busy store names its holder)."""
    if "application_name=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}application_name=pmo-{os.getpid()}"


class AppendOnlyViolation(RuntimeError):
    """A write removed or replaced rows of a table that only ever grows."""

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__(f"{table} only ever gains rows: a write removed or replaced some")


class StrayWrite(RuntimeError):
    """The mirror was written outside ``store.transaction``: PostgreSQL never got the change."""

    def __init__(self, url: str) -> None:
        super().__init__(f"{redact(url)}: a write outside store.transaction (lost; the mirror is loaded afresh)")


# --------------------------------------------------------------------------------------------
# The tables


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB's
    not_null: bool


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def grows(self) -> bool:
        """Only ever gains rows (a write is its new rows)."""
        return self.name.startswith("h_") or self.name in GROWING

    @property
    def grows_by(self) -> str | None:
        """The column whose values only grow with new rows (a newer process reads only beyond
        the highest it has); None where a change means reading the whole table."""
        return "_batch" if self.name.startswith("h_") else GROWING.get(self.name)

    @property
    def select_list(self) -> str:
        return ", ".join(q(c.name) for c in self.columns)

    def create_sql(self) -> str:
        cols = [f"{q(c.name)} {PG_TYPES[c.type]}{' NOT NULL' if c.not_null else ''}" for c in self.columns]
        if self.key:
            cols.append(f"PRIMARY KEY ({', '.join(q(k) for k in self.key)})")
        return f"CREATE TABLE IF NOT EXISTS {q(self.name)} ({', '.join(cols)})"


def layout(con: duckdb.DuckDBPyConnection) -> tuple[Table, ...]:
    """The base tables of a store made by ``store.ensure_schema``, with their columns and keys."""
    names = store.base_tables()
    cols: dict[str, list[Column]] = {n: [] for n in names}
    for table, column, kind, nullable in con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name, ordinal_position"
    ).fetchall():
        if table in cols:
            cols[table].append(Column(str(column), str(kind), nullable == "NO"))
    keys = {
        str(table): tuple(str(c) for c in columns)
        for table, columns in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' AND schema_name = 'main' AND database_name = current_database()"
        ).fetchall()
    }
    return tuple(Table(n, tuple(cols[n]), keys.get(n, ())) for n in names)


# --------------------------------------------------------------------------------------------
# PostgreSQL


def _adbc_error() -> type[Exception]:
    from adbc_driver_manager import Error

    return Error


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc, "sqlstate", None)


def _unreachable(exc: BaseException) -> bool:
    """A failure of the connection itself (class 08, or the server shutting down), not of SQL."""
    state = _sqlstate(exc)
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")


def _raise_if_unreachable(exc: BaseException, url: str) -> None:
    """``StoreUnreachable`` (from ``exc``) when ``exc`` is the driver saying the server cannot be
    reached; otherwise nothing (the caller re-raises ``exc`` as it is)."""
    if isinstance(exc, _adbc_error()) and _unreachable(exc):
        raise store.StoreUnreachable(redact(url), str(exc)) from exc


def _connect(url: str) -> Any:
    """An ADBC connection (one transaction at a time, begun by the first statement)."""
    import adbc_driver_postgresql.dbapi as adbc

    try:
        return adbc.connect(_named(url))
    except _adbc_error() as exc:
        raise store.StoreUnreachable(redact(url), str(exc)) from exc


def _rows(cur: Any, sql: str, params: tuple[object, ...] | None = None) -> list[tuple[Any, ...]]:
    cur.execute(sql, parameters=params)
    return list(cur.fetchall())


def _ensure_schema(conn: Any, url: str, tables: tuple[Table, ...]) -> None:
    """Create the store's tables in PostgreSQL, or give an older store's tables the columns they
    lack (as ``store.ensure_schema`` does for a file); a no-op on an up-to-date store."""
    cur = conn.cursor()
    try:
        if _rows(cur, "SELECT to_regclass($1) IS NOT NULL", (STATE,))[0][0]:
            got = _rows(cur, "SELECT value FROM meta WHERE key = 'schema_version'")
            if got and int(got[0][0]) == store.SCHEMA_VERSION:
                conn.rollback()
                return
        _lock(cur, conn, url, store.busy_wait())
        for t in tables:
            cur.execute(t.create_sql())
        have = {(str(r[0]), str(r[1])) for r in _rows(cur, _COLUMNS_SQL)}
        for t in tables:
            for c in t.columns:
                if (t.name, c.name) not in have:
                    cur.execute(f"ALTER TABLE {q(t.name)} ADD COLUMN {q(c.name)} {PG_TYPES[c.type]}")
        cur.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (table_name text PRIMARY KEY, version bigint NOT NULL)")
        cur.executemany(
            f"INSERT INTO {STATE} VALUES ($1, 0) ON CONFLICT (table_name) DO NOTHING",  # noqa: S608 - a constant
            [(t.name,) for t in tables] + [(WHOLE,)],
        )
        cur.execute(
            "INSERT INTO meta VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            parameters=(str(store.SCHEMA_VERSION),),
        )
        cur.execute("INSERT INTO meta VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING")
        _move_on(cur, [t.name for t in tables])  # every process reads the store afresh
        conn.commit()
    except BaseException:
        with suppress(Exception):
            conn.rollback()
        raise
    finally:
        cur.close()


_COLUMNS_SQL: Final = (
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
)


def _lock(
    cur: Any,
    conn: Any,
    url: str,
    wait: float,
    *,
    whole_session: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> None:
    """Take the store's advisory lock, waiting at most ``wait`` seconds (then ``StoreBusy``,
    naming the process that holds it; ``on_wait(holder)`` once when the wait starts). For the
    transaction, or (``whole_session``) until ``pg_advisory_unlock``."""
    take = "pg_advisory_lock" if whole_session else "pg_advisory_xact_lock"
    try:
        if on_wait is not None:
            if _rows(cur, f"SELECT {take.replace('pg_', 'pg_try_')}($1)", (LOCK_KEY,))[0][0]:
                return
            on_wait(_holder(cur, rollback=False))
        cur.execute(f"SET lock_timeout = {max(1, int(wait * 1000))}")
        cur.execute(f"SELECT {take}($1)", parameters=(LOCK_KEY,))
        cur.fetchall()
        cur.execute("SET lock_timeout = 0")
    except _adbc_error() as exc:
        if _sqlstate(exc) != LOCK_NOT_AVAILABLE:
            raise
        conn.rollback()
        raise store.StoreBusy(redact(url), wait, _holder(cur)) from exc


def _holder(cur: Any, *, rollback: bool = True) -> str:
    """The process holding the store's lock, as its connection names it (``pmo-1234``)."""
    try:
        rows = _rows(
            cur,
            "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1 AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())",
            (LOCK_KEY,),
        )
        if rollback:
            cur.connection.rollback()
    except _adbc_error():
        return ""
    if not rows:
        return ""
    name, pid = str(rows[0][0] or ""), rows[0][1]
    return f"PID {name.removeprefix('pmo-')}" if name.startswith("pmo-") else f"PostgreSQL PID {pid}"


def _state(cur: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in _rows(cur, f"SELECT table_name, version FROM {STATE}")}  # noqa: S608


def _move_on(cur: Any, tables: list[str]) -> int:
    """Move the versions of ``tables`` and of the store on, and tell every process; the new
    version. (Blocks while another transaction holds these rows: the last step before commit.)"""
    now = _rows(cur, f"SELECT version FROM {STATE} WHERE table_name = $1", (WHOLE,))  # noqa: S608 - a constant
    version = int(now[0][0]) + 1 if now else 1
    cur.executemany(
        f"UPDATE {STATE} SET version = $1 WHERE table_name = $2",  # noqa: S608 - a constant
        [(version, name) for name in [*tables, WHOLE]],
    )
    cur.execute("SELECT pg_notify($1, $2)", parameters=(CHANNEL, str(version)))
    cur.fetchall()
    return version


# --------------------------------------------------------------------------------------------
# The mirror


@dataclass
class _Change:
    table: Table
    rows: pa.Table | None  # added (growing tables) or new and changed (keyed tables)
    gone: pa.Table | None  # keys of removed rows (keyed tables)


class Mirror:
    """This process's in-memory DuckDB copy of one PostgreSQL store, and its connections."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.RLock()  # the mirror's tables: one load or write at a time
        self.write_lock = threading.RLock()  # this process's writes to PostgreSQL: one at a time
        self.db = duckdb.connect(":memory:", config={"threads": MIRROR_THREADS})  # only hands out cursors
        self.work = self.db.cursor()  # the mirror's own loads (under ``lock``)
        self.known: dict[str, int] = {}  # the versions the mirror holds; empty: load everything
        self._fingerprint: list[tuple[Any, ...]] = []
        self._reader: Any = None
        self._writer: Any = None
        self._session_depth = 0
        try:
            store.ensure_schema(self.work)
            self.tables = layout(self.work)
            _ensure_schema(self._reader_conn(), url, self.tables)
            self.refresh()
            self.work.execute(f"CREATE SCHEMA {MARK}")
            self.work.execute(f"CREATE TABLE {MARK}.source AS SELECT ? AS url", [url])
        except BaseException:
            self.close()
            raise

    # ---- connections

    def _reader_conn(self) -> Any:
        if self._reader is None:
            self._reader = _connect(self.url)
        return self._reader

    def _writer_conn(self) -> Any:
        if self._writer is None:
            self._writer = _connect(self.url)
        return self._writer

    def _drop(self, which: str) -> None:
        conn = getattr(self, which)
        setattr(self, which, None)
        if conn is not None:
            with suppress(Exception):
                conn.close()

    def close(self) -> None:
        self._drop("_reader")
        self._drop("_writer")
        with suppress(Exception):
            self.work.close()
        with suppress(Exception):
            self.db.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.db.cursor()

    # ---- reading PostgreSQL

    def refresh(self, wait: float | None = None) -> None:
        """Bring the mirror up to date (reading only what changed), in one consistent look;
        waits at most ``wait`` seconds (None: as long as it takes) for a write of this process
        to end, then ``StoreBusy``."""
        if not self.lock.acquire(timeout=-1 if wait is None else wait):
            raise store.StoreBusy(redact(self.url), wait or 0.0, f"PID {os.getpid()}")
        try:
            self.check_untouched(strict=False)
            conn = self._reader_conn()
            cur = conn.cursor()
            try:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                self._load(cur)
                conn.rollback()
            except BaseException as exc:
                self._drop("_reader")
                _raise_if_unreachable(exc, self.url)
                raise
            finally:
                with suppress(Exception):
                    cur.close()
        finally:
            self.lock.release()

    def _load(self, cur: Any) -> dict[str, int]:
        """Read the tables whose version moved into the mirror, in one DuckDB transaction; the
        current rows of the tables whose history moved are worked out again. Returns the state."""
        state = _state(cur)
        changed = [t for t in self.tables if state.get(t.name) != self.known.get(t.name)]
        if not changed and state.get(WHOLE) == self.known.get(WHOLE):
            return state
        names = {t.name for t in changed}
        before = self._statuses() if "batches" in names and self.known else {}
        self.work.execute("BEGIN TRANSACTION")
        try:
            for t in changed:
                self._load_table(cur, t, whole=t.name not in self.known)
            if not self.known or ("batches" in names and self._statuses_moved(before)):
                store.refresh_current(self.work)  # a rollback changed which batches count
            else:
                store.refresh_current(self.work, [n.removeprefix("h_") for n in sorted(names) if n.startswith("h_")])
            if "batches" in names:
                self._restart_batches()
            self.work.execute("COMMIT")
        except BaseException:
            with suppress(Exception):
                self.work.execute("ROLLBACK")
            self.known = {}
            raise
        self.known = state
        self._fingerprint = self._take_fingerprint()
        return state

    def _load_table(self, cur: Any, t: Table, *, whole: bool) -> None:
        grows_by = t.grows_by
        if not whole and grows_by is not None:
            top = self.work.execute(f"SELECT max({q(grows_by)}) FROM {q(t.name)}").fetchall()[0][0]  # noqa: S608
            if top is not None:
                cur.execute(
                    f"SELECT {t.select_list} FROM {q(t.name)} WHERE {q(grows_by)} > $1",  # noqa: S608 - schema names
                    parameters=(top,),
                )
                self._append(t, cur.fetch_arrow_table())
                return
        cur.execute(f"SELECT {t.select_list} FROM {q(t.name)}")  # noqa: S608 - schema names
        rows = cur.fetch_arrow_table()
        self.work.execute(f"DELETE FROM {q(t.name)}")  # noqa: S608
        self._append(t, rows)

    def _append(self, t: Table, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        self.work.register("pmo_rows", rows)
        try:
            self.work.execute(f"INSERT INTO {q(t.name)} SELECT * FROM pmo_rows")  # noqa: S608 - a schema name
        finally:
            self.work.unregister("pmo_rows")

    def _statuses(self) -> dict[int, str]:
        return {int(k): str(v) for k, v in self.work.execute("SELECT batch_id, status FROM batches").fetchall()}

    def _statuses_moved(self, before: dict[int, str]) -> bool:
        now = self._statuses()
        return any(now.get(k) != v for k, v in before.items())

    def _restart_batches(self) -> None:
        """The next batch number follows the highest in the store."""
        top = self.work.execute("SELECT coalesce(max(batch_id), 0) FROM batches").fetchall()[0][0]
        self.work.execute("DROP SEQUENCE batch_seq")
        self.work.execute(f"CREATE SEQUENCE batch_seq START {int(top) + 1}")

    def invalidate(self) -> None:
        """Forget what the mirror holds: the next look loads every table afresh."""
        self.known = {}

    # ---- guarding against writes that would not reach PostgreSQL

    def _take_fingerprint(self) -> list[tuple[Any, ...]]:
        parts = [
            f"SELECT '{t.name}', count(*)::VARCHAR, "  # noqa: S608 - schema names
            + ("coalesce(max(rowid), -1)::VARCHAR" if t.grows else "coalesce(bit_xor(hash(x)), 0)::VARCHAR")
            + f" FROM main.{q(t.name)} x"
            for t in self.tables
        ]
        return [tuple(r) for r in self.work.execute(" UNION ALL ".join(parts)).fetchall()]

    def check_untouched(self, *, strict: bool) -> None:
        """The mirror still holds what it last loaded or wrote. Otherwise something wrote to it
        outside ``store.transaction``, and PostgreSQL never got that: load afresh, and (``strict``:
        where a write is about to happen or has just ended) say so."""
        if not self.known or self._take_fingerprint() == self._fingerprint:
            return
        self.invalidate()
        if strict:
            raise StrayWrite(self.url)
        log.error("%s", StrayWrite(self.url))

    # ---- writing

    @contextmanager
    def writing(self, wait: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the store's lock for a write session (nested sessions share it)."""
        if not self.write_lock.acquire(timeout=wait):
            raise store.StoreBusy(redact(self.url), wait, f"PID {os.getpid()}")
        try:
            if self._session_depth == 0:
                conn = self._writer_conn()
                cur = conn.cursor()
                try:
                    _lock(cur, conn, self.url, wait, whole_session=True, on_wait=on_wait)
                    conn.commit()
                except BaseException as exc:
                    self._drop("_writer")
                    _raise_if_unreachable(exc, self.url)
                    raise
            self._session_depth += 1
            try:
                yield
            finally:
                self._session_depth -= 1
                if self._session_depth == 0:
                    self._unlock()
        finally:
            self.write_lock.release()

    def _unlock(self) -> None:
        try:
            conn = self._writer_conn()
            cur = conn.cursor()
            cur.execute("SELECT pg_advisory_unlock($1)", parameters=(LOCK_KEY,))
            cur.fetchall()
            conn.commit()
        except Exception:  # a broken connection: its lock went with it
            self._drop("_writer")

    @contextmanager
    def transaction(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """``store.transaction`` on a mirror connection: all or nothing, in PostgreSQL and here."""
        wait = store.busy_wait()
        if not self.write_lock.acquire(timeout=wait):
            raise store.StoreBusy(redact(self.url), wait, f"PID {os.getpid()}")
        try:
            with self.lock:
                conn, version = self._begin(con, wait)
                try:
                    marks = self._marks(con)
                    yield
                    changes = self._changes(con, marks)
                except BaseException:
                    with suppress(Exception):
                        con.execute("ROLLBACK")  # the mirror is as it was: DuckDB undid the body
                    with suppress(Exception):
                        conn.rollback()
                    raise
                try:
                    if changes:
                        version = self._send(conn.cursor(), changes)
                    conn.commit()
                except BaseException:
                    with suppress(Exception):
                        con.execute("ROLLBACK")
                    self._abandon(conn)
                    raise
                try:
                    con.execute("COMMIT")
                except Exception:  # PostgreSQL holds the write already: the mirror loads it afresh
                    log.exception("the mirror of %s did not commit a write PostgreSQL holds", redact(self.url))
                    self.invalidate()
                    return
                self.known.update({c.table.name: version for c in changes})
                self.known[WHOLE] = version
                self._fingerprint = self._take_fingerprint()
        finally:
            self.write_lock.release()

    def _begin(self, con: duckdb.DuckDBPyConnection, wait: float) -> tuple[Any, int]:
        """The start of a write: the store's lock taken in PostgreSQL, the mirror brought up to
        date, a DuckDB transaction begun on ``con``; the store's version."""
        conn = self._writer_conn()
        cur = conn.cursor()
        try:
            _lock(cur, conn, self.url, wait)
            self.check_untouched(strict=True)
            state = self._load(cur)
            con.execute("BEGIN TRANSACTION")
        except BaseException as exc:
            self._abandon(conn)
            _raise_if_unreachable(exc, self.url)
            raise
        return conn, state.get(WHOLE, 0)

    def _abandon(self, conn: Any) -> None:
        """Roll PostgreSQL back; the mirror loads afresh at the next look."""
        self.invalidate()
        try:
            conn.rollback()
        except Exception:
            self._drop("_writer")

    def _counts_sql(self) -> str:
        return " UNION ALL ".join(
            f"SELECT '{t.name}', count(*), coalesce(max(rowid), -1) FROM main.{q(t.name)}"  # noqa: S608
            for t in self.tables
            if t.grows
        )

    def _marks(self, con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
        """Before a write: the row count and highest row id of each growing table, and a copy of
        each keyed table (``temp.pmo_before_<table>``)."""
        marks = {str(n): (int(c), int(top)) for n, c, top in con.execute(self._counts_sql()).fetchall()}
        for t in self.tables:
            if not t.grows:
                con.execute(f"CREATE TEMP TABLE {q('pmo_before_' + t.name)} AS SELECT * FROM main.{q(t.name)}")  # noqa: S608
        return marks

    def _changes(self, con: duckdb.DuckDBPyConnection, marks: dict[str, tuple[int, int]]) -> list[_Change]:
        """What the write changed, per table (read inside its DuckDB transaction)."""
        now = {str(n): (int(c), int(top)) for n, c, top in con.execute(self._counts_sql()).fetchall()}
        out = []
        for t in self.tables:
            if t.grows:
                (count0, top0), (count1, top1) = marks[t.name], now[t.name]
                rows = None
                if top1 > top0:
                    rows = con.sql(
                        f"SELECT {t.select_list} FROM main.{q(t.name)} WHERE rowid > $top",  # noqa: S608
                        params={"top": top0},
                    ).to_arrow_table()
                if count1 != count0 + (rows.num_rows if rows is not None else 0):
                    raise AppendOnlyViolation(t.name)
                if rows is not None and rows.num_rows:
                    out.append(_Change(t, rows, None))
                continue
            before = q("pmo_before_" + t.name)
            keys = ", ".join(q(k) for k in t.key)
            rows = con.sql(
                f"SELECT {t.select_list} FROM main.{q(t.name)} EXCEPT SELECT {t.select_list} FROM temp.{before}"  # noqa: S608
            ).to_arrow_table()
            gone = con.sql(
                f"SELECT {keys} FROM temp.{before} EXCEPT SELECT {keys} FROM main.{q(t.name)}"  # noqa: S608
            ).to_arrow_table()
            con.execute(f"DROP TABLE temp.{before}")
            if rows.num_rows or gone.num_rows:
                out.append(_Change(t, rows if rows.num_rows else None, gone if gone.num_rows else None))
        return out

    def _send(self, cur: Any, changes: list[_Change]) -> int:
        """Write the changes to PostgreSQL (binary COPY through ADBC); the new version."""
        for c in changes:
            t = c.table
            if not t.grows:  # a changed row is removed and written anew
                where = " AND ".join(f"{q(k)} = ${i}" for i, k in enumerate(t.key, 1))
                keys = (c.gone, c.rows.select(list(t.key)) if c.rows is not None else None)
                for part in (k for k in keys if k is not None and k.num_rows):
                    cur.executemany(f"DELETE FROM {q(t.name)} WHERE {where}", part)  # noqa: S608 - schema names
            if c.rows is not None:
                cur.adbc_ingest(t.name, c.rows, mode="append")
        return _move_on(cur, [c.table.name for c in changes])


# --------------------------------------------------------------------------------------------
# The mirrors of this process


_MIRRORS: dict[str, Mirror] = {}
_MIRRORS_LOCK: Final = threading.Lock()


def mirror(url: str) -> Mirror:
    """This process's mirror of the store at ``url`` (made, and loaded, at the first use)."""
    with _MIRRORS_LOCK:
        found = _MIRRORS.get(url)
        if found is None:
            found = _MIRRORS[url] = Mirror(url)
        return found


def mirror_of(con: duckdb.DuckDBPyConnection) -> Mirror | None:
    """The mirror ``con`` is a connection of; None for a DuckDB file or another database."""
    marked = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND database_name = current_database()", [MARK]
    ).fetchall()
    if not marked[0][0]:
        return None
    url = str(con.execute(f"SELECT url FROM {MARK}.source").fetchall()[0][0])  # noqa: S608 - a constant
    return _MIRRORS.get(url)


def connect(url: str) -> duckdb.DuckDBPyConnection:
    """A connection of the store's mirror, brought up to date (close it when done)."""
    m = mirror(url)
    m.refresh()
    return m.cursor()


@contextmanager
def session(
    url: str, *, read_only: bool, wait: float | None, on_wait: Callable[[str], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """``store.session`` for PostgreSQL: a reading session never waits; a writing one holds the
    store's lock until it ends (``wait`` seconds at most to get it)."""
    m = mirror(url)
    if read_only:
        m.refresh(wait)
        cur = m.cursor()
        try:
            yield cur
        finally:
            cur.close()
        return
    with m.writing(store.busy_wait() if wait is None else wait, on_wait):
        m.refresh()
        cur = m.cursor()
        try:
            yield cur
        finally:
            cur.close()
        with m.lock:
            m.check_untouched(strict=True)


def disconnect(url: str) -> None:
    """Let go of the mirror of ``url`` and its listener (their connections closed)."""
    with _MIRRORS_LOCK:
        found = _MIRRORS.pop(url, None)
    if found is not None:
        with found.write_lock, found.lock:
            found.close()
    with _LISTENERS_LOCK:
        listener = _LISTENERS.pop(url, None)
    if listener is not None:
        listener.stop()


@atexit.register
def _close_all() -> None:
    """At exit: every connection closed (without waiting for a lock: the process is ending)."""
    for found in list(_MIRRORS.values()):
        found.close()
    for listener in list(_LISTENERS.values()):
        listener.stop()


# --------------------------------------------------------------------------------------------
# Hearing about other processes' writes


class _Listener:
    """A thread that LISTENs for the store's writes and keeps the latest version heard."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.version: int | None = None
        self.up = False
        self._stop = threading.Event()
        self._probe: Any = None
        self._probe_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="pmo-store-listener", daemon=True)
        self._thread.start()

    def _see(self, version: int) -> None:
        self.version = version if self.version is None else max(self.version, version)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(_named(self.url), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._see(_version(conn))
                    self.up = True
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._see(int(note.payload))
            except (psycopg.Error, OSError, ValueError) as exc:
                log.debug("listener of %s: %s", redact(self.url), exc)
            finally:
                self.up = False
            self._stop.wait(1.0)

    def probe(self) -> int:
        """The store's version read now (one row); -1 when the server does not answer."""
        import psycopg

        with self._probe_lock:
            try:
                if self._probe is None or self._probe.closed:
                    self._probe = psycopg.connect(_named(self.url), autocommit=True, connect_timeout=5)
                return _version(self._probe)
            except (psycopg.Error, OSError) as exc:
                log.debug("probe of %s: %s", redact(self.url), exc)
                if self._probe is not None:
                    with suppress(Exception):
                        self._probe.close()
                self._probe = None
                return -1

    def stop(self) -> None:
        self._stop.set()
        with self._probe_lock:
            if self._probe is not None:
                with suppress(Exception):
                    self._probe.close()
                self._probe = None


def _version(conn: Any) -> int:
    """The store's version (0 before its tables exist)."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [STATE]).fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute(f"SELECT version FROM {STATE} WHERE table_name = %s", [WHOLE]).fetchone()  # noqa: S608
    return int(row[0]) if row else 0


_LISTENERS: dict[str, _Listener] = {}
_LISTENERS_LOCK: Final = threading.Lock()


def signature(url: str) -> tuple[int, ...]:
    """The store's version as this process last heard it: from the listener, or (while it is
    down) read now; never older than what this process wrote itself. Cheap: asked every rerun."""
    with _LISTENERS_LOCK:
        listener = _LISTENERS.get(url)
        if listener is None:
            listener = _LISTENERS[url] = _Listener(url)
    heard = listener.version if listener.up and listener.version is not None else listener.probe()
    m = _MIRRORS.get(url)
    own = m.known.get(WHOLE, -1) if m is not None else -1
    return (max(heard, own),)
