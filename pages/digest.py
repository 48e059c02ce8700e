"""Since the last review: what changed, per project, between two as-of dates, worst first
(Reg §8, §34–35, §45); ``pmo diff`` gives the same."""

import streamlit as st

from i18n import numbers
from metrics.common import previous_quarter_end
from ui import data, shell
from ui import digest_view as dv
from ui.session import lang, tr
from ui.tables import table

view = shell.page("page.digest")
if shell.empty_state():
    st.stop()

st.caption(tr("digest.intro"))
left, right, _ = st.columns([1, 1, 2])
then = left.date_input(
    tr("digest.from"), value=previous_quarter_end(view.as_of), key="digest_from", format="DD.MM.YYYY"
)
now = right.date_input(tr("digest.to"), value=view.as_of, key="digest_to", format="DD.MM.YYYY")
if then >= now:
    st.warning(tr("digest.order"))
    st.stop()
result = data.cached("digest", dv.compute, then, now, view.filters)
pp = numbers.plain(result["kpi_threshold_pp"], lang())
st.caption(tr("digest.threshold", pp=pp))
count = dv.counts(result)
cards = st.columns(3)
for column, key in zip(cards, ("worse", "moved", "better"), strict=True):
    column.metric(f"{dv.SIGNS[key]} {tr(f'digest.col.{key}')}", numbers.number(count[key], lang()))
if not result["changes"]:
    st.info(tr("digest.nothing"))
    st.stop()
st.subheader(tr("digest.projects_title"))
table(
    dv.projects_frame(result),
    dv.PROJECT_COLS,
    key="digest_projects",
    file_stem=tr("digest.file_projects"),
    title=tr("digest.projects_title"),
)
st.subheader(tr("digest.changes_title"))
table(
    dv.changes_frame(result),
    dv.CHANGE_COLS,
    key="digest_changes",
    file_stem=tr("digest.file_changes"),
    title=tr("digest.changes_title"),
)
