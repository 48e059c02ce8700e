"""Risks: score, priority, the 5×5 heatmap and the flags (DOMAIN §4.2; Reg §31, §42–43)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from .common import SCOPE_CTE, ColumnType, Context, Filters, context, typed
from .settings import Settings

FLAGS: Final = ("no_mitigation", "no_alternative_plan", "priority_mismatch", "stale")

RISK_COLUMNS: Final[dict[str, ColumnType]] = {
    "risk_id": "text",
    "project_id": "text",
    "title": "text",
    "category": "text",
    "probability": "int",
    "impact": "int",
    "score": "int",
    "priority_derived": "text",
    "priority_typed": "text",
    "priority": "text",
    "is_open": "bool",
    "status": "text",
    "owner": "text",
    "responsible": "text",
    "mitigation": "text",
    "alternative_plan": "text",
    "identified_on": "date",
    "last_reassessed": "date",
    "review_due": "date",
    "project_cancelled": "bool",
    "no_mitigation": "bool",
    "no_alternative_plan": "bool",
    "priority_mismatch": "bool",
    "stale": "bool",
    "flags": "list",
}


def derived_priority(score: pd.Series, settings: Settings) -> pd.Series:
    """high ≥ 15, medium 5–12, low ≤ 4 for score = probability × impact (DOMAIN §4.2)."""
    return pd.Series(
        np.select(
            [score >= settings.risk_high_min_score, score >= settings.risk_medium_min_score], ["high", "medium"], "low"
        ),
        index=score.index,
    )


_RISKS_SQL: Final = f"""
WITH {SCOPE_CTE},
r AS (
    SELECT r.*, s.cancelled AS project_cancelled, r.probability * r.impact AS score,
           CASE WHEN r.probability * r.impact >= $high_min THEN 'high'
                WHEN r.probability * r.impact >= $medium_min THEN 'medium' ELSE 'low' END AS priority_derived,
           coalesce(r.status, 'open') NOT IN ('closed', 'occurred') AS is_open,
           coalesce(r.owner, s.project_manager) AS responsible,
           -- the register keeps only the latest reassessment: DOMAIN §4.2 takes it as is, so one
           -- dated after the as-of date leaves the risk not stale then
           coalesce(r.last_reviewed_on, r.identified_on) AS last_reassessed
    FROM risks r JOIN scope s USING (project_id)
    WHERE r.identified_on IS NULL OR r.identified_on <= $as_of
),
f AS (
    SELECT r.* EXCLUDE (priority), r.priority AS priority_typed,
           coalesce(r.priority, r.priority_derived) AS priority,
           CAST(r.last_reassessed + to_days(CAST($review_days AS INTEGER)) AS DATE) AS review_due,
           r.is_open AND coalesce(r.priority, r.priority_derived) = 'high'
               AND coalesce(trim(r.mitigation), '') = '' AS no_mitigation,
           r.is_open AND coalesce(r.priority, r.priority_derived) = 'high'
               AND coalesce(trim(r.alternative_plan), '') = '' AS no_alternative_plan,
           r.is_open AND r.priority IS NOT NULL AND r.priority <> r.priority_derived AS priority_mismatch,
           r.is_open AND coalesce(datediff('day', r.last_reassessed, CAST($as_of AS DATE)) > $review_days,
                                  false) AS stale
    FROM r
)
SELECT *, list_filter(['no_mitigation', 'no_alternative_plan', 'priority_mismatch', 'stale'],
                      lambda flag, i: [no_mitigation, no_alternative_plan, priority_mismatch, stale][i]) AS flags
FROM f ORDER BY risk_id
"""


def _risks(ctx: Context) -> pd.DataFrame:
    return ctx.memo("risks", lambda: _compute_risks(ctx))


def _compute_risks(ctx: Context) -> pd.DataFrame:
    """Score, derived priority (high ≥ 15, medium ≥ 5), effective priority and the flags (DOMAIN
    §4.2), in one query; the thresholds are the settings."""
    s = ctx.settings
    df = ctx.query(
        _RISKS_SQL,
        high_min=s.risk_high_min_score,
        medium_min=s.risk_medium_min_score,
        review_days=s.int("risk_review_days"),
    )
    return typed(df, RISK_COLUMNS)


def risk_register(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Every risk known on the as-of date: score = probability × impact, derived and typed
    priority with the mismatch flag, open or not, and the flags on open risks: high without
    mitigation (Reg §42.3), high without alternative plan, priority mismatch, and stale — more
    than 92 days since the last reassessment, ``last_reviewed_on`` else ``identified_on``
    (quarterly reassessment, Reg §42.4). DOMAIN §4.2."""
    return _risks(context(con, as_of, filters, settings))


def heatmap(register: pd.DataFrame) -> pd.DataFrame:
    """Open risks per (probability, impact) cell: a 5×5 frame, rows probability 1–5, columns
    impact 1–5; cancelled projects left out (DOMAIN §4.2)."""
    live = register[register["is_open"] & ~register["project_cancelled"]]
    counts = pd.crosstab(live["probability"], live["impact"])
    grid = counts.reindex(index=range(1, 6), columns=range(1, 6), fill_value=0).astype(int)
    grid.index.name, grid.columns.name = "probability", "impact"
    return grid


def risk_heatmap(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """The 5×5 heatmap of open risks on the as-of date (DOMAIN §4.2; Reg §42.2)."""
    return heatmap(risk_register(con, as_of, filters, settings))


def risks_in_cell(register: pd.DataFrame, probability: int, impact: int) -> pd.DataFrame:
    """The open risks behind one heatmap cell (what a click on the cell lists)."""
    live = register[register["is_open"] & ~register["project_cancelled"]]
    return live[(live["probability"] == probability) & (live["impact"] == impact)].reset_index(drop=True)
