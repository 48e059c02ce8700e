"""The curator's page: headline numbers against the last quarter end, projects with RAG, timeline."""

import plotly.graph_objects as go
import streamlit as st

from metrics.common import previous_quarter_end
from metrics.report import headline
from ui import charts, data, labels, shell
from ui.session import link_params, tr
from ui.tables import Col, table

view = shell.page("page.overview")
if shell.empty_state():
    st.stop()

pic = data.pic(view.as_of, view.filters)
if pic.status.empty:
    st.info(tr("common.none_in_filter"))
    st.stop()
before = previous_quarter_end(view.as_of)
now, then = headline(pic), headline(data.pic(before, view.filters))


def delta(a: float | None, b: float | None, *, scale: float = 1.0, unit: str = "") -> str | None:
    """The change since the last quarter end; none (no arrow) when unchanged or unknown."""
    if a is None or b is None or round((a - b) * scale) == 0:
        return None
    return f"{(a - b) * scale:+.0f}{unit}"


cards = st.columns(7)
cards[0].metric(
    tr("overview.kpi_index"),
    labels.percent(now["kpi_index"]),
    delta(now["kpi_index"], then["kpi_index"], scale=100, unit=" " + tr("meeting.pp")),
    help=tr("overview.kpi_index_help"),
)
cards[1].metric(
    tr("overview.projects"),
    now["active_projects"],
    delta(now["active_projects"], then["active_projects"]),
    delta_color="off",
)
for col, rag in ((cards[2], "red"), (cards[3], "amber"), (cards[4], "green")):
    col.metric(
        tr(f"overview.{rag}"),
        now["rag"][rag],
        delta(now["rag"][rag], then["rag"][rag]),
        delta_color="normal" if rag == "green" else "inverse",
    )
cards[5].metric(
    tr("overview.overdue"),
    now["overdue_items"],
    delta(now["overdue_items"], then["overdue_items"]),
    delta_color="inverse",
)
cards[6].metric(
    tr("overview.high_risks"),
    now["open_high_risks"],
    delta(now["open_high_risks"], then["open_high_risks"]),
    delta_color="inverse",
    help=tr("overview.high_risks_help"),
)
absorbed = now["budget"]["absorption"]
st.caption(
    f"{tr('common.vs_quarter', date=f'{before:%d.%m.%Y}')} · {tr('overview.absorption')}: "
    f"**{labels.percent(None if absorbed is None else absorbed / 100, 1)}** · {tr('overview.absorption_help')}"
)

st.subheader(tr("overview.table_title"))
st.caption(tr("overview.table_hint"))
projects = data.memo(
    "overview.projects",
    lambda: pic.status.assign(reasons=pic.status["rag_reasons"].map(labels.reasons)),
    view.as_of,
    view.filters,
)
cols = [
    Col("project_id", "col.projects.project_id"),
    Col("name", "col.projects.name"),
    Col("program", "col.projects.program"),
    Col("status", "col.projects.status", "label", "enum.project_status"),
    Col("kpi_index", "overview.kpi", "fraction"),
    Col("rag_effective", "overview.effective", "rag"),
    Col("rag", "overview.rag", "rag"),
    Col("rag_override", "overview.override", "rag"),
    Col("override_comment", "overview.override_comment"),
    Col("reasons", "overview.reasons"),
]
picked = table(
    projects,
    cols,
    key="overview_projects",
    file_stem=tr("overview.file"),
    title=tr("overview.table_title"),
    select=True,
)
if picked:
    pid = str(projects.iloc[picked[0]]["project_id"])
    st.switch_page("pages/passport.py", query_params=link_params(view, pid=pid))

st.subheader(tr("overview.timeline"))


def timeline() -> go.Figure:
    live = pic.status[~pic.status["cancelled"]].assign(label=lambda d: d["project_id"] + " · " + d["name"].str[:40])
    return charts.gantt(
        live,
        start="start_date",
        end="end_date",
        label="label",
        color="rag_effective",
        as_of=view.as_of,
        colors=charts.RAG_COLORS,
        legend={r: tr(f"rag.{r}") for r in ("red", "amber", "green")},
        as_of_label=f"{view.as_of:%d.%m.%Y}",
        hover="name",
    )


fig = data.memo("overview.timeline", timeline, view.as_of, view.filters)
st.plotly_chart(fig, key="overview_gantt", config={"displayModeBar": False})
