"""The quarterly meeting page's pieces: quarters, the agenda editor, the presentation view and its
per-team countdown (Reg §34: at most 20 minutes a team)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from exports import quarterly
from metrics.common import Filters, quarter_end
from metrics.meeting import Brief

from . import charts, data, labels, rag, tables
from .safe import md, plot
from .session import tr

#: the agenda: when, whose team, and how it stands (the status next to the project, not off screen)
AGENDA_COLS: Final = [
    tables.Col("position", "meeting.position", "int", width=50, pinned=True),
    tables.Col("start", "meeting.start", width=80),
    tables.Col("end", "meeting.end", width=85),
    tables.Col("project_id", "col.projects.project_id", width=95),
    tables.Col("standing", "meeting.status", "rag", "enum.project_status", width=120),
    tables.Col("name", "col.projects.name", width=300),
    tables.Col("program", "meeting.program", width=240),
]
KEY_PRESENT: Final = "meeting_present"
KEY_INDEX: Final = "meeting_index"
KEY_STARTED: Final = "meeting_started"  # team index -> time.time() when its view first opened
WARN_MIN: Final = 15


def quarters(until: dt.date, first: dt.date = dt.date(2025, 3, 31)) -> list[dt.date]:
    """Quarter ends from ``first`` to the last one on or before ``until``, newest first."""
    out, q = [], first
    while q <= until:
        out.append(q)
        q = quarter_end(q + dt.timedelta(days=1))
    return out[::-1] or [first]


def quarter_name(day: dt.date) -> str:
    return tr("meeting.quarter", year=day.year, q=(day.month - 1) // 3 + 1)


def load(
    quarter: dt.date, filters: Filters, order: str, project_ids: tuple[str, ...] | None, start: dt.time
) -> quarterly.Quarter:
    """The quarter's agenda and briefs, cached by data version."""

    def compute(con: Any, q: dt.date, f: Filters, o: str, ids: tuple[str, ...] | None, s: dt.time) -> Any:
        return quarterly.prepare(con, q, filters=f, order=o, project_ids=ids, start=s)  # type: ignore[arg-type]

    q: quarterly.Quarter = data.cached("meeting_quarter", compute, quarter, filters, order, project_ids, start)
    return q


def standing(agenda: pd.DataFrame) -> pd.DataFrame:
    """The agenda with ``standing``: its RAG, or the stage of a project no RAG applies to (one
    completed during the quarter reports on its result)."""
    return agenda.assign(standing=agenda["rag"].where(agenda["rag"].notna(), agenda["lifecycle"]))


def total_text(agenda: pd.DataFrame, minutes: int) -> str:
    total = minutes * len(agenda)
    return tr("meeting.total", hours=total // 60, minutes=total % 60)


def timer(elapsed: float, limit_min: int, warn_min: int = WARN_MIN) -> tuple[str, str]:
    """The countdown's text and colour: green, amber after ``warn_min``, red after ``limit_min``."""
    left = limit_min * 60 - elapsed
    colour = "green" if elapsed < warn_min * 60 else "amber" if left > 0 else "red"
    mm, ss = divmod(int(abs(left)), 60)
    text = (
        tr("meeting_page.timer_left", time=f"{mm:02d}:{ss:02d}")
        if left > 0
        else (tr("meeting_page.timer_over", time=f"{mm:02d}:{ss:02d}"))
    )
    return text, colour


def started_at(index: int) -> float:
    started: dict[int, float] = st.session_state.setdefault(KEY_STARTED, {})
    return started.setdefault(index, time.time())


@st.fragment(run_every=1)
def countdown(index: int, limit_min: int) -> None:
    """Redrawn every second on its own, without rerunning the page."""
    text, colour = timer(time.time() - started_at(index), limit_min)
    st.markdown(
        f"<div class='pmo-timer' data-colour='{colour}' style='background:{rag.COLOURS[colour]};"
        f"color:{rag.TEXT[colour]}'>{text}</div>",
        unsafe_allow_html=True,
    )


PRESENT_CSS: Final = """
<style>
.block-container {padding-top: 1.2rem; max-width: 100% !important;}
.block-container p, .block-container li, .block-container td, .block-container th {font-size: 1.25rem;}
.block-container h2 {font-size: 2.6rem; font-weight: 700; color: #1F4E79; line-height: 1.15; padding: 0;}
.pmo-badge {display: inline-block; padding: .3rem 1.2rem; border-radius: .4rem; color: white;
            font-size: 1.6rem; font-weight: 700;}
.pmo-timer {color: white; font-size: 2.2rem; font-weight: 700; text-align: center; border-radius: .5rem;
            padding: .3rem .8rem;}
.pmo-big {font-size: 1.35rem;}
</style>
"""


def kpi_figure(b: Brief) -> go.Figure:
    ind = b.indicators.head(8)
    names = [
        plot(f"{i} · {tr('indicator_status.no_data')}" if pd.isna(a) else str(i))
        for i, a in zip(ind["indicator_id"], ind["achievement"], strict=True)
    ]
    fig = go.Figure()
    for column, key, colour in (
        ("before", "meeting.before", "#BDD7EE"),
        ("expected", "meeting.expected", "#9E9E9E"),
        ("achievement", "meeting.achievement", "#1F4E79"),
    ):
        fig.add_trace(
            go.Bar(
                y=names,
                x=ind[column] * 100,
                name=tr(key),
                orientation="h",
                marker_color=colour,
                texttemplate="%{x:.0f}%",
                textposition="outside",
            )
        )
    fig.update_layout(
        barmode="group",
        height=max(260, 90 * len(ind) + 80),
        margin={"l": 10, "r": 30, "t": 40, "b": 10},
        title=tr("meeting.kpi_chart"),
        font={"size": 16},
        legend={"orientation": "h", "y": -0.12},
        xaxis={"ticksuffix": "%"},
        yaxis={"autorange": "reversed"},
        plot_bgcolor="white",
    )
    return fig


def brief_view(b: Brief, position: int, total: int, limit_min: int, year: int) -> None:
    """One team on the screen: what Reg §34 asks it to present. The team's own texts (name,
    program, manager) are shown as text; the only markup here is the layout's."""
    head, badge, clock = st.columns([6, 1.3, 1.7])
    head.markdown(f"## {md(f'{b.project_id} · {b.name}')}")
    badge.html(f"<style>{rag.badge_css()}</style>" + rag.badge_html(b.rag))
    with clock:
        countdown(position, limit_min)
    delta = None if b.kpi_index is None or b.kpi_index_before is None else (b.kpi_index - b.kpi_index_before) * 100
    change = "" if delta is None else f" ({delta:+.0f} {tr('meeting.pp')})"
    manager = tr("meeting.manager", name=md(b.project_manager or "—"))
    st.markdown(
        f"{md(b.program or '')} · {manager} · {tr('meeting.kpi_index')}: "
        f"**{labels.percent(b.kpi_index)}**{change} · {position + 1}/{total}"
    )
    if b.rag_reasons:
        st.markdown(f"**{tr('meeting.reasons')}:** {md(labels.reasons(b.rag_reasons))}")
    left, right = st.columns(2)
    with left:
        if b.indicators.empty:
            st.info(tr("indicator_status.no_data"))
        else:
            charts.show(kpi_figure(b), key=f"meeting_kpi_{b.project_id}")
        st.markdown(f"#### {tr('meeting.risks')}")
        risks = b.risks.assign(
            position=b.risks["probability"].astype(str) + "×" + b.risks["impact"].astype(str),
            priority=b.risks["priority"].map(lambda p: tr(f"enum.priority.{p}")),
        )
        _frame(
            risks,
            {
                "risk_id": "meeting.item",
                "title": "meeting.title_col",
                "position": "meeting.position_pi",
                "score": "meeting.score",
                "priority": "meeting.priority",
            },
            "meeting.no_risks",
        )
    with right:
        st.markdown(f"#### {tr('meeting.overdue')} ({len(b.overdue)})")
        overdue = b.overdue.assign(kind=b.overdue["kind"].map(lambda k: tr(f"overdue_kind.{k}")))
        _frame(
            overdue.head(8),
            {
                "kind": "meeting.kind",
                "item_id": "meeting.item",
                "title": "meeting.title_col",
                "due": "meeting.due",
                "days_overdue": "meeting.days",
            },
            "meeting.no_overdue",
        )
        st.markdown(f"#### {tr('meeting.budget', year=year)}")
        budget = b.budget.assign(
            funding_source=b.budget["funding_source"].map(lambda s: tr(f"enum.funding_source.{s}"))
        )
        _frame(
            budget,
            {
                "funding_source": "meeting.source",
                "planned": "meeting.planned",
                "spent": "meeting.spent",
                "absorption": "meeting.absorption_col",
            },
            "meeting.no_budget",
        )
        st.markdown(f"#### {tr('meeting.decisions')}")
        _frame(
            b.changes,
            {
                "change_id": "meeting.item",
                "description": "meeting.title_col",
                "submitted_on": "col.changes.submitted_on",
                "due": "meeting.due",
            },
            "meeting.no_decisions",
        )


def _frame(df: pd.DataFrame, columns: dict[str, str], empty_key: str) -> None:
    if df.empty:
        st.caption(tr(empty_key))
        return
    shown = df[list(columns)].rename(columns={c: tr(k) for c, k in columns.items()})
    config = {
        tr(k): st.column_config.DateColumn(tr(k), format="DD.MM.YYYY")
        for c, k in columns.items()
        if pd.api.types.is_datetime64_any_dtype(df[c])
    }
    st.dataframe(shown, hide_index=True, column_config=config)


def present(q: quarterly.Quarter) -> None:
    """Full width, one team per view, next/previous, the team's countdown."""
    st.markdown(PRESENT_CSS, unsafe_allow_html=True)
    briefs = q.pack.briefs
    total = len(briefs)
    index = min(max(int(st.session_state.get(KEY_INDEX, 0)), 0), total - 1)
    st.session_state[KEY_INDEX] = index
    bar = st.columns([1, 1, 3, 1.4, 1.4])
    if bar[0].button(tr("meeting_page.previous"), key="meeting_prev", disabled=index == 0):
        st.session_state[KEY_INDEX] = index - 1
        st.rerun()
    if bar[1].button(tr("meeting_page.next"), key="meeting_next", disabled=index >= total - 1):
        st.session_state[KEY_INDEX] = index + 1
        st.rerun()
    bar[2].caption(f"{quarter_name(q.quarter_end)} · " + tr("meeting_page.timer_help", limit=q.minutes, warn=WARN_MIN))
    if bar[3].button(tr("meeting_page.restart"), key="meeting_restart"):
        st.session_state.setdefault(KEY_STARTED, {})[index] = time.time()
    if bar[4].button(tr("meeting_page.exit"), key="meeting_exit", type="primary"):
        st.session_state[KEY_PRESENT] = False
        st.rerun()
    brief_view(briefs[index], index, total, q.minutes, q.quarter_end.year)
