"""The Audit page's pieces: the chain check, the filters and the log itself (read from the store
file, not the snapshot: the log changes without the data version changing)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from loaders import audit

from . import auth, data, widgets
from .safe import md
from .session import tr
from .tables import Col, table

KEY_RANGE, KEY_WHO, KEY_ACTIONS = "audit_range", "audit_who", "audit_actions"
COLS = [
    Col("seq", "cli.audit.col.seq", "int"),
    Col("at", "cli.audit.col.at"),
    Col("actor", "cli.audit.col.actor"),
    Col("role", "cli.audit.col.role", "label", "role"),
    Col("source", "cli.audit.col.source", "label", "audit.source"),
    Col("action", "cli.audit.col.action", "label", "audit.action"),
    Col("target", "cli.audit.col.target"),
    Col("detail", "cli.audit.col.detail"),
]


def verdict() -> None:
    """Whether the log is intact, with its head hash to note elsewhere."""
    with data.read() as con:
        result = audit.verify(con)
    if result.ok:
        st.success(tr("audit.intact", rows=result.rows, head=result.head[:16]), icon=":material/verified:")
    else:
        problems = "; ".join(tr(f"cli.audit.problem.{kind}", seq=seq) for seq, kind in result.problems[:5])
        st.error(tr("audit.broken", count=len(result.problems), problems=md(problems)), icon=":material/gpp_bad:")


def filters(as_of: dt.date) -> tuple[dt.date | None, dt.date | None, str | None, tuple[str, ...]]:
    with data.read() as con:
        people = audit.actors(con)
    c1, c2, c3 = st.columns([2, 2, 3])
    if KEY_RANGE not in st.session_state:
        st.session_state[KEY_RANGE] = (as_of - dt.timedelta(days=90), max(as_of, dt.date.today()))
    picked = c1.date_input(tr("audit.period"), key=KEY_RANGE, format="DD.MM.YYYY")
    since, until = (picked[0], picked[1]) if isinstance(picked, tuple) and len(picked) == 2 else (None, None)
    everyone = tr("side.all")
    if st.session_state.get(KEY_WHO) not in (None, *people):
        st.session_state.pop(KEY_WHO, None)
    who = widgets.selectbox(
        c2, tr("audit.who"), [None, *people], key=KEY_WHO, format_func=lambda p: everyone if p is None else str(p)
    )
    labels = {a: tr(f"audit.action.{a}") for a in audit.ACTIONS}
    actions = c3.multiselect(
        tr("audit.actions"),
        list(audit.ACTIONS),
        key=KEY_ACTIONS,
        format_func=labels.__getitem__,
        placeholder=everyone,
    )
    return since, until, who, tuple(actions)


def _detail(text: str) -> str:
    """The details as one readable line (``key: value; ...``)."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict):
        return str(value)
    return "; ".join(
        f"{k}: {json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}" for k, v in value.items()
    )


def log_table(since: dt.date | None, until: dt.date | None, who: str | None, actions: tuple[str, ...]) -> None:
    with data.read() as con:
        log = audit.entries(con, auth.current(), since=since, until=until, actor=who, actions=actions or None)
    st.caption(tr("common.rows", count=len(log)))
    shown = log.assign(
        at=[f"{pd.Timestamp(v):%d.%m.%Y %H:%M:%S}" for v in log["at"]],
        detail=[_detail(str(v)) for v in log["detail"]],
    )
    table(shown, COLS, key="audit_log", file_stem=tr("audit.file"), title=tr("page.audit"))
