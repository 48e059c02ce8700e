"""KPI and target indicators (DOMAIN §4.1): achievement against the expected level, by group and
over time, with the list of indicators."""

import pandas as pd
import streamlit as st

from metrics import kpi
from metrics.common import NO_FILTERS, scope_ids
from ui import charts, data, kpi_view, labels, shell
from ui.session import link_params, tr
from ui.tables import table

view = shell.page("page.kpi")
if shell.empty_state():
    st.stop()

pic = data.pic(view.as_of, view.filters)
if pic.status.empty:
    st.info(tr("common.none_in_filter"))
    st.stop()
if pic.indicators.empty:
    st.info(tr("kpi.none"))
    st.stop()
names = kpi_view.project_names(pic.status)

counts = kpi_view.status_counts(pic.indicators)
cards = st.columns([1.6] + [1] * len(kpi.STATUSES))
cards[0].metric(tr("kpi.portfolio_index"), labels.percent(pic.kpi_index), help=tr("kpi.portfolio_index_help"))
for card, status in zip(cards[1:], kpi.STATUSES, strict=True):
    card.metric(tr(f"indicator_status.{status}"), counts[status])
st.caption(tr("kpi.counted_note"))

by = st.segmented_control(
    tr("kpi.group"),
    kpi_view.GROUPS,
    default="program",
    required=True,
    format_func=lambda g: tr(f"kpi.group_{g}"),
    key="kpi_group",
)
if by == "criterion":
    index = kpi.kpi_by_criterion(pic.indicators)
else:
    index = data.cached(f"kpi_index:{by}", kpi.kpi_index, view.as_of, view.filters, None, by)
groups = kpi_view.group_table(pic.indicators, by, index, names)

st.subheader(tr("kpi.groups_title"))
if by == "criterion":
    st.caption(tr("kpi.criterion_note"))
if not groups.empty:
    fig = data.memo("kpi.groups_chart", lambda: kpi_view.group_chart(groups), view.as_of, view.filters, by)
    charts.show(fig, key="kpi_groups_chart")
table(
    groups,
    kpi_view.group_cols(by),
    key="kpi_groups",
    file_stem=tr("kpi.groups_file"),
    title=tr("kpi.groups_title"),
)

st.subheader(tr("kpi.bullets_title"))
st.caption(tr("kpi.bullets_hint"))
drawn, live_count = kpi_view.weakest(pic.indicators)
if drawn.empty:
    st.caption(tr("common.nothing"))
else:
    if len(drawn) < live_count:
        st.caption(tr("kpi.bullets_capped", shown=len(drawn), total=live_count))
    fig = data.memo("kpi.bullets", lambda: kpi_view.bullets(drawn, by, groups, names), view.as_of, view.filters, by)
    event = charts.show(fig, key="kpi_bullets", on_select="rerun", selection_mode="points")
    for clicked in charts.picked(fig, event)[:1]:  # an indicator's bar opens it in its project's passport
        project, indicator = (clicked[0], clicked[1]) if isinstance(clicked, list | tuple) else (clicked, "")
        st.switch_page("pages/passport.py", query_params=link_params(view, pid=str(project), ind=str(indicator)))

st.subheader(tr("kpi.trend_title"))
# computed once for every project, then cut to the filter's (ui.warm computes it ahead)
everything = data.cached("kpi_trend", kpi.kpi_trend, view.as_of, NO_FILTERS)
per_indicator, per_project = (
    everything
    if view.filters == NO_FILTERS
    else kpi.trend_in_scope(everything, data.cached("scope_ids", scope_ids, view.filters))
)


@st.fragment
def trend(per_indicator: pd.DataFrame, per_project: pd.DataFrame) -> None:
    """The trend charts of the project picked here: picking another redraws only them (a fragment),
    not the page's bullets and table."""
    pid = st.selectbox(
        tr("kpi.trend_pick"),
        sorted(per_project["project_id"].unique()),
        format_func=lambda p: f"{p} · {names.get(p, '')}"[:70],
        key="kpi_trend_project",
        width=520,
    )
    left, right = st.columns(2)
    projects_fig = data.memo(
        "kpi.trend_projects",
        lambda: kpi_view.trend_projects(per_project, names, as_of=view.as_of, highlight=pid),
        view.as_of,
        view.filters,
        pid,
    )
    indicators_fig = data.memo(
        "kpi.trend_indicators",
        lambda: kpi_view.trend_indicators(per_indicator, pic.indicators, pid),
        view.as_of,
        view.filters,
        pid,
    )
    charts.show(projects_fig, key="kpi_trend_projects", where=left)
    charts.show(indicators_fig, key="kpi_trend_indicators", where=right)


if per_project.empty:
    st.caption(tr("kpi.trend_none"))
else:
    trend(per_indicator, per_project)
    st.caption(tr("kpi.trend_hint"))
    if per_project["project_id"].nunique() > kpi_view.TREND_LINES_MAX:
        st.caption(tr("kpi.trend_band_hint", max=kpi_view.TREND_LINES_MAX))

st.subheader(tr("kpi.table_title"))
table(
    kpi_view.indicator_rows(pic.indicators, pic.status),
    kpi_view.INDICATOR_COLS,
    key="kpi_indicators",
    file_stem=tr("kpi.file"),
    title=tr("kpi.table_title"),
)
