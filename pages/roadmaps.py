"""Digital-transformation roadmaps of state bodies (Decree 881): every step on its working-day
clock, worst roadmap first; the roll-up by state body; §51.6 violations; per roadmap its timeline,
steps, next due step, directions with financed and additional funding (§17.2) and the §19
criteria (DOMAIN §4.8; DT §16–25, §34, §37–40, §45, §51–52). Amounts are thousand tenge."""

import streamlit as st

from metrics.common import NO_FILTERS
from metrics.roadmaps import roadmap_picture
from ui import charts, data, shell, widgets
from ui import roadmaps_view as rv
from ui.session import tr
from ui.tables import table

view = shell.page("page.roadmaps")
if shell.empty_state():
    st.caption(tr("roadmaps.empty_hint", **rv.sheet_names()))
    st.stop()

pic = data.cached("roadmaps.picture", roadmap_picture, view.as_of, view.filters)
if pic.roadmaps.empty:
    unfiltered = view.filters == NO_FILTERS
    anywhere = pic if unfiltered else data.cached("roadmaps.picture", roadmap_picture, view.as_of, NO_FILTERS)
    if anywhere.roadmaps.empty:
        rv.no_roadmaps()
    else:
        st.info(tr("roadmaps.none_in_filter"))
    st.stop()
scope = (view.as_of, view.filters)  # with the data and language, what the views below show

st.caption(tr("roadmaps.intro"))
rv.cards(pic)

# ---- every roadmap worst first (the metric's order), by state body, the §51.6 violations
tabs = st.tabs([tr("roadmaps.tab_roadmaps"), tr("roadmaps.tab_agencies"), tr("roadmaps.violations")])
with tabs[0]:
    st.caption(tr("roadmaps.list_hint"))
    table(
        data.memo("roadmaps.list", lambda: rv.with_next_step(pic.roadmaps), *scope),
        rv.ROADMAP_COLS,
        key="roadmaps_list",
        file_stem=tr("roadmaps.list_file"),
        title=tr("roadmaps.tab_roadmaps"),
    )
with tabs[1]:
    table(
        pic.agencies,
        rv.AGENCY_COLS,
        key="roadmaps_agencies",
        file_stem=tr("roadmaps.agencies_file"),
        title=tr("roadmaps.tab_agencies"),
    )
with tabs[2]:
    if pic.violations.empty:
        st.success(tr("roadmaps.violations_none_all"))
    else:
        table(
            data.memo("roadmaps.violations", lambda: rv.with_previous(pic.violations), *scope),
            rv.VIOLATION_COLS,
            key="roadmaps_violations",
            file_stem=tr("roadmaps.violations_file"),
            title=tr("roadmaps.violations_title"),
        )

# ---- one roadmap: what is next, what is overdue, its timeline and steps, its changes and money
st.subheader(tr("roadmaps.detail_title"))
ids = pic.roadmaps["roadmap_id"].tolist()
names = dict(zip(ids, pic.roadmaps["name"], strict=True))
if st.session_state.get("roadmaps_pick") not in ids:  # the sidebar filters changed: the worst one
    st.session_state["roadmaps_pick"] = ids[0]
rid = widgets.selectbox(
    st, tr("roadmaps.pick"), ids, key="roadmaps_pick", format_func=lambda r: f"{r} · {names.get(r, '')}"[:110]
)
row = pic.roadmaps[pic.roadmaps["roadmap_id"] == rid].iloc[0]
steps = data.memo("roadmaps.steps", lambda: rv.named_steps(pic.steps[pic.steps["roadmap_id"] == rid]), *scope, rid)
st.caption(rv.meta_line(row))
st.markdown(rv.next_text(row))
late = rv.overdue_lines(steps)
if late:
    st.markdown(f"**{tr('roadmaps.overdue_list', count=len(late))}**\n\n" + "\n".join(late))

st.markdown(f"**{tr('roadmaps.timeline_title')}**")
if steps.empty:
    st.caption(tr("roadmaps.no_steps", **rv.sheet_names()))
else:
    st.caption(tr("roadmaps.timeline_hint"))
    charts.show(
        data.memo("roadmaps.timeline", lambda: rv.timeline(steps, view.as_of), *scope, rid), key="roadmaps_timeline"
    )
    st.markdown(f"**{tr('roadmaps.steps_title')}**")
    st.caption(tr("roadmaps.steps_hint"))
    table(
        steps,
        rv.STEP_COLS,
        key="roadmaps_steps",
        height=rv.whole_height(len(steps)),
        file_stem=tr("roadmaps.steps_file"),
        title=f"{tr('roadmaps.steps_title')}: {rid} · {names.get(rid, '')}",
    )

st.markdown(f"**{tr('roadmaps.violations_title')}**")
violations = pic.violations[pic.violations["roadmap_id"] == rid]
if violations.empty:
    st.caption(tr("roadmaps.violations_none"))
for text in rv.violation_texts(violations):
    st.warning(text, icon=":material/gavel:")

st.markdown(f"**{tr('roadmaps.directions_title')}**")
directions = pic.directions[pic.directions["roadmap_id"] == rid]
if directions.empty:
    st.caption(tr("roadmaps.no_directions", **rv.sheet_names()))
else:
    st.caption(rv.money_line(row))
    table(
        directions,
        rv.DIRECTION_COLS,
        key="roadmaps_directions",
        file_stem=tr("roadmaps.directions_file"),
        title=f"{tr('roadmaps.directions_title')}: {rid}",
    )

with st.columns([2, 1])[0]:  # a short chart: its bars need not cross the page
    st.markdown(f"**{tr('roadmaps.criteria_title')}**")
    shares = pic.criteria[pic.criteria["roadmap_id"] == rid]
    if shares.empty or shares["share"].isna().all():
        st.caption(tr("roadmaps.no_criteria", indicators=tr("table.indicators")))
    else:
        st.caption(tr("roadmaps.criteria_hint"))
        fig = data.memo("roadmaps.criteria", lambda: rv.criteria_chart(shares), *scope, rid)
        charts.show(fig, key="roadmaps_criteria")

# every roadmap's steps in one table only on request (the download holds them all)
if st.toggle(tr("roadmaps.all_steps"), key="roadmaps_all_steps"):
    table(
        data.memo("roadmaps.all_steps", lambda: rv.named_steps(pic.steps), *scope),
        rv.ALL_STEP_COLS,
        key="roadmaps_all_steps_table",
        file_stem=tr("roadmaps.all_steps_file"),
        title=tr("roadmaps.all_steps"),
    )
