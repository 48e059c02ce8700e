"""Recording the quarterly meeting's decisions (Reg §34: the curator's meeting decides on
priorities, discrepancies, budgets and team sizes; DOMAIN §4.7).

The secretary adds a decision, corrects it, marks it done (or reopens it) from the meeting page.
Each of these is a new version of one row of ``decisions``, written as a batch of its own with an
audit row -- so the history, the as-of date and a rollback treat it like any upload, and a
workbook with a ``decisions`` sheet may carry the same rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Final, Literal

import duckdb
import pandas as pd

from . import audit
from .access import Actor, Right
from .importer import write_batch
from .schema import DecisionKind, table_specs
from .store import FileRecord, transaction
from .validate import Validation

TEXT_MAX: Final = 2000
NAME_MAX: Final = 200
Operation = Literal["add", "edit", "done", "reopen"]


class DecisionInputError(ValueError):
    """``code`` is a catalog key under ``decision_form.error.``; ``field`` the form field at fault."""

    def __init__(self, code: str, field: str, value: object = None) -> None:
        self.code = code
        self.field = field
        self.value = value
        super().__init__(f"{field}: {code} ({value!r})")


@dataclass(frozen=True)
class DecisionInput:
    """What the form holds. ``decision_id`` None: a new decision, numbered on save."""

    project_id: str
    meeting_date: dt.date
    kind: str
    text: str
    responsible: str | None = None
    due_date: dt.date | None = None
    done_on: dt.date | None = None
    decision_id: str | None = None


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def check(con: duckdb.DuckDBPyConnection, d: DecisionInput) -> DecisionInput:
    """The input as it will be stored, or ``DecisionInputError`` naming the field and the value.
    The same rules as an uploaded ``decisions`` sheet: a known project, a kind of Reg §34, a text,
    a due date and a done date not before the meeting."""
    text, responsible = _clean(d.text), _clean(d.responsible) or None
    if not text:
        raise DecisionInputError("text_missing", "text")
    if len(text) > TEXT_MAX:
        raise DecisionInputError("too_long", "text", len(text))
    if responsible is not None and len(responsible) > NAME_MAX:
        raise DecisionInputError("too_long", "responsible", len(responsible))
    if d.kind not in {k.value for k in DecisionKind}:
        raise DecisionInputError("bad_kind", "kind", d.kind)
    if not con.execute("SELECT 1 FROM projects WHERE project_id = ?", [d.project_id]).fetchall():
        raise DecisionInputError("unknown_project", "project_id", d.project_id)
    if d.due_date is not None and d.due_date < d.meeting_date:
        raise DecisionInputError("due_before_meeting", "due_date", d.due_date)
    if d.done_on is not None and d.done_on < d.meeting_date:
        raise DecisionInputError("done_before_meeting", "done_on", d.done_on)
    return DecisionInput(d.project_id, d.meeting_date, d.kind, text, responsible, d.due_date, d.done_on, d.decision_id)


def next_id(con: duckdb.DuckDBPyConnection, meeting_date: dt.date) -> str:
    """``2026-Q3-04``: the quarter the meeting reviews (the one before the meeting's own) and the
    next free number among the decisions numbered so."""
    reviewed = pd.Timestamp(meeting_date).to_period("Q") - 1
    prefix = f"{reviewed.year}-Q{reviewed.quarter}-"
    taken = con.execute(
        "SELECT decision_id FROM h_decisions WHERE starts_with(decision_id, ?)", [prefix]
    ).fetchall()  # every id ever used, rolled back or not: a number is never given twice
    numbers = [int(m.group(1)) for (i,) in taken if (m := re.fullmatch(r"(\d+)", str(i)[len(prefix) :]))]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _current(con: duckdb.DuckDBPyConnection, decision_id: str) -> pd.DataFrame:
    fields = ", ".join(f.name for f in table_specs()["decisions"].fields)
    return con.execute(f"SELECT {fields} FROM decisions WHERE decision_id = ?", [decision_id]).df()  # noqa: S608


def save(con: duckdb.DuckDBPyConnection, actor: Actor, d: DecisionInput) -> tuple[str, int]:
    """Add a decision (no ``decision_id``) or write a new version of one; returns its id and the
    batch written. Refused without the right to record decisions."""
    actor.require(Right.RECORD_DECISIONS)
    d = check(con, d)
    if d.decision_id is not None and _current(con, d.decision_id).empty:
        raise DecisionInputError("unknown_decision", "decision_id", d.decision_id)
    with transaction(con):
        decision_id = d.decision_id or next_id(con, d.meeting_date)
        row = {
            "decision_id": decision_id,
            "project_id": d.project_id,
            "meeting_date": d.meeting_date,
            "kind": d.kind,
            "text": d.text,
            "responsible": d.responsible,
            "due_date": d.due_date,
            "done_on": d.done_on,
        }
        batch = _write(con, actor, row, "edit" if d.decision_id else "add")
    return decision_id, batch


def set_done(con: duckdb.DuckDBPyConnection, actor: Actor, decision_id: str, on: dt.date | None) -> int:
    """Mark a decision done on ``on`` (None: reopen it); returns the batch written."""
    actor.require(Right.RECORD_DECISIONS)
    current = _current(con, decision_id)
    if current.empty:
        raise DecisionInputError("unknown_decision", "decision_id", decision_id)
    row = {str(k): v for k, v in current.iloc[0].items()}
    meeting = pd.Timestamp(row["meeting_date"]).date()
    if on is not None and on < meeting:
        raise DecisionInputError("done_before_meeting", "done_on", on)
    row["done_on"] = on
    with transaction(con):
        return _write(con, actor, row, "done" if on else "reopen")


def _write(con: duckdb.DuckDBPyConnection, actor: Actor, row: dict[str, object], op: Operation) -> int:
    """One row as its own batch, with the audit row (inside the caller's transaction)."""
    spec = table_specs()["decisions"]
    fields = tuple(f.name for f in spec.fields)
    frame = pd.DataFrame([{f: row.get(f) for f in fields}])
    for day in ("meeting_date", "due_date", "done_on"):
        frame[day] = pd.to_datetime(frame[day]).astype("datetime64[us]")
    for text in ("decision_id", "project_id", "kind", "text", "responsible"):
        frame[text] = frame[text].astype("string")
    frame = frame.assign(_row=0, _file="", _place="")
    validation = Validation(tables={"decisions": frame}, present={"decisions": fields})
    now = dt.datetime.now()
    stamp = f"{row['decision_id']}|{op}|{now.isoformat()}|{actor.login}"
    record = FileRecord(f"{row['decision_id']}: {op}", hashlib.sha256(stamp.encode()).hexdigest(), 0)
    batch_id, _ = write_batch(con, validation, [record], actor, now)
    audit.record(
        con,
        actor,
        "decision",
        str(row["decision_id"]),
        {"op": op, "project": row["project_id"], "done_on": row.get("done_on"), "batch": batch_id},
        at=now,
    )
    return batch_id
