"""The quarterly reporting meeting (Reg §34–35): agenda, presenter view, the meeting's decisions,
PowerPoint, Excel and the protocol."""

import streamlit as st

from exports import quarterly
from ui import auth, data, shell, tables, widgets
from ui import decisions_view as dv
from ui import meeting_view as mv
from ui.session import lang, tr

KEY_SHOW = "meeting_show"  # while presenting: the quarter, the order, the start and the teams shown
# the agenda's controls (they forget their values while the presenter view hides them)
CONTROLS = ("meeting_order", "meeting_start", "meeting_teams")

show = st.session_state.get(KEY_SHOW)
view = shell.page("page.meeting", titled=show is None)
if shell.empty_state():
    st.stop()


def leave() -> None:
    """Back from the presenter view to the agenda, its controls as they were."""
    kept = st.session_state.pop(KEY_SHOW, None) or {}
    for key in CONTROLS:
        if key in kept:
            st.session_state[key] = kept[key]


if show is not None:
    q = mv.load(show["quarter"], view.filters, show["order"], show["ids"], show["meeting_start"])
    if q.pack.briefs:
        mv.present(q, leave)
        st.stop()
    leave()

quarters = mv.quarters(view.as_of)
st.session_state.setdefault("meeting_order", mv.DEFAULT_ORDER)
st.session_state.setdefault("meeting_start", mv.DEFAULT_START)
top = st.columns([1.1, 1.9, 0.8])
# format functions read labels made in this run (a widget may be redrawn after the language changed)
quarter_names = {q: mv.quarter_name(q) for q in quarters}
quarter = (
    widgets.selectbox(
        top[0], tr("meeting_page.quarter"), quarters, key="meeting_quarter", format_func=quarter_names.__getitem__
    )
    or quarters[0]
)
order_names = {o: tr(f"meeting_page.order_{o}") for o in ("program", "status", "custom")}
order = (
    top[1].segmented_control(
        tr("meeting_page.order"),
        list(order_names),
        key="meeting_order",
        format_func=order_names.__getitem__,
        help=tr("meeting_page.order_help"),
    )
    or "program"
)
start = top[2].time_input(tr("meeting_page.start"), key="meeting_start", step=300)

everyone = mv.load(quarter, view.filters, "program" if order == "custom" else order, None, start)
if everyone.agenda.empty:
    st.info(tr("meeting_page.no_teams"))
    st.stop()
names = dict(zip(everyone.agenda["project_id"], everyone.agenda["name"], strict=True))
if "meeting_teams" not in st.session_state or not set(st.session_state["meeting_teams"]) <= set(names):
    st.session_state["meeting_teams"] = list(names)
chosen = st.multiselect(
    tr("meeting_page.teams"),
    list(names),
    key="meeting_teams",
    format_func=lambda p: f"{p} · {names[p]}"[:70],
)
# the chosen teams in the chosen order; "my own order" is the order in which they were picked
ranked = chosen if order == "custom" else [p for p in names if p in chosen]
# all the teams in the agenda's order: the briefs already made for it (the presenter view reuses them)
loaded = ("program" if order == "custom" else order, None) if ranked == list(names) else ("program", tuple(ranked))
q = mv.load(quarter, view.filters, loaded[0], loaded[1], start) if loaded[1] else everyone

agenda = q.agenda
if not agenda.empty:
    st.caption(
        tr(
            "meeting_page.length",
            teams=len(agenda),
            total=mv.total_text(agenda, q.minutes),
            start=agenda["start"].iloc[0],
            end=agenda["end"].iloc[-1],
        )
        + " · "
        + tr("meeting.agenda_note", minutes=q.minutes, total=mv.total_text(agenda, q.minutes))
    )
tables.table(
    mv.standing(agenda),
    mv.AGENDA_COLS,
    key="meeting_agenda",
    file_stem="agenda",
    title=tr("meeting.agenda"),
)
st.caption(tr("meeting_page.pack_note", date=f"{quarter:%d.%m.%Y}"))


def begin() -> None:
    """Into the presenter view with what the agenda shows now."""
    st.session_state[KEY_SHOW] = {
        "quarter": quarter,
        "order": loaded[0],
        "ids": loaded[1],
        **{key: st.session_state.get(key) for key in CONTROLS},
    }
    st.session_state[mv.KEY_INDEX] = 0


actions = st.columns(3)
actions[0].button(
    tr("meeting_page.present"),
    key="meeting_start_show",
    type="primary",
    icon=":material/slideshow:",
    disabled=not q.pack.briefs,
    on_click=begin,
    help=tr("meeting_page.present_help"),
)
language, quarter_name = lang(), f"{quarter:%Y}-Q{(quarter.month - 1) // 3 + 1}"
scope = {"quarter": quarter_name, "lang": language, "program": view.filters.program, **data.batch_scope()}
actions[1].download_button(
    tr("meeting_page.download_pptx"),
    data=data.audited_export(auth.current(), "pptx", scope, lambda: quarterly.pptx(q, language)),
    key="meeting_pptx",
    file_name=f"meeting_{quarter_name}_{language}.pptx",
    on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    icon=":material/download:",
)
actions[2].download_button(
    tr("meeting_page.download_xlsx"),
    data=data.audited_export(auth.current(), "xlsx", scope, lambda: quarterly.xlsx(q, language)),
    key="meeting_xlsx",
    file_name=f"meeting_{quarter_name}_{language}.xlsx",
    on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
)

dv.section(quarter, names, auth.current(), quarter_names[quarter])
