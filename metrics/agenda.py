"""The quarterly reporting meeting: teams in order with start times (DOMAIN §4.7; Reg §34)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final, Literal

import duckdb
import pandas as pd

from .common import Filters, context, typed
from .settings import Settings
from .status import _status

Order = Literal["program", "status"]
RAG_ORDER: Final = {"red": 0, "amber": 1, "green": 2}


def quarter_teams(status: pd.DataFrame, quarter_end: dt.date) -> pd.DataFrame:
    """Projects that report on a quarter: not cancelled, started by its end, and not completed
    before it began."""
    q_start = pd.Timestamp(quarter_end.year, quarter_end.month - 2, 1)
    started = pd.to_datetime(status["start_date"]) <= pd.Timestamp(quarter_end)
    finished_before = status["completed"] & (pd.to_datetime(status["completed_on"]) < q_start)
    return status[~status["cancelled"] & started & ~finished_before].copy()


def agenda(
    teams: pd.DataFrame,
    *,
    start: dt.time = dt.time(10, 0),
    minutes: int = 20,
    order: Order = "program",
    project_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The teams in order with start and end times, ``minutes`` each (at most 20, Reg §34).

    ``project_ids`` fixes the order (and the selection) as the coordinator edited it; otherwise
    by program then project, or by status, red first."""
    df = teams.copy()
    if project_ids is not None:
        position = {pid: i for i, pid in enumerate(project_ids)}
        df = df[df["project_id"].isin(position)]
        df = df.assign(_pos=df["project_id"].map(position)).sort_values("_pos")
    elif order == "status":
        rank = df["rag_effective"].map(RAG_ORDER).fillna(3)
        df = df.assign(_rank=rank).sort_values(["_rank", "program", "project_id"], na_position="last")
    else:
        df = df.sort_values(["program", "project_id"], na_position="last")
    df = df.reset_index(drop=True)
    base = dt.datetime.combine(dt.date(2000, 1, 1), start)
    starts = [base + dt.timedelta(minutes=minutes * i) for i in range(len(df))]
    df["position"] = range(1, len(df) + 1)
    df["start"] = [s.strftime("%H:%M") for s in starts]
    df["end"] = [(s + dt.timedelta(minutes=minutes)).strftime("%H:%M") for s in starts]
    df["minutes"] = minutes
    return typed(
        df,
        {
            "position": "int",
            "project_id": "text",
            "name": "text",
            "program": "text",
            "rag_effective": "text",
            "lifecycle": "text",
            "start": "text",
            "end": "text",
            "minutes": "int",
        },
    ).rename(columns={"rag_effective": "rag"})


def quarterly_agenda(
    con: duckdb.DuckDBPyConnection,
    quarter_end: dt.date,
    filters: Filters | None = None,
    settings: Settings | None = None,
    *,
    start: dt.time = dt.time(10, 0),
    order: Order = "program",
    project_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The quarterly reporting meeting's agenda as of the quarter's last day: each team at most 20
    minutes (Reg §34), ordered by program or by status (red first), or as edited."""
    ctx = context(con, quarter_end, filters, settings)
    teams = quarter_teams(_status(ctx), quarter_end)
    return agenda(
        teams, start=start, minutes=ctx.settings.int("agenda_minutes_per_team"), order=order, project_ids=project_ids
    )
