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
WHERE d.meeting_date > $first AND d.meeting_date <= $last
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
    """The decisions of the meeting that reviews the quarter (Reg §34): it is held after the
    quarter ends, so its decisions are dated in the next quarter -- the same meeting the deck and
    the Excel pack of that quarter are made for. Each has its state as of ``as_of`` (default: the
    next quarter's end, or today when that is still ahead): done (``done_on`` on or before it),
    overdue (due date before it, not done; DOMAIN §4.4) or open. The responsible is the
    decision's, else the project manager."""
    following = next_quarter_end(quarter_end)
    ctx = context(con, as_of or min(following, dt.date.today()), filters, settings)
    return typed(ctx.query(_DECISIONS_SQL, first=quarter_end, last=following), DECISION_COLUMNS)


def next_quarter_end(quarter_end: dt.date) -> dt.date:
    """30.06.2026 -> 30.09.2026; 31.12.2026 -> 31.03.2027."""
    month = quarter_end.month + 3
    year = quarter_end.year + (month > 12)
    month = month - 12 if month > 12 else month
    return (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()


@dataclass(frozen=True)
class Protocol:
    """What the protocol of a quarter's meeting holds."""

    quarter_end: dt.date
    meeting_date: dt.date
    status_as_of: dt.date  # the day the decisions' states are told as of
    teams: pd.DataFrame  # project_id, name: the agenda's teams, then any other with a decision
    decisions: pd.DataFrame  # quarter_decisions


def meeting_date(decisions: pd.DataFrame, quarter_end: dt.date) -> dt.date:
    """The meeting's date: the latest meeting date of its decisions, else (no decision recorded
    yet) the quarter end it reviews."""
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
    """The protocol of the meeting that reviews the quarter (Reg §34): its date, the teams that
    presented (the quarter's agenda, DOMAIN §4.7, and every project a decision was taken on) and
    the decisions, with their states as of the next quarter's end or today, whichever is first."""
    status_as_of = min(next_quarter_end(quarter_end), dt.date.today())
    decided = quarter_decisions(con, quarter_end, filters, settings, as_of=status_as_of)
    plan = quarterly_agenda(con, quarter_end, filters, settings)[["project_id", "name"]]
    extra = decided.loc[~decided["project_id"].isin(plan["project_id"]), ["project_id", "project_name"]]
    extra = extra.drop_duplicates("project_id").rename(columns={"project_name": "name"})
    teams = pd.concat([plan, extra.sort_values("project_id")], ignore_index=True)
    return Protocol(quarter_end, meeting_date(decided, quarter_end), status_as_of, teams, decided)
