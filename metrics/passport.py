"""One project on one page: its passport, team, plan with the state of each activity, indicator
trend against the expected pace, change requests and evaluation report (DOMAIN §3, §4.1, §4.4;
Reg §2.3, §10, §17, §23, §26–27, §30, §39–40, §44–50)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from .common import ColumnType, Context, Filters, context, typed
from .kpi import expected_fraction, kpi_trend
from .meetings import _NAME_KEY
from .settings import Settings

#: The colours of the plan: complete on time, complete after the planned end, started, not
#: started, past the planned end and not complete (DOMAIN §4.4), cancelled.
ACTIVITY_STATES: Final = ("done", "completed_late", "in_progress", "not_started", "overdue", "cancelled")
EVALUATION_STATES: Final = ("not_due", "awaited", "missing", "submitted", "late")

PASSPORT_COLUMNS: Final[dict[str, ColumnType]] = {
    "project_id": "text",
    "name": "text",
    "program": "text",
    "strategic_goal": "text",
    "curator": "text",
    "program_manager": "text",
    "project_manager": "text",
    "start_date": "date",
    "end_date": "date",
    "status": "text",
    "completed_on": "date",
    "approved_on": "date",
    "description": "text",
}

TEAM_COLUMNS: Final[dict[str, ColumnType]] = {
    "person": "text",
    "role": "text",
    "allocation_pct": "float",
    "from_date": "date",
    "to_date": "date",
    "active": "bool",
    "total_pct": "float",
    "over_allocated": "bool",
}

ACTIVITY_COLUMNS: Final[dict[str, ColumnType]] = {
    "activity_id": "text",
    "name": "text",
    "stage": "text",
    "responsible": "text",
    "planned_start": "date",
    "planned_end": "date",
    "actual_end": "date",
    "status": "text",
    "percent_complete": "float",
    "expected_result": "text",
    "indicator_id": "text",
    "state": "text",
    "days_overdue": "int",
    "days_late": "int",
}

TREND_COLUMNS: Final[dict[str, ColumnType]] = {
    "indicator_id": "text",
    "name": "text",
    "unit": "text",
    "period": "date",
    "actual": "float",
    "achievement": "float",
    "expected": "float",
}

CHANGE_COLUMNS: Final[dict[str, ColumnType]] = {
    "change_id": "text",
    "submitted_on": "date",
    "description": "text",
    "decision": "text",
    "decided_on": "date",
    "due": "date",
    "overdue": "bool",
    "days_overdue": "int",
}

EVALUATION_COLUMNS: Final[dict[str, ColumnType]] = {
    "completed_on": "date",
    "due": "date",
    "submitted_on": "date",
    "state": "text",
    "days_late": "int",
    "final_result": "text",
    "budget_absorbed_pct": "float",
    "lessons_learned": "text",
}


def _one(con: duckdb.DuckDBPyConnection, project_id: str, as_of: dt.date, settings: Settings | None) -> Context:
    return context(con, as_of, Filters(project_ids=(project_id,)), settings)


def passport(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """The passport row of one project (Reg §2.3, §23); empty when the project is unknown."""
    df = con.execute("SELECT * FROM projects WHERE project_id = ?", [project_id]).df()
    return typed(df, PASSPORT_COLUMNS)


_TEAM_SQL: Final = f"""
WITH active AS (
    SELECT {_NAME_KEY.format(col="t.person")} AS pkey, t.allocation_pct
    FROM team t JOIN projects p USING (project_id)
    WHERE coalesce(p.status, '') <> 'cancelled'
      AND (t.from_date IS NULL OR t.from_date <= $as_of) AND (t.to_date IS NULL OR t.to_date >= $as_of)
),
totals AS (SELECT pkey, sum(allocation_pct) AS total_pct FROM active GROUP BY pkey)
SELECT t.person, t.role, t.allocation_pct, t.from_date, t.to_date,
       (t.from_date IS NULL OR t.from_date <= $as_of) AND (t.to_date IS NULL OR t.to_date >= $as_of) AS active,
       tot.total_pct
FROM team t LEFT JOIN totals tot ON tot.pkey = {_NAME_KEY.format(col="t.person")}
WHERE t.project_id = $pid
ORDER BY NOT active, t.allocation_pct DESC, t.person, t.from_date NULLS FIRST
"""


def team(con: duckdb.DuckDBPyConnection, project_id: str, as_of: dt.date) -> pd.DataFrame:
    """The project's team rows with the share of working time released to it (Reg §10, §17),
    whether each row is in force on the as-of date, and the person's total share over every
    live project that day — over 100 % is over-allocated (DOMAIN §4.3)."""
    df = con.sql(_TEAM_SQL, params={"pid": project_id, "as_of": as_of}).df()
    df["total_pct"] = df["total_pct"].where(df["active"].astype(bool))
    df["over_allocated"] = df["total_pct"].gt(100)
    return typed(df, TEAM_COLUMNS)


_ACTIVITIES_SQL: Final = """
SELECT a.activity_id, a.name, a.stage, coalesce(a.responsible, p.project_manager) AS responsible,
       a.planned_start, a.planned_end, a.actual_end, a.status, a.percent_complete, a.expected_result,
       a.indicator_id,
       coalesce(a.actual_end <= $as_of OR (a.actual_end IS NULL AND a.status = 'done'), false) AS complete,
       coalesce(p.status = 'cancelled', false) AS project_cancelled
FROM activities a JOIN projects p USING (project_id)
WHERE a.project_id = $pid
ORDER BY a.planned_start NULLS LAST, a.planned_end, a.activity_id
"""


def activities(con: duckdb.DuckDBPyConnection, project_id: str, as_of: dt.date) -> pd.DataFrame:
    """The detailed plan (Reg §2.6, §26–27, §45) with each activity's state on the as-of date:
    cancelled; done, or completed late when its actual end is after the planned end; overdue
    when not complete and the planned end is before the as-of date (DOMAIN §4.4; none in a
    cancelled project); in progress when started or partly done; else not started. A completion
    dated after the as-of date had not happened yet. The responsible person defaults to the
    project manager."""
    df = con.sql(_ACTIVITIES_SQL, params={"pid": project_id, "as_of": as_of}).df()
    as_of_ts = pd.Timestamp(as_of)
    planned_end = pd.to_datetime(df["planned_end"])
    actual_end = pd.to_datetime(df["actual_end"])
    complete = df["complete"].astype(bool)
    late = complete & actual_end.notna() & (actual_end > planned_end)
    past_due = ~complete & (planned_end < as_of_ts)
    started = df["status"].isin(["in_progress", "done"]) | df["percent_complete"].fillna(0).gt(0)
    stopped = df["status"].eq("cancelled") | (~complete & df["project_cancelled"].astype(bool))
    df["state"] = np.select(
        [stopped, late, complete, past_due, started],
        ["cancelled", "completed_late", "done", "overdue", "in_progress"],
        "not_started",
    )
    df["days_overdue"] = ((as_of_ts - planned_end).dt.days).where(df["state"].eq("overdue"))
    df["days_late"] = ((actual_end - planned_end).dt.days).where(df["state"].eq("completed_late"))
    return typed(df, ACTIVITY_COLUMNS)


def indicator_trend(
    con: duckdb.DuckDBPyConnection, project_id: str, as_of: dt.date, settings: Settings | None = None
) -> pd.DataFrame:
    """Per indicator and period: the value, its achievement and the achievement expected by then,
    (period − project start) / (deadline − project start) clipped to [0, 1] (DOMAIN §4.1 trend)."""
    per_indicator, _ = kpi_trend(con, as_of, Filters(project_ids=(project_id,)), settings)
    info = con.execute(
        """SELECT i.indicator_id, i.name, i.unit, i.deadline, p.start_date
           FROM indicators i JOIN projects p USING (project_id) WHERE i.project_id = ?""",
        [project_id],
    ).df()
    df = per_indicator.merge(info, on="indicator_id", how="inner")
    df["expected"] = np.nan
    for period, rows in df.groupby("period"):
        stamp = pd.Timestamp(str(period)).date()
        df.loc[rows.index, "expected"] = expected_fraction(stamp, rows["start_date"], rows["deadline"]).to_numpy()
    df = df.sort_values(["indicator_id", "period"], kind="stable")
    return typed(df, TREND_COLUMNS)


def _nth_working_day(ctx: Context, days: pd.Series, n: int) -> pd.Series:
    """The ``n``-th working day after each date (NaT kept)."""
    if days.empty:
        return pd.Series([], dtype="datetime64[s]")
    return pd.Series(ctx.calendar.nth_after(days, n), index=days.index).astype("datetime64[s]")


def changes(
    con: duckdb.DuckDBPyConnection, project_id: str, as_of: dt.date, settings: Settings | None = None
) -> pd.DataFrame:
    """Change requests submitted by the as-of date (Reg §30, §39–40) with the decision as it stood
    then (blank or dated later = pending), the due date of the decision — the 10th working day
    after submission — and, for a pending one, whether it is overdue (DOMAIN §4.4)."""
    ctx = _one(con, project_id, as_of, settings)
    df = con.execute(
        """SELECT change_id, submitted_on, description, decision, decided_on FROM changes
           WHERE project_id = ? AND submitted_on <= ? ORDER BY submitted_on, change_id""",
        [project_id, as_of],
    ).df()
    as_of_ts = pd.Timestamp(as_of)
    decided = pd.to_datetime(df["decided_on"])
    pending = df["decision"].isna() | df["decision"].eq("pending") | (decided > as_of_ts)
    df["decision"] = df["decision"].where(~pending, "pending")
    df["decided_on"] = decided.where(~pending)
    df["due"] = _nth_working_day(ctx, pd.to_datetime(df["submitted_on"]), ctx.settings.int("change_due_working_days"))
    df["overdue"] = pending & (pd.to_datetime(df["due"]) < as_of_ts)
    df["days_overdue"] = (as_of_ts - pd.to_datetime(df["due"])).dt.days.where(df["overdue"])
    return typed(df, CHANGE_COLUMNS)


def evaluation(
    con: duckdb.DuckDBPyConnection, project_id: str, as_of: dt.date, settings: Settings | None = None
) -> pd.DataFrame:
    """The evaluation report (Reg §47–50) as one row: completion, due date — the 15th working day
    after completion (Reg §49) — and the state on the as-of date: not due (project not completed),
    awaited, missing (due date passed, no report), submitted, or late (submitted after the due
    date); a report or a completion dated after the as-of date had not happened yet. Empty when
    the project is unknown."""
    ctx = _one(con, project_id, as_of, settings)
    df = con.execute(
        """SELECT p.completed_on, p.status, e.submitted_on, e.final_result, e.budget_absorbed_pct, e.lessons_learned
           FROM projects p LEFT JOIN evaluations e ON e.project_id = p.project_id AND e.submitted_on <= ?
           WHERE p.project_id = ?""",
        [as_of, project_id],
    ).df()
    as_of_ts = pd.Timestamp(as_of)
    completed_on = pd.to_datetime(df["completed_on"])
    completed = (completed_on <= as_of_ts) | (completed_on.isna() & df["status"].eq("completed"))
    df["completed_on"] = completed_on.where(completed_on <= as_of_ts)
    due = _nth_working_day(ctx, pd.to_datetime(df["completed_on"]), ctx.settings.int("evaluation_due_working_days"))
    df["due"] = due
    submitted = pd.to_datetime(df["submitted_on"])
    late = submitted.notna() & due.notna() & (submitted > due)
    df["state"] = np.select(
        [late, submitted.notna(), ~completed, due.notna() & (due < as_of_ts)],
        ["late", "submitted", "not_due", "missing"],
        "awaited",
    )
    df["days_late"] = (submitted - due).dt.days.where(late)
    return typed(df, EVALUATION_COLUMNS)
