"""One cached DuckDB connection, a cursor per query, metric results cached by data version.

A DuckDB connection is not thread-safe and Streamlit sessions are threads: the connection is a
``cache_resource`` and every use takes its own ``.cursor()``. Metric pictures are cached by
(database, data version, as-of date, filters); every upload, rollback or settings change bumps
the data version, so the next rerun computes afresh (and old entries age out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from loaders import store
from metrics.common import Filters
from metrics.report import Picture, picture

from .session import lang

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return store.connect(path)


def db_path() -> str:
    return str(store.default_db_path())


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the shared connection, for one piece of work on this thread."""
    return _connection(db_path()).cursor()


def version() -> int:
    return store.data_version(cursor())


def is_empty() -> bool:
    return store.is_empty(cursor())


@st.cache_resource(show_spinner=False, max_entries=24)
def _picture(path: str, data_version: int, as_of: dt.date, filters: Filters) -> Picture:
    del data_version  # part of the cache key only
    return picture(_connection(path).cursor(), as_of, filters)


def pic(as_of: dt.date, filters: Filters) -> Picture:
    """Every metric as of ``as_of`` for ``filters`` (shared, read-only frames)."""
    return _picture(db_path(), version(), as_of, filters)


@st.cache_resource(show_spinner=False, max_entries=64)
def _cached(path: str, data_version: int, name: str, args: tuple[object, ...], _fn: Callable[..., T]) -> T:
    del data_version  # part of the cache key only; ``name`` stands for the function
    return _fn(_connection(path).cursor(), *args)


def cached(name: str, fn: Callable[..., T], *args: object) -> T:
    """``fn(cursor, *args)`` cached by data version (for page-specific metric calls)."""
    return _cached(db_path(), version(), name, args, fn)


@st.cache_resource(show_spinner=False, max_entries=256)
def _memo(
    path: str, data_version: int, language: str, name: str, key: tuple[object, ...], _build: Callable[[], T]
) -> T:
    del path, data_version, language, key  # the cache key only
    return _build()


def memo(name: str, build: Callable[[], T], *key: object) -> T:
    """``build()`` (a figure, a summary, a display frame) kept across reruns and sessions while the
    data version, the language and ``key`` stay the same. ``key`` must name every input of
    ``build`` besides the data and the language (as-of date, filters, widget choices); the result
    is shared, so callers must not change it."""
    return _memo(db_path(), version(), lang(), name, key, build)


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
