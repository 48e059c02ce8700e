"""Helpers of the budget page: financed totals and "additional funding required" kept apart
(DT §17.2), the planned-vs-spent chart, money tables (DOMAIN §4.5). Amounts are thousand tenge."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.budget import UNFUNDED, budget_summary

from . import charts, labels
from .charts import FONT
from .session import lang, tr
from .tables import Col, display_frame, download

PLANNED_COLOR: Final = "#90CAF9"
SPENT_COLOR: Final = "#1565C0"
UNFUNDED_COLOR: Final = "#EF6C00"


def of_year(lines: pd.DataFrame, year: int | None) -> pd.DataFrame:
    return lines if year is None else lines[lines["year"].eq(year)]


def totals(lines: pd.DataFrame) -> dict[str, float | None]:
    """Financed planned, spent, absorption, and the additional funding required (apart)."""
    fin = budget_summary(lines, ["financed"])
    financed, unfunded = fin[fin["financed"]], fin[~fin["financed"]]

    def first(frame: pd.DataFrame, col: str) -> float | None:
        value = frame[col].iloc[0] if len(frame) else None
        return None if value is None or pd.isna(value) else float(value)

    return {
        "planned": first(financed, "planned"),
        "spent": first(financed, "spent"),
        "absorption": first(financed, "absorption"),
        "unfunded": first(unfunded, "planned"),
    }


def by_source_year(lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(financed sources by source and year, additional funding required by year)."""
    summary = budget_summary(lines, ["funding_source", "year"]).sort_values(["year", "funding_source"])
    unfunded = summary["funding_source"].eq(UNFUNDED)
    return summary[~unfunded].reset_index(drop=True), summary[unfunded].reset_index(drop=True)


def per_project(lines: pd.DataFrame) -> pd.DataFrame:
    """Per project: financed planned, spent, absorption, and the additional funding required in a
    column of its own (never added to the financed plan)."""
    summary = budget_summary(lines, ["project_id"])
    financed = summary[summary["financed"]].drop(columns="financed")
    unfunded = summary.loc[~summary["financed"], ["project_id", "planned"]].rename(columns={"planned": "unfunded"})
    names = lines[~lines["project_cancelled"]][["project_id", "project_name", "program"]].drop_duplicates("project_id")
    out = names.merge(financed, on="project_id", how="left").merge(unfunded, on="project_id", how="left")
    return out.sort_values("project_id", ignore_index=True)


def lines_of(lines: pd.DataFrame, year: int, source: str) -> pd.DataFrame:
    """The projects' lines behind one bar (a year and a funding source), largest first."""
    mine = lines[(lines["year"] == year) & (lines["funding_source"] == source) & ~lines["project_cancelled"]]
    return mine.sort_values("planned", ascending=False).reset_index(drop=True)


def unfunded_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """The "additional funding required" lines of projects not cancelled, by project and year."""
    keep = lines["funding_source"].eq(UNFUNDED) & ~lines["project_cancelled"]
    return lines[keep].reset_index(drop=True)


def all_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Every line, cancelled projects marked (they are listed, not totalled)."""
    return lines.assign(cancelled=np.where(lines["project_cancelled"], "yes", "no"))


def _wrap(text: str, width: int = 14) -> str:
    """Break a long axis label at spaces so category labels stay narrow."""
    return "<br>".join(charts.lines(text, width))


def _money_layout(fig: go.Figure, *, title: str, y_title: str, height: int) -> go.Figure:
    # the title at the top left of the figure, the legend under it and above the plot: neither
    # covers the other, whatever the language
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 8},
        },
        height=height,
        separators=". ",  # thousands grouped with spaces, as ui.labels.money writes them
        margin={"l": 10, "r": 10, "t": 84, "b": 10},
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        barmode="group",
    )
    fig.update_yaxes(title=y_title, tickformat=",.0f", gridcolor="#ECEFF1", rangemode="tozero")
    return fig


def planned_spent(
    summary: pd.DataFrame, *, sources: Mapping[str, str], planned: str, spent: str, title: str, y_title: str
) -> go.Figure:
    """Planned and spent bars per (year, funding source), absorption % over the spent bar."""
    x = [summary["year"].astype(str).tolist(), [_wrap(sources.get(s, s)) for s in summary["funding_source"]]]
    text = [labels.percent(a / 100) if pd.notna(a) else "" for a in summary["absorption"]]
    hover = "%{x}<br>%{fullData.name}: %{y:,.0f}<extra></extra>"
    behind = summary[["year", "funding_source"]].to_numpy()  # what a click on a bar opens
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=summary["planned"],
                name=planned,
                marker_color=PLANNED_COLOR,
                hovertemplate=hover,
                customdata=behind,
            ),
            go.Bar(
                x=x,
                y=summary["spent"],
                name=spent,
                marker_color=SPENT_COLOR,
                text=text,
                textposition="outside",
                hovertemplate=hover,
                customdata=behind,
            ),
        ]
    )
    return _money_layout(fig, title=title, y_title=y_title, height=440)


def unfunded_chart(by_year: pd.DataFrame, *, name: str, title: str, y_title: str) -> go.Figure:
    """The additional funding required by year: its own chart, never stacked on the financed."""
    fig = go.Figure(
        go.Bar(
            x=by_year["year"].astype(str),
            y=by_year["planned"],
            name=name,
            marker_color=UNFUNDED_COLOR,
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")
    return _money_layout(fig, title=_wrap(title, 30), y_title=y_title, height=440)


def _pct(value: Any) -> str:
    return "—" if value is None or value != value else f"{value:.0f}%"


def money_table(
    df: pd.DataFrame, cols: Sequence[Col], *, money: Sequence[str], key: str, file_stem: str, title: str
) -> None:
    """``ui.tables.table`` with amounts grouped by spaces (``labels.money``, thousand tenge) and
    "—" where nothing is reported (a future year has no spending yet)."""
    if df.empty:
        st.caption(tr("common.nothing"))
        return
    shown = display_frame(df, cols)
    formats: dict[str, str | Callable[[object], str] | None] = {}
    as_money = partial(labels.money, language=lang())  # the session's language read once, not per cell
    for c in cols:
        if c.name in money:
            formats[tr(c.header)] = as_money
        elif c.kind == "pct":
            formats[tr(c.header)] = _pct
    st.dataframe(shown.style.format(formats, na_rep="—"), hide_index=True, key=f"tbl_{key}", placeholder="—")
    download(df, cols, file_stem=file_stem, title=title, key=key)


_PROJECT = Col("project_id", "col.budget.project_id", width=100, pinned=True)
_NAME = Col("project_name", "col.projects.name", width=240)
_YEAR = Col("year", "col.budget.year", width=70)
_SOURCE = Col("funding_source", "col.budget.funding_source", "label", "enum.funding_source", width=200)
_PLANNED = Col("planned", "budget.planned_short", "money", width=130)
_SPENT = Col("spent", "budget.spent_short", "money", width=130)
_ABSORPTION = Col("absorption", "budget.absorption_col", "pct", width=100)
MONEY: Final = ("planned", "spent", "unfunded")

SOURCE_YEAR_COLS: Final = [_SOURCE, _YEAR, _PLANNED, _SPENT, _ABSORPTION]
#: every number first (financed planned, spent, absorption; additional funding required apart)
PROJECT_COLS: Final = [
    _PROJECT,
    Col("planned", "budget.financed_planned", "money", width=200),
    Col("spent", "budget.financed_spent", "money", width=130),
    _ABSORPTION,
    Col("unfunded", "budget.unfunded_col", "money", width=190),
    _NAME,
    Col("program", "col.projects.program", width=220),
]
UNFUNDED_COLS: Final = [_PROJECT, _YEAR, Col("planned", "budget.unfunded_col", "money", width=190), _NAME]
LINE_COLS: Final = [
    _PROJECT,
    _YEAR,
    _SOURCE,
    _PLANNED,
    _SPENT,
    _ABSORPTION,
    _NAME,
    Col("cancelled", "budget.cancelled", "label", "common"),
]
