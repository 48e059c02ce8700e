"""Project status: the computed RAG with its reasons and the coordinator's override (DOMAIN §4.6)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from loaders import audit
from loaders.access import Actor, Right
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
    "lifecycle": "text",
    "live": "bool",
    "start_date": "date",
    "end_date": "date",
    "completed_on": "date",
    "completed": "bool",
    "cancelled": "bool",
    "kpi_index": "float",
    "indicators": "int",
    "indicators_achieved": "int",
    "indicators_missed": "int",
    "rag": "text",
    "rag_reasons": "list",
    "rag_override": "text",
    "override_comment": "text",
    "override_author": "text",
    "override_at": "date",
    "rag_effective": "text",
    "reported_rag": "text",  # the source system's own rating, shown beside the computed RAG (never in it)
}


#: how grave each reason is, gravest first: what the curator must act on comes first in a
#: project's reasons and puts the project higher in the decision list (issue of the Overview)
SEVERITY: Final = (
    "passport_overdue",
    "indicator_missed",
    "indicator_off_track",
    "high_risk_no_mitigation",
    "activity_overdue_long",
    "activity_overdue",
    "high_risk_open",
    "indicator_at_risk",
)

_REASONS_SQL: Final = """
WITH r AS (
    SELECT project_id, 'passport_overdue' AS reason, NULL AS item, 0 AS ord FROM overdue_items WHERE kind = 'project'
    UNION ALL
    SELECT project_id, CASE WHEN days_overdue > $long_days THEN 'activity_overdue_long' ELSE 'activity_overdue' END,
           item_id, CASE WHEN days_overdue > $long_days THEN 4 ELSE 5 END
    FROM overdue_items WHERE kind = 'activity'
    UNION ALL
    SELECT project_id, CASE WHEN no_mitigation THEN 'high_risk_no_mitigation' ELSE 'high_risk_open' END,
           risk_id, CASE WHEN no_mitigation THEN 3 ELSE 6 END
    FROM risk_register WHERE is_open AND priority = 'high'
    UNION ALL
    SELECT project_id, 'indicator_' || status, indicator_id,
           CASE status WHEN 'missed' THEN 1 WHEN 'off_track' THEN 2 ELSE 7 END
    FROM indicator_statuses WHERE status IN ('off_track', 'missed', 'at_risk')
)
SELECT project_id, CASE WHEN min(ord) < 5 THEN 'red' ELSE 'amber' END AS rag,
       list(CASE WHEN item IS NULL THEN reason ELSE reason || ':' || item END ORDER BY ord, item NULLS FIRST)
           AS rag_reasons
FROM r GROUP BY project_id
"""


def _reasons(ctx: Context) -> pd.DataFrame:
    """Per project with any: red if a red reason (passport overdue, an activity overdue more than
    30 days, an open high risk without mitigation, an indicator off track or missed), else amber,
    and every reason ``code`` or ``code:item``, red ones first (DOMAIN §4.6)."""
    frames = {
        "overdue_items": _overdue(ctx)[["kind", "item_id", "project_id", "days_overdue"]],
        "risk_register": _risks(ctx)[["risk_id", "project_id", "is_open", "priority", "no_mitigation"]],
        "indicator_statuses": _indicators(ctx)[["indicator_id", "project_id", "status"]],
    }
    for name, frame in frames.items():
        ctx.db.register(name, frame)
    try:
        return ctx.query(_REASONS_SQL, long_days=ctx.settings.rag_red_activity_overdue_days)
    finally:
        for name in frames:
            ctx.db.unregister(name)


def _status(ctx: Context) -> pd.DataFrame:
    return ctx.memo("status", lambda: _compute_status(ctx))


def _compute_status(ctx: Context) -> pd.DataFrame:
    projects = _projects(ctx).merge(_reasons(ctx), on="project_id", how="left")
    live = projects["live"].astype(bool)
    projects["rag"] = projects["rag"].where(projects["rag"].notna(), "green").where(live, None)
    projects["rag_reasons"] = pd.Series(
        [
            (list(v) if isinstance(v, list | np.ndarray) else []) if on else None
            for v, on in zip(projects["rag_reasons"], live, strict=True)
        ],
        dtype=object,
        index=projects.index,
    )
    indicators = _indicators(ctx)
    index = project_kpi_index(indicators, projects["project_id"])
    projects = projects.merge(index[["project_id", "kpi_index"]], on="project_id", how="left")
    results = indicators.groupby("project_id")["status"].agg(
        indicators="size",
        indicators_achieved=lambda s: int(s.eq("achieved").sum()),
        indicators_missed=lambda s: int(s.eq("missed").sum()),
    )
    projects = projects.merge(results, on="project_id", how="left")
    for col in ("indicators", "indicators_achieved", "indicators_missed"):
        projects[col] = projects[col].fillna(0)
    overrides = current_overrides(ctx.db, ctx.as_of)
    projects = projects.merge(overrides, on="project_id", how="left")
    projects["rag_effective"] = projects["rag_override"].where(projects["rag_override"].notna(), projects["rag"])
    projects.loc[~live, "rag_effective"] = None  # an override counts only while a RAG applies
    return typed(projects, STATUS_COLUMNS)


def project_status(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Per project the computed RAG and the reasons behind it: red if the passport deadline is
    overdue, an activity is overdue more than 30 days, an open high risk has no mitigation, or an
    indicator is off track or missed; amber if any activity is overdue, a high risk is open or an
    indicator is at risk; else green. A RAG applies to projects in planning or execution on the
    as-of date (``live``): a completed, cancelled, suspended or initiating one has none, and a
    completed one shows its final result instead (its indicators achieved and missed) (DOMAIN
    §4.6). Beside it the coordinator's override (with comment, author, date) and the effective RAG."""
    return _status(context(con, as_of, filters, settings))


_RAG_RANK: Final = {"red": 0, "amber": 1, "green": 2}


def decision_list(status: pd.DataFrame) -> pd.DataFrame:
    """The projects a RAG applies to, worst first: red before amber before green (the effective
    RAG, override included); within a colour, by the gravest reason (``SEVERITY``: passport
    deadline overdue, indicators missed or off track, high risks without mitigation, activities
    long overdue...), then by how many reasons of that gravity and in all, then the lower KPI
    index, then the id. Adds ``main_reason`` (the gravest) and ``other_reasons`` (how many more)."""
    live = status[status["live"].astype(bool)].copy()
    ranks = {name: i for i, name in enumerate(SEVERITY)}

    def key(reasons: object) -> tuple[int, ...]:
        found = sorted(ranks.get(str(r).partition(":")[0], len(ranks)) for r in (reasons or []))  # type: ignore[attr-defined]
        return tuple(found) or (len(ranks),)

    keys = [key(r) for r in live["rag_reasons"]]
    kpi = live["kpi_index"].to_numpy(dtype="float64", na_value=2.0)  # no index: after those with one
    live["main_reason"] = [r[0] if r else None for r in live["rag_reasons"]]
    live["other_reasons"] = [max(len(r) - 1, 0) for r in live["rag_reasons"]]
    order = sorted(
        range(len(live)),
        key=lambda i: (
            _RAG_RANK.get(str(live["rag_effective"].iat[i]), 3),
            keys[i][0],
            -sum(1 for k in keys[i] if k == keys[i][0]),
            -len(keys[i]),
            float(kpi[i]),
            str(live["project_id"].iat[i]),
        ),
    )
    return live.iloc[order].reset_index(drop=True)


def rag_counts(status: pd.DataFrame) -> dict[str, int]:
    """Projects per effective RAG: those in planning or execution on the as-of date (DOMAIN §4.6)."""
    counts = status.loc[status["live"].astype(bool), "rag_effective"].value_counts()
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
    actor: Actor,
    at: dt.datetime | None = None,
) -> None:
    """Override a project's RAG (or clear the override with ``rag=None``); a comment is required,
    the author is the signed-in user, and the change is audited (DOMAIN §4.6; ``Right.OVERRIDE``)."""
    actor.require(Right.OVERRIDE)
    if rag is not None and rag not in RAGS:
        raise OverrideError("override_bad_rag")
    if not comment.strip():
        raise OverrideError("override_needs_comment")
    if fetch_one(con, "SELECT 1 FROM projects WHERE project_id = ?", [project_id]) is None:
        raise OverrideError("override_unknown_project")
    when = at or dt.datetime.now()
    with transaction(con):
        con.execute(
            "INSERT INTO rag_overrides VALUES (?, ?, ?, ?, ?)",
            [project_id, rag, comment.strip(), actor.label, when],
        )
        audit.record(con, actor, "override", project_id, {"rag": rag, "comment": comment.strip()}, at=when)
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
