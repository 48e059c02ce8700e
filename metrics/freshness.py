"""Data freshness: when each project's rows were last uploaded, and the projects whose monitoring
data is stale (Reg §8, the coordinator collects the teams' status; Reg §45, the monitoring data).

The upload dates come from the batches (``loaders.store.touches``): a batch *touched* a project's
table when it wrote a new or changed version of one of its rows there (an upload that repeats a row
unchanged writes no version). Only applied batches count: a rolled-back one never happened.

Rules, for the projects in planning or execution on the as-of date (DOMAIN §4.6):

- **indicator values missing**: Q is the last quarter end on or before the as-of date. Every
  indicator of the project whose deadline is on or after Q, of a project started on or before Q,
  needs a value for the quarter ending on Q: one whose ``period_end`` is after the previous quarter
  end and not after Q (a quarter label such as ``2026-Q3`` is Q itself). An indicator whose deadline
  passed before Q is over: it needs no more values.
- **risks (activities) not updated**: more than ``data_stale_days`` (default 92, one quarter)
  calendar days from the day of the last applied upload that wrote a version of one of the
  project's risks (activities) to the as-of date; a project with none at all counts from its own
  first upload. An upload after the as-of date counts as 0 days: the data shown for that date is
  newer than it.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from loaders.store import touches

from .common import SCOPE_CTE, ColumnType, Context, Filters, context, previous_quarter_end, quarter_end, typed
from .history import history_tables
from .overdue import _projects
from .settings import Settings

#: the tables whose updates the rules watch, in the order the reasons are given
WATCHED: Final = ("activities", "risks")
REASONS: Final = ("values_missing", "activities_stale", "risks_stale")

UPLOAD_COLUMNS: Final[dict[str, ColumnType]] = {
    "project_id": "text",
    "table": "text",
    "batch": "int",  # the last applied batch that wrote a version of one of its rows
    "uploaded_on": "date",  # that batch's day
    "first_on": "date",  # the day of the first applied batch that did
}

FRESHNESS_COLUMNS: Final[dict[str, ColumnType]] = {
    "project_id": "text",
    "name": "text",
    "program": "text",
    "project_manager": "text",
    "lifecycle": "text",
    "last_upload": "date",  # the last applied upload that touched any of its tables
    "last_batch": "int",
    "quarter_end": "date",  # Q: the last quarter end on or before the as-of date
    "values_missing": "list",  # indicators without a value for the quarter ending on Q
    "indicator_values_updated": "date",
    "activities_updated": "date",  # None: never (then the days count from the project's first upload)
    "activities_days": "int",
    "activities_stale": "bool",
    "risks_updated": "date",
    "risks_days": "int",
    "risks_stale": "bool",
    "stale": "bool",
    "reasons": "list",  # ⊆ values_missing, activities_stale, risks_stale
}


def last_quarter_end(as_of: dt.date) -> dt.date:
    """The last quarter end on or before ``as_of`` (``as_of`` itself when it is one)."""
    end = quarter_end(as_of)
    return end if end == as_of else previous_quarter_end(as_of)


def _uploads_sql(con: duckdb.DuckDBPyConnection) -> str:
    return f"""
WITH {SCOPE_CTE}
SELECT t.project_id, t.table_name AS "table", max(b.batch_id) AS batch,
       CAST(arg_max(b.imported_at, b.batch_id) AS DATE) AS uploaded_on,
       CAST(arg_min(b.imported_at, b.batch_id) AS DATE) AS first_on
FROM {touches(con)} t JOIN batches b ON b.batch_id = t.batch_id AND b.status = 'applied'
JOIN scope s ON s.project_id = t.project_id
GROUP BY ALL
"""  # the relation is SQL built from the schema's names, never from a value


_MISSING_SQL: Final = f"""
WITH {SCOPE_CTE}
SELECT i.project_id, i.indicator_id
FROM indicators i JOIN scope s USING (project_id)
WHERE i.deadline >= $q AND s.start_date <= $q
  AND NOT EXISTS (SELECT 1 FROM indicator_values v
                  WHERE v.indicator_id = i.indicator_id AND v.period_end > $q_before AND v.period_end <= $q)
ORDER BY i.project_id, i.indicator_id
"""


def _uploads(ctx: Context) -> pd.DataFrame:
    def compute() -> pd.DataFrame:
        out = ctx.query(_uploads_sql(ctx.db))
        order = {t: i for i, t in enumerate(history_tables())}
        out = out.assign(_order=out["table"].map(order)).sort_values(["project_id", "_order"], kind="stable")
        return typed(out.reset_index(drop=True), UPLOAD_COLUMNS)

    return ctx.memo("uploads", compute)


def last_uploads(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> pd.DataFrame:
    """Per project in scope and per table of its rows, the last applied upload that wrote a new or
    changed version of one of them (batch and day) and the first one (Reg §8)."""
    return _uploads(context(con, dt.date.today(), filters))


def _days(as_of: dt.date, since: pd.Series) -> pd.Series:
    """Calendar days from ``since`` to ``as_of``, none below 0 (an upload after the as-of date)."""
    days = (pd.Timestamp(as_of) - pd.to_datetime(since)).dt.days
    return days.clip(lower=0).astype("Float64").astype("Int64")


def data_freshness(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Per project in planning or execution on the as-of date: the last upload that touched it and
    those of its indicator values, activities and risks; the indicators without a value for the last
    quarter end Q on or before the as-of date (those whose deadline is on or after Q, of a project
    started by Q); whether its risks and activities went more than ``data_stale_days`` days without
    a new version (Reg §8, §45). Stale projects first, then by project."""
    ctx = context(con, as_of, filters, settings)
    projects = _projects(ctx)
    live = projects.loc[projects["live"], ["project_id", "name", "program", "project_manager", "lifecycle"]]
    q = last_quarter_end(as_of)
    missing = ctx.query(_MISSING_SQL, q=q, q_before=previous_quarter_end(q))
    uploads = _uploads(ctx)
    limit = ctx.settings.int("data_stale_days")

    out = live.reset_index(drop=True)
    by_project = uploads.groupby("project_id")
    latest = uploads.loc[by_project["batch"].idxmax()] if len(uploads) else uploads
    last = latest[["project_id", "uploaded_on", "batch"]].rename(
        columns={"uploaded_on": "last_upload", "batch": "last_batch"}
    )
    out = out.merge(last, on="project_id", how="left")
    first = by_project["first_on"].min().rename("first_on")
    out = out.merge(first, left_on="project_id", right_index=True, how="left")
    for table in ("indicator_values", *WATCHED):
        rows = uploads.loc[uploads["table"] == table, ["project_id", "uploaded_on"]]
        out = out.merge(rows.rename(columns={"uploaded_on": f"{table}_updated"}), on="project_id", how="left")
    for table in WATCHED:
        since = out[f"{table}_updated"].fillna(out["first_on"])
        days = _days(as_of, since)
        out[f"{table}_days"] = days
        out[f"{table}_stale"] = (days > limit).fillna(False).astype(bool)
    lacking = missing.groupby("project_id")["indicator_id"].agg(list)
    out["values_missing"] = out["project_id"].map(lacking).map(lambda v: v if isinstance(v, list) else [])
    out["quarter_end"] = pd.Timestamp(q)
    flags = {
        "values_missing": out["values_missing"].map(bool).to_numpy(dtype=bool),
        "activities_stale": out["activities_stale"].to_numpy(dtype=bool),
        "risks_stale": out["risks_stale"].to_numpy(dtype=bool),
    }
    out["reasons"] = [[r for r in REASONS if flags[r][i]] for i in range(len(out))]
    out["stale"] = np.array([bool(r) for r in out["reasons"]], dtype=bool)
    out = out.sort_values(["stale", "project_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return typed(out, FRESHNESS_COLUMNS)
