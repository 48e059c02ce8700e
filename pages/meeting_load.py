"""Team health: meeting load and norm compliance per person and ISO week, meeting overruns by type,
people allocated beyond 100 % (DOMAIN §4.3; Reg §10, §17, §33–38)."""

import plotly.graph_objects as go
import streamlit as st

from metrics import settings
from metrics.meetings import window
from ui import charts, data, shell, widgets
from ui import meeting_load_view as mv
from ui.safe import md
from ui.session import tr
from ui.tables import table

view = shell.page("page.meeting_load")
if shell.empty_state():
    st.stop()

pic = data.pic(view.as_of, view.filters)
conf = data.cached("settings", settings.load)
n_weeks = conf.int("meeting_window_weeks")
start, end = window(view.as_of, n_weeks)
weeks = mv.week_labels(start, n_weeks)
st.markdown(
    ":material/date_range: "
    + tr(
        "meeting_load.window",
        as_of=f"{view.as_of:%d.%m.%Y}",
        weeks=n_weeks,
        start=f"{start:%d.%m.%Y}",
        end=f"{end:%d.%m.%Y}",
        first=weeks[0],
        last=weeks[-1],
    )
)
load = pic.meeting_load
if load.empty:
    st.info(tr("meeting_load.none"))
    st.stop()

normed = load[load["norm"].notna()]
cards = st.columns(4)
cards[0].metric(tr("meeting_load.people"), load["person"].str.casefold().nunique(), help=tr("meeting_load.people_help"))
cards[1].metric(
    tr("meeting_load.below_norm"),
    tr("meeting_load.below_norm_value", below=int((normed["compliance_pct"] < 100).sum()), total=len(normed)),
    help=tr("meeting_load.below_norm_help"),
)
cards[2].metric(tr("meeting_load.overruns"), pic.overruns["meeting_id"].nunique())
cards[3].metric(tr("meeting_load.over_allocated"), len(pic.over_allocated))

# ---- the person × week heatmap; a project, a name or the worst N keep it legible at any scale
st.subheader(tr("meeting_load.heatmap_title"))
st.caption(tr("meeting_load.controls"))
names = data.project_names().set_index("project_id")["name"].to_dict()
c1, c2, c3, c4 = st.columns([3, 3, 1.5, 2])
measure = c1.radio(
    tr("meeting_load.measure"),
    mv.MEASURES,
    key="meeting_load_measure",
    horizontal=True,
    format_func=lambda m: tr(f"meeting_load.measure_{m}"),
)
projects = [None, *sorted(load["project_id"].unique())]
if st.session_state.get("meeting_load_project") not in projects:  # the sidebar filters changed
    st.session_state["meeting_load_project"] = None
project = widgets.selectbox(
    c2,
    tr("meeting_load.project"),
    projects,
    key="meeting_load_project",
    format_func=lambda p: tr("meeting_load.all_projects") if p is None else f"{p} · {names.get(p, '')}"[:60],
)
top = c3.selectbox(tr("meeting_load.top"), mv.TOP_N, key="meeting_load_top")
search = c4.text_input(tr("meeting_load.search"), key="meeting_load_search", help=tr("meeting_load.search_help"))
scope = (view.as_of, view.filters, project, search)  # with the data and language, what the views below show


def heat() -> tuple[int, int, go.Figure | None]:
    """How many rows the heatmap shows, of how many, and the heatmap (none when empty)."""
    rows = mv.heat_rows(mv.scoped(load, project, search), measure, project)
    matrix, total = mv.worst(rows, measure, top, weeks)
    if not total:
        return 0, 0, None
    y_title = "y_person_project" if measure == "compliance" and project is None else "y_person"
    fig = mv.heatmap(
        matrix,
        measure,
        x_title=tr("meeting_load.x_week"),
        y_title=tr(f"meeting_load.{y_title}"),
        title=tr(f"meeting_load.heatmap_{measure}"),
    )
    return len(matrix), total, fig


shown, total, fig = data.memo("meeting_load.heat", heat, *scope, measure, top)
if fig is not None:
    st.caption(f"{tr(f'meeting_load.shown_{measure}', shown=shown, total=total)} {tr(f'meeting_load.{measure}_help')}")
    event = charts.show(fig, key="meeting_load_heatmap", on_select="rerun", selection_mode="points")
    for row, week in [c for c in charts.picked(fig, event) if isinstance(c, list | tuple) and len(c) == 2][:1]:
        cell = mv.behind(mv.scoped(load, project, search), str(row), str(week), project, measure)
        st.markdown(f"**{tr('meeting_load.cell_title', row=md(row), week=week)}**")
        table(cell, mv.NORM_COLS["week"], key="meeting_load_cell", file_stem="meeting_load", title=str(week))
else:
    st.caption(tr("common.nothing"))

# ---- norm compliance per person and project, averaged over the window or week by week
st.subheader(tr("meeting_load.norms_title"))
mode = st.radio(
    tr("meeting_load.norms_mode"),
    ("average", "week"),
    key="meeting_load_norm_mode",
    horizontal=True,
    format_func=lambda m: tr(f"meeting_load.mode_{m}"),
)
st.caption(tr(f"meeting_load.norms_hint_{mode}"))
summary = mv.norm_summary if mode == "average" else mv.norm_weeks
norms = data.memo(f"meeting_load.norms_{mode}", lambda: summary(mv.scoped(load, project, search)), *scope)
table(
    norms,
    mv.NORM_COLS[mode],
    key=f"meeting_load_norms_{mode}",
    file_stem=tr("meeting_load.norms_file"),
    title=tr("meeting_load.norms_title"),
)

# ---- overruns by meeting type, then the meetings themselves
st.subheader(tr("meeting_load.overruns_title"))
limits = {
    "daily": conf.daily_limit_min,
    "planning": conf.sprint_planning_limit_min / 60,
    "report": conf.report_limit_min_per_team,
}
st.caption(tr("meeting_load.overruns_hint", **{k: f"{v:g}" for k, v in limits.items()}))
table(
    mv.overrun_summary(pic.overruns),
    mv.OVERRUN_SUMMARY_COLS,
    key="meeting_load_overruns",
    file_stem=tr("meeting_load.overruns_file"),
    title=tr("meeting_load.overruns_title"),
)
with st.expander(tr("meeting_load.overrun_list")):
    table(
        pic.overruns,
        mv.OVERRUN_COLS,
        key="meeting_load_overrun_list",
        file_stem=tr("meeting_load.overrun_list_file"),
        title=tr("meeting_load.overrun_list"),
    )

# ---- people whose team rows on the as-of date add up to more than 100 %
st.subheader(tr("meeting_load.alloc_title"))
st.caption(tr("meeting_load.alloc_hint", date=f"{view.as_of:%d.%m.%Y}"))
table(
    pic.over_allocated,
    mv.OVER_ALLOCATED_COLS,
    key="meeting_load_over_allocated",
    file_stem=tr("meeting_load.alloc_file"),
    title=tr("meeting_load.alloc_title"),
)
