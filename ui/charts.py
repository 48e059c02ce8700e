"""Plotly figures shared by the pages and the presentation view (labels come in translated)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from exports import palette

from . import rag
from .safe import plot

RAG_COLORS: dict[str | None, str] = {
    "red": rag.COLOURS["red"],
    "amber": rag.COLOURS["amber"],
    "green": rag.COLOURS["green"],
    None: rag.NONE_COLOUR,
}
ZONE_COLORS = dict(palette.ZONES)
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"


def separators(language: str) -> str:
    """Plotly's decimal and thousands separators in the language's style (``i18n.numbers``)."""
    return ".\u00a0" if language == "en" else ",\u00a0"


def show(fig: go.Figure, *, key: str, where: Any = None, **kwargs: Any) -> Any:
    """A chart on the page: its numbers (hover, labels, axes) in the language's style, no
    Plotly toolbar; ``kwargs`` go to ``st.plotly_chart`` (``on_select`` for drill-downs)."""
    import streamlit as st

    from .session import lang

    fig.update_layout(separators=separators(lang()))
    return (where or st).plotly_chart(fig, key=key, config={"displayModeBar": False}, **kwargs)


def picked(fig: go.Figure, event: Any) -> list[object]:
    """The ``customdata`` of the points clicked in ``fig`` (a chart shown with ``on_select``): what
    a bar or a cell stands for (a project, an indicator, a year and a source...)."""
    points = (getattr(event, "selection", None) or {}).get("points", []) if event is not None else []
    out: list[object] = []
    for p in points:
        custom = p.get("customdata")
        if custom is None:
            try:
                custom = fig.data[int(p["curve_number"])].customdata[int(p["point_index"])]
            except (KeyError, IndexError, TypeError, ValueError):
                continue
        out.append(custom[0] if isinstance(custom, list | tuple) and len(custom) == 1 else custom)
    return out


def lines(text: str, width: int, most: int | None = None) -> list[str]:
    """``text`` broken at spaces into lines of about ``width`` characters (a chart title or label
    has no wrapping of its own); at most ``most`` lines, the last ending in … when cut."""
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    if most is not None and len(out) > most:
        out = out[:most]
        out[-1] = out[-1][: max(width - 1, 1)].rstrip() + "…"
    return out


def _layout(fig: go.Figure, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title=title,
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def gantt(
    rows: pd.DataFrame,
    *,
    start: str,
    end: str,
    label: str,
    color: str,
    as_of: dt.date,
    colors: Mapping[Any, str],
    legend: Mapping[Any, str],
    as_of_label: str,
    title: str | None = None,
    hover: str | None = None,
    ident: str | None = None,
) -> go.Figure:
    """Horizontal bars from ``start`` to ``end`` per row, coloured by ``color``, with the as-of line;
    each bar carries its row's ``ident`` (a project or activity id) for a click to follow."""
    fig = go.Figure()
    df = rows.dropna(subset=[start, end]).copy()
    df["_start"] = pd.to_datetime(df[start])
    df["_days"] = (pd.to_datetime(df[end]) - df["_start"]).dt.days.clip(lower=1)
    groups = dict(tuple(df.groupby(df[color].fillna("none"), sort=False)))
    # the legend in the order ``legend`` gives (red, amber, green...), rows of no colour last
    ordered = [k for k in legend if k in groups] + [k for k in groups if k not in legend and k != "none"]
    for key in ordered + (["none"] if "none" in groups else []):
        part = groups[key]
        value = None if key == "none" else key
        fig.add_trace(
            go.Bar(
                y=part[label].map(plot),
                x=part["_days"] * 86_400_000,
                base=part["_start"],
                orientation="h",
                marker_color=colors.get(value, "#9E9E9E"),
                name=legend.get(value, str(value or "—")),
                hovertext=part[hover].map(plot) if hover else None,
                customdata=part[[ident]].to_numpy() if ident else None,
                hoverinfo="text+name" if hover else "y+name",
            )
        )
    order = [plot(v) for v in dict.fromkeys(rows[label])]  # the rows' own order, not the colour groups'
    fig.update_yaxes(autorange="reversed", automargin=True, categoryorder="array", categoryarray=order)
    # month.year ticks read the same in every language (plotly's month names are English only)
    # the as-of line and its date stay inside the plot even when every bar ends before it
    first = min(df["_start"].min(), pd.Timestamp(as_of)) if len(df) else pd.Timestamp(as_of)
    last = max(pd.to_datetime(df[end]).max(), pd.Timestamp(as_of)) if len(df) else pd.Timestamp(as_of)
    pad = max((last - first) * 0.04, pd.Timedelta(days=15))
    fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line_dash="dash", line_color="#37474F")
    # the date is written on the side of the line with room for it: never cut at the plot's edge
    right_half = pd.Timestamp(as_of) > first + (last - first) / 2
    fig.add_annotation(
        x=pd.Timestamp(as_of),
        y=1.0,
        yref="paper",
        yanchor="bottom",
        xanchor="right" if right_half else "left",
        text=as_of_label,
        showarrow=False,
        font={"size": 12, "color": "#37474F"},
    )
    fig.update_xaxes(type="date", tickformat="%m.%Y", gridcolor="#ECEFF1", range=[first - pad, last + pad])
    fig.update_layout(barmode="overlay", bargap=0.3)
    _layout(fig, max(220, 28 * df[label].nunique() + 90), title)
    return fig.update_layout(margin_t=max(fig.layout.margin.t, 28))


def risk_matrix(
    grid: pd.DataFrame,
    *,
    zone_of: Mapping[tuple[int, int], str],
    x_title: str,
    y_title: str,
    title: str | None = None,
    selected: tuple[int, int] | None = None,
    height: int = 420,
) -> go.Figure:
    """The 5×5 matrix: cell colour by zone (high/medium/low), the count of open risks written in it."""
    zones = {"low": 0, "medium": 1, "high": 2}
    z = [[zones[zone_of[(p, i)]] for i in range(1, 6)] for p in range(1, 6)]
    counts = grid.reindex(index=range(1, 6), columns=range(1, 6), fill_value=0).to_numpy(dtype=int)
    text = [[str(c) if c else "" for c in row] for row in counts]
    scale = [[0, ZONE_COLORS["low"]], [0.5, ZONE_COLORS["medium"]], [1, ZONE_COLORS["high"]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(1, 6)),
            y=list(range(1, 6)),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 20, "color": "#212121"},
            colorscale=scale,
            zmin=0,
            zmax=2,
            showscale=False,
            xgap=3,
            ygap=3,
            hovertemplate=f"{y_title} %{{y}} · {x_title} %{{x}}: %{{text}}<extra></extra>",
        )
    )
    if selected:
        p, i = selected
        fig.add_shape(
            type="rect", x0=i - 0.5, x1=i + 0.5, y0=p - 0.5, y1=p + 0.5, line={"color": "#0D47A1", "width": 4}
        )
    fig.update_xaxes(title=x_title, tickmode="array", tickvals=list(range(1, 6)), constrain="domain")
    fig.update_yaxes(title=y_title, tickmode="array", tickvals=list(range(1, 6)), scaleanchor="x")
    return _layout(fig, height, title)
