"""Meeting load and norm compliance, meeting overruns, over-allocated people
(DOMAIN §4.3; Reg §10, §17, §33–38)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from .common import SCOPE_CTE, ColumnType, Context, Filters, context, typed
from .settings import Settings

NORMS: Final = ("2h_per_day", "3_per_week", "2_per_week")

LOAD_COLUMNS: Final[dict[str, ColumnType]] = {
    "person": "text",
    "project_id": "text",
    "week": "text",
    "week_start": "date",
    "allocation_pct": "float",
    "working_days": "int",
    "project_hours": "float",
    "meeting_hours": "float",
    "meetings_attended": "int",
    "load_pct": "float",
    "norm": "text",
    "required": "float",
    "attended": "float",
    "compliance_pct": "float",
}

#: attendee names compare ignoring case and repeated spaces (DOMAIN §4.3)
_NAME_KEY: Final = "lower(regexp_replace(trim({col}), '\\s+', ' ', 'g'))"


def window(as_of: dt.date, weeks: int) -> tuple[dt.date, dt.date]:
    """The last ``weeks`` complete ISO weeks (Monday–Sunday) ending on or before the as-of date."""
    end = as_of - dt.timedelta(days=(as_of.isoweekday() % 7))
    return end - dt.timedelta(days=7 * weeks - 1), end


_LOAD_SQL: Final = f"""
WITH {SCOPE_CTE},
weeks AS (
    SELECT CAST(CAST($win_start AS DATE) + INTERVAL (7 * i) DAY AS DATE) AS week_start FROM range($n_weeks) t(i)
),
team_rows AS (
    SELECT t.project_id, t.person, {_NAME_KEY.format(col="t.person")} AS pkey, t.allocation_pct, t.from_date, t.to_date
    FROM team t JOIN scope s USING (project_id)
    WHERE NOT s.cancelled AND t.allocation_pct > 0
),
person_weeks AS (
    SELECT r.project_id, r.pkey, min(r.person) AS person, sum(r.allocation_pct) AS allocation_pct, w.week_start
    FROM team_rows r JOIN weeks w
      ON (r.from_date IS NULL OR r.from_date <= w.week_start + 6) AND (r.to_date IS NULL OR r.to_date >= w.week_start)
    GROUP BY r.project_id, r.pkey, w.week_start
),
held AS (
    SELECT m.meeting_id, m.project_id, CAST(date_trunc('week', m.date) AS DATE) AS week_start, m.attendees,
           CASE WHEN m.type IN ('monthly_report', 'quarterly_report')
                THEN m.duration_min / greatest(coalesce(m.teams_presented, 1), 1)
                ELSE m.duration_min END AS share_min
    FROM meetings m JOIN scope s USING (project_id)
    WHERE NOT s.cancelled AND m.date BETWEEN $win_start AND $win_end
),
attended AS (
    SELECT DISTINCT h.meeting_id, h.project_id, h.week_start, h.share_min, {_NAME_KEY.format(col="a.name")} AS pkey
    FROM held h, unnest(regexp_split_to_array(coalesce(h.attendees, ''), '[;,\\n\\r]+')) AS a(name)
    WHERE trim(a.name) <> ''
),
per_week AS (
    SELECT project_id, week_start, pkey, sum(share_min) / 60.0 AS meeting_hours, count(*) AS meetings_attended
    FROM attended GROUP BY project_id, week_start, pkey
)
SELECT pw.person, pw.pkey, pw.project_id, pw.week_start, pw.allocation_pct,
       coalesce(a.meeting_hours, 0) AS meeting_hours, coalesce(a.meetings_attended, 0) AS meetings_attended
FROM person_weeks pw LEFT JOIN per_week a USING (project_id, week_start, pkey)
ORDER BY pw.person, pw.project_id, pw.week_start
"""


def norm_tier(allocation_pct: pd.Series, settings: Settings) -> pd.Series:
    """≥ 50 % → 2 h a day; 30–49 % → 3 meetings a week; 10–29 % → 2 meetings a week; below 10 %
    no norm (Reg §33)."""
    conditions = [
        allocation_pct >= settings.norm_hours_min_pct,
        allocation_pct >= settings.norm_three_min_pct,
        allocation_pct >= settings.norm_two_min_pct,
    ]
    tier = np.select(conditions, list(NORMS), "")
    return pd.Series(tier, index=allocation_pct.index).replace("", None)


def _load(ctx: Context) -> pd.DataFrame:
    start, end = window(ctx.as_of, ctx.settings.int("meeting_window_weeks"))
    df = ctx.query(_LOAD_SQL, win_start=start, win_end=end, n_weeks=ctx.settings.int("meeting_window_weeks"))
    s = ctx.settings
    week_start = pd.to_datetime(df["week_start"])
    df["working_days"] = ctx.calendar.between(week_start - pd.Timedelta(days=1), week_start + pd.Timedelta(days=6))
    iso = week_start.dt.isocalendar()
    df["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    df["project_hours"] = s.week_hours * df["allocation_pct"] / 100
    df["load_pct"] = df["meeting_hours"] / df["project_hours"] * 100
    df["norm"] = norm_tier(df["allocation_pct"], s)
    hours = df["norm"].eq("2h_per_day")
    df["required"] = np.select(
        [hours, df["norm"].eq("3_per_week"), df["norm"].eq("2_per_week")],
        [s.norm_hours_per_day * df["working_days"], s.norm_three_meetings, s.norm_two_meetings],
        np.nan,
    )
    df["attended"] = np.where(hours, df["meeting_hours"], df["meetings_attended"]).astype(float)
    df["attended"] = df["attended"].where(df["norm"].notna())
    df["compliance_pct"] = df["attended"] / df["required"].where(df["required"] > 0) * 100
    return df


def meeting_load(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Per person, project and ISO week of the last 13 complete weeks: project hours = 40 h ×
    allocation; meeting hours attended (a monthly/quarterly slot counts duration ÷ teams
    presented); meeting load % = meeting hours / project hours × 100; the norm tier by release
    share, required vs attended and compliance % (DOMAIN §4.3; Reg §33). Every team row with
    allocation > 0 appears for every week its dates overlap, meetings attended or not."""
    return typed(_load(context(con, as_of, filters, settings)), LOAD_COLUMNS)


def person_load(load: pd.DataFrame) -> pd.DataFrame:
    """A person's total per week over all their projects: project hours, meeting hours, load %."""
    grouped = load.groupby([load["person"].str.casefold(), "week"], as_index=False).agg(
        person=("person", "first"),
        week_start=("week_start", "first"),
        projects=("project_id", "nunique"),
        allocation_pct=("allocation_pct", "sum"),
        project_hours=("project_hours", "sum"),
        meeting_hours=("meeting_hours", "sum"),
    )
    grouped["load_pct"] = grouped["meeting_hours"] / grouped["project_hours"] * 100
    return typed(
        grouped.sort_values(["person", "week"]),
        {
            "person": "text",
            "week": "text",
            "week_start": "date",
            "projects": "int",
            "allocation_pct": "float",
            "project_hours": "float",
            "meeting_hours": "float",
            "load_pct": "float",
        },
    )


_OVERRUN_SQL: Final = f"""
WITH {SCOPE_CTE}
SELECT m.meeting_id, m.project_id, m.type, m.date, m.duration_min, coalesce(m.teams_presented, 1) AS teams_presented
FROM meetings m JOIN scope s USING (project_id)
WHERE NOT s.cancelled AND m.date BETWEEN $win_start AND $win_end
  AND m.type IN ('daily', 'sprint_planning', 'monthly_report', 'quarterly_report')
ORDER BY m.meeting_id
"""


def meeting_overruns(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Meetings of the window beyond their type's limit: daily > 15 min (Reg §37); sprint planning
    > 8 h or not on a Tuesday (Reg §36); monthly or quarterly report > 20 min × teams presented
    (Reg §34–35). One row per meeting and reason (too_long, not_tuesday)."""
    return _overruns(context(con, as_of, filters, settings))


def _overruns(ctx: Context) -> pd.DataFrame:
    s = ctx.settings
    start, end = window(ctx.as_of, s.int("meeting_window_weeks"))
    df = ctx.query(_OVERRUN_SQL, win_start=start, win_end=end)
    limit = np.select(
        [df["type"].eq("daily"), df["type"].eq("sprint_planning")],
        [s.daily_limit_min, s.sprint_planning_limit_min],
        s.report_limit_min_per_team * df["teams_presented"],
    )
    df["limit_min"] = limit.astype(float)
    df["over_min"] = (df["duration_min"] - df["limit_min"]).clip(lower=0)
    too_long = df[df["duration_min"] > df["limit_min"]].assign(reason="too_long")
    weekday = pd.to_datetime(df["date"]).dt.isocalendar()["day"]
    not_tuesday = df[df["type"].eq("sprint_planning") & weekday.ne(s.int("sprint_planning_weekday"))]
    out = pd.concat([too_long, not_tuesday.assign(reason="not_tuesday")], ignore_index=True)
    out = out.sort_values(["meeting_id", "reason"])
    return typed(
        out,
        {
            "meeting_id": "text",
            "project_id": "text",
            "type": "text",
            "date": "date",
            "duration_min": "float",
            "teams_presented": "int",
            "limit_min": "float",
            "over_min": "float",
            "reason": "text",
        },
    )


_ALLOCATION_SQL: Final = f"""
WITH {SCOPE_CTE},
active AS (
    SELECT {_NAME_KEY.format(col="t.person")} AS pkey, t.person, t.project_id, t.allocation_pct
    FROM team t JOIN projects p USING (project_id)
    WHERE coalesce(p.status, '') <> 'cancelled'
      AND (t.from_date IS NULL OR t.from_date <= $as_of) AND (t.to_date IS NULL OR t.to_date >= $as_of)
),
in_scope AS (SELECT DISTINCT a.pkey FROM active a JOIN scope s USING (project_id))
SELECT min(person) AS person, sum(allocation_pct) AS allocation_pct, count(DISTINCT project_id) AS projects,
       list(DISTINCT project_id ORDER BY project_id) AS project_ids
FROM active WHERE pkey IN (SELECT pkey FROM in_scope)
GROUP BY pkey HAVING sum(allocation_pct) > 100 ORDER BY person
"""


def over_allocated(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """People whose team rows active on the as-of date add up to more than 100 % (DOMAIN §4.3).

    The total counts every project a person is on; the filters only choose whom to list."""
    return _over_allocated(context(con, as_of, filters, settings))


def _over_allocated(ctx: Context) -> pd.DataFrame:
    df = ctx.query(_ALLOCATION_SQL)
    return typed(df, {"person": "text", "allocation_pct": "float", "projects": "int", "project_ids": "list"})
