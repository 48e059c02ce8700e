"""The quarterly meeting's decisions and their state (DOMAIN §4.7; Reg §34: the curator's quarterly
meeting decides on priorities, discrepancies, budgets and team sizes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import duckdb
import pandas as pd

from .agenda import quarterly_agenda
from .common import SCOPE_CTE, ColumnType, Filters, context, typed
from .settings import Settings

STATES: Final = ("done", "open", "overdue")

DECISION_COLUMNS: Final[dict[str, ColumnType]] = {
    "decision_id": "text",
    "project_id": "text",
    "project_name": "text",
    "meeting_date": "date",
    "kind": "text",
    "text": "text",
    "responsible": "text",
    "due_date": "date",
    "done_on": "date",
    "state": "text",
}

_DECISIONS_SQL: Final = f"""
WITH {SCOPE_CTE}
SELECT d.decision_id, d.project_id, s.name AS project_name, d.meeting_date, coalesce(d.kind, 'other') AS kind,
       d.text, coalesce(d.responsible, s.project_manager) AS responsible, d.due_date, d.done_on,
       CASE WHEN d.done_on <= $as_of THEN 'done'
            WHEN d.due_date < $as_of AND NOT s.cancelled THEN 'overdue'
            ELSE 'open' END AS state
FROM decisions d JOIN scope s USING (project_id)
WHERE d.meeting_date BETWEEN $first AND $last
ORDER BY d.meeting_date, d.project_id, d.decision_id
"""


def quarter_decisions(
    con: duckdb.DuckDBPyConnection,
    quarter_end: dt.date,
    filters: Filters | None = None,
    settings: Settings | None = None,
    *,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """The decisions taken at meetings dated within the quarter (Reg §34), each with its state as of
    ``as_of`` (default the quarter end): done (``done_on`` on or before it), overdue (due date
    before it, not done; DOMAIN §4.4) or open. The responsible is the decision's, else the project
    manager."""
    ctx = context(con, as_of or quarter_end, filters, settings)
    first = dt.date(quarter_end.year, quarter_end.month - 2, 1)
    return typed(ctx.query(_DECISIONS_SQL, first=first, last=quarter_end), DECISION_COLUMNS)


@dataclass(frozen=True)
class Protocol:
    """What the protocol of a quarter's meeting holds."""

    quarter_end: dt.date
    meeting_date: dt.date
    teams: pd.DataFrame  # project_id, name: the agenda's teams, then any other with a decision
    decisions: pd.DataFrame  # quarter_decisions


def meeting_date(decisions: pd.DataFrame, quarter_end: dt.date) -> dt.date:
    """The quarter's meeting: the latest meeting date of its decisions, else the quarter end."""
    if decisions.empty:
        return quarter_end
    latest: dt.date = pd.Timestamp(decisions["meeting_date"].max()).date()
    return latest


def protocol(
    con: duckdb.DuckDBPyConnection,
    quarter_end: dt.date,
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> Protocol:
    """The quarter's meeting protocol (Reg §34): its date, the teams that presented (the quarter's
    agenda, DOMAIN §4.7, and every project a decision was taken on) and the decisions, their
    state as of the quarter end."""
    decided = quarter_decisions(con, quarter_end, filters, settings)
    plan = quarterly_agenda(con, quarter_end, filters, settings)[["project_id", "name"]]
    extra = decided.loc[~decided["project_id"].isin(plan["project_id"]), ["project_id", "project_name"]]
    extra = extra.drop_duplicates("project_id").rename(columns={"project_name": "name"})
    teams = pd.concat([plan, extra.sort_values("project_id")], ignore_index=True)
    return Protocol(quarter_end, meeting_date(decided, quarter_end), teams, decided)
