"""The curator's decision on a passport change request (Reg §30, §39–40).

A project manager submits a change request in the ``changes`` table; the curator approves or
rejects it here. The decision is a new version of that row, written as a batch of its own (so the
history, the as-of date and a rollback treat it like any upload) with an audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Final

import duckdb
import pandas as pd

from . import audit
from .access import Actor, Right
from .importer import write_batch
from .schema import table_specs
from .store import FileRecord, transaction
from .validate import Validation

DECISIONS: Final = ("approved", "rejected")


class DecisionError(ValueError):
    """``code`` is a catalog key under ``decision.``."""

    def __init__(self, code: str, change_id: str) -> None:
        self.code = code
        self.change_id = change_id
        super().__init__(f"{code}: {change_id}")


def decide_change(con: duckdb.DuckDBPyConnection, actor: Actor, change_id: str, decision: str, on: dt.date) -> int:
    """Approve or reject a pending change request on day ``on``; returns the batch written."""
    actor.require(Right.DECIDE_CHANGES)
    if decision not in DECISIONS:
        raise DecisionError("bad_decision", change_id)
    spec = table_specs()["changes"]
    fields = [f.name for f in spec.fields]
    current = con.execute(f"SELECT {', '.join(fields)} FROM changes WHERE change_id = ?", [change_id]).df()  # noqa: S608
    if current.empty:
        raise DecisionError("unknown", change_id)
    row = current.iloc[0]
    if isinstance(row["decision"], str) and row["decision"] != "pending":
        raise DecisionError("already_decided", change_id)
    if isinstance(row["submitted_on"], pd.Timestamp | dt.date) and pd.Timestamp(on) < pd.Timestamp(row["submitted_on"]):
        raise DecisionError("before_submission", change_id)
    frame = current.assign(decision=decision, decided_on=pd.Timestamp(on), _row=0, _file="", _place="")
    validation = Validation(tables={"changes": frame}, present={"changes": tuple(fields)})
    name = f"{change_id}: {decision}"
    record = FileRecord(name, hashlib.sha256(f"{change_id}|{decision}|{on}|{actor.login}".encode()).hexdigest(), 0)
    now = dt.datetime.now()
    with transaction(con):
        batch_id, _ = write_batch(con, validation, [record], actor, now)
        audit.record(
            con,
            actor,
            "change_decision",
            change_id,
            {"decision": decision, "on": on.isoformat(), "batch": batch_id},
            at=now,
        )
    return batch_id
