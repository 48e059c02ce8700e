"""The curator's first screen: the headline numbers, then the projects that need them, worst first,
with the main reason in words; the change requests awaiting a decision; the projects whose data is
stale (the coordinator's list); the full table; the timeline."""

import html

import plotly.graph_objects as go
import streamlit as st

from exports.paper import Overview
from metrics import settings as settings_mod
from metrics.common import previous_quarter_end
from metrics.freshness import data_freshness, last_quarter_end
from metrics.meeting import pending_changes
from metrics.report import headline
from metrics.status import decision_list
from ui import charts, data, labels, paper, rag, shell
from ui import overview_view as ov
from ui.session import link_params, tr
from ui.tables import download, table

view = shell.page("page.overview")
if shell.empty_state():
    st.stop()

pic = data.pic(view.as_of, view.filters)
if pic.status.empty:
    st.info(tr("common.none_in_filter"))
    st.stop()
before = previous_quarter_end(view.as_of)
now, then = data.memo(
    "overview.headline", lambda: (headline(pic), headline(data.pic(before, view.filters))), view.as_of, view.filters
)
since = tr("common.vs_quarter", date=f"{before:%d.%m.%Y}")
# ---- the headline numbers and the decision list: what needs the curator, worst first
ordered = data.memo("overview.decisions", lambda: decision_list(pic.status), view.as_of, view.filters)
strip = ov.cards_html(ov.cards(now, then, since))
if ordered.empty:
    body, more = f'<p class="note">{html.escape(tr("overview.no_live"))}</p>', None
else:
    body = ov.decision_html(ordered, view)
    more = tr("overview.list_more", count=len(ordered) - ov.LIST_ROWS) if len(ordered) > ov.LIST_ROWS else None
st.html(
    f"{ov.CSS}<style>{rag.badge_css()}</style>"
    + ov.first_screen_html(strip, tr("overview.decisions_title"), body, more)
)
absorbed = now["budget"]["absorption"]
note, pdf = st.columns([6, 1], vertical_alignment="center")
note.caption(
    f"{since} · {tr('overview.absorption')}: **{labels.percent(None if absorbed is None else absorbed / 100)}**",
    help=tr("overview.absorption_help"),
)
pending = data.cached("overview.pending", pending_changes, view.as_of, view.filters)
sheets = paper.overview(pdf, Overview(view.as_of, view.filters, pic.status, now, then, before, pending))

if not pending.empty:
    late = int(pending["overdue"].sum())
    with st.expander(tr("overview.pending", count=len(pending), late=late), icon=":material/gavel:"):
        items = "".join(
            f'<li><a href="{html.escape(ov.passport_link(view, str(r.project_id)), quote=True)}" target="_self">'
            f"{html.escape(str(r.project_id))} · {html.escape(str(r.change_id))}</a>: "
            f"{html.escape(str(r.description or ''))} "
            f"({html.escape(tr('overview.pending_due', date=f'{r.due:%d.%m.%Y}'))})</li>"
            for r in pending.itertuples()
        )
        st.html(f"<ul>{items}</ul>")

# ---- projects whose monitoring data is stale: the list the coordinator sends the teams (Reg §8, §45)
fresh = data.cached("overview.freshness", data_freshness, view.as_of, view.filters)
stale = data.memo("overview.stale", lambda: ov.stale_rows(fresh), view.as_of, view.filters)
if not stale.empty:
    days = data.cached("overview.settings", settings_mod.load).int("data_stale_days")
    with st.expander(tr("freshness.flag", count=len(stale)), icon=":material/update:"):
        st.caption(tr("freshness.rule", date=f"{last_quarter_end(view.as_of):%d.%m.%Y}", days=days))
        st.html(ov.stale_html(stale, view))
        download(
            stale, ov.STALE_COLS, file_stem=tr("freshness.file"), title=tr("freshness.title"), key="overview_stale"
        )

# ---- every project, worst first, then those a RAG does not apply to
st.subheader(tr("overview.table_title"))
st.caption(tr("overview.table_hint"))


projects = data.memo("overview.projects", lambda: ov.project_rows(pic.status, ordered), view.as_of, view.filters)
picked = table(
    projects,
    ov.PROJECT_COLS,
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
        colors=rag.COLOURS,
        legend={**{r: f"{rag.SHAPES[r]} {tr(f'rag.{r}')}" for r in rag.SHAPES}, None: tr("overview.no_rag")},
        as_of_label=f"{view.as_of:%d.%m.%Y}",
        hover="name",
        ident="project_id",
    )


# a large portfolio's timeline is drawn on request: thousands of pixels of bars below the table,
# and the chart library alone costs the browser most of a second on the first screen
live = int((~pic.status["cancelled"]).sum())
shown = st.toggle(
    tr("overview.timeline_show", count=labels.number(live)),
    value=live <= ov.TIMELINE_OPEN_MAX,
    key="overview_timeline_shown",
)
if shown:
    st.caption(tr("overview.timeline_hint"))
    fig = data.memo("overview.timeline", timeline, view.as_of, view.filters)
    event = charts.show(fig, key="overview_gantt", on_select="rerun", selection_mode="points")
    for clicked in charts.picked(fig, event)[:1]:  # a bar opens its project's passport
        st.switch_page("pages/passport.py", query_params=link_params(view, pid=str(clicked)))

paper.show(sheets)  # the same pages as the PDF, for the browser's printing (hidden on screen)
