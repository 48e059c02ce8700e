"""The frame around every page: the sidebar (language, as-of date, filters, the data as of a batch)
and the empty state."""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path
from typing import Final

import streamlit as st

from i18n import LANGS
from loaders import store
from loaders.access import Actor, Right, Role

from . import auth, data, widgets
from .session import (
    KEY_AS_OF,
    KEY_AS_OF_CHOSEN,
    KEY_BATCH,
    KEY_CURATOR,
    KEY_LANG,
    KEY_PROGRAM,
    KEY_PROJECTS,
    LANG_NAMES,
    View,
    current,
    init_from_url,
    sync_url,
    tr,
)

UPLOAD_PAGE = "pages/upload.py"
ROUTER = Path(__file__).resolve().parents[1] / "app.py"
#: Set by app.py when it has drawn the sidebar in this run. A page run on its own (Streamlit's
#: AppTest reruns a page without its entrypoint when a pages/ folder exists) draws it itself.
SHELL_DRAWN = "_pmo_shell_drawn"


SIDEBAR_KEYS: Final = (KEY_LANG, KEY_AS_OF, KEY_PROGRAM, KEY_CURATOR, KEY_PROJECTS, KEY_BATCH)
CURRENT: Final = 0  # the "current data" choice of the batch box


def _restore() -> None:
    """Streamlit forgets a widget's value when a page switch skips a run of it: give the sidebar
    widgets back what they held (kept under ``<key>_kept``)."""
    for key in SIDEBAR_KEYS:
        if key not in st.session_state and f"{key}_kept" in st.session_state:
            st.session_state[key] = st.session_state[f"{key}_kept"]


def _keep() -> None:
    for key in SIDEBAR_KEYS:
        if key in st.session_state:
            st.session_state[f"{key}_kept"] = st.session_state[key]


def _demo_date() -> None:
    """Once per session, when the link names no date and the store holds only the demo portfolio:
    open at the date the demo describes (a portfolio built for another day would look on fire)."""
    if st.session_state.get(KEY_AS_OF_CHOSEN, True):
        return
    st.session_state[KEY_AS_OF_CHOSEN] = True
    demo = store.demo_as_of(data.cursor())
    if demo is not None:
        st.session_state[KEY_AS_OF] = demo


def sidebar(actor: Actor) -> View:
    """Render the shared sidebar and return what the user is looking at."""
    init_from_url()
    _restore()
    history = store.batch_rows(data.live_cursor())
    if st.session_state.get(KEY_BATCH) not in (CURRENT, *(b["batch_id"] for b in history)):
        st.session_state[KEY_BATCH] = CURRENT  # a link from another store: its batch is not ours
    _demo_date()
    with st.sidebar:
        auth.sidebar_user(actor)
        st.selectbox(tr("side.language"), LANGS, key=KEY_LANG, format_func=lambda c: LANG_NAMES[c])
        st.date_input(
            tr("side.as_of"),
            key=KEY_AS_OF,
            format="DD.MM.YYYY",
            help=tr("side.as_of_help"),
            min_value=dt.date(2015, 1, 1),
            max_value=dt.date(2035, 12, 31),
        )
        if history:
            _batch_choice(history)
        if not data.is_empty():
            st.caption(tr("side.filters"))
            _choice(tr("side.program"), data.options("program", "projects"), KEY_PROGRAM)
            _choice(tr("side.curator"), data.options("curator", "projects"), KEY_CURATOR)
            names = data.project_names().set_index("project_id")["name"].to_dict()
            st.session_state[KEY_PROJECTS] = [p for p in st.session_state.get(KEY_PROJECTS) or [] if p in names]
            st.multiselect(
                tr("side.projects"),
                list(names),
                key=KEY_PROJECTS,
                placeholder=tr("side.all"),
                format_func=lambda p: f"{p} · {names.get(p, '')}"[:60],
            )
        _data_caption()
    _keep()
    view = current()
    sync_url(view)
    return view


ALL: Final = ""  # the "all" choice of a filter (None would read as "nothing chosen" to Streamlit)


def _batch_choice(history: list[dict[str, object]]) -> None:
    """The data the pages compute from: the current data, or as it stood right after a batch
    (every batch, the rolled-back ones too, newest first, with its time, user and files)."""
    labels: dict[object, str] = {CURRENT: tr("as_of_batch.current")}
    for b in history:
        when = f"{b['imported_at']:%d.%m.%Y %H:%M}"
        label = tr("as_of_batch.option", batch=b["batch_id"], when=when, user=b["user_name"])
        if b["status"] != "applied":
            label += " · " + tr("as_of_batch.rolled_back")
        labels[b["batch_id"]] = f"{label} · {b['file_name']}"
    widgets.selectbox(
        st,
        tr("as_of_batch.label"),
        list(labels),
        key=KEY_BATCH,
        format_func=labels.__getitem__,
        help=tr("as_of_batch.help"),
    )


def _choice(label: str, values: list[str], key: str) -> None:
    if st.session_state.get(key) not in (ALL, *values):
        st.session_state[key] = ALL
    everything = tr("side.all")  # made in this run: a format function must not read the language later
    widgets.selectbox(st, label, [ALL, *values], key=key, format_func=lambda v: everything if v == ALL else v)


def _data_caption() -> None:
    batches = store.batches(data.live_cursor())  # the store's own version, whatever batch is shown
    applied = batches[batches["status"] == "applied"]
    if applied.empty:
        st.caption(tr("side.no_imports"))
    else:
        when = f"{applied['imported_at'].iloc[0]:%d.%m.%Y %H:%M}"
        st.caption(tr("side.data_version", version=data.version(), when=when))
    if data.is_stale():
        st.caption(tr("side.store_busy"))


def empty_state() -> bool:
    """When nothing has been imported: say what to upload, link to Upload, and return True."""
    if not data.is_empty():
        return False
    st.info(f"**{tr('common.empty_title')}**\n\n{tr('common.empty_body')}", icon=":material/upload_file:")
    if auth.current().can(Right.UPLOAD) or auth.current().can(Right.UPLOAD_OWN):
        st.page_link(UPLOAD_PAGE, label=tr("common.go_upload"), icon=":material/arrow_forward:")
    else:
        st.caption(tr("common.ask_coordinator"))
    return True


def frame(actor: Actor) -> View:
    """The router's part: the sidebar of this run."""
    view = sidebar(actor)
    st.session_state[SHELL_DRAWN] = True
    return view


def page(title_key: str, *, titled: bool = True, live: bool = False) -> View:
    """A page's start: the title and the as-of date (unless not ``titled``: the meeting's presenter
    view), after the router has drawn the sidebar. A ``live`` page (Upload, Settings, Audit) works
    on the current data whatever batch the sidebar names, and says so.

    With a ``pages/`` folder Streamlit may run a page script without the router (a direct link on a
    freshly started server; AppTest's reruns): then the page runs the router, which runs this page
    with the sidebar, the page config and the navigation, and the outer run stops."""
    if not st.session_state.pop(SHELL_DRAWN, False):
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()
    view = current()
    if titled:
        header(title_key, view, live=live)
    return view


#: the page's frame on a laptop screen: less space above the title, a smaller title (layout only)
COMPACT_CSS: Final = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.5rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 2.1rem; padding: 0.25rem 0 0.1rem 0;}
[data-testid="stMainBlockContainer"] h3 {padding-top: 0.6rem;}
/* a card's label wraps (its long meaning is in the help) and its value is never cut */
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] p {
  white-space: normal; overflow: visible; text-overflow: clip; line-height: 1.2;}
[data-testid="stMetricLabel"] {min-height: 2.4em; align-items: flex-start;}
[data-testid="stMetricValue"] {font-size: clamp(1.35rem, 2.1vw, 2rem);}
[data-testid="stMetricValue"] .stMarkdownEllipsis {overflow: visible; text-overflow: clip;}
/* tabs wrap onto a second line rather than hide behind a scroll arrow */
[data-testid="stTabs"] [role="tablist"] {flex-wrap: wrap; overflow: visible; row-gap: 0.2rem;}
/* a phone: the title clear of the bar with the menu button */
@media (max-width: 640px) {[data-testid="stMainBlockContainer"] {padding-top: 3.6rem;}}
</style>"""


def header(title_key: str, view: View, *, live: bool = False) -> None:
    """The page's title and one line under it: the as-of date, and whether this is the demo
    portfolio at its own date or open demo mode; when the sidebar names a batch, a note that the
    data is as it stood right after it (or, on a ``live`` page, that this page shows the current
    data)."""
    st.html(COMPACT_CSS)
    st.title(tr(title_key))
    if view.batch is not None:
        _batch_note(live)
    parts, help_texts = [tr("common.as_of_note", date=f"{view.as_of:%d.%m.%Y}")], []
    if store.demo_as_of(data.cursor()) == view.as_of:
        parts.append(tr("common.demo_short"))
        help_texts.append(tr("common.demo_date", date=f"{view.as_of:%d.%m.%Y}"))
    if auth.current().role is Role.OPEN_DEMO:
        parts.append(tr("auth.open_line"))
        help_texts.append(tr("auth.open_banner"))
    st.caption(" · ".join(parts), help="\n\n".join(help_texts) or None)


def _batch_note(live: bool) -> None:
    """Say that the figures are not the current data: the batch and when it was imported."""
    shown = store.data_batch(data.cursor())
    if shown is None:
        return
    batch_id, imported = shown
    if live:
        st.info(tr("as_of_batch.live_page", batch=batch_id), icon=":material/info:")
    else:
        when = f"{imported:%d.%m.%Y %H:%M}"
        st.warning(tr("as_of_batch.header", batch=batch_id, when=when), icon=":material/history:")
