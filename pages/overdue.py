"""Everything overdue on the as-of date, most severe first; groups by person and project; the
coordinator's report of passport-deadline violations to the curator; what was done late, apart
(DOMAIN §4.4; Reg §8.4, §44–45, §49)."""

from functools import partial

import streamlit as st

from metrics import settings
from metrics.overdue import KINDS
from ui import data, labels, shell, widgets
from ui import overdue_view as ov
from ui.safe import md
from ui.session import tr
from ui.tables import table

view = shell.page("page.overdue")
if shell.empty_state():
    st.stop()

pic = data.pic(view.as_of, view.filters)
if pic.status.empty:
    st.info(tr("common.none_in_filter"))
    st.stop()
date = f"{view.as_of:%d.%m.%Y}"
overdue = pic.overdue
report = ov.violations(overdue, pic.status, tr("overdue.no_curator"))

days = data.cached("settings", settings.load).int("evaluation_due_working_days")
longest = labels.number(int(overdue["working_days_overdue"].max())) if len(overdue) else "—"
cards = st.columns(5)
cards[0].metric(tr("overdue.total"), len(overdue))
cards[1].metric(tr("overdue.passport"), len(report), help=tr("overdue.passport_help"))
cards[2].metric(tr("overdue.longest"), longest, help=tr("overdue.longest_help"))
cards[3].metric(tr("overdue.completed_late"), len(pic.completed_late), help=tr("overdue.completed_late_help"))
cards[4].metric(
    tr("overdue.evaluations_late"), len(pic.evaluations_late), help=tr("overdue.evaluations_late_help", days=days)
)

# ---- every overdue item, most severe first (the metric's order)
st.subheader(tr("overdue.list_title"))
st.caption(tr("overdue.list_hint"))
if overdue.empty:
    st.success(tr("overdue.none"))
kinds = st.multiselect(
    tr("overdue.kinds"),
    KINDS,
    default=list(KINDS),
    key="overdue_kinds",
    format_func=lambda k: tr(f"overdue_kind.{k}"),
)
items = ov.of_kinds(overdue, kinds)
table(items, ov.ITEM_COLS, key="overdue_items", file_stem=tr("overdue.list_file"), title=tr("overdue.list_title"))

st.subheader(tr("overdue.groups_title"))
nobody = tr("overdue.nobody")
for tab, by in zip(st.tabs([tr("overdue.by_responsible"), tr("overdue.by_project")]), ov.GROUPS, strict=True):
    with tab:
        grouped = data.memo(f"overdue.by_{by}", partial(ov.groups, items, by, nobody), view.as_of, view.filters, *kinds)
        table(
            grouped,
            ov.GROUP_COLS[by],
            key=f"overdue_by_{by}",
            file_stem=tr(f"overdue.{by}_file"),
            title=tr(f"overdue.by_{by}"),
        )

# ---- the coordinator's report to the curator: passport deadlines passed, project not completed
st.subheader(tr("overdue.report_title"))
if report.empty:
    st.success(tr("overdue.report_none", date=date))
else:
    counts = ov.curators(report)
    curator = next(iter(counts)) if len(counts) == 1 else None
    if len(counts) > 1:  # one ready-to-send list per curator, or all of them
        if st.session_state.get("overdue_curator") not in (None, *counts):
            st.session_state["overdue_curator"] = None
        curator = widgets.selectbox(
            st,
            tr("overdue.curator"),
            [None, *counts],
            key="overdue_curator",
            format_func=lambda c: tr("overdue.all_curators") if c is None else f"{c} ({counts[c]})",
        )
    sent = ov.for_curator(report, curator)
    key = f"overdue.cover{'' if curator else '_all'}"
    cover = tr(key, **({"curator": curator} if curator else {"curators": len(counts)}), date=date, count=len(sent))
    shown = tr(key, **({"curator": md(curator)} if curator else {"curators": len(counts)}), date=date, count=len(sent))
    st.markdown(f"**{shown}**")
    st.caption(tr("overdue.report_hint"))
    table(sent, ov.REPORT_COLS, key="overdue_report", file_stem=tr("overdue.report_file"), title=cover)

# ---- done late: shown, but not overdue
st.subheader(tr("overdue.late_title"))
st.caption(tr("overdue.late_hint"))
st.markdown(f"**{tr('overdue.completed_late_title')}**")
table(
    pic.completed_late,
    ov.COMPLETED_LATE_COLS,
    key="overdue_completed_late",
    file_stem=tr("overdue.completed_late_file"),
    title=tr("overdue.completed_late_title"),
)
st.markdown(f"**{tr('overdue.evaluations_late_title')}**")
st.caption(tr("overdue.evaluations_late_hint", days=days))
table(
    pic.evaluations_late,
    ov.EVALUATIONS_LATE_COLS,
    key="overdue_evaluations_late",
    file_stem=tr("overdue.evaluations_late_file"),
    title=tr("overdue.evaluations_late_title"),
)
