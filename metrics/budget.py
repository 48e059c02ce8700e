"""Budget: planned against spent, absorption (DOMAIN §4.5; Reg §26, §29, §47; DT §17.2)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import pandas as pd

from .common import SCOPE_CTE, ColumnType, Context, Filters, context, typed
from .settings import Settings

#: DT §17.2: what is financed and what needs additional funding are always shown apart.
UNFUNDED: Final = "additional_funding_required"

BUDGET_COLUMNS: Final[dict[str, ColumnType]] = {
    "project_id": "text",
    "project_name": "text",
    "program": "text",
    "year": "int",
    "funding_source": "text",
    "financed": "bool",
    "planned": "float",
    "spent": "float",
    "absorption": "float",
    "project_cancelled": "bool",
}


def absorption(spent: pd.Series, planned: pd.Series) -> pd.Series:
    """spent / planned × 100; none when planned is 0 or nothing is reported spent (DOMAIN §4.5)."""
    return (spent / planned.where(planned != 0) * 100).astype("float64")


def budget_lines(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, filters: Filters | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Planned, spent and absorption % per project, year and funding source; ``financed`` is
    false for "additional funding required", which DT §17.2 keeps apart."""
    return _budget_lines(context(con, as_of, filters, settings))


def _budget_lines(ctx: Context) -> pd.DataFrame:
    df = ctx.query(
        f"""WITH {SCOPE_CTE}
        SELECT b.*, s.name AS project_name, s.program, s.cancelled AS project_cancelled
        FROM budget b JOIN scope s USING (project_id)
        ORDER BY b.project_id, b.year, b.funding_source"""
    )
    df["financed"] = df["funding_source"].ne(UNFUNDED)
    df["absorption"] = absorption(df["spent"], df["planned"])
    return typed(df, BUDGET_COLUMNS)


def budget_summary(lines: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Totals grouped by ``by`` (e.g. ["funding_source"], ["year"], ["project_id"]), financed and
    additional funding apart; cancelled projects left out of the totals; absorption over the lines
    whose spending is reported."""
    live = lines[~lines["project_cancelled"]]
    keys = [*by, "financed"] if "financed" not in by and "funding_source" not in by else by
    live = live.assign(planned_reported=live["planned"].where(live["spent"].notna()))
    grouped = live.groupby(keys, dropna=False, as_index=False).agg(
        planned=("planned", "sum"),
        spent=("spent", lambda s: s.sum(min_count=1)),
        planned_reported=("planned_reported", "sum"),
    )
    # absorption of a total counts only the lines whose spending is reported (future years are not)
    grouped["absorption"] = absorption(grouped["spent"], grouped["planned_reported"])
    return grouped.drop(columns="planned_reported").reset_index(drop=True)
