"""The quarterly meeting page's pieces: quarters, the agenda editor, the presenter view and its
per-team countdown (Reg §34: at most 20 minutes a team)."""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Callable
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from exports import quarterly
from i18n import numbers
from metrics.common import Filters, quarter_end
from metrics.meeting import Brief

from . import charts, data, labels, rag, tables
from .safe import md, plot
from .session import lang, tr

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


def prepare_quarter(
    con: Any, quarter: dt.date, filters: Filters, order: str, project_ids: tuple[str, ...] | None, start: dt.time
) -> quarterly.Quarter:
    """The quarter's agenda and briefs, computed (``load`` caches it; ``ui.warm`` computes the
    likeliest one before anyone asks)."""
    return quarterly.prepare(con, quarter, filters=filters, order=order, project_ids=project_ids, start=start)  # type: ignore[arg-type]


#: the agenda's order and start time when the page opens
DEFAULT_ORDER: Final = "program"
DEFAULT_START: Final = dt.time(10, 0)


def load(
    quarter: dt.date, filters: Filters, order: str, project_ids: tuple[str, ...] | None, start: dt.time
) -> quarterly.Quarter:
    """The quarter's agenda and briefs, cached by data version."""
    q: quarterly.Quarter = data.cached("meeting_quarter", prepare_quarter, quarter, filters, order, project_ids, start)
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


#: the presenter view: nothing of the app's frame (sidebar, its button, the top bar), the page
#: edge to edge, type sized to the screen for a projector (layout only, no data)
PRESENT_CSS: Final = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] {display: none !important;}
[data-testid="stMain"] {margin-left: 0 !important;}
[data-testid="stMainBlockContainer"] {padding: 0.5rem 1.4rem 1rem 1.4rem !important; max-width: 100% !important;}
[data-testid="stMainBlockContainer"] {font-size: clamp(1rem, 1.25vw, 1.6rem);}
[data-testid="stMainBlockContainer"] p {font-size: inherit;}
[data-testid="stMainBlockContainer"] h2 {font-size: clamp(1.6rem, 2.3vw, 2.8rem); font-weight: 700; color: #1F4E79;
  line-height: 1.15; padding: 0.1rem 0 0 0; overflow-wrap: anywhere;}
.pmo-h {font-size: 1.1em; font-weight: 700; color: #1F4E79; margin: 0.35rem 0 0.15rem 0; line-height: 1.3;}
.st-key-meeting_bar {border-bottom: 1px solid #CFD8DC; padding: 0.3rem 0; background: #FFFFFF;}
[data-testid="stLayoutWrapper"]:has(> .st-key-meeting_bar) {position: sticky; top: 0; z-index: 990;}
.st-key-meeting_bar button p {font-size: 1rem;}
.pmo-pos {font-size: 1.25rem; font-weight: 700; white-space: nowrap; color: #1F4E79;}
.pmo-timer {font-size: 1.35rem; font-weight: 700; text-align: center; border-radius: .4rem;
  padding: .1rem .8rem; white-space: nowrap;}
.pmo-meta {margin: 0.2rem 0 0.3rem 0; line-height: 1.5;}
.pmo-meta .pmo-rag {font-size: 1.05em; margin-right: 0.5rem;}
.pmo-line {margin: 0.15rem 0;}
.pmo-t {width: 100%; border-collapse: collapse; table-layout: auto; font-size: 0.95em; margin-bottom: 0.4rem;}
.pmo-t th {text-align: left; color: #37474F; font-weight: 600; border-bottom: 2px solid #90A4AE;
  padding: 0.2rem 0.45rem;}
.pmo-t td {border-bottom: 1px solid #ECEFF1; padding: 0.2rem 0.45rem; vertical-align: top; overflow-wrap: break-word;}
.pmo-t .id {white-space: nowrap;}
.pmo-t .n {text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums;}
.pmo-t .d {white-space: nowrap;}
.pmo-none {color: #546E7A; margin: 0.1rem 0 0.4rem 0;}
.pmo-state {font-weight: 700; white-space: nowrap;}
.pmo-state-overdue {color: #B71C1C;} .pmo-state-done {color: #1B5E20;} .pmo-state-open {color: #37474F;}
</style>"""


def kpi_figure(b: Brief) -> go.Figure:
    """Achievement, expected and last quarter per indicator: the legend above, every value label
    inside the figure (the axis runs past the longest bar)."""
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
                textfont={"size": 15},
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.1f}%<extra>" + plot(tr(key)) + "</extra>",
            )
        )
    values = pd.concat([ind["before"], ind["expected"], ind["achievement"]]) * 100
    top = float(values.max()) if values.notna().any() else 100.0
    fig.update_layout(
        barmode="group",
        bargap=0.25,
        height=min(560, max(240, 62 * len(ind) + 90)),
        margin={"l": 10, "r": 20, "t": 10, "b": 30},
        font={"family": charts.FONT, "size": 17},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        xaxis={"ticksuffix": "%", "range": [0, max(100.0, top) * 1.18], "gridcolor": "#ECEFF1"},
        yaxis={"autorange": "reversed", "automargin": True},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return fig


Cell = tuple[str, str]  # text (already escaped), class


def html_table(headers: list[str], rows: list[list[Cell]]) -> str:
    """A table of escaped cells that wraps to its column's width (nothing cut, no scrolling)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' for v, c in row) + "</tr>" for row in rows)
    return f'<table class="pmo-t"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _text(value: object) -> Cell:
    return ("" if value is None or (isinstance(value, float) and pd.isna(value)) else html.escape(str(value)), "")


def _date(value: object) -> Cell:
    missing = value is None or pd.isna(value)  # type: ignore[call-overload]
    return ("—" if missing else f"{pd.Timestamp(value):%d.%m.%Y}", "d")  # type: ignore[arg-type]


def _id(value: object) -> Cell:
    return (_text(value)[0], "id")


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _num(text: str) -> Cell:
    return (html.escape(text), "n")


def _state(state: str) -> Cell:
    return (f'<span class="pmo-state pmo-state-{state}">{html.escape(tr(f"protocol.states.{state}"))}</span>', "")


def _block(title: str, count: int | None, table: str | None, empty_key: str) -> str:
    heading = html.escape(title) + ("" if count is None else f" ({labels.number(count)})")
    body = table if table else f'<p class="pmo-none">{html.escape(tr(empty_key))}</p>'
    return f'<div class="pmo-h">{heading}</div>{body}'


def risks_html(b: Brief) -> str:
    rows = [
        [
            _id(r.risk_id),
            _text(r.title),
            _num(f"{r.probability}×{r.impact}"),
            _num(labels.number(_float(r.score))),
            _text(tr(f"enum.priority.{r.priority}")),
        ]
        for r in b.risks.itertuples()
    ]
    headers = [tr(k) for k in ("meeting.item", "meeting.title_col", "meeting.position_pi", "meeting.score")]
    table = html_table([*headers, tr("meeting.priority")], rows) if rows else None
    return _block(tr("meeting.risks"), None, table, "meeting.no_risks")


OVERDUE_SHOWN: Final = 6


def overdue_html(b: Brief) -> str:
    rows = [
        [
            _id(tr(f"overdue_kind.{r.kind}")),
            _id(r.item_id),
            _text(r.title),
            _date(r.due),
            _num(labels.number(_float(r.days_overdue))),
        ]
        for r in b.overdue.head(OVERDUE_SHOWN).itertuples()
    ]
    keys = ("meeting.kind", "meeting.item", "meeting.title_col", "meeting.due", "meeting.days")
    table = html_table([tr(k) for k in keys], rows) if rows else None
    more = len(b.overdue) - OVERDUE_SHOWN
    if table and more > 0:
        table += f'<p class="pmo-none">{html.escape(tr("meeting.more", count=labels.number(more)))}</p>'
    return _block(tr("meeting.overdue"), len(b.overdue), table, "meeting.no_overdue")


def budget_html(b: Brief, year: int) -> str:
    rows = [
        [
            _text(tr(f"enum.funding_source.{r.funding_source}")),
            _num(labels.money(_float(r.planned))),
            _num(labels.money(_float(r.spent))),
            _num(numbers.pct(_float(r.absorption), lang(), 1)),
        ]
        for r in b.budget.itertuples()
    ]
    keys = ("meeting.source", "budget.planned_short", "budget.spent_short", "meeting.absorption_col")
    table = html_table([tr(k) for k in keys], rows) if rows else None
    return _block(tr("meeting.budget", year=year), None, table, "meeting.no_budget")


def changes_html(b: Brief) -> str:
    rows = [
        [_id(r.change_id), _text(r.description), _date(r.submitted_on), _date(r.due)] for r in b.changes.itertuples()
    ]
    keys = ("meeting.item", "meeting.title_col", "col.changes.submitted_on", "meeting.due")
    table = html_table([tr(k) for k in keys], rows) if rows else None
    return _block(tr("meeting.decisions"), None, table, "meeting.no_decisions")


def decided_html(b: Brief) -> str:
    """What the last meeting decided for this team and where each decision stands (Reg §34)."""
    counts = b.decided_counts()
    if not counts["total"]:
        return f'<p class="pmo-none">{html.escape(tr("decisions.last_time_none"))}</p>'
    line = tr(
        "decisions.last_time",
        total=labels.number(counts["total"]),
        done=labels.number(counts["done"]),
        overdue=labels.number(counts["overdue"]),
    )
    rows = [
        [_id(r.decision_id), _text(r.text), _text(r.responsible), _date(r.due_date), _state(str(r.state))]
        for r in b.decided.itertuples()
    ]
    keys = ("decision_id", "text", "responsible", "due_date", "state")
    return f'<div class="pmo-h">{html.escape(line)}</div>' + html_table([tr(f"decisions.col.{k}") for k in keys], rows)


def meta_html(b: Brief, position: int, total: int) -> str:
    """The badge, the program, the manager, the KPI index with its change; the RAG's reasons."""
    delta = None if b.kpi_index is None or b.kpi_index_before is None else (b.kpi_index - b.kpi_index_before) * 100
    change = "" if delta is None else f" ({'+' if delta > 0 else ''}{labels.number(delta)} {tr('meeting.pp')})"
    parts = [
        html.escape(b.program or ""),
        html.escape(tr("meeting.manager", name=b.project_manager or "—")),
        f"{html.escape(tr('meeting.kpi_index'))}: <b>{html.escape(labels.percent(b.kpi_index))}</b>"
        + html.escape(change),
    ]
    line = f'<p class="pmo-meta">{rag.badge_html(b.rag)}' + " · ".join(p for p in parts if p) + "</p>"
    if b.rag_reasons:
        reasons = html.escape(labels.reasons(b.rag_reasons))
        line += f'<p class="pmo-line"><b>{html.escape(tr("meeting.reasons"))}:</b> {reasons}</p>'
    return line


def brief_view(b: Brief, position: int, total: int, year: int) -> None:
    """One team on the screen: what Reg §34 asks it to present, and what it was asked last time.
    The team's texts are escaped into the layout's markup; numbers in the language's style."""
    st.markdown(f"## {md(f'{b.project_id} · {b.name}')}")
    st.html(f"<style>{rag.badge_css()}</style>{meta_html(b, position, total)}{decided_html(b)}")
    left, right = st.columns([1.05, 1], gap="medium")
    with left:
        if b.indicators.empty:
            st.html(_block(tr("meeting.kpi_chart"), None, None, "indicator_status.no_data"))
        else:
            st.html(f'<div class="pmo-h">{html.escape(tr("meeting.kpi_chart"))}</div>')
            charts.show(kpi_figure(b), key=f"meeting_kpi_{b.project_id}", theme=None)
        st.html(risks_html(b))
    right.html(overdue_html(b) + budget_html(b, year) + changes_html(b))


def _go(index: int) -> None:
    st.session_state[KEY_INDEX] = index


def _restart(index: int) -> None:
    st.session_state.setdefault(KEY_STARTED, {})[index] = time.time()


def present(q: quarterly.Quarter, leave: Callable[[], None]) -> None:
    """The presenter view: a thin bar (previous, team n/N, next, the countdown, restart, leave;
    keys ← → and Esc), then one team."""
    st.html(PRESENT_CSS)
    briefs = q.pack.briefs
    total = len(briefs)
    index = min(max(int(st.session_state.get(KEY_INDEX, 0)), 0), total - 1)
    st.session_state[KEY_INDEX] = index
    with st.container(horizontal=True, vertical_alignment="center", key="meeting_bar", gap="small"):
        st.button(
            tr("meeting_page.previous"),
            key="meeting_prev",
            disabled=index == 0,
            shortcut="Left",
            on_click=_go,
            args=(index - 1,),
        )
        st.html(f'<div class="pmo-pos">{labels.number(index + 1)}/{labels.number(total)}</div>', width="content")
        st.button(
            tr("meeting_page.next"),
            key="meeting_next",
            disabled=index >= total - 1,
            shortcut="Right",
            on_click=_go,
            args=(index + 1,),
        )
        with st.container(width="content"):
            countdown(index, q.minutes)
        st.caption(quarter_name(q.quarter_end), help=tr("meeting_page.timer_help", limit=q.minutes, warn=WARN_MIN))
        st.space("stretch")
        st.button(
            tr("meeting_page.restart"),
            key="meeting_restart",
            icon=":material/restart_alt:",
            on_click=_restart,
            args=(index,),
        )
        st.button(tr("meeting_page.exit"), key="meeting_exit", type="primary", shortcut="Esc", on_click=leave)
    brief_view(briefs[index], index, total, q.quarter_end.year)
