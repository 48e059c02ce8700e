"""Helpers of the roadmaps page: the steps in words (name with its paragraph, state with its sign),
the timeline of one roadmap's steps against their working-day deadlines, the §19 criteria chart,
the next due step, overdue steps and §51.6 violations stated in words, and the columns of the
page's tables (DOMAIN §4.8; DT = the Government's rules on digital transformation, Decree 881).
Amounts are thousand tenge."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from loaders.access import Right
from metrics.roadmaps import CRITERIA, RoadmapPicture

from . import auth, charts, labels, shell
from .charts import FONT
from .safe import md, plot
from .session import tr
from .tables import Col

#: how a step's state is shown, worst first (the legend's order): the metric's states, the head's
#: approval (no term) split into awaited and done. A sign and a word with every colour, never the
#: colour alone; the colours are those of the passport's plan (``exports.palette.STATES``).
STATES: Final = ("overdue", "late", "due", "on_time", "no_term_open", "no_term_done")
SHAPES: Final = {
    "overdue": "■",
    "late": "▲",
    "due": "○",
    "on_time": "●",
    "no_term_open": "◇",
    "no_term_done": "◆",
}
COLOURS: Final = {
    "overdue": "#C62828",
    "late": "#EF8F00",
    "due": "#1E88E5",
    "on_time": "#2E7D32",
    "no_term_open": "#CFD8DC",
    "no_term_done": "#78909C",
}
#: hatching for the states that need attention (a second cue in a grey print or for any eyes)
PATTERNS: Final = {"overdue": "x", "late": "/"}
DEADLINE_COLOUR: Final = "#212121"
CRITERION_COLOUR: Final = "#1565C0"
DAY_MS: Final = 86_400_000
SHEETS: Final = ("roadmaps", "roadmap_directions", "roadmap_events", "roadmap_changes")


def _day(value: Any) -> str:
    """A date as people write it here (``30.09.2026``), or an em dash."""
    return "—" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d.%m.%Y}"


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def state_key(state: str, done_on: Any) -> str:
    """The shown state: the metric's, with the head's approval (no term) awaited or done."""
    if state == "no_term":
        return "no_term_open" if _blank(done_on) else "no_term_done"
    return state


def state_label(key: str) -> str:
    """``■ Мерзімі өткен``: the sign and the word of a shown state."""
    return f"{SHAPES[key]} {tr(f'roadmaps.state.{key}')}"


def step_name(step: str, change_id: Any = None) -> str:
    """The step in words with its paragraph, and the change it belongs to (plain text)."""
    name = tr(f"roadmaps.step.{step}")
    return name if _blank(change_id) else tr("roadmaps.of_change", step=name, change=change_id)


def _half_year(started: Any) -> str:
    day = pd.Timestamp(started)
    return tr("roadmaps.half_year", year=day.year, half=1 if day.month <= 6 else 2)


def named_steps(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps with their words: ``step_name`` (the step with its paragraph, and the half-year
    of a §34 review), ``state_key`` and ``state_name`` (sign and word), and ``label``, the name
    with its change, unique within a roadmap (a draft resubmitted after rework is reviewed again:
    its second review is numbered)."""
    if steps.empty:
        empty = pd.Series(dtype=object)
        return steps.assign(step_name=empty, state_key=empty, state_name=empty, label=empty)
    names = [
        step_name(s) + (f" · {_half_year(start)}" if s == "evaluation" else "")
        for s, start in zip(steps["step"], steps["started"], strict=True)
    ]
    keys = [state_key(s, d) for s, d in zip(steps["state"], steps["done_on"], strict=True)]
    seen: dict[tuple[object, str], int] = {}
    labelled = []
    for rid, name, change in zip(steps["roadmap_id"], names, steps["change_id"], strict=True):
        full = name if _blank(change) else tr("roadmaps.of_change", step=name, change=change)
        n = seen[(rid, full)] = seen.get((rid, full), 0) + 1
        labelled.append(full if n == 1 else f"{full} ({n})")
    return steps.assign(step_name=names, state_key=keys, state_name=[state_label(k) for k in keys], label=labelled)


def with_next_step(roadmaps: pd.DataFrame) -> pd.DataFrame:
    """The roadmaps with their next due step in words (``next_name``)."""
    names = [
        None if _blank(s) else step_name(str(s), c)
        for s, c in zip(roadmaps["next_step"], roadmaps["next_change_id"], strict=True)
    ]
    return roadmaps.assign(next_name=pd.Series(names, index=roadmaps.index, dtype=object))


def with_previous(violations: pd.DataFrame) -> pd.DataFrame:
    """The violations with what was approved before them in words (a change or the original)."""
    what = [tr("roadmaps.original") if _blank(c) else c for c in violations["previous_change_id"]]
    return violations.assign(previous_what=what)


# --------------------------------------------------------------------------------------------
# In words (Markdown: every data value escaped)


def next_text(row: pd.Series) -> str:
    """The next due step of a roadmap in a sentence (DOMAIN §4.8: the earliest open step due on
    or after the as-of date)."""
    if _blank(row["next_step"]):
        return tr("roadmaps.next_none")
    step = md(step_name(str(row["next_step"]), row["next_change_id"]))
    return tr("roadmaps.next", step=f"**{step}**", date=_day(row["next_due"]))


def overdue_lines(steps: pd.DataFrame) -> list[str]:
    """One Markdown line per overdue step of a roadmap (listed apart from the next due step)."""
    late = steps[steps["state"] == "overdue"]
    return [
        "- "
        + tr(
            "roadmaps.overdue_item",
            step=md(name),
            due=_day(due),
            days=labels.number(None if _blank(days) else float(days)),
        )
        for name, due, days in zip(late["label"], late["due"], late["working_days_late"], strict=True)
    ]


def violation_texts(violations: pd.DataFrame) -> list[str]:
    """Each §51.6 violation in a sentence (Markdown, the change ids escaped)."""
    return [
        tr(
            "roadmaps.violation",
            change=f"**{md(v['change_id'])}**",
            approved=_day(v["approved_on"]),
            previous=_day(v["previous_approval"]),
            what=md(v["previous_what"]),
            allowed=_day(v["allowed_from"]),
        )
        for v in with_previous(violations).to_dict("records")
    ]


def meta_line(row: pd.Series) -> str:
    """The roadmap's state body, period, version, deputy head and first approval (Markdown)."""
    parts = [md(row["agency"]), tr("roadmaps.period", start=int(row["period_from"]), end=int(row["period_to"]))]
    if not _blank(row["version"]):
        parts.append(f"{tr('col.roadmaps.version')}: {md(row['version'])}")
    if not _blank(row["deputy_head"]):
        parts.append(f"{tr('col.roadmaps.deputy_head')}: {md(row['deputy_head'])}")
    first = row["first_approved"]
    parts.append(tr("roadmaps.not_approved") if _blank(first) else tr("roadmaps.first_approved", date=_day(first)))
    return " · ".join(parts)


def _share(part: float, whole: float) -> str:
    return labels.percent(part / whole if whole > 0 else None)


def money_line(row: pd.Series) -> str:
    """A roadmap's financed and additional funding in a sentence (thousand tenge, DT §17.2)."""
    financed, additional = float(row["financed"]), float(row["additional_funding"])
    return tr(
        "roadmaps.directions_total",
        financed=labels.money(financed),
        additional=labels.money(additional),
        share=_share(additional, financed + additional),
    )


def sheet_names() -> dict[str, str]:
    """The workbook's roadmap sheets as the template names them in the user's language."""
    return {
        "roadmaps": tr("table.roadmaps"),
        "directions": tr("table.roadmap_directions"),
        "events": tr("table.roadmap_events"),
        "changes": tr("table.roadmap_changes"),
    }


def no_roadmaps() -> None:
    """The store holds projects but no roadmap: say which sheets bring them and who uploads them."""
    st.info(f"**{tr('roadmaps.none_title')}**\n\n{tr('roadmaps.none_body', **sheet_names())}", icon=":material/route:")
    if auth.current().can(Right.UPLOAD):  # roadmaps are the office's rows (DT §23–25)
        st.page_link(shell.UPLOAD_PAGE, label=tr("common.go_upload"), icon=":material/arrow_forward:")
    else:
        st.caption(tr("common.ask_coordinator"))


# --------------------------------------------------------------------------------------------
# The cards


def cards(pic: RoadmapPicture) -> None:
    """Two rows: roadmaps, overdue steps, done late, §51.6 violations; then the strategic
    directions, the financed total and, apart, the additional funding required with its share
    (thousand tenge; DT §17.2). Two rows of four keep every label whole at 1280 px in Kazakh."""
    r = pic.roadmaps
    financed, additional = float(r["financed"].sum()), float(r["additional_funding"].sum())
    steps = st.columns(4)
    steps[0].metric(tr("roadmaps.total"), len(r), help=tr("roadmaps.total_help"))
    steps[1].metric(tr("roadmaps.overdue"), int(r["overdue_steps"].sum()), help=tr("roadmaps.overdue_help"))
    steps[2].metric(tr("roadmaps.late"), int(r["late_steps"].sum()), help=tr("roadmaps.late_help"))
    steps[3].metric(tr("roadmaps.violations"), len(pic.violations), help=tr("roadmaps.violations_help"))
    money = st.columns(4)
    money[0].metric(tr("roadmaps.directions"), len(pic.directions), help=tr("roadmaps.directions_help"))
    money[1].metric(tr("roadmaps.financed"), labels.money(financed), help=tr("roadmaps.financed_help"))
    money[2].metric(tr("roadmaps.additional"), labels.money(additional), help=tr("roadmaps.additional_help"))
    money[3].metric(
        tr("roadmaps.additional_share"),
        _share(additional, financed + additional),
        help=tr("roadmaps.additional_share_help"),
    )


# --------------------------------------------------------------------------------------------
# The charts


def _hover(row: dict[str, Any]) -> str:
    lines = [
        f"<b>{plot(row['label'])}</b>",
        f"{tr('roadmaps.col_started')}: {_day(row['started'])}",
        f"{tr('roadmaps.col_due')}: {_day(row['due'])}",
        f"{tr('roadmaps.col_done')}: {_day(row['done_on'])}",
        f"{tr('roadmaps.col_state')}: {plot(row['state_name'])}",
    ]
    if not _blank(row["working_days_late"]):
        lines.append(f"{tr('roadmaps.col_late_days')}: {labels.number(float(row['working_days_late']))}")
    if not _blank(row["working_days_taken"]):
        lines.append(f"{tr('roadmaps.col_taken')}: {labels.number(float(row['working_days_taken']))}")
    return "<br>".join(lines)


#: a row's name is broken into lines of this many characters (the plot keeps most of the width
#: at 1280 px) and each line takes this many pixels
LABEL_CHARS: Final = 34
ROW_LINE_PX: Final = 15


def _row(label: object) -> str:
    """A step's row name on the timeline: escaped, broken into short lines at spaces (not at the
    no-break space of ``п. 37`` or ``2026 ж.``)."""
    text = plot(label)
    return "<br>".join(textwrap.wrap(text, LABEL_CHARS, break_long_words=False, break_on_hyphens=False) or [text])


def _mark(key: str, late: Any) -> str:
    """The text at a bar's end: the state's sign, and how many working days late."""
    return SHAPES[key] if _blank(late) else f"{SHAPES[key]} +{labels.number(float(late))}"


def timeline(steps: pd.DataFrame, as_of: dt.date) -> go.Figure:
    """One bar per step of a roadmap (``named_steps``) from the day its clock starts to the day it
    was done, or to the as-of date while open, by shown state; the working-day deadline as a tick
    on each row; the as-of date as a dashed line."""
    rows = steps.reset_index(drop=True)
    start = pd.to_datetime(rows["started"])
    end = pd.to_datetime(rows["done_on"]).fillna(pd.Timestamp(as_of))
    span = ((end - start).dt.days.clip(lower=0) * DAY_MS).clip(lower=DAY_MS // 2)  # a same-day step still shows
    records = rows.to_dict("records")
    fig = go.Figure()
    for key in STATES:
        mine = rows.index[rows["state_key"] == key]
        if not len(mine):
            continue
        fig.add_trace(
            go.Bar(
                y=[_row(records[i]["label"]) for i in mine],
                x=span[mine],
                base=start[mine],
                orientation="h",
                name=state_label(key),
                marker={
                    "color": COLOURS[key],
                    "line": {"color": "#455A64", "width": 0.5},
                    "pattern": {
                        "shape": PATTERNS.get(key, ""),
                        "fillmode": "overlay",
                        "fgcolor": "#FFFFFF",
                        "size": 7,
                        "solidity": 0.3,
                    },
                },
                text=[_mark(key, records[i]["working_days_late"]) for i in mine],
                textposition="outside",
                textfont={"size": 12, "color": "#212121"},
                cliponaxis=False,
                hovertext=[_hover(records[i]) for i in mine],
                hoverinfo="text",
            )
        )
    due = rows[rows["due"].notna()]
    fig.add_trace(
        go.Scatter(
            x=pd.to_datetime(due["due"]),
            y=[_row(v) for v in due["label"]],
            mode="markers",
            name=tr("roadmaps.deadline"),
            marker={
                "symbol": "line-ns-open",
                "size": 20,
                "color": DEADLINE_COLOUR,
                "line": {"width": 3, "color": DEADLINE_COLOUR},
            },
            hovertext=[
                f"{plot(n)}<br>{tr('roadmaps.col_due')}: {_day(d)}"
                for n, d in zip(due["label"], due["due"], strict=True)
            ],
            hoverinfo="text",
        )
    )
    order = [_row(v) for v in rows["label"]]
    fig.update_yaxes(autorange="reversed", automargin=True, categoryorder="array", categoryarray=order)
    first = min(start.min(), pd.Timestamp(as_of))
    last = max(end.max(), pd.to_datetime(rows["due"]).max() if due.size else end.max(), pd.Timestamp(as_of))
    pad = max((last - first) * 0.06, pd.Timedelta(days=6))
    fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line_dash="dash", line_color="#37474F")
    right_half = pd.Timestamp(as_of) > first + (last - first) / 2
    fig.add_annotation(
        x=pd.Timestamp(as_of),
        y=1.0,
        yref="paper",
        yanchor="bottom",
        xanchor="right" if right_half else "left",
        text=tr("roadmaps.as_of_line", date=f"{as_of:%d.%m.%Y}"),
        showarrow=False,
        font={"size": 12, "color": "#37474F"},
    )
    fig.update_xaxes(
        type="date",
        # day.month.year ticks while they are days apart, month.year from a month on: the same in
        # every language (Plotly's month names are English only) and never crowded into a slant
        tickformatstops=[
            {"dtickrange": [None, "M1"], "value": "%d.%m.%Y"},
            {"dtickrange": ["M1", None], "value": "%m.%Y"},
        ],
        tickangle=0,
        gridcolor="#ECEFF1",
        range=[first - pad, last + pad],
    )
    fig.update_layout(
        barmode="overlay",
        bargap=0.35,
        height=max(240, (14 + ROW_LINE_PX * max(o.count("<br>") + 1 for o in order)) * len(rows) + 150),
        margin={"l": 10, "r": 40, "t": 70, "b": 10},
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel={"align": "left"},
        # the legend above the plot, the as-of date between them: neither covers a bar
        legend={
            "orientation": "h",
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
        },
    )
    return fig


def criteria_chart(criteria: pd.DataFrame) -> go.Figure:
    """The share of a roadmap's indicators per §19 criterion (``none``: tied to no criterion)."""
    order = [*CRITERIA, "none"]
    rows = criteria.assign(_o=criteria["criterion"].map(order.index)).sort_values("_o")
    names = [tr("roadmaps.criterion_none") if c == "none" else tr(f"enum.criterion.{c}") for c in rows["criterion"]]
    shares = rows["share"].fillna(0.0)
    fig = go.Figure(
        go.Bar(
            y=["<br>".join(charts.lines(n, 44)) for n in names],
            x=shares * 100,
            orientation="h",
            marker_color=CRITERION_COLOUR,
            text=[
                f"{labels.percent(s)} ({labels.number(float(n))})"
                for s, n in zip(shares, rows["indicators"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hoverinfo="text+y",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=tr("roadmaps.criteria_axis"), range=[0, 118], ticksuffix="%", gridcolor="#ECEFF1")
    fig.update_layout(
        height=max(220, 42 * len(rows) + 70),
        margin={"l": 10, "r": 30, "t": 10, "b": 10},
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=False,
    )
    return fig


# --------------------------------------------------------------------------------------------
# The tables

#: the grid's row and header height (pixels): a roadmap's steps are shown whole up to this many
ROW_PX: Final = 35
ROWS_SHOWN: Final = 30


def whole_height(rows: int) -> int:
    """The height of a table that shows ``rows`` rows without scrolling (up to ``ROWS_SHOWN``)."""
    return ROW_PX * (min(rows, ROWS_SHOWN) + 1) + 3


_ROADMAP = Col("roadmap_id", "col.roadmaps.roadmap_id", pinned=True)
_OVERDUE = Col("overdue_steps", "roadmaps.col_overdue", "int")
_LATE = Col("late_steps", "roadmaps.col_late", "int")
_VIOLATIONS = Col("violations", "roadmaps.col_violations", "int")
_FINANCED = Col("financed", "roadmaps.financed", "money")
_ADDITIONAL = Col("additional_funding", "roadmaps.additional", "money")

#: worst first (the metric's order): which, how bad, what is next, whose, how much
ROADMAP_COLS: Final = [
    _ROADMAP,
    Col("name", "col.roadmaps.name", width=280),
    _OVERDUE,
    _LATE,
    _VIOLATIONS,
    Col("next_name", "roadmaps.col_next_step"),
    Col("next_due", "roadmaps.col_next_due", "date"),
    Col("agency", "col.roadmaps.agency"),
    _FINANCED,
    _ADDITIONAL,
]
AGENCY_COLS: Final = [
    Col("agency", "col.roadmaps.agency", pinned=True),
    Col("roadmaps", "roadmaps.col_roadmaps", "int"),
    _OVERDUE,
    _LATE,
    _VIOLATIONS,
    _FINANCED,
    _ADDITIONAL,
]
STEP_COLS: Final = [
    Col("step_name", "roadmaps.col_step", pinned=True),
    Col("change_id", "col.roadmap_events.change_id"),
    Col("state_name", "roadmaps.col_state"),
    Col("due", "roadmaps.col_due", "date"),
    Col("done_on", "roadmaps.col_done", "date"),
    Col("working_days_late", "roadmaps.col_late_days", "int"),
    Col("working_days_taken", "roadmaps.col_taken", "int"),
    Col("started", "roadmaps.col_started", "date"),
]
ALL_STEP_COLS: Final = [_ROADMAP, *STEP_COLS, Col("responsible", "col.roadmaps.deputy_head")]
VIOLATION_COLS: Final = [
    _ROADMAP,
    Col("change_id", "col.roadmap_changes.change_id"),
    Col("approved_on", "roadmaps.col_approved_on", "date"),
    Col("previous_approval", "roadmaps.col_previous", "date"),
    Col("previous_what", "roadmaps.col_previous_what"),
    Col("allowed_from", "roadmaps.col_allowed_from", "date"),
    Col("agency", "col.roadmaps.agency"),
]
#: the money first (financed and, apart, the additional funding required), then what and whose
DIRECTION_COLS: Final = [
    Col("direction_id", "col.roadmap_directions.direction_id", pinned=True),
    _FINANCED,
    _ADDITIONAL,
    Col("additional_share", "roadmaps.col_share", "fraction"),
    Col("name", "col.roadmap_directions.name"),
    Col("indicators", "roadmaps.col_indicators", "int"),
    Col("project_id", "col.roadmap_directions.project_id"),
]
