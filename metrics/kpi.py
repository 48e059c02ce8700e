"""KPI and target-indicator achievement (DOMAIN §4.1; Reg §2.4–2.5, §21, §44–45; DT §18–19)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from .common import SCOPE_CTE, ColumnType, Context, Filters, context, typed
from .settings import Settings

STATUSES: Final = ("achieved", "on_track", "at_risk", "off_track", "missed", "no_data")

INDICATOR_COLUMNS: Final[dict[str, ColumnType]] = {
    "indicator_id": "text",
    "project_id": "text",
    "program": "text",
    "name": "text",
    "kind": "text",
    "parent_id": "text",
    "unit": "text",
    "criterion": "text",
    "direction": "text",
    "baseline": "float",
    "target": "float",
    "deadline": "date",
    "weight": "float",
    "project_cancelled": "bool",
    "latest_period": "date",
    "latest_actual": "float",
    "achievement": "float",
    "expected": "float",
    "status": "text",
}


def achievement(actual: pd.Series, baseline: pd.Series, target: pd.Series, direction: pd.Series) -> pd.Series:
    """(actual − baseline) / (target − baseline); one formula for both directions.

    When target = baseline: 1 if the actual is at or beyond the target in the indicator's
    direction, else 0 (DOMAIN §4.1). NaN where there is no actual.
    """
    span = target - baseline
    ratio = (actual - baseline) / span.where(span != 0)
    decrease = direction.eq("decrease")
    beyond = np.where(decrease, actual <= target, actual >= target)
    flat = pd.Series(np.where(beyond, 1.0, 0.0), index=actual.index)
    return ratio.where(span != 0, flat).where(actual.notna())


def expected_fraction(as_of: dt.date, start: pd.Series, deadline: pd.Series) -> pd.Series:
    """(as-of − project start) / (deadline − project start) in days, clipped to [0, 1];
    1 when the deadline is not after the start (DOMAIN §4.1)."""
    start = pd.to_datetime(start)
    deadline = pd.to_datetime(deadline)
    span = (deadline - start).dt.days
    elapsed = (pd.Timestamp(as_of) - start).dt.days
    frac = (elapsed / span.where(span > 0)).clip(0, 1)
    return frac.where(span > 0, 1.0).astype("float64")


def indicator_status(
    ach: pd.Series, expected: pd.Series, deadline: pd.Series, as_of: dt.date, settings: Settings
) -> pd.Series:
    """First match wins: no_data; achieved (≥ 1); missed (deadline before the as-of date);
    on_track (≥ 0.9 × expected); at_risk (≥ 0.7 × expected); else off_track (DOMAIN §4.1)."""
    conditions = [
        ach.isna(),
        ach >= 1,
        pd.to_datetime(deadline) < pd.Timestamp(as_of),
        ach >= settings.kpi_on_track_ratio * expected,
        ach >= settings.kpi_at_risk_ratio * expected,
    ]
    choices = ["no_data", "achieved", "missed", "on_track", "at_risk"]
    return pd.Series(np.select(conditions, choices, "off_track"), index=ach.index)


_INDICATORS_SQL: Final = f"""
WITH {SCOPE_CTE},
latest AS (
    SELECT indicator_id, max(period_end) AS latest_period, arg_max(actual, period_end) AS latest_actual
    FROM indicator_values WHERE period_end <= $as_of GROUP BY indicator_id
)
SELECT i.*, s.program, s.start_date AS project_start, s.cancelled AS project_cancelled,
       l.latest_period, l.latest_actual
FROM indicators i JOIN scope s USING (project_id) LEFT JOIN latest l USING (indicator_id)
ORDER BY i.indicator_id
"""


def _indicators(ctx: Context) -> pd.DataFrame:
    return ctx.memo("indicators", lambda: _compute_indicators(ctx))


def _compute_indicators(ctx: Context) -> pd.DataFrame:
    df = ctx.query(_INDICATORS_SQL)
    df["achievement"] = achievement(df["latest_actual"], df["baseline"], df["target"], df["direction"])
    df["expected"] = expected_fraction(ctx.as_of, df["project_start"], df["deadline"])
    df["status"] = indicator_status(df["achievement"], df["expected"], df["deadline"], ctx.as_of, ctx.settings)
    return typed(df, INDICATOR_COLUMNS)


def indicator_achievement(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Per indicator: latest value on or before the as-of date, achievement, expected fraction and
    status (DOMAIN §4.1; Reg §2.4–2.5, §44–45). Cancelled projects' indicators are listed."""
    return _indicators(context(con, as_of, filters, settings))


def project_kpi_index(indicators: pd.DataFrame, projects: pd.Series | None = None) -> pd.DataFrame:
    """Project KPI index = weighted mean of achievement clipped to [0, 1] over its indicators that
    have data (DOMAIN §4.1); null for a project without data and for a cancelled project."""
    live = indicators[indicators["achievement"].notna() & ~indicators["project_cancelled"]]
    clipped = live["achievement"].clip(0, 1)
    grouped = pd.DataFrame({"project_id": live["project_id"], "wa": clipped * live["weight"], "w": live["weight"]})
    sums = grouped.groupby("project_id", sort=True)[["wa", "w"]].sum()
    index = (sums["wa"] / sums["w"].where(sums["w"] > 0)).rename("kpi_index")
    counts = indicators.groupby("project_id")["indicator_id"].count().rename("indicators")
    with_data = live.groupby("project_id")["indicator_id"].count().rename("with_data")
    out = pd.concat([counts, with_data, index], axis=1)
    if projects is not None:
        out = out.reindex(pd.Index(projects, name="project_id"))
    out = out.reset_index().rename(columns={"index": "project_id"})
    out["indicators"] = out["indicators"].fillna(0)
    out["with_data"] = out["with_data"].fillna(0)
    return typed(out, {"project_id": "text", "indicators": "int", "with_data": "int", "kpi_index": "float"})


def rollup_index(project_index: pd.DataFrame, projects: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Program (``by="program"``) or portfolio (``by=None``) index: the plain mean of its
    projects' indices, projects without data and cancelled projects left out (DOMAIN §4.1)."""
    merged = projects[["project_id", "program", "cancelled"]].merge(project_index, on="project_id", how="left")
    merged = merged[~merged["cancelled"].astype(bool) & merged["kpi_index"].notna()]
    if by is None:
        value = float(merged["kpi_index"].mean()) if len(merged) else np.nan
        return pd.DataFrame({"kpi_index": [value], "projects": [len(merged)]})
    out = merged.groupby(by, dropna=False)["kpi_index"].agg(["mean", "count"]).reset_index()
    out.columns = [by, "kpi_index", "projects"]
    return typed(out, {by: "text", "kpi_index": "float", "projects": "int"})


_PROJECTS_SQL: Final = (
    f"WITH {SCOPE_CTE} SELECT project_id, name, program, curator, cancelled FROM scope ORDER BY project_id"
)


def kpi_index(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    filters: Filters | None = None,
    settings: Settings | None = None,
    by: str = "project",
) -> pd.DataFrame:
    """The weighted KPI index per project, or its plain mean per program or for the portfolio
    (``by`` = "project", "program" or "portfolio"; DOMAIN §4.1)."""
    ctx = context(con, as_of, filters, settings)
    indicators = _indicators(ctx)
    projects = ctx.query(_PROJECTS_SQL)
    index = project_kpi_index(indicators, projects["project_id"])
    if by == "project":
        return index
    return rollup_index(index, projects, "program" if by == "program" else None)


_TREND_SQL: Final = f"""
WITH {SCOPE_CTE},
ind AS (
    SELECT i.indicator_id, i.project_id, i.baseline, i.target, i.direction, i.weight
    FROM indicators i JOIN scope s USING (project_id) WHERE NOT s.cancelled
),
periods AS (
    SELECT DISTINCT ind.project_id, v.period_end AS period
    FROM indicator_values v JOIN ind USING (indicator_id) WHERE v.period_end <= $as_of
),
grid AS (
    SELECT p.project_id, p.period, ind.indicator_id, ind.baseline, ind.target, ind.direction, ind.weight
    FROM periods p JOIN ind USING (project_id)
)
SELECT g.*, v.actual, v.period_end AS value_period
FROM grid g ASOF LEFT JOIN indicator_values v
  ON g.indicator_id = v.indicator_id AND g.period >= v.period_end
ORDER BY g.project_id, g.period, g.indicator_id
"""


def kpi_trend(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Achievement per period (DOMAIN §4.1 trend): per indicator, each value on or before the
    as-of date; per project, at each period end, the KPI index from the latest value of each
    indicator as of that period (the index the project had then)."""
    ctx = context(con, as_of, filters, settings)
    values = ctx.query(
        f"""WITH {SCOPE_CTE}
        SELECT v.indicator_id, i.project_id, v.period_end AS period, v.actual, i.baseline, i.target, i.direction
        FROM indicator_values v JOIN indicators i USING (indicator_id) JOIN scope s USING (project_id)
        WHERE v.period_end <= $as_of ORDER BY v.indicator_id, v.period_end"""
    )
    values["achievement"] = achievement(values["actual"], values["baseline"], values["target"], values["direction"])
    per_indicator = typed(
        values,
        {"indicator_id": "text", "project_id": "text", "period": "date", "actual": "float", "achievement": "float"},
    )
    grid = ctx.query(_TREND_SQL)
    grid["achievement"] = achievement(grid["actual"], grid["baseline"], grid["target"], grid["direction"]).clip(0, 1)
    grid = grid[grid["achievement"].notna()]
    grid["wa"] = grid["achievement"] * grid["weight"]
    sums = grid.groupby(["project_id", "period"], as_index=False)[["wa", "weight"]].sum()
    sums["kpi_index"] = sums["wa"] / sums["weight"].where(sums["weight"] > 0)
    per_project = typed(sums, {"project_id": "text", "period": "date", "kpi_index": "float"})
    return per_indicator, per_project


def trend_in_scope(
    trend: tuple[pd.DataFrame, pd.DataFrame], project_ids: Iterable[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``kpi_trend`` of a filter, taken from the unfiltered one: a project's trend depends on its
    own indicators only, so the filtered trend is the rows of the projects in scope (what the
    dashboard does: one computation serves every filter)."""
    ids = set(project_ids)
    per_indicator, per_project = trend
    return (
        per_indicator[per_indicator["project_id"].isin(ids)].reset_index(drop=True),
        per_project[per_project["project_id"].isin(ids)].reset_index(drop=True),
    )


def trend_band(per_project: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The spread of the projects' KPI index over time, for portfolios too large for a line per
    project: at each quarter end (and the as-of date) every project's latest index by then, and
    across the projects the mean, the quartiles and how many projects have an index.

    Columns: period, projects, mean, q25, median, q75 (one row per date; empty without values)."""
    columns = ["period", "projects", "mean", "q25", "median", "q75"]
    if per_project.empty:
        return pd.DataFrame(columns=columns)
    wide = per_project.pivot_table(index="period", columns="project_id", values="kpi_index", aggfunc="last")
    wide.index = pd.DatetimeIndex(wide.index)
    first, last = wide.index.min(), pd.Timestamp(as_of)
    dates = pd.DatetimeIndex([*pd.date_range(first, last, freq="QE"), last]).unique()
    dates = dates[dates >= first]
    at = wide.reindex(wide.index.union(dates)).sort_index().ffill().loc[dates]
    out = pd.DataFrame(
        {
            "period": dates.date,
            "projects": at.notna().sum(axis=1).to_numpy(),
            "mean": at.mean(axis=1).to_numpy(),
            "q25": at.quantile(0.25, axis=1).to_numpy(),
            "median": at.median(axis=1).to_numpy(),
            "q75": at.quantile(0.75, axis=1).to_numpy(),
        }
    )
    return typed(
        out,
        {"period": "date", "projects": "int", "mean": "float", "q25": "float", "median": "float", "q75": "float"},
    )


def kpi_by_criterion(indicators: pd.DataFrame) -> pd.DataFrame:
    """Indicators grouped by the DT §19 criterion: count per status and the weighted mean
    achievement clipped to [0, 1] (cancelled projects left out)."""
    live = indicators[~indicators["project_cancelled"] & indicators["criterion"].notna()].copy()
    if live.empty:
        return pd.DataFrame(columns=["criterion", "indicators", "kpi_index", *STATUSES])
    live["wa"] = live["achievement"].clip(0, 1) * live["weight"]
    live["w"] = live["weight"].where(live["achievement"].notna())
    agg = live.groupby("criterion").agg(indicators=("indicator_id", "count"), wa=("wa", "sum"), w=("w", "sum"))
    agg["kpi_index"] = agg["wa"] / agg["w"].where(agg["w"] > 0)
    counts = pd.crosstab(live["criterion"], live["status"]).reindex(columns=list(STATUSES), fill_value=0)
    out = agg[["indicators", "kpi_index"]].join(counts).reset_index()
    return typed(
        out, {"criterion": "text", "indicators": "int", "kpi_index": "float", **dict.fromkeys(STATUSES, "int")}
    )
