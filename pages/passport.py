"""One project on one page, compact enough to print: passport, status with the coordinator's
override, team, indicators with their trend, plan, risks, budget, change requests, evaluation;
then who changed what in it, batch by batch (on screen only)."""

import streamlit as st

from exports.paper import Passport, risk_zones
from metrics import passport as pp
from metrics import settings as settings_mod
from metrics.common import Filters
from metrics.roadmaps import project_roadmaps
from metrics.status import override_history
from ui import auth, charts, data, paper, shell
from ui import passport_view as pv
from ui.safe import md
from ui.session import tr

view = shell.page("page.passport")
actor = auth.current()
if shell.empty_state():
    st.stop()

scoped = data.pic(view.as_of, view.filters)
names = data.project_names().set_index("project_id")["name"].to_dict()
pid = pv.choose_project(list(scoped.status["project_id"]), names)
if pid is None:
    st.info(tr("common.none_in_filter"))
    st.stop()
# a project opened by a link may lie outside the sidebar's filters: its own picture then
pic = scoped if pid in set(scoped.status["project_id"]) else data.pic(view.as_of, Filters(project_ids=(pid,)))
row = pic.status.set_index("project_id", drop=False).loc[[pid]].iloc[0]
stem = f"{pid}_{view.as_of:%Y%m%d}"
keep = (pid, view.as_of)  # what every table and chart of this page depends on, with the data and language
fields = data.cached("passport.passport", pp.passport, pid).iloc[0]
team = data.cached("passport.team", pp.team, pid, view.as_of)
indicators = pic.indicators[pic.indicators["project_id"] == pid]
acts = data.cached("passport.activities", pp.activities, pid, view.as_of)
risks = pic.risks[pic.risks["project_id"] == pid]
lines = pic.budget[pic.budget["project_id"] == pid]
changes = data.cached("passport.changes", pp.changes, pid, view.as_of)
evaluation = data.cached("passport.evaluation", pp.evaluation, *keep)
settings = data.cached("passport.settings", settings_mod.load)
zones = data.memo("passport.zones", lambda: risk_zones(settings))
pdf, hint = st.columns([1, 6], vertical_alignment="center")
shown = Passport(view.as_of, row, fields, team, indicators, acts, risks, lines, changes, evaluation, zones)
sheets = paper.passport(pdf, shown)
hint.caption(tr("common.print_hint"))
pv.flash()

st.header(md(f"{pid} · {row['name']}"), divider="gray")
pv.status_box(row)
pv.override_form(pid, view.as_of, override_history(data.cursor(), pid), actor)
pv.fields_table(
    pv.passport_fields(fields),
    key="passport_fields",
    file_stem=f"{stem}_{tr('passport.file.passport')}",
    title=tr("page.passport"),
    cache=keep,
)

pv.roadmap_links(data.cached("passport.roadmaps", project_roadmaps, pid, view.as_of), view)

st.subheader(tr("passport.team_title"))
pv.print_table(
    pv.flags_text(pv.flags_text(team, "active"), "over_allocated"),
    pv.TEAM_COLS,
    key="passport_team",
    file_stem=f"{stem}_{tr('passport.file.team')}",
    title=tr("passport.team_title"),
    cache=keep,
)

st.subheader(tr("passport.kpi_title"))
focus = pv.focused_indicator(indicators)  # the one a click on the KPI page asked for
pv.print_table(
    indicators,
    pv.INDICATOR_COLS,
    key="passport_indicators",
    file_stem=f"{stem}_{tr('passport.file.indicators')}",
    title=tr("passport.kpi_title"),
    cache=keep,
)
trend = data.cached("passport.trend", pp.indicator_trend, pid, view.as_of)
pv.indicator_charts(data.memo("passport.trend_chart", lambda: pv.indicator_figure(trend, focus), *keep, focus))

st.subheader(tr("passport.plan_title"))
if not acts.empty:
    gantt = data.memo("passport.gantt", lambda: pv.activity_gantt(acts, view.as_of), *keep)
    charts.show(gantt, key="passport_gantt")
pv.print_table(
    acts,
    pv.ACTIVITY_COLS,
    key="passport_activities",
    file_stem=f"{stem}_{tr('passport.file.plan')}",
    title=tr("passport.plan_title"),
    cache=keep,
)

st.subheader(tr("passport.risks_title"))
matrix, register = st.columns([1, 3])
with matrix:
    matrix_fig = data.memo("passport.matrix", lambda: pv.risk_matrix(risks, zones), *keep)
    charts.show(matrix_fig, key="passport_matrix")
with register:
    pv.print_table(
        pv.risk_position(risks.sort_values(["is_open", "score", "risk_id"], ascending=[False, False, True])),
        pv.RISK_COLS,
        key="passport_risks",
        file_stem=f"{stem}_{tr('passport.file.risks')}",
        title=tr("passport.risks_title"),
        cache=keep,
    )

st.subheader(tr("passport.budget_title"))
pv.budget(lines, stem, keep)

st.subheader(tr("passport.changes_title"))
pv.print_table(
    changes,
    pv.CHANGE_COLS,
    key="passport_changes",
    file_stem=f"{stem}_{tr('passport.file.changes')}",
    title=tr("passport.changes_title"),
    cache=keep,
)
pv.decision_form(changes, actor)

st.subheader(tr("passport.evaluation_title"))
pv.fields_table(
    pv.evaluation_fields(evaluation),
    key="passport_evaluation",
    file_stem=f"{stem}_{tr('passport.file.evaluation')}",
    title=tr("passport.evaluation_title"),
    cache=keep,
)

st.subheader(tr("history.title"))
with st.expander(tr("history.show"), icon=":material/history:"):  # long after the first upload: folded
    pv.history(data.history(pid), pid, stem)

paper.show(sheets)  # the same pages as the PDF, for the browser's printing (hidden on screen)
