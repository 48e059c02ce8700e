"""The quarterly meeting's decisions on the meeting page (Reg §34): the protocol's table, its Word
download, and the secretary's form to record, correct, complete or reopen a decision."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pandas as pd
import streamlit as st

from exports import protocol as protocol_doc
from loaders import decisions as dec
from loaders import store
from loaders.access import AccessDenied, Actor, Right
from loaders.schema import DecisionKind
from metrics.decisions import next_quarter_end, protocol, quarter_decisions

from . import data, widgets
from .safe import md
from .session import lang, today, tr
from .tables import Col, table
from .upload_view import denied

KEY_PICK: Final = "dec_pick"
KEY_PROJECT: Final = "dec_project"
KEY_KIND: Final = "dec_kind"
KEY_TEXT: Final = "dec_text"
KEY_RESPONSIBLE: Final = "dec_responsible"
KEY_DUE: Final = "dec_due"
KEY_MEETING: Final = "dec_meeting"
KEY_DONE: Final = "dec_done"
KEY_DONE_ON: Final = "dec_done_on"
KEY_FLASH: Final = "dec_flash"
KEY_QUARTER: Final = "dec_quarter"  # the meeting the form was last filled for
NEW: Final = ""  # the picker's "a new decision"

COLS: Final = [
    Col("decision_id", "decisions.col.decision_id", width=95, pinned=True),
    Col("project_id", "decisions.col.project_id", width=70),
    Col("kind", "decisions.col.kind", "label", "enum.decision_kind", width=150),
    Col("text", "decisions.col.text", width=380),
    Col("responsible", "decisions.col.responsible", width=170),
    Col("due_date", "decisions.col.due_date", "date", width=95),
    Col("done_on", "decisions.col.done_on", "date", width=95),
    Col("state", "decisions.col.state", "label", "protocol.states", width=110),
]


def window(quarter: dt.date) -> tuple[dt.date, dt.date]:
    """The days a decision of the meeting reviewing ``quarter`` is dated: after its end, up to
    the next quarter's end (metrics.decisions.quarter_decisions)."""
    return quarter + dt.timedelta(days=1), next_quarter_end(quarter)


def default_meeting_day(quarter: dt.date) -> dt.date:
    """Today when it falls in the meeting's window, else the window's first day."""
    first, last = window(quarter)
    return today() if first <= today() <= last else first


def section(quarter: dt.date, teams: dict[str, str], actor: Actor, quarter_name: str) -> None:
    """The protocol's table with its counts and download; the form for those who record."""
    first, last = window(quarter)
    as_of = min(last, today())
    decided = data.cached("meeting.decisions", _decisions, quarter, as_of)
    st.subheader(tr("decisions.title"))
    st.caption(
        tr(
            "decisions.caption",
            quarter=quarter_name,
            first=f"{first:%d.%m.%Y}",
            last=f"{last:%d.%m.%Y}",
            date=f"{as_of:%d.%m.%Y}",
        )
    )
    _flash()
    if decided.empty:
        st.caption(tr("decisions.none"))
    else:
        states = decided["state"].value_counts()
        st.markdown(
            tr(
                "decisions.counts",
                total=len(decided),
                **{s: int(states.get(s, 0)) for s in ("done", "overdue", "open")},
            )
        )
        table(decided, COLS, key="meeting_decisions", file_stem="decisions", title=tr("decisions.title"))
    language, name = lang(), f"{quarter:%Y}-Q{(quarter.month - 1) // 3 + 1}"
    st.download_button(
        tr("decisions.download"),
        data=data.audited_export(
            actor,
            "protocol",
            {"quarter": name, "lang": language, **data.batch_scope()},
            lambda: protocol_doc.build(data.cached("meeting.protocol", protocol, quarter), language),
        ),
        key="meeting_protocol",
        file_name=f"protocol_{name}_{language}.docx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        icon=":material/description:",
    )
    if actor.can(Right.RECORD_DECISIONS) and data.at_batch() is not None:
        st.caption(tr("as_of_batch.no_changes"))  # what is shown is an older state of the decisions
    elif actor.can(Right.RECORD_DECISIONS):
        form(quarter, decided, teams, actor)
    else:
        st.caption(tr("decisions.read_only"))


def _decisions(con: Any, quarter: dt.date, as_of: dt.date) -> pd.DataFrame:
    return quarter_decisions(con, quarter, as_of=as_of)


def _flash() -> None:
    message = st.session_state.pop(KEY_FLASH, None)
    if isinstance(message, tuple):
        st.error(message[1], icon=":material/error:")
    elif message:
        st.success(message, icon=":material/check:")


def _prefill(rows: dict[str, dict[str, Any]], quarter: dt.date) -> None:
    """The picker's callback: the form shows the chosen decision, or a blank one."""
    row = rows.get(st.session_state.get(KEY_PICK) or NEW)
    kind_key = widgets.widget_key(KEY_KIND)
    if row is None:
        for key in (KEY_TEXT, KEY_RESPONSIBLE, KEY_DUE, KEY_DONE_ON):
            st.session_state[key] = "" if key in (KEY_TEXT, KEY_RESPONSIBLE) else None
        st.session_state[kind_key] = DecisionKind.other.value
        st.session_state[KEY_DONE] = False
        st.session_state[KEY_MEETING] = default_meeting_day(quarter)
        return
    st.session_state[KEY_PROJECT] = row["project_id"]
    st.session_state[kind_key] = row["kind"]
    st.session_state[KEY_TEXT] = row["text"]
    st.session_state[KEY_RESPONSIBLE] = row["stored_responsible"] or ""
    st.session_state[KEY_DUE] = row["due_date"]
    st.session_state[KEY_MEETING] = row["meeting_date"]
    st.session_state[KEY_DONE] = row["done_on"] is not None
    st.session_state[KEY_DONE_ON] = row["done_on"] or today()


def _day(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def form(quarter: dt.date, decided: pd.DataFrame, teams: dict[str, str], actor: Actor) -> None:
    """Record a new decision, or pick one to correct, complete or reopen."""
    stored = data.cached("meeting.decision_rows", _stored, quarter)
    rows = {
        str(r["decision_id"]): {
            **r,
            "meeting_date": _day(r["meeting_date"]),
            "due_date": _day(r["due_date"]),
            "done_on": _day(r["done_on"]),
        }
        for r in stored.to_dict("records")
    }
    texts = {NEW: tr("decisions.new")} | {i: f"{i} · {r['project_id']} · {r['text']}"[:90] for i, r in rows.items()}
    if st.session_state.get(KEY_PICK) not in texts:
        st.session_state[KEY_PICK] = NEW
    if st.session_state.get(KEY_QUARTER) != quarter:  # another meeting: a blank form within its days
        st.session_state[KEY_QUARTER] = quarter
        st.session_state[KEY_PICK] = NEW
        _prefill({}, quarter)
    projects = {**teams, **{r["project_id"]: r["project_id"] for r in rows.values() if r["project_id"] not in teams}}
    if st.session_state.get(KEY_PROJECT) not in projects:
        st.session_state[KEY_PROJECT] = next(iter(projects))
    first, last = window(quarter)
    with st.expander(tr("decisions.form_title"), icon=":material/edit_note:", expanded=True):
        st.selectbox(
            tr("decisions.pick"),
            list(texts),
            key=KEY_PICK,
            format_func=texts.__getitem__,
            on_change=_prefill,
            args=(rows, quarter),
        )
        kinds = {k.value: tr(f"enum.decision_kind.{k.value}") for k in DecisionKind}
        with st.form("meeting_decision_form", border=False):
            left, middle, right = st.columns([2, 1.4, 1])
            left.selectbox(
                tr("decisions.project"),
                list(projects),
                key=KEY_PROJECT,
                format_func=lambda p: f"{p} · {projects[p]}"[:70],
            )
            middle.selectbox(
                tr("decisions.kind"), list(kinds), key=widgets.widget_key(KEY_KIND), format_func=kinds.__getitem__
            )
            right.date_input(
                tr("decisions.meeting_date"), key=KEY_MEETING, min_value=first, max_value=last, format="DD.MM.YYYY"
            )
            st.text_area(tr("decisions.text"), key=KEY_TEXT, height=90, max_chars=dec.TEXT_MAX)
            who, due, done, done_on = st.columns([2, 1, 0.8, 1])
            who.text_input(
                tr("decisions.responsible"),
                key=KEY_RESPONSIBLE,
                max_chars=dec.NAME_MAX,
                help=tr("decisions.responsible_help"),
            )
            due.date_input(tr("decisions.due"), key=KEY_DUE, min_value=first, format="DD.MM.YYYY")
            done.checkbox(tr("decisions.done"), key=KEY_DONE)
            done_on.date_input(tr("decisions.done_on"), key=KEY_DONE_ON, min_value=first, format="DD.MM.YYYY")
            st.caption(tr("decisions.as_user", user=md(actor.name)) + " · " + tr("decisions.upload_hint"))
            st.form_submit_button(
                tr("decisions.save"),
                key="meeting_decision_save",
                type="primary",
                on_click=_save,
                args=(quarter, rows, actor),
            )


def _stored(con: Any, quarter: dt.date) -> pd.DataFrame:
    """The meeting's decisions as stored (the responsible as written, not filled from the passport)."""
    first, last = window(quarter)
    stored: pd.DataFrame = con.execute(
        "SELECT decision_id, project_id, meeting_date, kind, text, responsible AS stored_responsible, "
        "due_date, done_on FROM decisions WHERE meeting_date BETWEEN ? AND ? ORDER BY decision_id",
        [first, last],
    ).df()
    return stored


def _save(quarter: dt.date, rows: dict[str, dict[str, Any]], actor: Actor) -> None:
    """The form's callback: a new decision, a new version of one, or only its completion."""
    s = st.session_state
    picked = s.get(KEY_PICK) or None
    meeting = s.get(KEY_MEETING) or default_meeting_day(quarter)
    first, last = window(quarter)
    if not first <= meeting <= last:
        s[KEY_FLASH] = (
            "error",
            tr(
                "decisions.error.outside",
                field=tr("decisions.meeting_date"),
                value=f"{meeting:%d.%m.%Y}",
                first=f"{first:%d.%m.%Y}",
                last=f"{last:%d.%m.%Y}",
            ),
        )
        return
    done_on = (s.get(KEY_DONE_ON) or today()) if s.get(KEY_DONE) else None
    entry = dec.DecisionInput(
        project_id=str(s.get(KEY_PROJECT) or ""),
        meeting_date=meeting,
        kind=str(s.get(widgets.widget_key(KEY_KIND)) or DecisionKind.other.value),
        text=str(s.get(KEY_TEXT) or ""),
        responsible=str(s.get(KEY_RESPONSIBLE) or "") or None,
        due_date=s.get(KEY_DUE),
        done_on=done_on,
        decision_id=picked,
    )
    try:
        with data.write() as con:
            if picked is None:
                decision_id, batch = dec.save(con, actor, entry)
                s[KEY_FLASH] = tr("decisions.saved_new", id=md(decision_id), batch=batch)
                _prefill({}, quarter)
                return
            before = rows[picked]
            same = dec.check(con, entry)
            if _same_but_done(before, same):
                if before["done_on"] == same.done_on:
                    s[KEY_FLASH] = tr("decisions.unchanged")
                    return
                batch = dec.set_done(con, actor, picked, same.done_on)
                s[KEY_FLASH] = tr(
                    "decisions.saved_done" if same.done_on else "decisions.saved_reopen", id=md(picked), batch=batch
                )
                return
            _, batch = dec.save(con, actor, entry)
            s[KEY_FLASH] = tr("decisions.saved_edit", id=md(picked), batch=batch)
    except dec.DecisionInputError as err:
        field = tr(f"decisions.{_FIELD_LABEL.get(err.field, err.field)}")
        value = f"{err.value:%d.%m.%Y}" if isinstance(err.value, dt.date) else err.value
        s[KEY_FLASH] = ("error", tr(f"decisions.error.{err.code}", field=field, value=md(str(value))))
    except AccessDenied as exc:
        s[KEY_FLASH] = ("error", denied(exc))
    except store.StoreBusy:
        s[KEY_FLASH] = ("error", tr("upload.store_busy", wait=int(store.busy_wait())))


#: the form's label of each field a check may name
_FIELD_LABEL: Final = {
    "text": "text",
    "responsible": "responsible",
    "kind": "kind",
    "project_id": "project",
    "due_date": "due",
    "done_on": "done_on",
    "decision_id": "pick",
    "meeting_date": "meeting_date",
}


def _same_but_done(before: dict[str, Any], now: dec.DecisionInput) -> bool:
    """Whether the form changes nothing of the decision but its completion."""
    return (
        before["project_id"] == now.project_id
        and before["meeting_date"] == now.meeting_date
        and before["kind"] == now.kind
        and before["text"] == now.text
        and (before["stored_responsible"] or None) == now.responsible
        and before["due_date"] == now.due_date
    )
