"""Risks (DOMAIN §4.2; Reg §42–43): the 5×5 matrix of open risks, the risks of a cell, the flag
lists and the full register."""

import streamlit as st

from metrics import settings
from metrics.risks import risks_in_cell
from ui import charts, data, risks_view, shell, widgets
from ui.session import tr
from ui.tables import table

view = shell.page("page.risks")
if shell.empty_state():
    st.stop()

pic = data.pic(view.as_of, view.filters)
if pic.status.empty:
    st.info(tr("common.none_in_filter"))
    st.stop()
register = pic.risks
if register.empty:
    st.info(tr("risks.none"))
    st.stop()
thresholds = data.cached("settings", settings.load)

counts = risks_view.counts(register)
cards = st.columns(6)
cards[0].metric(tr("risks.open"), counts["open"])
cards[1].metric(tr("risks.open_high"), counts["open_high"])
for card, flag in zip(cards[2:], risks_view.FLAG_ORDER, strict=True):
    card.metric(tr(f"risks.card_{flag}"), counts[flag], help=tr(f"risk_flag.{flag}"))
st.caption(tr("risks.counted_note"))

left, right = st.columns([3, 2], gap="large")
with right:
    st.subheader(tr("risks.cell_title"))
    st.caption(tr("risks.cell_hint"))
    pick_p, pick_i = st.columns(2)
    p = widgets.selectbox(
        pick_p,
        tr("risks.pick_probability"),
        [None, *risks_view.SCALE],
        format_func=lambda v: tr("risks.not_chosen") if v is None else str(v),
        key=risks_view.PROBABILITY_KEY,
    )
    i = widgets.selectbox(
        pick_i,
        tr("risks.pick_impact"),
        [None, *risks_view.SCALE],
        format_func=lambda v: tr("risks.not_chosen") if v is None else str(v),
        key=risks_view.IMPACT_KEY,
    )
    st.caption(risks_view.zones_note(thresholds))
cell = (p, i) if p is not None and i is not None else None
with left:
    st.subheader(tr("risks.matrix_title"))
    charts.show(
        risks_view.matrix(pic.heatmap, risks_view.zones(thresholds), cell),
        key=risks_view.MATRIX_KEY,
        on_select=risks_view.take_click,
        selection_mode="points",
    )

if cell is not None:
    in_cell = risks_view.shown(risks_in_cell(register, *cell))
    st.markdown(f"**{risks_view.cell_caption(*cell, len(in_cell))}**")
    table(
        in_cell,
        risks_view.CELL_COLS,
        key="risks_cell",
        file_stem=tr("risks.cell_file", p=cell[0], i=cell[1]),
        title=tr("risks.cell_title"),
    )

st.subheader(tr("risks.flags_title"))
st.caption(tr("risks.flags_hint", days=thresholds.int("risk_review_days")))
tabs = st.tabs([f"{tr(f'risk_flag.{flag}')} · {counts[flag]}" for flag in risks_view.FLAG_ORDER])
for tab, flag in zip(tabs, risks_view.FLAG_ORDER, strict=True):
    with tab:
        table(
            risks_view.flagged(register, flag),
            risks_view.FLAG_COLS[flag],
            key=f"risks_{flag}",
            file_stem=risks_view.flag_file(flag),
            title=tr(f"risk_flag.{flag}"),
        )

st.subheader(tr("risks.register_title"))
st.caption(tr("risks.register_hint"))
table(
    risks_view.register_rows(register),
    risks_view.REGISTER_COLS,
    key="risks_register",
    file_stem=tr("risks.register_file"),
    title=tr("risks.register_title"),
)
