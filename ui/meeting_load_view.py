"""Rendering helpers of the meeting-load page: the person × week heatmap, the norm compliance and
overrun summaries and the columns of its tables (DOMAIN §4.3; Reg §33–38). Figure labels come in
translated."""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.meetings import person_load

from .charts import FONT
from .safe import plot
from .tables import Col

Measure = Literal["load", "compliance"]
MEASURES: Final[tuple[Measure, ...]] = ("load", "compliance")
TOP_N: Final = (20, 50, 100)

#: load: white (no meetings) to dark red (meetings eat the project time)
LOAD_SCALE: Final = [[0.0, "#FFFFFF"], [0.25, "#FFE0B2"], [0.6, "#FB8C00"], [1.0, "#B71C1C"]]
#: compliance: red (nothing attended) through amber to green (norm met, 100 % and over)
COMPLIANCE_SCALE: Final = [[0.0, "#C62828"], [0.5, "#FFD54F"], [1.0, "#2E7D32"]]


def week_labels(start: dt.date, weeks: int) -> list[str]:
    """ISO week labels (``2026-W27``) of the window, oldest first, as the metric writes them."""
    out = []
    for i in range(weeks):
        year, week, _ = (start + dt.timedelta(days=7 * i)).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return out


def behind(rows: pd.DataFrame, row: str, week: str, project: str | None, measure: Measure) -> pd.DataFrame:
    """The load rows behind one cell of the heatmap: a person (and project) in one week."""
    mine = rows[rows["week"].eq(week)]
    if measure == "compliance" and project is None and " · " in row:
        person, _, pid = row.rpartition(" · ")
        return mine[mine["person"].eq(person) & mine["project_id"].eq(pid)].reset_index(drop=True)
    return mine[mine["person"].eq(row)].reset_index(drop=True)


def scoped(load: pd.DataFrame, project: str | None, search: str) -> pd.DataFrame:
    """The load rows of one project (None: all) whose person's name contains ``search``."""
    rows = load if project is None else load[load["project_id"].eq(project)]
    needle = " ".join(search.split()).casefold()
    if needle:
        rows = rows[rows["person"].str.casefold().str.contains(needle, regex=False)]
    return rows


def heat_rows(rows: pd.DataFrame, measure: Measure, project: str | None) -> pd.DataFrame:
    """Long frame ``row, week, value`` for the heatmap.

    Load over all projects is a person's total (``person_load``); compliance belongs to a
    project's norm tier, so over all projects a row is "person · project"."""
    if measure == "load":
        frame = person_load(rows) if project is None else rows
        return pd.DataFrame({"row": frame["person"], "week": frame["week"], "value": frame["load_pct"]})
    rows = rows[rows["norm"].notna()]
    label = rows["person"] if project is not None else rows["person"] + " · " + rows["project_id"]
    return pd.DataFrame({"row": label, "week": rows["week"], "value": rows["compliance_pct"]})


def worst(long: pd.DataFrame, measure: Measure, n: int, weeks: list[str]) -> tuple[pd.DataFrame, int]:
    """The ``n`` rows with the highest mean load (or lowest mean compliance) as a row × week
    matrix over every week of the window, and how many rows there were in all."""
    if long.empty:
        return pd.DataFrame(columns=weeks), 0
    matrix = long.pivot_table(index="row", columns="week", values="value", aggfunc="first", dropna=False)
    matrix = matrix.reindex(columns=weeks)
    mean = matrix.mean(axis=1, skipna=True)
    order = pd.DataFrame({"mean": mean, "name": matrix.index.str.casefold()}, index=matrix.index)
    order = order.sort_values(["mean", "name"], ascending=[measure == "compliance", True], na_position="last")
    return matrix.loc[order.index[:n]], len(matrix)


def week_ticks(weeks: list[str]) -> list[str]:
    """``2026-W27`` → ``W27<br>29.06`` (the week and its Monday): short enough to stay level."""
    return [f"W{w[-2:]}<br>{dt.date.fromisocalendar(int(w[:4]), int(w[-2:]), 1):%d.%m}" for w in weeks]


def heatmap(matrix: pd.DataFrame, measure: Measure, *, x_title: str, y_title: str, title: str) -> go.Figure:
    """Rows (people) × ISO weeks, cell colour by the value, the rounded value written in it."""
    z = matrix.to_numpy(dtype=float)
    text = np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.0f}")(np.nan_to_num(z)))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(matrix.columns),
            y=[plot(v) for v in matrix.index],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            colorscale=LOAD_SCALE if measure == "load" else COMPLIANCE_SCALE,
            zmin=0,
            zmax=100,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "%"}, "thickness": 12},
            hoverinfo="skip",
        )
    )
    # a click on a heatmap gives the app no point: an invisible square marker over each filled cell
    # carries the cell's hover and what a click opens (its person or person · project, and week)
    filled = [(row, week) for row in matrix.index for week in matrix.columns if pd.notna(matrix.loc[row, week])]
    fig.add_trace(
        go.Scatter(
            x=[week for _, week in filled],
            y=[plot(row) for row, _ in filled],
            mode="markers",
            marker={"symbol": "square", "size": 22, "opacity": 0},
            customdata=[[row, week] for row, week in filled],
            text=[f"{float(matrix.loc[row, week]):.0f}" for row, week in filled],
            hovertemplate="%{y}<br>%{x}: %{text}%<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True, title=y_title, type="category")
    weeks = list(matrix.columns)
    fig.update_xaxes(side="top", title=x_title, type="category", tickvals=weeks, ticktext=week_ticks(weeks))
    fig.update_layout(
        title={"text": title, "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 10}},
        height=max(260, 24 * len(matrix) + 150),
        margin={"l": 10, "r": 10, "t": 120, "b": 10},
        font={"family": FONT, "size": 12},
        plot_bgcolor="#F5F5F5",
        paper_bgcolor="white",
    )
    return fig


def norm_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per person and project over the window: the norm tier, mean required and attended a week,
    and compliance = Σ attended / Σ required × 100 (weeks with no requirement left out); worst
    first. Below the lowest tier there is no norm (Reg §33), so those rows are not listed."""
    rows = rows[rows["norm"].notna()]
    rows = rows.assign(required_pos=rows["required"].where(rows["required"] > 0, 0.0))
    keys = ["person", "project_id", "norm"]
    grouped = rows.groupby(keys, as_index=False, sort=False).agg(
        allocation_pct=("allocation_pct", "max"),
        weeks=("week", "nunique"),
        required=("required", "mean"),
        attended=("attended", "mean"),
        required_sum=("required_pos", "sum"),
        attended_sum=("attended", "sum"),
    )
    grouped["compliance_pct"] = grouped["attended_sum"] / grouped["required_sum"].where(grouped["required_sum"] > 0)
    grouped["compliance_pct"] *= 100
    grouped[["required", "attended"]] = grouped[["required", "attended"]].round(2)
    return with_unit(grouped.drop(columns=["required_sum", "attended_sum"])).sort_values(
        ["compliance_pct", "person", "project_id"], na_position="last", ignore_index=True
    )


def norm_weeks(rows: pd.DataFrame) -> pd.DataFrame:
    """The load rows with a norm, one per person, project and week, worst compliance first."""
    rows = rows[rows["norm"].notna()]
    return with_unit(rows).sort_values(["compliance_pct", "person", "project_id", "week"], ignore_index=True)


def with_unit(rows: pd.DataFrame) -> pd.DataFrame:
    """``unit``: hours for the 2-hours-a-day norm, meetings for the count norms."""
    return rows.assign(unit=np.where(rows["norm"].eq("2h_per_day"), "hours", "meetings"))


def overrun_summary(overruns: pd.DataFrame) -> pd.DataFrame:
    """Per meeting type: meetings over a limit, how many too long, how many not on a Tuesday,
    and the minutes over the duration limits (a meeting counted once)."""
    too_long = overruns["reason"].eq("too_long")
    frame = overruns.assign(
        too_long=too_long.astype(int),
        not_tuesday=overruns["reason"].eq("not_tuesday").astype(int),
        minutes=overruns["over_min"].where(too_long, 0.0),
    )
    out = frame.groupby("type", as_index=False).agg(
        meetings=("meeting_id", "nunique"),
        too_long=("too_long", "sum"),
        not_tuesday=("not_tuesday", "sum"),
        minutes=("minutes", "sum"),
    )
    return out.sort_values(["minutes", "meetings"], ascending=False, ignore_index=True)


# ---- the columns of the page's tables

_PERSON = Col("person", "col.team.person", width=180, pinned=True)
_PROJECT = Col("project_id", "col.team.project_id", width=95)
_NORM = Col("norm", "meeting_load.norm", "label", "norm", width=170)
_ALLOCATION = Col("allocation_pct", "meeting_load.allocation", "pct", width=125)
_COMPLIANCE = Col("compliance_pct", "meeting_load.compliance", "pct", width=150)
_REQUIRED_ATTENDED = [
    Col("required", "meeting_load.required", "number", width=100),
    Col("attended", "meeting_load.attended", "number", width=90),
    Col("unit", "meeting_load.unit", "label", "meeting_load.unit_of", width=110),
]
#: who, then how far the norm is met: the number the head of the office looks for
NORM_COLS: Final = {
    "average": [
        _PERSON,
        _COMPLIANCE,
        _PROJECT,
        _NORM,
        _ALLOCATION,
        Col("weeks", "meeting_load.weeks", "int", width=70),
        *_REQUIRED_ATTENDED,
    ],
    "week": [
        _PERSON,
        _COMPLIANCE,
        Col("load_pct", "meeting_load.load", "pct", width=100),
        _PROJECT,
        Col("week", "meeting_load.week", width=90),
        _NORM,
        _ALLOCATION,
        Col("project_hours", "meeting_load.project_hours", "number", width=100),
        Col("meeting_hours", "meeting_load.meeting_hours", "number", width=100),
        Col("meetings_attended", "meeting_load.meetings_attended", "int", width=100),
        *_REQUIRED_ATTENDED,
    ],
}
_TYPE = Col("type", "col.meetings.type", "label", "enum.meeting_type")
OVERRUN_SUMMARY_COLS: Final = [
    _TYPE,
    Col("meetings", "meeting_load.meetings", "int"),
    Col("too_long", "overrun.too_long", "int"),
    Col("not_tuesday", "overrun.not_tuesday", "int"),
    Col("minutes", "meeting_load.minutes_over", "int"),
]
OVERRUN_COLS: Final = [
    Col("meeting_id", "col.meetings.meeting_id"),
    Col("project_id", "col.meetings.project_id"),
    _TYPE,
    Col("date", "col.meetings.date", "date"),
    Col("duration_min", "col.meetings.duration_min", "int"),
    Col("teams_presented", "col.meetings.teams_presented", "int"),
    Col("limit_min", "meeting_load.limit", "int"),
    Col("over_min", "meeting_load.minutes_over", "int"),
    Col("reason", "meeting_load.reason", "label", "overrun"),
]
OVER_ALLOCATED_COLS: Final = [
    _PERSON,
    Col("allocation_pct", "meeting_load.total_allocation", "pct"),
    Col("projects", "meeting_load.projects", "int"),
    Col("project_ids", "meeting_load.project_ids", "list"),
]
