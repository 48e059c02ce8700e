"""The KPI page's pieces: indicators by group, the bullet chart, the trend lines, the table columns.

Numbers come from ``metrics.kpi``; here they are only grouped for display, labelled and drawn.
Indicators of cancelled projects are listed in the table but left out of counts and charts, as
they are left out of the roll-ups (DOMAIN §4).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from i18n import has, numbers
from metrics.kpi import STATUSES, trend_band

from .charts import FONT
from .labels import percent
from .safe import plot
from .session import lang, tr
from .tables import Col

GROUPS: Final = ("program", "project", "criterion")
STATUS_COLORS: Final = {
    "achieved": "#1B5E20",
    "on_track": "#66BB6A",
    "at_risk": "#F9A825",
    "off_track": "#EF6C00",
    "missed": "#C62828",
    "no_data": "#F5F5F5",
}
#: "no data" is a hatched grey bar across the whole scale, never an empty (0 %) one.
NO_DATA_MARKER: Final = {
    "color": "#F5F5F5",
    "pattern": {"shape": "/", "fgcolor": "#9E9E9E", "bgcolor": "#F5F5F5", "solidity": 0.25},
    "line": {"color": "#9E9E9E", "width": 1},
}
INDEX_COLOR: Final = "#1565C0"
EXPECTED_COLOR: Final = "#1565C0"
TARGET_COLOR: Final = "#212121"
_KEY: Final = {"program": "program", "project": "project_id", "criterion": "criterion"}
_NONE: Final = ""  # the group of indicators without a program / criterion
DASH: Final = "—"
_WIDTH: Final = 56  # characters of a label on a chart axis


def _natural(text: str) -> tuple[bool, list[int | str]]:
    """Sort key: the "no group" group last, numbers inside names by value (Program 2 before 10)."""
    parts = re.split(r"(\d+)", text)
    return text == _NONE, [int(p) if p.isdigit() else p.casefold() for p in parts]


def _short(text: str, width: int = _WIDTH) -> str:
    """A chart's text from the data: shortened, then its HTML escaped (Plotly renders a subset)."""
    return plot(text if len(text) <= width else text[: width - 1].rstrip() + "…")


def project_names(status: pd.DataFrame) -> dict[str, str]:
    """Project id → name, from the status frame."""
    return {str(k): str(v) for k, v in zip(status["project_id"], status["name"], strict=True)}


def live(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicators that count: those of projects that are not cancelled."""
    return indicators[~indicators["project_cancelled"]]


#: more bullets than this make a chart nobody reads: the weakest are drawn, the table lists all
BULLETS_MAX: Final = 60
#: the order of attention: furthest behind first, then no data, then those doing well
_SEVERITY: Final = {"missed": 0, "off_track": 1, "at_risk": 2, "no_data": 3, "on_track": 4, "achieved": 5}


def weakest(indicators: pd.DataFrame, limit: int = BULLETS_MAX) -> tuple[pd.DataFrame, int]:
    """The live indicators to draw as bullets, at most ``limit``: by status severity, then by how
    far achievement lags the expected level; with the number of live indicators in all."""
    rows = live(indicators)
    if len(rows) <= limit:
        return rows, len(rows)
    order = rows.assign(
        _severity=rows["status"].map(_SEVERITY).fillna(len(_SEVERITY)),
        _gap=(rows["achievement"] - rows["expected"]).fillna(0.0),
    ).sort_values(["_severity", "_gap", "indicator_id"], kind="stable")
    return rows.loc[order.index[:limit]], len(rows)


def status_counts(indicators: pd.DataFrame) -> dict[str, int]:
    counts = live(indicators)["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def _keys(rows: pd.DataFrame, by: str) -> pd.Series:
    return rows[_KEY[by]].fillna(_NONE).astype(str)


def _label(key: str, by: str, names: Mapping[str, str]) -> str:
    if by == "project":
        return f"{key} · {names.get(key, '')}"
    if key == _NONE:
        return tr("kpi.no_program" if by == "program" else "kpi.no_criterion")
    if by == "criterion" and has(f"enum.criterion.{key}"):
        return tr(f"enum.criterion.{key}")
    return key


def group_table(indicators: pd.DataFrame, by: str, index: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per group: label, KPI index (from ``index``, a metric frame keyed like the group),
    number of indicators and count per status. Indicators without a criterion are left out of
    the criterion grouping, as ``kpi_by_criterion`` leaves them out."""
    rows = live(indicators)
    if by == "criterion":
        rows = rows[rows["criterion"].notna()]
    rows = rows.assign(group=_keys(rows, by))
    counts = pd.crosstab(rows["group"], rows["status"]).reindex(columns=list(STATUSES), fill_value=0)
    counts.insert(0, "indicators", counts.sum(axis=1))
    extra = ["projects"] if by == "program" else []
    idx = index.assign(group=_keys(index, by))[["group", "kpi_index", *extra]]
    out = counts.reset_index().merge(idx, on="group", how="left")
    out = out.iloc[sorted(range(len(out)), key=lambda i: _natural(str(out["group"].iat[i])))]
    out["label"] = [_label(k, by, names) for k in out["group"]]
    return out.reset_index(drop=True)


def group_cols(by: str) -> list[Col]:
    header = {
        "program": "col.projects.program",
        "project": "col.projects.name",
        "criterion": "col.indicators.criterion",
    }
    cols = [Col("label", header[by]), Col("kpi_index", "kpi.index", "fraction")]
    if by == "program":
        cols.append(Col("projects", "kpi.projects", "int"))
    cols.append(Col("indicators", "kpi.indicators", "int"))
    return cols + [Col(s, f"indicator_status.{s}", "int") for s in STATUSES]


def _no_data_bar(
    y: list[str],
    *,
    name: str,
    showlegend: bool,
    width: float | None = None,
    hovertext: list[str] | None = None,
    customdata: Any = None,
) -> go.Bar:
    return go.Bar(
        y=y,
        x=[1.0] * len(y),
        base=0,
        orientation="h",
        marker=NO_DATA_MARKER,
        name=name,
        text=[tr("indicator_status.no_data")] * len(y),
        textposition="inside",
        insidetextanchor="middle",
        textfont={"color": "#424242"},
        hoverinfo="text" if hovertext else "y+name",
        hovertext=hovertext,
        width=width,
        showlegend=showlegend,
        customdata=customdata,
    )


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 20, "t": 50, "b": 40},
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "xref": "container", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        hoverlabel={"align": "left"},
    )
    fig.update_yaxes(automargin=True)
    return fig


def group_chart(groups: pd.DataFrame) -> go.Figure:
    """Left the KPI index per group (hatched where no project has data), right its indicators
    stacked by status."""
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.03,
    )  # no subplot titles: the axes say what each side is, the legend above never covers them
    y = [_short(v, 48) for v in groups["label"]]
    has_index = groups["kpi_index"].notna().to_numpy()
    fig.add_trace(
        go.Bar(
            y=[v for v, k in zip(y, has_index, strict=True) if k],
            x=groups.loc[has_index, "kpi_index"],
            orientation="h",
            marker_color=INDEX_COLOR,
            text=[percent(v) for v in groups.loc[has_index, "kpi_index"]],
            textposition="outside",
            name=tr("kpi.index"),
            showlegend=False,
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    if (~has_index).any():
        missing = [v for v, k in zip(y, has_index, strict=True) if not k]
        fig.add_trace(_no_data_bar(missing, name=tr("indicator_status.no_data"), showlegend=False), row=1, col=1)
    for status in STATUSES:
        fig.add_trace(
            go.Bar(
                y=y,
                x=groups[status],
                orientation="h",
                name=tr(f"indicator_status.{status}"),
                marker=NO_DATA_MARKER if status == "no_data" else {"color": STATUS_COLORS[status]},
                text=[str(int(v)) if v else "" for v in groups[status]],
                textposition="inside",
                insidetextanchor="middle",
                hovertemplate="%{y}: %{x}<extra>%{fullData.name}</extra>",
            ),
            row=1,
            col=2,
        )
    fig.update_layout(barmode="stack", bargap=0.35)
    fig.update_xaxes(range=[0, 1.18], tickformat=".0%", gridcolor="#ECEFF1", title=tr("kpi.index"), row=1, col=1)
    fig.update_xaxes(
        title=tr("kpi.indicators"),
        gridcolor="#ECEFF1",
        dtick=1 if groups["indicators"].max() <= 12 else None,
        row=1,
        col=2,
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, 34 * len(groups) + 150)


def _hover(row: pd.Series) -> str:
    unit = f" {plot(row['unit'])}" if row["unit"] else ""

    def value(v: Any) -> str:  # as typed, in the page's number style: 9,5 in Kazakh and Russian
        return numbers.MISSING if v is None or pd.isna(v) else f"{numbers.plain(float(v), lang())}{unit}"

    latest = value(row["latest_actual"])
    period = "" if pd.isna(row["latest_period"]) else f" ({row['latest_period']:%d.%m.%Y})"
    return "<br>".join(
        [
            f"<b>{plot(row['indicator_id'])}</b> · {_short(str(row['name']), 70)}",
            f"{tr('col.indicators.baseline')}: {value(row['baseline'])} → {tr('col.indicators.target')}: "
            f"{value(row['target'])}",
            f"{tr('kpi.latest')}: {latest}{period}",
            f"{tr('kpi.achievement')}: {percent(row['achievement'])} · {tr('kpi.expected')}: "
            f"{percent(row['expected'])}",
            f"{tr('kpi.status')}: {tr('indicator_status.' + str(row['status']))}",
        ]
    )


def bullets(indicators: pd.DataFrame, by: str, groups: pd.DataFrame, names: Mapping[str, str]) -> go.Figure:
    """A bullet per indicator, under a header row per group: the achievement bar coloured by
    status, the target (100 %) and the expected fraction as ticks; no data as a hatched bar."""
    rows = live(indicators)
    rows = rows.assign(group=_keys(rows, by), label=rows["indicator_id"].map(plot) + " · " + rows["name"].map(_short))
    index: dict[str, float] = dict(zip(groups["group"], groups["kpi_index"], strict=True))
    order: list[str] = []
    headers: list[int] = []
    for key in sorted(rows["group"].unique(), key=_natural):
        value = index.get(str(key), np.nan)
        suffix: str = "" if pd.isna(value) else f" · {tr('kpi.index')} {percent(value)}"
        headers.append(len(order))
        order.append(f"<b>{_short(_label(key, by, names), 60)}{suffix}</b>")
        order.extend(rows.loc[rows["group"] == key, "label"])
    rows = rows.set_index("label").loc[[o for i, o in enumerate(order) if i not in headers]].reset_index()
    shown = rows["achievement"].clip(-0.5, 1.5)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            y=[order[i] for i in headers],
            x=[0] * len(headers),
            mode="markers",
            opacity=0,
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Bar(
            y=rows["label"],
            x=[1.0] * len(rows),
            base=0,
            orientation="h",
            width=0.75,
            marker_color="#ECEFF1",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for status in STATUSES:
        part = rows["status"] == status
        if not part.any():
            continue
        y = rows.loc[part, "label"]
        hover = [_hover(r) for _, r in rows[part].iterrows()]
        if status == "no_data":
            fig.add_trace(
                _no_data_bar(
                    list(y),
                    name=tr("indicator_status.no_data"),
                    showlegend=True,
                    width=0.6,
                    hovertext=hover,
                    customdata=rows.loc[part, ["project_id", "indicator_id"]].to_numpy(),
                )
            )
            continue
        fig.add_trace(
            go.Bar(
                y=y,
                x=shown[part],
                base=0,
                orientation="h",
                width=0.45,
                marker_color=STATUS_COLORS[status],
                name=tr(f"indicator_status.{status}"),
                text=[percent(v) for v in rows.loc[part, "achievement"]],
                textposition="outside",
                cliponaxis=False,
                hovertext=hover,
                hoverinfo="text",
                # a click opens the indicator in its project's passport
                customdata=rows.loc[part, ["project_id", "indicator_id"]].to_numpy(),
            )
        )
    tick = {"symbol": "line-ns", "size": 24, "line": {"width": 3}}
    fig.add_trace(
        go.Scatter(
            y=rows["label"],
            x=rows["expected"],
            mode="markers",
            name=tr("kpi.expected"),
            marker={**tick, "line": {"width": 3, "color": EXPECTED_COLOR}},
            hovertemplate="%{x:.0%}<extra>%{fullData.name}</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=rows["label"],
            x=[1.0] * len(rows),
            mode="markers",
            name=tr("kpi.target"),
            marker={**tick, "size": 28, "line": {"width": 3, "color": TARGET_COLOR}},
            hoverinfo="skip",
        )
    )
    for i in headers:
        fig.add_shape(
            type="rect",
            xref="paper",
            x0=0,
            x1=1,
            y0=i - 0.5,
            y1=i + 0.5,
            fillcolor="#E3F2FD",
            line_width=0,
            layer="below",
        )
    low = min(0.0, float(np.nanmin(shown)) if shown.notna().any() else 0.0)
    high = max(1.0, float(np.nanmax(shown)) if shown.notna().any() else 1.0)
    # the "no data" words keep a readable size inside their bars
    fig.update_layout(barmode="overlay", bargap=0.3, uniformtext={"minsize": 11, "mode": "show"})
    fig.update_xaxes(
        range=[low - (0.2 if low < 0 else 0.02), high + 0.2],  # room for a negative bar's label
        tickformat=".0%",
        gridcolor="#ECEFF1",
        title=tr("kpi.achievement_axis"),
        zeroline=True,
        zerolinecolor="#90A4AE",
    )
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    return _layout(fig, 28 * len(order) + 130)


#: up to this many projects the trend is a line per project; beyond, the spread and one project
TREND_LINES_MAX: Final = 12


def trend_projects(
    per_project: pd.DataFrame, names: Mapping[str, str], *, as_of: dt.date, highlight: str | None = None
) -> go.Figure:
    """The KPI index of each project at each period end; for a larger portfolio, the mean and the
    middle half of the projects at each quarter end, with the ``highlight`` project drawn over it."""
    fig = go.Figure()
    if per_project["project_id"].nunique() > TREND_LINES_MAX:
        band = trend_band(per_project, as_of)
        fig.add_trace(
            go.Scatter(x=band["period"], y=band["q25"], mode="lines", line_width=0, hoverinfo="skip", showlegend=False)
        )
        fig.add_trace(
            go.Scatter(
                x=band["period"],
                y=band["q75"],
                mode="lines",
                line_width=0,
                fill="tonexty",
                fillcolor="rgba(21, 101, 192, 0.15)",
                name=tr("kpi.trend_band"),
                customdata=band[["q25", "projects"]],
                hovertemplate=f"%{{x|%d.%m.%Y}}: %{{customdata[0]:.0%}}–%{{y:.0%}} · {tr('kpi.projects')} "
                f"%{{customdata[1]}}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=band["period"],
                y=band["mean"],
                mode="lines+markers",
                line_color=INDEX_COLOR,
                name=tr("kpi.trend_mean"),
                hovertemplate="%{x|%d.%m.%Y}: %{y:.0%}<extra>%{fullData.name}</extra>",
            )
        )
        projects = per_project[per_project["project_id"] == highlight] if highlight else per_project.iloc[:0]
    else:
        projects = per_project
    for pid, part in projects.groupby("project_id", sort=True):
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["kpi_index"],
                mode="lines+markers",
                name=plot(pid),
                hovertemplate=f"{_short(names.get(str(pid), ''), 50)}<br>%{{x|%d.%m.%Y}}: %{{y:.0%}}"
                f"<extra>{plot(pid)}</extra>",
            )
        )
    fig.update_layout(title=tr("kpi.trend_projects"))
    return _trend_axes(fig)


def trend_indicators(per_indicator: pd.DataFrame, indicators: pd.DataFrame, project_id: str) -> go.Figure:
    """The achievement of each indicator of one project at each of its values."""
    names = indicators.set_index("indicator_id")["name"].to_dict()
    fig = go.Figure()
    for iid, part in per_indicator[per_indicator["project_id"] == project_id].groupby("indicator_id", sort=True):
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["achievement"],
                mode="lines+markers",
                name=plot(iid),
                customdata=part["actual"],
                hovertemplate=f"{_short(names.get(str(iid), ''), 50)}<br>%{{x|%d.%m.%Y}}: %{{y:.0%}} "
                f"(%{{customdata:g}})<extra>{plot(iid)}</extra>",
            )
        )
    fig.add_hline(
        y=1, line_dash="dash", line_color=TARGET_COLOR, annotation_text=tr("kpi.target"), annotation_position="top left"
    )
    fig.update_layout(title=tr("kpi.trend_indicators", project=plot(project_id)))
    return _trend_axes(fig)


def _trend_axes(fig: go.Figure) -> go.Figure:
    fig.update_xaxes(title=tr("kpi.period"), tickformat="%m.%Y", gridcolor="#ECEFF1")
    fig.update_yaxes(title=tr("kpi.achievement_axis"), tickformat=".0%", rangemode="tozero", gridcolor="#ECEFF1")
    fig = _layout(fig, 380)
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": -0.25, "yanchor": "top"}, margin={"t": 50, "b": 60})
    return fig


def indicator_rows(indicators: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """The indicators with their project's status (a cancelled project's indicators are listed);
    blank text shown as a dash."""
    project_status = status.set_index("project_id")["status"]
    rows = indicators.assign(project_status=indicators["project_id"].map(project_status))
    return rows.fillna({c: DASH for c in ("unit", "criterion", "project_status")})


#: the indicator, its status and how far it is against target and expectation; then the rest
INDICATOR_COLS: Final = [
    Col("indicator_id", "col.indicators.indicator_id", width=120, pinned=True),
    Col("status", "kpi.status", "label", "indicator_status", width=120),
    Col("achievement", "kpi.achievement", "fraction", width=95),
    Col("expected", "kpi.expected_short", "fraction", width=95),
    Col("target", "kpi.target_short", "number", width=95),
    Col("latest_actual", "kpi.latest_short", "number", width=95),
    Col("name", "col.indicators.name", width=260),
    Col("project_id", "col.indicators.project_id", width=95),
    Col("unit", "col.indicators.unit", width=140),
    Col("baseline", "col.indicators.baseline", "number", width=130),
    Col("latest_period", "kpi.period", "date", width=100),
    Col("direction", "col.indicators.direction", "label", "enum.direction"),
    Col("deadline", "col.indicators.deadline", "date"),
    Col("kind", "col.indicators.kind", "label", "enum.indicator_kind"),
    Col("criterion", "col.indicators.criterion", "label", "enum.criterion"),
    Col("project_status", "kpi.project_status", "label", "enum.project_status"),
]
