"""Computing before anyone asks.

When the server starts and whenever the data version changes (an upload, a rollback, a setting), a
background thread computes what users open first, into the very caches the pages read
(``ui.data``): every metric as of today and as of the last quarter end (the quarter the meeting
reviews), that quarter's meeting agenda with its briefs, the KPI trend (every filter cuts it from
the one of all projects), what changed since that quarter end (the digest page), and each program's
picture at both dates (the filter users change most).
A page that asks while the thread is at it waits for the same computation rather than doing it
twice; a newer data version supersedes one the thread has not started.

The thread runs with the server's other work on the same cores, so it does the likeliest things
first and stops at ``MAX_PROGRAMS`` programs. ``PMO_WARM=0`` turns it off (the test suite does:
its stores come and go by the hundred).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from typing import Final

import duckdb

from loaders import store
from metrics import kpi
from metrics.common import NO_FILTERS, Filters, previous_quarter_end

from . import data
from . import digest_view as dv
from . import meeting_view as mv
from .session import today

log = logging.getLogger(__name__)

#: programs whose pictures are computed ahead (a store with more warms the first ones by name)
MAX_PROGRAMS: Final = 24

_lock = threading.Lock()
_pending: tuple[str, int, duckdb.DuckDBPyConnection] | None = None
_worker: threading.Thread | None = None


def enabled() -> bool:
    return os.environ.get("PMO_WARM", "1").strip() != "0"


def schedule(path: str, version: int, con: duckdb.DuckDBPyConnection) -> None:
    """Warm the caches of data version ``version`` (its snapshot ``con``) in the background."""
    global _pending, _worker
    if not enabled():
        return
    with _lock:
        _pending = (path, version, con)
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="pmo-warm", daemon=True)
            _worker.start()


def wait(timeout: float | None = None) -> bool:
    """Wait for the warming under way (tests, the benchmark); False if it is still running."""
    worker = _worker
    if worker is not None:
        worker.join(timeout)
        return not worker.is_alive()
    return True


def _run() -> None:
    global _pending, _worker
    while True:
        with _lock:
            job, _pending = _pending, None
            if job is None:
                _worker = None
                return
        try:
            warm(*job)
        except Exception:  # a page computes what it needs itself; this was only ahead of it
            log.exception("warming the caches of data version %s failed", job[1])


def days(con: duckdb.DuckDBPyConnection, on: dt.date | None = None) -> list[dt.date]:
    """The as-of dates users open first: today (or the demo's date while the demo is all the store
    holds) and the last quarter end before it (the Overview compares with it)."""
    first = store.demo_as_of(con) or on or today()
    return [first, previous_quarter_end(first)]


def warm(path: str, version: int, con: duckdb.DuckDBPyConnection, on: dt.date | None = None) -> None:
    """Compute into the dashboard's caches what the first clicks of data version ``version`` need."""
    cursor = con.cursor()
    try:
        if store.is_empty(cursor):
            return
        dates = days(cursor, on)
        for day in dates:
            data.warm_picture(path, version, day, NO_FILTERS, con)
        reviewed = mv.quarters(dates[0])[0]
        args = (reviewed, NO_FILTERS, mv.DEFAULT_ORDER, None, mv.DEFAULT_START)
        data.warm_cached(path, version, "meeting_quarter", mv.prepare_quarter, args, con)
        data.warm_cached(path, version, "kpi_trend", kpi.kpi_trend, (dates[0], NO_FILTERS), con)
        data.warm_cached(path, version, "digest", dv.compute, (dates[1], dates[0], NO_FILTERS), con)
        rows = cursor.execute("SELECT DISTINCT program FROM projects WHERE program IS NOT NULL ORDER BY 1").fetchall()
        for day in dates:  # the Overview of a program shows it against the last quarter end
            for (program,) in rows[:MAX_PROGRAMS]:
                data.warm_picture(path, version, day, Filters(program=str(program)), con)
    finally:
        cursor.close()
