"""Budget: planned against spent by funding source and year, absorption, per project; the
additional funding required always apart from the financed sources (DOMAIN §4.5; Reg §26, §29,
§47; DT §17.2). Amounts are thousand tenge."""

import streamlit as st

from ui import budget_view as bv
from ui import charts, data, labels, shell, widgets
from ui.session import tr

view = shell.page("page.budget")
if shell.empty_state():
    st.stop()

pic = data.pic(view.as_of, view.filters)
if pic.budget.empty:
    st.info(tr("budget.none"))
    st.stop()

years = sorted(int(y) for y in pic.budget["year"].dropna().unique())
if st.session_state.get("budget_year") not in (None, *years):  # the sidebar filters changed
    st.session_state["budget_year"] = None
top = st.columns([1, 3])
year = widgets.selectbox(
    top[0],
    tr("budget.year"),
    [None, *years],
    key="budget_year",
    format_func=lambda y: tr("budget.all_years") if y is None else str(y),
)
top[1].caption(tr("budget.units"))
lines = bv.of_year(pic.budget, year)
scope = (view.as_of, view.filters, year)  # with the data and language, what the views below show
total = data.memo("budget.totals", lambda: bv.totals(lines), *scope)

cards = st.columns([1, 1, 1, 1.3])
cards[0].metric(tr("budget.planned"), labels.money(total["planned"]), help=tr("budget.planned_help"))
cards[1].metric(tr("budget.spent"), labels.money(total["spent"]))
absorbed = total["absorption"]
absorption = labels.percent(None if absorbed is None else absorbed / 100)  # whole percent, as in the tables below
cards[2].metric(tr("budget.absorption"), absorption, help=tr("budget.absorption_help"))
with cards[3].container(border=True):
    st.metric(tr("budget.unfunded"), labels.money(total["unfunded"]), help=tr("budget.unfunded_help"))
    st.caption(tr("budget.apart"))

# ---- financed sources by year; the additional funding required in a chart of its own (DT §17.2)
financed, unfunded = data.memo("budget.by_source_year", lambda: bv.by_source_year(lines), *scope)
sources = {s: tr(f"enum.funding_source.{s}") for s in financed["funding_source"].unique()}
left, right = st.columns([3, 1])
with left:
    fig = data.memo(
        "budget.chart",
        lambda: bv.planned_spent(
            financed,
            sources=sources,
            planned=tr("budget.planned_series"),
            spent=tr("budget.spent_series"),
            title=tr("budget.chart_title"),
            y_title=tr("budget.y_axis"),
        ),
        *scope,
    )
    chosen = charts.picked(fig, charts.show(fig, key="budget_chart", on_select="rerun", selection_mode="points"))
with right:
    if unfunded.empty:
        st.caption(tr("budget.no_unfunded"))
    else:
        fig = data.memo(
            "budget.unfunded_chart",
            lambda: bv.unfunded_chart(
                unfunded,
                name=tr("budget.unfunded"),
                title=tr("budget.unfunded_chart_title"),
                y_title=tr("budget.y_axis"),
            ),
            *scope,
        )
        charts.show(fig, key="budget_unfunded_chart")
st.caption(tr("budget.chart_hint"))
for year, source in [c for c in chosen if isinstance(c, list | tuple) and len(c) == 2][:1]:  # the projects behind a bar
    title = tr("budget.bar_title", year=int(year), source=tr(f"enum.funding_source.{source}"))
    st.markdown(f"**{title}**")
    bv.money_table(
        bv.lines_of(lines, int(year), str(source)),
        bv.LINE_COLS[:-1],
        money=bv.MONEY,
        key="budget_bar",
        file_stem=tr("budget.lines_file"),
        title=title,
    )

st.subheader(tr("budget.source_title"))
bv.money_table(
    financed,
    bv.SOURCE_YEAR_COLS,
    money=bv.MONEY,
    key="budget_sources",
    file_stem=tr("budget.source_file"),
    title=tr("budget.source_title"),
)

st.subheader(tr("budget.projects_title"))
st.caption(tr("budget.projects_hint"))
bv.money_table(
    data.memo("budget.per_project", lambda: bv.per_project(lines), *scope),
    bv.PROJECT_COLS,
    money=bv.MONEY,
    key="budget_projects",
    file_stem=tr("budget.projects_file"),
    title=tr("budget.projects_title"),
)

st.subheader(tr("budget.unfunded_title"))
bv.money_table(
    bv.unfunded_lines(lines),
    bv.UNFUNDED_COLS,
    money=bv.MONEY,
    key="budget_unfunded",
    file_stem=tr("budget.unfunded_file"),
    title=tr("budget.unfunded_title"),
)

# the whole register only on request: at a ministry's scale it is thousands of lines
if st.toggle(tr("budget.lines_show"), key="budget_lines_shown"):
    bv.money_table(
        bv.all_lines(lines),
        bv.LINE_COLS,
        money=bv.MONEY,
        key="budget_lines",
        file_stem=tr("budget.lines_file"),
        title=tr("budget.lines_title"),
    )
