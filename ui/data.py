"""The store as the dashboard sees it: an in-memory snapshot per data version, a cursor per query,
metric results cached by data version; writes open the file for their moment only.

The dashboard never keeps the DuckDB file open, so ``pmo import``, ``pmo report`` and other
dashboard processes can use it while pages are open (``loaders.store.session``). What the pages
read is a snapshot of the current rows (``loaders.store.snapshot``), taken again when the data
version changes: every rerun compares the file's signature (its and its log's size and time), and
only when that moved reads the version. A DuckDB connection is not thread-safe and Streamlit
sessions are threads: every use of the snapshot takes its own ``.cursor()``. Metric pictures are
cached by (database, data version, batch, as-of date, filters); every upload, rollback or settings
change bumps the data version, so the next rerun computes afresh (and old entries age out).

A store in PostgreSQL (``PMO_DB=postgresql://…``) goes through the same calls: ``loaders.store``
hands out connections of this process's in-memory copy of it, the signature is the version this
process last heard of (another server's upload shows at the next rerun), and every write goes to
PostgreSQL.

When the sidebar names a batch, the pages compute from the store as it stood right after it
(``loaders.batch_state``): a snapshot of its own, taken once per batch and data version. The
Upload and Settings pages read the current data (``live_cursor``), and every write goes to the
store file, never to a snapshot.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from loaders import audit, store
from loaders.access import Actor
from metrics.common import Filters
from metrics.history import project_history
from metrics.report import Picture, picture

from .session import KEY_BATCH, batch, lang

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class _Live:
    """The snapshot this server computes from, and what it was taken at."""

    path: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    signature: tuple[int, ...] = ()
    version: int = -1
    con: duckdb.DuckDBPyConnection | None = None
    stale: bool = False  # the store moved but was busy when we looked: the snapshot may be behind


@st.cache_resource(show_spinner=False)
def _live_for(path: str) -> _Live:
    return _Live(path)


def db_path() -> str:
    return str(store.default_db_path())


def _fresh(live: _Live, *, wait: float) -> None:
    """Take a new snapshot if the file moved and its data version is not the one we hold."""
    sig = store.signature(live.path)
    if live.con is not None and sig == live.signature:
        return
    try:
        if live.con is not None:
            with store.session(live.path, read_only=True, wait=wait) as con:
                version = store.data_version(con)
            if version == live.version:
                live.signature, live.stale = sig, False
                return
        version, con = store.snapshot(live.path, wait=wait)
    except (store.StoreBusy, store.StoreUnreachable):
        if live.con is None:
            raise
        live.stale = True  # another process is writing (or the server is away): keep what we have
        return
    live.version, live.con, live.signature, live.stale = version, con, sig, False
    from . import warm  # it reads through this module

    warm.schedule(live.path, version, con)


def start(path: str | None = None) -> None:
    """Take the snapshot of the store, and so start warming its caches, before anyone asks (the
    server calls this when it starts)."""
    live = _live_for(path or db_path())
    with live.lock:
        if live.con is None:
            _fresh(live, wait=store.busy_wait())


def _current() -> _Live:
    live = _live_for(db_path())
    if live.con is None:
        with live.lock:  # the first reader waits for the store; later ones never do
            _fresh(live, wait=store.busy_wait())
    elif live.lock.acquire(blocking=False):
        try:
            _fresh(live, wait=0.2)
        finally:
            live.lock.release()
    return live


@st.cache_resource(show_spinner=False, max_entries=4)
def _at_batch(path: str, data_version: int, batch_id: int) -> duckdb.DuckDBPyConnection:
    """The store as it stood right after ``batch_id``, taken again when the data version moves (a
    later import or rollback can end the period the data stood so, hence its settings)."""
    del data_version  # part of the cache key only
    return store.snapshot(path, wait=store.busy_wait(), batch=batch_id)[1]


def _view() -> tuple[int, int | None, duckdb.DuckDBPyConnection]:
    """The data version, the chosen batch (None: the current data) and the snapshot to compute
    from in this rerun. A batch the store does not know (a link from another store) is dropped."""
    live = _current()
    assert live.con is not None
    chosen = batch()
    if chosen is None:
        return live.version, None, live.con
    try:
        return live.version, chosen, _at_batch(live.path, live.version, chosen)
    except store.BatchUnknown:
        st.session_state[KEY_BATCH] = 0
        return live.version, None, live.con


def connection_at(batch_id: int | None) -> duckdb.DuckDBPyConnection:
    """The current data (None) or the store as it stood right after ``batch_id`` (cached); raises
    ``store.BatchUnknown``. For comparing two states (the "Since the last review" page)."""
    live = _current()
    assert live.con is not None
    return live.con if batch_id is None else _at_batch(live.path, live.version, batch_id)


def snapshot() -> tuple[int, duckdb.DuckDBPyConnection]:
    """The data version and the snapshot connection of this rerun (taken together): the current
    data, or the data as it stood right after the batch the sidebar names."""
    v, _, con = _view()
    return v, con


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the snapshot, for one piece of work on this thread."""
    return snapshot()[1].cursor()


def live_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the current data, whatever batch the sidebar names (uploads, settings, history)."""
    live = _current()
    assert live.con is not None
    return live.con.cursor()


def at_batch() -> int | None:
    """The batch the pages compute from; None when they compute from the current data."""
    return _view()[1]


def batch_scope() -> dict[str, int]:
    """``{"batch": N}`` for an export's audit row when the pages show the data as of batch N."""
    shown = at_batch()
    return {} if shown is None else {"batch": shown}


def version() -> int:
    return snapshot()[0]


def is_stale() -> bool:
    """Whether another process was writing when we last looked (the data may be a moment old)."""
    return _live_for(db_path()).stale


def is_empty() -> bool:
    return store.is_empty(cursor())


@contextmanager
def read(wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store file itself, open for reading a moment (what the snapshot does not hold:
    accounts, the audit log, saved mapping profiles)."""
    with store.session(db_path(), read_only=True, wait=wait) as con:
        yield con


@contextmanager
def write(on_wait: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store file, open for one write (waiting while another process holds it); the snapshot
    follows at once."""
    with store.session(db_path(), on_wait=on_wait) as con:
        yield con
    live = _live_for(db_path())
    with live.lock:
        _fresh(live, wait=store.busy_wait())


@st.cache_resource(show_spinner=False, max_entries=64)
def _picture(
    path: str,
    data_version: int,
    batch_id: int | None,
    as_of: dt.date,
    filters: Filters,
    _con: duckdb.DuckDBPyConnection,
) -> Picture:
    del data_version, batch_id  # part of the cache key only
    return picture(_con.cursor(), as_of, filters)


def pic(as_of: dt.date, filters: Filters) -> Picture:
    """Every metric as of ``as_of`` for ``filters`` (shared, read-only frames)."""
    v, n, con = _view()
    return _picture(db_path(), v, n, as_of, filters, con)


def warm_picture(path: str, version: int, as_of: dt.date, filters: Filters, con: duckdb.DuckDBPyConnection) -> None:
    """``pic`` of the current data, computed ahead into its cache (``ui.warm``)."""
    _picture(path, version, None, as_of, filters, con)


@st.cache_resource(show_spinner=False, max_entries=64)
def _cached(
    path: str,
    data_version: int,
    batch_id: int | None,
    name: str,
    args: tuple[object, ...],
    _fn: Callable[..., T],
    _con: duckdb.DuckDBPyConnection,
) -> T:
    del data_version, batch_id  # part of the cache key only; ``name`` stands for the function
    return _fn(_con.cursor(), *args)


def cached(name: str, fn: Callable[..., T], *args: object) -> T:
    """``fn(cursor, *args)`` cached by data version and batch (for page-specific metric calls)."""
    v, n, con = _view()
    return _cached(db_path(), v, n, name, args, fn, con)


def warm_cached(
    path: str,
    version: int,
    name: str,
    fn: Callable[..., T],
    args: tuple[object, ...],
    con: duckdb.DuckDBPyConnection,
) -> None:
    """``cached(name, fn, *args)`` of the current data, computed ahead into its cache (``ui.warm``)."""
    _cached(path, version, None, name, args, fn, con)


@st.cache_resource(show_spinner=False, max_entries=256)
def _memo(
    path: str,
    data_version: int,
    batch_id: int | None,
    language: str,
    name: str,
    key: tuple[object, ...],
    _build: Callable[[], T],
) -> T:
    del path, data_version, batch_id, language, key  # the cache key only
    return _build()


def memo(name: str, build: Callable[[], T], *key: object) -> T:
    """``build()`` (a figure, a summary, a display frame) kept across reruns and sessions while the
    data version, the batch, the language and ``key`` stay the same. ``key`` must name every input
    of ``build`` besides the data and the language (as-of date, filters, widget choices); the
    result is shared, so callers must not change it."""
    v, n, _ = _view()
    return _memo(db_path(), v, n, lang(), name, key, build)


#: how long the passport waits for the store to read a project's history from it
HISTORY_WAIT = 5.0


@st.cache_resource(show_spinner=False, max_entries=32)
def _history(path: str, data_version: int, pid: str) -> pd.DataFrame:
    del data_version  # part of the cache key only
    with store.session(path, read_only=True, wait=HISTORY_WAIT) as con:
        return project_history(con, pid)


def history(pid: str) -> pd.DataFrame | None:
    """Every change to project ``pid`` (``metrics.history.project_history``), read from the store
    file itself: the snapshot keeps only the current rows, and copying every table's history into
    it would slow every page's first view after an upload for the sake of one section. One
    project's versions take milliseconds to read; they are kept per data version. None when
    another process held the store for longer than ``HISTORY_WAIT`` seconds (shared frame: do not
    change it)."""
    try:
        return _history(db_path(), version(), pid)
    except store.StoreBusy:
        return None


def audited_export(actor: Actor, what: str, detail: Mapping[str, object], build: Callable[[], T]) -> Callable[[], T]:
    """``build`` for a download button's deferred data: the file is made when clicked, and the
    export is written to the audit log (who, what, which language and scope)."""

    def run() -> T:
        out = build()
        with store.session(db_path()) as con, store.transaction(con):
            audit.record(con, actor, "export", what, dict(detail))
        return out

    return run


def options(column: str, table: str) -> list[str]:
    """Distinct non-blank values of a projects column, for the filters (identifiers allowlisted)."""
    allowed = {("projects", "program"), ("projects", "curator"), ("projects", "project_id")}
    if (table, column) not in allowed:
        raise ValueError(f"{table}.{column} is not a filter column")

    def load(con: duckdb.DuckDBPyConnection) -> list[str]:
        rows = con.execute(
            f"SELECT DISTINCT {store.q(column)} FROM {store.q(table)} "  # noqa: S608 - allowlisted identifiers
            f"WHERE {store.q(column)} IS NOT NULL ORDER BY 1"
        ).fetchall()
        return [str(r[0]) for r in rows]

    return cached(f"options:{table}.{column}", load)


def project_names() -> pd.DataFrame:
    def load(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        return con.execute("SELECT project_id, name, program, curator, status FROM projects ORDER BY project_id").df()

    return cached("project_names", load)
