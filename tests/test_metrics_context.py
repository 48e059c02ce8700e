"""A context shared by threads: one cursor each, a shared frame computed once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pandas as pd

from metrics.common import context
from metrics.report import picture

AS_OF = dt.date(2026, 9, 30)


def test_a_shared_frame_is_computed_once_however_many_threads_ask(empty_con: duckdb.DuckDBPyConnection) -> None:
    ctx = context(empty_con, AS_OF)
    calls: list[int] = []

    def compute() -> pd.DataFrame:
        calls.append(threading.get_ident())
        time.sleep(0.05)  # long enough for the other threads to ask meanwhile
        return pd.DataFrame({"x": [1]})

    with ThreadPoolExecutor(4) as pool:
        frames = list(pool.map(lambda _: ctx.memo("shared", compute), range(4)))
    assert len(calls) == 1
    assert all(f is frames[0] for f in frames)


def test_each_thread_queries_through_its_own_cursor(empty_con: duckdb.DuckDBPyConnection) -> None:
    ctx = context(empty_con, AS_OF)
    assert ctx.db is empty_con  # the thread that made the context uses the connection itself

    def on_worker() -> tuple[bool, int]:
        try:
            ctx.db.register("mine", pd.DataFrame({"v": [7]}))
            value = ctx.query("SELECT v FROM mine")["v"].iloc[0]
            return ctx.db is not empty_con, int(value)
        finally:
            ctx.close()

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(on_worker).result() == (True, 7)
    # what the worker registered stayed on its cursor
    assert "mine" not in set(empty_con.sql("SELECT view_name FROM duckdb_views()").df()["view_name"])


def test_the_threaded_picture_equals_the_metrics_one_by_one(baseline_con: duckdb.DuckDBPyConnection) -> None:
    from metrics.budget import budget_lines
    from metrics.meetings import meeting_load
    from metrics.overdue import overdue_items
    from metrics.status import project_status

    pic = picture(baseline_con, AS_OF)
    pd.testing.assert_frame_equal(pic.status, project_status(baseline_con, AS_OF))
    pd.testing.assert_frame_equal(pic.overdue, overdue_items(baseline_con, AS_OF))
    pd.testing.assert_frame_equal(pic.meeting_load, meeting_load(baseline_con, AS_OF))
    pd.testing.assert_frame_equal(pic.budget, budget_lines(baseline_con, AS_OF))
