"""Project status: the computed RAG with its reasons and the coordinator's override (DOMAIN §4.6)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from loaders.store import bump_data_version, fetch_one, transaction

from .common import ColumnType, Context, Filters, context, typed
from .kpi import _indicators, project_kpi_index
from .overdue import _overdue, _projects
from .risks import _risks
from .settings import Settings

RAGS: Final = ("red", "amber", "green")
RED_REASONS: Final = (
    "passport_overdue",
    "activity_overdue_long",
    "high_risk_no_mitigation",
    "indicator_off_track",
    "indicator_missed",
)
AMBER_REASONS: Final = ("activity_overdue", "high_risk_open", "indicator_at_risk")

STATUS_COLUMNS: Final[dict[str, ColumnType]] = {
    "project_id": "text",
    "name": "text",
    "program": "text",
    "curator": "text",
    "project_manager": "text",
    "status": "text",
    "start_date": "date",
    "end_date": "date",
    "completed_on": "date",
    "completed": "bool",
    "cancelled": "bool",
    "kpi_index": "float",
    "rag": "text",
    "rag_reasons": "list",
    "rag_override": "text",
    "override_comment": "text",
    "override_author": "text",
    "override_at": "date",
    "rag_effective": "text",
}


def _reasons(ctx: Context, indicators: pd.DataFrame, register: pd.DataFrame, overdue: pd.DataFrame) -> pd.DataFrame:
    """One row per (project, reason, item): every fact that makes a project red or amber."""
    long_days = ctx.settings.rag_red_activity_overdue_days
    acts = overdue[overdue["kind"] == "activity"]
    open_high = register[register["is_open"] & register["priority"].eq("high")]
    parts = [
        overdue.loc[overdue["kind"] == "project", ["project_id"]].assign(reason="passport_overdue", item=None),
        acts.loc[acts["days_overdue"] > long_days, ["project_id", "item_id"]].assign(reason="activity_overdue_long"),
        acts.loc[acts["days_overdue"] <= long_days, ["project_id", "item_id"]].assign(reason="activity_overdue"),
        open_high.loc[open_high["no_mitigation"], ["project_id", "risk_id"]].assign(reason="high_risk_no_mitigation"),
        open_high.loc[~open_high["no_mitigation"], ["project_id", "risk_id"]].assign(reason="high_risk_open"),
    ]
    for status in ("off_track", "missed", "at_risk"):
        hit = indicators[indicators["status"] == status]
        parts.append(hit[["project_id", "indicator_id"]].assign(reason=f"indicator_{status}"))
    rows = []
    for p in parts:
        p = p.rename(columns={"item_id": "item", "risk_id": "item", "indicator_id": "item"})
        rows.append(p[["project_id", "reason", "item"]] if "item" in p else p.assign(item=None))
    out = pd.concat(rows, ignore_index=True)
    order = {r: i for i, r in enumerate((*RED_REASONS, *AMBER_REASONS))}
    out["order"] = out["reason"].map(order)
    return out.sort_values(["project_id", "order", "item"], na_position="first").reset_index(drop=True)


def rag_from_reasons(reasons: pd.DataFrame, projects: pd.Series) -> pd.Series:
    """red if any red reason, amber if any amber one, else green (DOMAIN §4.6)."""
    red = set(reasons.loc[reasons["reason"].isin(RED_REASONS), "project_id"])
    amber = set(reasons.loc[reasons["reason"].isin(AMBER_REASONS), "project_id"])
    return pd.Series(
        np.select([projects.isin(red), projects.isin(amber)], ["red", "amber"], "green"), index=projects.index
    )


def _status(ctx: Context) -> pd.DataFrame:
    return ctx.memo("status", lambda: _compute_status(ctx))


def _compute_status(ctx: Context) -> pd.DataFrame:
    projects = _projects(ctx).copy()
    indicators = _indicators(ctx)
    register = _risks(ctx)
    overdue = _overdue(ctx)
    reasons = _reasons(ctx, indicators, register, overdue)
    projects["rag"] = rag_from_reasons(reasons, projects["project_id"]).where(~projects["cancelled"], None)
    labels = reasons["reason"].where(reasons["item"].isna(), reasons["reason"] + ":" + reasons["item"].astype(str))
    grouped = labels.groupby(reasons["project_id"]).agg(list)
    projects["rag_reasons"] = projects["project_id"].map(grouped)
    projects.loc[projects["cancelled"], "rag_reasons"] = None
    index = project_kpi_index(indicators, projects["project_id"])
    projects = projects.merge(index[["project_id", "kpi_index"]], on="project_id", how="left")
    overrides = current_overrides(ctx.con, ctx.as_of)
    projects = projects.merge(overrides, on="project_id", how="left")
    projects["rag_effective"] = projects["rag_override"].where(projects["rag_override"].notna(), projects["rag"])
    projects.loc[projects["cancelled"], "rag_effective"] = None
    return typed(projects, STATUS_COLUMNS)


def project_status(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Per project the computed RAG and the reasons behind it: red if the passport deadline is
    overdue, an activity is overdue more than 30 days, an open high risk has no mitigation, or an
    indicator is off track or missed; amber if any activity is overdue, a high risk is open or an
    indicator is at risk; else green; none for a cancelled project (DOMAIN §4.6). Beside it the
    coordinator's override (with comment, author, date) and the effective RAG."""
    return _status(context(con, as_of, filters, settings))


def rag_counts(status: pd.DataFrame) -> dict[str, int]:
    """Projects per effective RAG (cancelled ones left out, DOMAIN §4)."""
    live = status[~status["cancelled"]]
    counts = live["rag_effective"].value_counts()
    return {r: int(counts.get(r, 0)) for r in RAGS}


# --------------------------------------------------------------------------------------------
# The coordinator's override


class OverrideError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def set_rag_override(
    con: duckdb.DuckDBPyConnection,
    project_id: str,
    rag: str | None,
    comment: str,
    author: str,
    at: dt.datetime | None = None,
) -> None:
    """Override a project's RAG (or clear the override with ``rag=None``); a comment is required."""
    if rag is not None and rag not in RAGS:
        raise OverrideError("override_bad_rag")
    if not comment.strip():
        raise OverrideError("override_needs_comment")
    if not author.strip():
        raise OverrideError("override_needs_author")
    if fetch_one(con, "SELECT 1 FROM projects WHERE project_id = ?", [project_id]) is None:
        raise OverrideError("override_unknown_project")
    with transaction(con):
        con.execute(
            "INSERT INTO rag_overrides VALUES (?, ?, ?, ?, ?)",
            [project_id, rag, comment.strip(), author.strip(), at or dt.datetime.now()],
        )
        bump_data_version(con)


def current_overrides(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    """The latest override of each project made on or before the as-of date (a quarter-end pack
    shows the status as it stood then); a cleared override counts as none."""
    df = con.execute(
        """SELECT project_id, rag AS rag_override, comment AS override_comment, author AS override_author,
                  CAST(created_at AS DATE) AS override_at
           FROM rag_overrides WHERE CAST(created_at AS DATE) <= ?
           QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY created_at DESC) = 1""",
        [as_of],
    ).df()
    return df[df["rag_override"].notna()].reset_index(drop=True)


def override_history(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    return con.execute(
        "SELECT rag, comment, author, created_at FROM rag_overrides WHERE project_id = ? ORDER BY created_at DESC",
        [project_id],
    ).df()
