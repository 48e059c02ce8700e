"""Rendering helpers of the project passport: the project choice kept in the URL, print-friendly
tables with downloads, the status box with the override form (for those who may), the curator's
decisions on change requests, and the charts."""

from __future__ import annotations

import datetime as dt
import html
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots
from streamlit.delta_generator import DeltaGenerator

from exports import palette
from i18n import has, numbers
from loaders import store
from loaders.access import AccessDenied, Actor, Right
from loaders.changes import DecisionError, decide_change
from loaders.schema import ENUM_CATALOG, table_specs
from metrics import status as status_mod
from metrics.budget import budget_summary
from metrics.passport import ACTIVITY_STATES
from metrics.risks import heatmap

from . import charts, data, labels, widgets
from . import rag as rag_style
from .safe import md, plot
from .session import View, lang, link_params, today, tr
from .tables import Col, display_frame, download
from .upload_view import denied

KEY_PID = "passport_pid"
KEY_URL_PID = "passport_url_pid"
KEY_FLASH = "passport_flash"
KEY_OVR_RAG = "passport_ovr_rag"
KEY_OVR_COMMENT = "passport_ovr_comment"
KEY_OVR_ERROR = "passport_ovr_error"
KEY_CR_PICK, KEY_CR_DECISION, KEY_CR_DAY = "passport_cr_pick", "passport_cr_decision", "passport_cr_day"

STATE_COLORS: dict[object, str] = {state: colour for state, colour in palette.STATES.items()}  # as on paper

# --------------------------------------------------------------------------------------------
# The project


def _linked_pid() -> str | None:
    """``?pid=`` of the link that opened the page (the sidebar keeps page parameters in the URL)."""
    return st.query_params.get("pid")


def choose_project(in_scope: Sequence[str], names: Mapping[Any, Any]) -> str | None:
    """The project selectbox over the projects in scope, following ``?pid=`` and writing the
    choice back to the URL. A linked project outside the filters is still offered."""
    options = list(in_scope)
    linked = _linked_pid()
    if linked and linked != st.session_state.get(KEY_URL_PID):
        if linked in names:
            if linked not in options:
                options.insert(0, linked)
            st.session_state[KEY_PID] = linked
        else:
            st.warning(tr("passport.unknown", pid=md(linked)))
    if not options:
        return None
    if st.session_state.get(KEY_PID) not in options:
        st.session_state[KEY_PID] = options[0]
    shown = {p: f"{p} · {names.get(p, '')}"[:90] for p in options}
    pid = st.selectbox(tr("passport.choose"), options, key=KEY_PID, format_func=shown.__getitem__)
    st.session_state[KEY_URL_PID] = pid
    st.query_params["pid"] = pid
    return str(pid)


# --------------------------------------------------------------------------------------------
# Tables that print whole (static HTML) and download as Excel


def _number(value: float) -> str:
    return labels.number(value, 2, trim=True)


def _cell(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float | dt.date | pd.Timestamp) and pd.isna(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    if kind == "date":
        return f"{pd.Timestamp(value):%d.%m.%Y}"
    if kind in ("pct", "fraction"):
        return f"{float(value):.0f}%"
    if kind == "int":
        return str(int(value))
    if kind == "number":
        return _number(float(value))
    return str(value)


#: the printable tables' look: Streamlit's static table, in one HTML element per table
PRINT_CSS: Final = """<style>
.pmo-print-wrap {overflow-x: auto;}
.pmo-print {border-collapse: collapse; width: 100%; font-size: 0.875rem; line-height: 1.4;}
.pmo-print th {font-weight: 600; color: rgba(49, 51, 63, 0.75); text-align: left; vertical-align: bottom;}
.pmo-print th, .pmo-print td {border-bottom: 1px solid rgba(49, 51, 63, 0.12); padding: 0.3rem 0.55rem;}
.pmo-print td {vertical-align: top; overflow-wrap: break-word;}
@media print {.pmo-print-wrap {overflow: visible;} .pmo-print tr {break-inside: avoid;}}
</style>"""


def table_html(cells: pd.DataFrame) -> str:
    """``cells`` (text as printed) as one HTML table, every header and cell escaped (data never
    becomes markup)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cells.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in cells.itertuples(index=False, name=None)
    )
    table = f'<table class="pmo-print"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="pmo-print-wrap">{table}</div>'


def _printable(df: pd.DataFrame, cols: Sequence[Col]) -> tuple[pd.DataFrame, str]:
    """The display frame (for the download) and the table as printed, in HTML.

    One HTML element, not ``st.table``: Streamlit draws each cell of ``st.table`` through its
    Markdown renderer, and the passport's nine tables took the browser about 0.4 s that way; as
    HTML they take 0.05 s."""
    frame = display_frame(df, cols)
    cells = pd.DataFrame({tr(c.header): [_cell(v, c.kind) for v in frame[tr(c.header)]] for c in cols})
    return frame, table_html(cells)


def print_table(
    df: pd.DataFrame,
    cols: Sequence[Col],
    *,
    key: str,
    file_stem: str,
    title: str,
    cache: tuple[object, ...] = (),
) -> None:
    """A static table (every row prints) with translated headers and a formatted Excel download.
    ``cache`` (the project and the as-of date) keeps the formatted table across reruns."""
    if df.empty:
        st.caption(tr("common.nothing"))
        return
    if cache:
        frame, shown = data.memo(f"print:{key}", lambda: _printable(df, cols), *cache)
    else:
        frame, shown = _printable(df, cols)
    st.html(PRINT_CSS + shown)
    download(df, cols, file_stem=file_stem, title=title, key=key, shown=frame)


def fields_table(
    values: dict[str, str], *, key: str, file_stem: str, title: str, cache: tuple[object, ...] = ()
) -> None:
    """Label–value pairs (already translated and formatted) as a two-column printable table."""
    frame = pd.DataFrame({"field": list(values), "value": list(values.values())})
    print_table(
        frame,
        [Col("field", "passport.field"), Col("value", "passport.value")],
        key=key,
        file_stem=file_stem,
        title=title,
        cache=cache,
    )


def passport_fields(row: pd.Series) -> dict[str, str]:
    """The passport as the curator reads it: translated labels, dates as 23.11.2026."""
    out: dict[str, str] = {}
    for name in (
        "program",
        "strategic_goal",
        "curator",
        "program_manager",
        "project_manager",
        "start_date",
        "end_date",
        "status",
        "completed_on",
        "approved_on",
        "description",
    ):
        value = row[name]
        if name == "status" and isinstance(value, str):
            text = tr(f"enum.project_status.{value}")
        else:
            text = _cell(value, "date" if name.endswith(("_date", "_on")) else "text")
        out[tr(f"col.projects.{name}")] = text or "—"
    return out


def flags_text(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """A bool column shown as yes / no."""
    return df.assign(**{column: df[column].map({True: "yes", False: "no"})})


# --------------------------------------------------------------------------------------------
# Status: computed RAG, reasons, the coordinator's override


def _rag(value: object) -> str:
    return rag_style.label(value) or tr("rag.none")


def final_result(row: pd.Series) -> str:
    """A completed project's result: its indicators achieved and missed (DOMAIN §4.6)."""
    return tr(
        "status.final_result",
        achieved=int(row["indicators_achieved"]),
        total=int(row["indicators"]),
        missed=int(row["indicators_missed"]),
    )


def status_box(row: pd.Series) -> None:
    """Effective status and KPI index, the computed status with its reasons, the override beside
    it; a project no RAG applies to shows its stage (and, completed, its final result) instead."""
    with st.container(border=True):
        if row["cancelled"]:
            st.markdown(tr("passport.cancelled_no_rag"))
            source_rating(st.container(), row)
            return
        if not row["live"]:
            st.html(f"<style>{rag_style.badge_css()}</style>" + rag_style.badge_html(None, _stage(row)))
            source_rating(st.container(), row)
            if row["lifecycle"] == "completed":
                st.markdown(final_result(row))
            st.caption(tr("status.no_rag_help"))
            return
        effective, computed, override = st.columns([2, 5, 4])
        effective.html(f"<style>{rag_style.badge_css()}</style>" + rag_style.badge_html(row["rag_effective"]))
        source_rating(effective, row)
        effective.markdown(f"**{tr('passport.kpi_index')}:** {labels.percent(row['kpi_index'])}")
        computed.markdown(f"**{tr('passport.rag_computed')}:** {_rag(row['rag'])}")
        reasons = row["rag_reasons"] if isinstance(row["rag_reasons"], list) else []
        computed.markdown("\n".join(f"- {md(labels.reason(c))}" for c in reasons) or tr("passport.no_reasons"))
        override.markdown(f"**{tr('passport.rag_override')}:** {_rag(row['rag_override'])}")
        if isinstance(row["rag_override"], str):
            when = _cell(row["override_at"], "date")
            override.markdown(
                tr(
                    "passport.override_note",
                    comment=md(row["override_comment"]),
                    author=md(row["override_author"]),
                    date=when,
                )
            )
        else:
            override.caption(tr("passport.no_override"))


def source_rating(where: DeltaGenerator, row: pd.Series) -> None:
    """The source system's own rating ("Amber/Green") beside the badge, as the file wrote it: a
    text from the data, shown escaped; it never replaces the computed status."""
    value = row.get("reported_rag")
    if isinstance(value, str) and value.strip():
        where.markdown(f"**{tr('col.projects.reported_rag')}:** {md(value)}", help=tr("colhelp.projects.reported_rag"))


def _stage(row: pd.Series) -> str:
    return html.escape(tr(f"enum.project_status.{row['lifecycle']}"))


def _save_override(pid: str, as_of: dt.date, actor: Actor) -> None:
    """Form callback: runs before the page, so the page shows the new status at once."""
    st.session_state.pop(KEY_OVR_ERROR, None)
    rag = st.session_state.get(widgets.widget_key(KEY_OVR_RAG))
    comment = st.session_state.get(KEY_OVR_COMMENT) or ""
    try:
        with data.write() as con:
            status_mod.set_rag_override(con, pid, None if rag == "none" else rag, comment, actor)
    except status_mod.OverrideError as err:
        st.session_state[KEY_OVR_ERROR] = tr(f"passport.error.{err.code}")
        return
    except AccessDenied as exc:
        st.session_state[KEY_OVR_ERROR] = denied(exc)
        return
    except store.StoreBusy:
        st.session_state[KEY_OVR_ERROR] = tr("upload.store_busy", wait=int(store.busy_wait()))
        return
    st.session_state[KEY_OVR_COMMENT] = ""
    message = tr("passport.override_saved")
    if as_of < today():  # overrides count from the day they are made (metrics.status.current_overrides)
        message += " " + tr("passport.override_later", date=f"{as_of:%d.%m.%Y}")
    st.session_state[KEY_FLASH] = message


def override_form(pid: str, as_of: dt.date, history: pd.DataFrame, actor: Actor) -> None:
    """The override's history; its form for those who may set it (a comment is required, the
    author is the signed-in user)."""
    error = st.session_state.get(KEY_OVR_ERROR)
    may = actor.can(Right.OVERRIDE)
    frozen = data.at_batch() is not None  # the data as of a batch: changes go to the current data
    title = tr("passport.override_title") if may and not frozen else tr("passport.history_title")
    with st.expander(title, icon=":material/edit:", expanded=bool(error)):
        if may and frozen:
            st.caption(tr("as_of_batch.no_changes"))
        elif may:
            with st.form("passport_override_form", border=False):
                choices = {v: _rag(v) for v in ("red", "amber", "green")} | {"none": tr("passport.override_clear")}
                st.selectbox(
                    tr("passport.override_rag"),
                    list(choices),
                    key=widgets.widget_key(KEY_OVR_RAG),  # drawn anew in another language (ui.widgets)
                    format_func=choices.__getitem__,
                )
                st.text_area(tr("passport.override_comment"), key=KEY_OVR_COMMENT, height=80, max_chars=2000)
                st.caption(tr("passport.override_as", user=md(actor.name)))
                st.form_submit_button(
                    tr("passport.override_save"),
                    key="passport_ovr_save",
                    on_click=_save_override,
                    args=(pid, as_of, actor),
                )
            if error:
                st.error(error)
                st.session_state.pop(KEY_OVR_ERROR, None)
        st.markdown(f"**{tr('passport.history_title')}**")
        shown = history.assign(rag=history["rag"].fillna("none"))
        print_table(
            shown,
            [
                Col("created_at", "passport.history_at", "date"),
                Col("rag", "passport.override_rag", "label", "passport.history_rag"),
                Col("comment", "passport.override_comment"),
                Col("author", "passport.override_author"),
            ],
            key="passport_history",
            file_stem=f"{pid}_{tr('passport.file.history')}",
            title=tr("passport.history_title"),
        )


def _decide(actor: Actor) -> None:
    """Form callback: the curator's decision on one pending change request, as its own batch."""
    change_id = st.session_state.get(KEY_CR_PICK)
    if not change_id:
        return
    decision = st.session_state.get(KEY_CR_DECISION) or "approved"
    on: dt.date = st.session_state.get(KEY_CR_DAY) or today()
    try:
        with data.write() as con:
            batch = decide_change(con, actor, change_id, decision, on)
    except DecisionError as err:
        st.session_state[KEY_FLASH] = ("error", tr(f"decision.{err.code}", change=md(err.change_id)))
        return
    except AccessDenied as exc:
        st.session_state[KEY_FLASH] = ("error", denied(exc))
        return
    except store.StoreBusy:
        st.session_state[KEY_FLASH] = ("error", tr("upload.store_busy", wait=int(store.busy_wait())))
        return
    text = tr("passport.decided", change=md(change_id), decision=tr(f"enum.decision.{decision}"), batch=batch)
    st.session_state[KEY_FLASH] = text


def decision_form(changes: pd.DataFrame, actor: Actor) -> None:
    """For the curator (Reg §40): approve or reject a pending change request of this project."""
    if not actor.can(Right.DECIDE_CHANGES) or changes.empty or data.at_batch() is not None:
        return
    pending = changes[changes["decision"].isna() | (changes["decision"] == "pending")]
    if pending.empty:
        return
    ids = [str(c) for c in pending["change_id"]]
    with st.form("passport_decision_form", border=True):
        st.markdown(f"**{tr('passport.decide_title')}**")
        pick, decision, day = st.columns([3, 3, 2])
        pick.selectbox(tr("passport.decide_pick"), ids, key=KEY_CR_PICK)
        options = {d: tr(f"enum.decision.{d}") for d in ("approved", "rejected")}
        decision.radio(
            tr("passport.decide_decision"), list(options), key=KEY_CR_DECISION, format_func=options.__getitem__
        )
        day.date_input(tr("passport.decide_day"), value=today(), key=KEY_CR_DAY, format="DD.MM.YYYY")
        st.form_submit_button(
            tr("passport.decide_save"), key="passport_cr_save", on_click=_decide, args=(actor,), type="primary"
        )


def flash() -> None:
    message = st.session_state.pop(KEY_FLASH, None)
    if isinstance(message, tuple):
        st.error(message[1], icon=":material/error:")
    elif message:
        st.success(message, icon=":material/check:")


# --------------------------------------------------------------------------------------------
# Charts


#: the indicators' small charts: three to a row, each plot this tall, below a title band (the
#: indicator's id and name on up to three lines) and the dates of the row above
TREND_COLUMNS: Final = 3
TREND_PLOT_PX: Final = 200
TREND_TITLE_PX: Final = 64
TREND_TICKS_PX: Final = 28


def indicator_figure(trend: pd.DataFrame, first: str | None = None) -> go.Figure | None:
    """The indicators' achievement against the expected pace, target at 100 %: one small chart
    per indicator, three to a row, in one figure (``first``, the indicator asked for, leads).

    One figure, not one per indicator: the browser sets up every Plotly chart on its own, and a
    project's ten indicators as ten charts took it half a second to draw."""
    ids = sorted((str(i) for i in trend["indicator_id"].dropna().unique()), key=lambda i: (i != first, i))
    if not ids:
        return None
    by_id = {str(iid): rows for iid, rows in trend.groupby("indicator_id", sort=False)}
    rows_n = -(-len(ids) // TREND_COLUMNS)
    legend_px = 32
    gap = TREND_TITLE_PX + TREND_TICKS_PX
    plots = rows_n * TREND_PLOT_PX + (rows_n - 1) * gap
    height = legend_px + TREND_TITLE_PX + plots + TREND_TICKS_PX
    titles = []
    for iid in ids:
        name = str(by_id[iid]["name"].iloc[0])
        # the name on two short lines, never cut at the chart's edge
        titles.append("<br>".join([f"<b>{plot(iid)}</b>", *(plot(x) for x in charts.lines(name, 34, most=2))]))
    fig = make_subplots(
        rows=rows_n,
        cols=TREND_COLUMNS,
        subplot_titles=titles,
        horizontal_spacing=0.06,
        vertical_spacing=gap / plots,
    )
    for k, iid in enumerate(ids):
        rows = by_id[iid]
        at = {"row": k // TREND_COLUMNS + 1, "col": k % TREND_COLUMNS + 1}
        fig.add_trace(
            go.Scatter(
                x=rows["period"],
                y=rows["expected"] * 100,
                name=tr("passport.expected"),
                legendgroup="expected",
                showlegend=k == 0,
                mode="lines",
                line={"color": "#90A4AE", "dash": "dash"},
            ),
            **at,
        )
        fig.add_trace(
            go.Scatter(
                x=rows["period"],
                y=rows["achievement"] * 100,
                name=tr("passport.achievement"),
                legendgroup="achievement",
                showlegend=k == 0,
                mode="lines+markers",
                line={"color": "#1565C0", "width": 3},
            ),
            **at,
        )
        fig.add_hline(y=100, line_color="#2E7D32", line_width=1, **at)
    fig.update_annotations(font={"size": 13}, yanchor="bottom")
    fig.update_yaxes(ticksuffix="%", gridcolor="#ECEFF1", rangemode="tozero")
    fig.update_xaxes(tickformat="%m.%Y", gridcolor="#ECEFF1")
    return fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": TREND_TITLE_PX + legend_px, "b": TREND_TICKS_PX},
        font={"family": charts.FONT, "size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "x": 0, "y": 1, "yref": "container", "yanchor": "top"},
    )


def focused_indicator(indicators: pd.DataFrame) -> str | None:
    """The indicator named by the link (``ind``, from a click on the KPI page), said above the
    project's indicators with its status and numbers; None when the link names none of them."""
    wanted = st.query_params.get("ind")
    rows = indicators[indicators["indicator_id"] == wanted] if wanted else indicators.iloc[0:0]
    if rows.empty:
        return None
    row = rows.iloc[0]
    st.info(
        tr(
            "passport.focus",
            indicator=md(f"{row['indicator_id']} · {row['name']}"),
            status=tr(f"indicator_status.{row['status']}"),
            achievement=labels.percent(row["achievement"]),
            expected=labels.percent(row["expected"]),
        ),
        icon=":material/my_location:",
    )
    return str(row["indicator_id"])


def indicator_charts(fig: go.Figure | None) -> None:
    """The indicators' charts (``indicator_figure``), or a word that there is no trend yet."""
    if fig is None:
        st.caption(tr("passport.trend_none"))
        return
    charts.show(fig, key="passport_trend")


def activity_gantt(acts: pd.DataFrame, as_of: dt.date) -> go.Figure:
    """The plan as bars from planned start to planned end, coloured by the state on the as-of date."""
    rows = acts.assign(
        bar_start=acts["planned_start"].fillna(acts["planned_end"]),
        label=acts["activity_id"] + " · " + acts["name"].str[:45],
    )
    legend: dict[object, str] = {s: tr(f"passport.state.{s}") for s in ACTIVITY_STATES}
    fig = charts.gantt(
        rows,
        start="bar_start",
        end="planned_end",
        label="label",
        color="state",
        as_of=as_of,
        colors=STATE_COLORS,
        legend=legend,
        as_of_label=f"{as_of:%d.%m.%Y}",
        hover="name",
    )
    return fig.update_xaxes(tickformat="%m.%Y")


def risk_position(risks: pd.DataFrame) -> pd.DataFrame:
    """The heatmap cell of each risk as people say it: probability × impact = score."""
    return risks.assign(
        position=[
            f"{p} × {i} = {s}" for p, i, s in zip(risks["probability"], risks["impact"], risks["score"], strict=True)
        ]
    )


def risk_matrix(risks: pd.DataFrame, zones: Mapping[tuple[int, int], str]) -> go.Figure:
    """The 5×5 matrix of this project's open risks, zones from the priority thresholds
    (``exports.paper.risk_zones``)."""
    return charts.risk_matrix(
        heatmap(risks),
        zone_of=zones,
        x_title=tr("col.risks.impact"),
        y_title=tr("col.risks.probability"),
        height=300,
    )


# --------------------------------------------------------------------------------------------
# The sections' columns

TEAM_COLS = [
    Col("person", "col.team.person"),
    Col("role", "col.team.role", "label", "enum.role"),
    Col("allocation_pct", "col.team.allocation_pct", "pct"),
    Col("from_date", "col.team.from_date", "date"),
    Col("to_date", "col.team.to_date", "date"),
    Col("active", "passport.team_active", "label", "common"),
    Col("total_pct", "passport.team_total", "pct"),
    Col("over_allocated", "passport.team_over", "label", "common"),
]
#: the status and the numbers that decide it first, the indicator's description after
INDICATOR_COLS = [
    Col("indicator_id", "col.indicators.indicator_id"),
    Col("name", "col.indicators.name"),
    Col("status", "passport.indicator_status", "label", "indicator_status"),
    Col("achievement", "passport.achievement", "fraction"),
    Col("expected", "passport.expected", "fraction"),
    Col("latest_actual", "passport.latest", "number"),
    Col("target", "col.indicators.target", "number"),
    Col("unit", "col.indicators.unit"),
    Col("deadline", "col.indicators.deadline", "date"),
    Col("baseline", "col.indicators.baseline", "number"),
    Col("kind", "col.indicators.kind", "label", "enum.indicator_kind"),
]
ACTIVITY_COLS = [
    Col("activity_id", "col.activities.activity_id"),
    Col("name", "col.activities.name"),
    Col("stage", "col.activities.stage"),
    Col("responsible", "col.activities.responsible"),
    Col("planned_start", "col.activities.planned_start", "date"),
    Col("planned_end", "col.activities.planned_end", "date"),
    Col("actual_end", "col.activities.actual_end", "date"),
    Col("percent_complete", "col.activities.percent_complete", "pct"),
    Col("state", "passport.state_header", "label", "passport.state"),
    Col("days_overdue", "passport.days_overdue", "int"),
    Col("days_late", "passport.days_late", "int"),
]
RISK_COLS = [
    Col("risk_id", "col.risks.risk_id"),
    Col("title", "col.risks.title"),
    Col("position", "passport.score"),
    Col("priority", "col.risks.priority", "label", "enum.priority"),
    Col("status", "col.risks.status", "label", "enum.risk_status"),
    Col("owner", "col.risks.owner"),
    Col("mitigation", "col.risks.mitigation"),
    Col("flags", "passport.flags", "list", "risk_flag"),
]
BUDGET_COLS = [
    Col("year", "col.budget.year", "int"),
    Col("funding_source", "col.budget.funding_source", "label", "enum.funding_source"),
    Col("planned", "col.budget.planned", "number"),
    Col("spent", "col.budget.spent", "number"),
    Col("absorption", "passport.absorption", "pct"),
]
CHANGE_COLS = [
    Col("change_id", "col.changes.change_id"),
    Col("submitted_on", "col.changes.submitted_on", "date"),
    Col("description", "col.changes.description"),
    Col("decision", "col.changes.decision", "label", "enum.decision"),
    Col("decided_on", "col.changes.decided_on", "date"),
    Col("due", "passport.due", "date"),
    Col("days_overdue", "passport.days_overdue", "int"),
]


def budget(lines: pd.DataFrame, stem: str, cache: tuple[object, ...] = ()) -> None:
    """Financed lines with the total absorption, and the additional funding required apart (DT §17.2)."""
    total = budget_summary(lines, ["financed"]).set_index("financed")
    if True in total.index:
        fin: Any = total.loc[True]
        absorbed = fin["absorption"]
        st.markdown(
            tr(
                "passport.budget_total",
                planned=labels.money(float(fin["planned"])),
                spent=labels.money(float(fin["spent"])),
                absorption=labels.percent(None if pd.isna(absorbed) else absorbed / 100),
            )
        )
    for financed, part in ((True, "financed"), (False, "unfunded")):
        title = tr(f"passport.{part}_title")
        st.markdown(f"**{title}**")
        print_table(
            lines[lines["financed"] == financed],
            BUDGET_COLS if financed else BUDGET_COLS[:3],
            key=f"passport_budget_{part}",
            file_stem=f"{stem}_{tr(f'passport.file.{part}')}",
            title=title,
            cache=cache,
        )


def evaluation_fields(ev: pd.DataFrame) -> dict[str, str]:
    """The evaluation report (Reg §47–50) as label–value pairs."""
    if ev.empty:
        return {}
    r = ev.iloc[0]
    state = tr(f"passport.eval.{r['state']}")
    if r["state"] == "late":
        state = f"{state} ({tr('passport.days_late')}: {int(r['days_late'])})"
    values = {
        tr("passport.eval_state"): state,
        tr("col.projects.completed_on"): _cell(r["completed_on"], "date"),
        tr("passport.eval_due"): _cell(r["due"], "date"),
        tr("col.evaluations.submitted_on"): _cell(r["submitted_on"], "date"),
        tr("col.evaluations.final_result"): _cell(r["final_result"], "text"),
        tr("col.evaluations.budget_absorbed_pct"): _cell(r["budget_absorbed_pct"], "number"),
        tr("col.evaluations.lessons_learned"): _cell(r["lessons_learned"], "text"),
    }
    return {k: v for k, v in values.items() if v}


# --------------------------------------------------------------------------------------------
# The roadmap directions the project carries out (Decree 881)

ROADMAPS_PAGE: Final = "pages/roadmaps.py"


def roadmap_links(links: pd.DataFrame, view: View) -> None:
    """Each Decree 881 roadmap direction the project carries out: the state body and roadmap, the
    direction with its financed and unfinanced amounts (DT §17.2), the indicators that measure it,
    and where the roadmap stands (its next due step, overdue steps, §51.6 violations)."""
    if links.empty:
        return
    items = [_roadmap_item(r) for r in links.to_dict("records")]
    st.html(
        "<style>.pmo-roadmaps li {margin-bottom: 0.3rem;} .pmo-late {color: #B71C1C; font-weight: 600;}</style>"
        f'<div class="pmo-roadmaps"><b>{html.escape(tr("passport.roadmap.title"))}</b><ul>{"".join(items)}</ul></div>'
    )
    st.page_link(
        ROADMAPS_PAGE,
        label=tr("passport.roadmap.open"),
        icon=":material/route:",
        query_params=link_params(view),
    )


def _roadmap_item(r: Mapping[Any, Any]) -> str:
    def money(value: Any) -> str:
        return labels.money(None if value is None or pd.isna(value) else float(value))

    parts = [
        f"<b>{html.escape(str(r['roadmap_id']))}</b> · {html.escape(str(r['agency'] or ''))}: "
        f"{html.escape(str(r['roadmap_name'] or ''))}",
        html.escape(tr("passport.roadmap.direction", direction=f"{r['direction_id']} · {r['direction']}")),
        html.escape(
            tr("passport.roadmap.funds", financed=money(r["financed"]), additional=money(r["additional_funding"]))
        ),
    ]
    if len(r["indicators"]):
        parts.append(html.escape(tr("passport.roadmap.indicators", ids=", ".join(map(str, r["indicators"])))))
    if isinstance(r["next_step"], str) and not pd.isna(r["next_due"]):
        step = tr(f"roadmaps.step.{r['next_step']}")
        parts.append(html.escape(tr("passport.roadmap.next", step=step, date=f"{r['next_due']:%d.%m.%Y}")))
    for key, count in (("overdue", r["overdue_steps"]), ("violations", r["violations"])):
        if count:
            text = tr(f"passport.roadmap.{key}", count=int(count))
            parts.append(f'<span class="pmo-late">{html.escape(text)}</span>')
    return "<li>" + " · ".join(parts) + "</li>"


# --------------------------------------------------------------------------------------------
# The history of the project's fields and rows (Reg §8, §45)

KEY_HIST_TABLES: Final = "passport_history_tables"
KEY_HIST_FIELDS: Final = "passport_history_fields"
HISTORY_SHOWN: Final = 200  # lines drawn; the Excel download holds every one
LONGEST: Final = 80  # characters of a text value quoted in a line (cut with "…"; whole in Excel)

HISTORY_COLS = [
    Col("imported_at", "history.col.imported_at", "date"),
    Col("batch", "history.col.batch", "int"),
    Col("status", "history.col.status", "label", "history.status"),
    Col("user", "history.col.user"),
    Col("table_label", "history.col.table"),
    Col("key_text", "history.col.key"),
    Col("field_label", "history.col.field"),
    Col("change", "history.col.change", "label", "history.change"),
    Col("old_text", "history.col.old"),
    Col("new_text", "history.col.new"),
    Col("rolled_back_at", "history.col.rolled_back_at", "date"),
    Col("rolled_back_by", "history.col.rolled_back_by"),
]


def field_label(table: str, name: str | None) -> str:
    key = f"col.{table}.{name}"
    return tr(key) if name and has(key) else str(name or "")


def history_value(table: str, name: str, text: object, *, cut: bool = True) -> str:
    """A value of the history (neutral text) as the user reads it: a date as 30.06.2026, a number
    in the language's style, an enum in words, a long text cut (``cut``); a blank as a dash."""
    if not isinstance(text, str):
        return numbers.MISSING
    spec = table_specs()[table].field(name)
    try:
        if spec.kind == "date":
            return f"{dt.date.fromisoformat(text[:10]):%d.%m.%Y}"
        if spec.kind == "number":
            shown = numbers.plain(float(text), lang())
            return f"{shown}%" if spec.percent else shown
        if spec.kind == "integer":
            return str(int(float(text)))  # a year or a count: no grouping (2026, not 2 026)
    except ValueError:
        return text
    if spec.enum is not None:
        key = f"enum.{ENUM_CATALOG[spec.enum]}.{text}"
        return tr(key) if has(key) else text
    return text if not cut or len(text) <= LONGEST else text[: LONGEST - 1].rstrip() + "…"


def history_key(table: str, parts: Sequence[object]) -> str:
    """A row's key as read: its values in the key's order, dates as 30.06.2026, blanks left out."""
    spec = table_specs()[table]
    return " · ".join(history_value(table, k, p) for k, p in zip(spec.key, parts, strict=False) if isinstance(p, str))


def history_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The history with its table, row, field and values in the user's words (for the lines and
    the Excel download; values whole)."""
    rows = _records(frame)

    def column(values: list[str | None]) -> pd.Series:
        return pd.Series(values, index=frame.index, dtype=object)

    return frame.assign(
        table_label=column([tr(f"table.{r['table']}") for r in rows]),
        key_text=column([history_key(r["table"], r["key_parts"]) for r in rows]),
        field_label=column([field_label(r["table"], r["field"]) for r in rows]),
        old_text=column(
            [history_value(r["table"], r["field"], r["old"], cut=False) if r["field"] else None for r in rows]
        ),
        new_text=column(
            [history_value(r["table"], r["field"], r["new"], cut=False) if r["field"] else None for r in rows]
        ),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return typing.cast(list[dict[str, Any]], frame.to_dict("records"))


def _when(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d.%m.%Y}"


def history_lines(frame: pd.DataFrame, *, per_field: bool) -> list[str]:
    """The history as Markdown lines, newest first: "Risks · P06-R1 — Owner: A → B, batch 3, by
    Aliya, on 01.10.2026". A row's addition is one line ("row added"), or, when fields are chosen
    (``per_field``), one line per field with no old value. A rolled-back batch's line is struck
    through and says when and by whom. Every value from the data is escaped."""
    out: list[str] = []
    seen: set[tuple[object, ...]] = set()
    for r in _records(frame):
        table = str(r["table"])
        head = f"**{md(tr(f'table.{table}'))} · {md(history_key(table, r['key_parts']))}**"
        common = {"batch": int(r["batch"]), "user": md(r["user"]), "date": _when(r["imported_at"])}
        if r["change"] == "added" and not per_field:
            group = (table, r["key"], r["batch"])
            if group in seen:
                continue
            seen.add(group)
            body = tr("history.added", **common)
        else:
            name = str(r["field"])
            body = tr(
                "history.line",
                field=md(field_label(table, name)),
                old=md(history_value(table, name, r["old"])),
                new=md(history_value(table, name, r["new"])),
                **common,
            )
        line = f"{head} — {body}"
        if r["status"] == "rolled_back":
            note = tr("history.rolled_back", date=_when(r["rolled_back_at"]), user=md(r["rolled_back_by"]))
            line = f"~~{line}~~ *{note}*"
        out.append(line)
    return out


def _field_option(pair: str) -> str:
    """``risks.owner`` as "Risks: Owner"."""
    table, _, name = pair.partition(".")
    return tr("history.field_option", table=tr(f"table.{table}"), field=field_label(table, name))


def history(frame: pd.DataFrame | None, pid: str, stem: str) -> None:
    """The project's history, filtered by table and field, newest first, and its Excel download."""
    if frame is None:
        st.warning(tr("history.busy"), icon=":material/hourglass_top:")
        return
    if frame.empty:
        st.caption(tr("history.none"))
        return
    st.caption(tr("history.hint"))
    every = tr("history.all")
    names = {t: tr(f"table.{t}") for t in dict.fromkeys(frame["table"])}  # words made in this run
    left, right = st.columns(2)
    chosen = widgets.multiselect(
        left, tr("history.tables"), list(names), key=KEY_HIST_TABLES, format_func=names.__getitem__, placeholder=every
    )
    scoped = frame[frame["table"].isin(chosen)] if chosen else frame
    named = scoped[scoped["field"].notna()]
    texts = {p: _field_option(p) for p in dict.fromkeys(named["table"] + "." + named["field"])}
    fields = widgets.multiselect(
        right, tr("history.fields"), list(texts), key=KEY_HIST_FIELDS, format_func=texts.__getitem__, placeholder=every
    )
    shown = scoped[(scoped["table"] + "." + scoped["field"].fillna("")).isin(fields)] if fields else scoped
    if shown.empty:
        st.caption(tr("history.none_chosen"))
        return
    key = (pid, tuple(chosen), tuple(fields))
    lines = data.memo("passport.history_lines", lambda: history_lines(shown, per_field=bool(fields)), *key)
    if len(lines) > HISTORY_SHOWN:
        st.caption(tr("history.first_lines", shown=labels.number(HISTORY_SHOWN), total=labels.number(len(lines))))
    st.markdown("\n".join(f"- {line}" for line in lines[:HISTORY_SHOWN]))
    readable = data.memo("passport.history_frame", lambda: history_frame(shown), *key)
    download(
        readable,
        HISTORY_COLS,
        file_stem=f"{stem}_{tr('history.file')}",
        title=tr("history.title"),
        key="passport_history_changes",
    )
