"""What the user is looking at: language, as-of date, filters, the data (current, or as it stood
right after a batch) — shared by every page.

The sidebar widgets own the values (keys prefixed ``pmo_``); they are mirrored into the URL
query string so a shared link opens in the same language and filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import streamlit as st

from i18n import DEFAULT_LANG, LANGS, is_lang, t
from metrics.common import Filters

KEY_LANG: Final = "pmo_lang"
KEY_AS_OF: Final = "pmo_as_of"
KEY_PROGRAM: Final = "pmo_program"
KEY_CURATOR: Final = "pmo_curator"
KEY_PROJECTS: Final = "pmo_projects"
KEY_BATCH: Final = "pmo_batch"  # the data as it stood right after this batch; 0: the current data
KEY_AS_OF_CHOSEN: Final = "pmo_as_of_chosen"  # the link named a date (else the demo may choose its own)
LANG_NAMES: Final = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
#: query parameters the sidebar owns; any other one belongs to the page that set it
MANAGED: Final = frozenset({"lang", "as_of", "program", "curator", "project", "batch"})


@dataclass(frozen=True)
class View:
    lang: str
    as_of: dt.date
    filters: Filters
    batch: int | None = None  # the data as it stood right after this batch; None: the current data


def today() -> dt.date:
    return dt.date.today()


def lang() -> str:
    value = st.session_state.get(KEY_LANG)
    if is_lang(value):
        return value
    param = st.query_params.get("lang")
    return param if is_lang(param) else DEFAULT_LANG


def batch() -> int | None:
    """The batch whose data the pages compute from (the sidebar's choice); None: the current data."""
    value = st.session_state.get(KEY_BATCH)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _batch_param(text: str | None) -> int:
    """``?batch=5`` → 5; anything else (absent, not a positive number) → 0, the current data."""
    return int(text) if text is not None and text.isdigit() and int(text) > 0 else 0


def tr(key: str, **params: object) -> str:
    """The catalog text of ``key`` in the user's language."""
    return t(key, lang(), **params)


def init_from_url() -> None:
    """On the first run of a session, take language, date and filters from the link."""
    if st.session_state.get("pmo_initialised"):
        return
    params = st.query_params
    code = params.get("lang")
    st.session_state[KEY_LANG] = code if is_lang(code) else DEFAULT_LANG
    as_of = params.get("as_of")
    try:
        st.session_state[KEY_AS_OF] = dt.date.fromisoformat(as_of) if as_of else today()
        st.session_state[KEY_AS_OF_CHOSEN] = bool(as_of)
    except ValueError:
        st.session_state[KEY_AS_OF] = today()
    st.session_state[KEY_PROGRAM] = params.get("program")
    st.session_state[KEY_CURATOR] = params.get("curator")
    st.session_state[KEY_PROJECTS] = params.get_all("project")
    st.session_state[KEY_BATCH] = _batch_param(params.get("batch"))
    st.session_state["pmo_initialised"] = True


def current() -> View:
    projects = st.session_state.get(KEY_PROJECTS) or []
    return View(
        lang=lang(),
        as_of=st.session_state.get(KEY_AS_OF) or today(),
        filters=Filters(
            program=st.session_state.get(KEY_PROGRAM) or None,
            curator=st.session_state.get(KEY_CURATOR) or None,
            project_ids=tuple(projects) if projects else None,
        ),
        batch=batch(),
    )


def sync_url(view: View, **extra: str | None) -> None:
    """Write the view (and page parameters like ``project``) into the query string."""
    wanted: dict[str, str | list[str]] = {"lang": view.lang}
    if view.as_of != today():
        wanted["as_of"] = view.as_of.isoformat()
    if view.filters.program:
        wanted["program"] = view.filters.program
    if view.filters.curator:
        wanted["curator"] = view.filters.curator
    if view.filters.project_ids:
        wanted["project"] = list(view.filters.project_ids)
    if view.batch is not None:
        wanted["batch"] = str(view.batch)
    for k, v in extra.items():
        if v:
            wanted[k] = v
    current = {k: st.query_params.get_all(k) if k == "project" else st.query_params.get(k) for k in st.query_params}
    # parameters of a page (``pid`` of the passport...) are the page's to keep or drop
    wanted.update({k: v for k, v in current.items() if k not in MANAGED and k not in wanted and v is not None})
    if current != wanted:
        st.query_params.from_dict(wanted)


def link_params(view: View, **extra: str) -> dict[str, str | list[str]]:
    """Query parameters that carry the view to another page (``st.switch_page``)."""
    out: dict[str, str | list[str]] = {"lang": view.lang}
    if view.as_of != today():
        out["as_of"] = view.as_of.isoformat()
    if view.batch is not None:
        out["batch"] = str(view.batch)
    out.update(extra)
    return out


__all__ = ["LANGS", "View", "batch", "current", "init_from_url", "lang", "sync_url", "tr"]
