"""What every metric shares: the filters, the project scope in SQL, typed result frames."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar, cast

import duckdb
import numpy as np
import pandas as pd

from . import calendar as kz_calendar
from . import settings as settings_mod
from .settings import Settings

T = TypeVar("T")

ColumnType = Literal["text", "date", "float", "int", "bool", "list"]


@dataclass(frozen=True)
class Filters:
    """Which projects a metric looks at; None means no restriction."""

    program: str | None = None
    curator: str | None = None
    project_ids: tuple[str, ...] | None = None

    def params(self) -> dict[str, object]:
        return {
            "f_program": self.program,
            "f_curator": self.curator,
            "f_ids": list(self.project_ids) if self.project_ids is not None else None,
        }


NO_FILTERS: Final = Filters()

#: The projects in scope, as a CTE; binds $f_program, $f_curator, $f_ids.
SCOPE_CTE: Final = """scope AS (
    SELECT p.*, coalesce(p.status = 'cancelled', false) AS cancelled
    FROM projects p
    WHERE ($f_program IS NULL OR p.program = $f_program)
      AND ($f_curator IS NULL OR p.curator = $f_curator)
      AND ($f_ids IS NULL OR list_contains(CAST($f_ids AS VARCHAR[]), p.project_id))
)"""


@dataclass(frozen=True)
class Context:
    """The inputs of one computation: connection, as-of date, filters, settings, calendar —
    and the intermediate frames several metrics share, computed once (``memo``).

    Metrics of one context may run on several threads (``metrics.report.picture`` does): each
    thread queries through its own cursor (``db``), and a shared frame is computed by whichever
    thread asks first while the others wait for it."""

    con: duckdb.DuckDBPyConnection
    as_of: dt.date
    filters: Filters
    settings: Settings
    calendar: kz_calendar.Calendar
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, compare=False, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    _local: threading.local = field(default_factory=threading.local, compare=False, repr=False)
    _owner: int = field(default_factory=threading.get_ident, compare=False, repr=False)

    @property
    def db(self) -> duckdb.DuckDBPyConnection:
        """The connection for this thread: ``con`` on the thread that made the context, a
        cursor of it (with the calendar registered) on any other."""
        if threading.get_ident() == self._owner:
            return self.con
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self.con.cursor()
        return cursor

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for in this context, the same frame after."""
        if key in self._memo:
            return cast(T, self._memo[key])
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = compute()
        return cast(T, self._memo[key])

    def register_calendar(self) -> None:
        """Make the working-day calendar a relation ``wd_cal(day, working, cum)`` for SQL:
        working days after D up to E = cum(E) − cum(D); the Nth working day after D is the
        working day whose cum is cum(D) + N."""
        self.db.register("wd_cal", self.calendar.table)

    def query(self, sql: str, **params: object) -> pd.DataFrame:
        """Run ``sql`` (which may use the ``scope`` CTE) with the filters and ``$as_of`` bound."""
        bound = {**self.filters.params(), "as_of": self.as_of, **params}
        used = {k: v for k, v in bound.items() if f"${k}" in sql}
        return fetch(self.db, sql, used)

    def close(self) -> None:
        """Close this thread's cursor (call on a worker thread when its work is done)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is not None:
            cursor.close()
            self._local.cursor = None


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None) -> pd.DataFrame:
    """A query's result as a DataFrame, through Arrow (dates as datetime64, text as str)."""
    table = con.sql(sql, params=dict(params or {})).to_arrow_table()
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    return frame


def scope_ids(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> list[str]:
    """The ids of the projects ``filters`` keep (every project without filters), sorted."""
    sql = f"WITH {SCOPE_CTE} SELECT project_id FROM scope ORDER BY project_id"
    rows = con.execute(sql, (filters or NO_FILTERS).params()).fetchall()
    return [str(r[0]) for r in rows]


def context(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> Context:
    s = settings or settings_mod.load(con)
    return Context(con, as_of, filters or NO_FILTERS, s, kz_calendar.for_settings(s))


def typed(df: pd.DataFrame, schema: Mapping[str, ColumnType]) -> pd.DataFrame:
    """``df`` with exactly the columns of ``schema``, in order, each of its declared type:
    text as objects with None for missing, dates as datetime64[s], floats, nullable ints, bools,
    lists (built once, in one go: adding columns one by one to a frame is slow)."""
    n = len(df)
    out: dict[str, object] = {}
    for name, kind in schema.items():
        col: Any = df[name] if name in df.columns else pd.Series([None] * n, index=df.index, dtype=object)
        if kind == "text":
            out[name] = pd.Series(col.to_numpy(dtype=np.object_, na_value=None), dtype=object)
        elif kind == "date":
            out[name] = pd.Series(pd.to_datetime(col).to_numpy(dtype="datetime64[s]"))
        elif kind == "float":
            out[name] = pd.to_numeric(col).to_numpy(dtype="float64", na_value=np.nan)
        elif kind == "int":
            out[name] = pd.array(pd.to_numeric(col).to_numpy(dtype="float64", na_value=np.nan), dtype="Int64")
        elif kind == "bool":
            out[name] = col.fillna(False).to_numpy(dtype=bool)
        else:
            lists = [list(v) if isinstance(v, list | tuple | np.ndarray) else [] for v in col]
            out[name] = pd.Series(lists, dtype=object)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def days_between(a: pd.Series, b: pd.Series) -> pd.Series:
    """Calendar days from ``a`` to ``b`` (float, NaN where missing)."""
    return (pd.to_datetime(b) - pd.to_datetime(a)).dt.days.astype("float64")


def as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3
    nxt = dt.date(day.year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def previous_quarter_end(day: dt.date) -> dt.date:
    """The last quarter end strictly before ``day``."""
    q = quarter_end(day)
    if q >= day:
        start = dt.date(q.year, q.month - 2, 1)
        return start - dt.timedelta(days=1)
    return q


def parse_quarter(label: str) -> dt.date:
    """``2026-Q3`` -> 2026-09-30."""
    text = label.strip().upper().replace(" ", "")
    if len(text) == 7 and text[4:6] == "-Q" and text[:4].isdigit() and text[6] in "1234":
        year, q = int(text[:4]), int(text[6])
        return quarter_end(dt.date(year, q * 3, 1))
    raise ValueError(label)


def quarter_label(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def ids(values: Sequence[object]) -> list[str]:
    return [str(v) for v in values]
