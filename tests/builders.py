"""Tiny stores for metric tests: rows in, a real DuckDB file out (through the real importer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from loaders import store, template
from loaders.access import Actor, Role
from loaders.importer import import_files
from loaders.reader import Loaded

D = dt.date


def as_user(name: str, role: Role = Role.COORDINATOR) -> Actor:
    """Someone acting from the command line: a coordinator unless said otherwise."""
    return Actor(name, name, role, "cli")


def project(pid: str, **kw: object) -> dict[str, object]:
    """A project row with sensible defaults (start 2026-01-01, passport deadline 2026-12-31)."""
    row: dict[str, object] = {
        "project_id": pid,
        "name": f"Project {pid}",
        "program": "Tax",
        "curator": "Curator",
        "project_manager": f"PM {pid}",
        "start_date": D(2026, 1, 1),
        "end_date": D(2026, 12, 31),
        "status": "execution",
    }
    row.update(kw)
    return row


def make_store(path: str | Path, tables: Mapping[str, Sequence[Mapping[str, object]]]) -> duckdb.DuckDBPyConnection:
    """A store at ``path`` holding ``tables`` (field -> value rows, enums as English keys)."""
    wb = template.build("en")
    for table, rows in tables.items():
        template.fill(wb, table, rows, "en")
    con = store.connect(path)
    plan, batch = import_files(con, [Loaded("t.xlsx", template.to_bytes(wb))], actor=as_user("test"))
    assert batch is not None, [i.message("en") for i in plan.issues]
    return con


def upload(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, Sequence[Mapping[str, object]]],
    *,
    user: str = "test",
    at: dt.datetime | None = None,
) -> int:
    """Import ``tables`` as one more batch by ``user`` (whole rows: a blank cell is a blank value),
    stamped ``at`` when given (tests of history and freshness need the upload's time)."""
    wb = template.build("en")
    for table, rows in tables.items():
        template.fill(wb, table, rows, "en")
    plan, batch = import_files(con, [Loaded("t.xlsx", template.to_bytes(wb))], actor=as_user(user))
    assert batch is not None, [i.message("en") for i in plan.issues]
    if at is not None:
        con.execute("UPDATE batches SET imported_at = ? WHERE batch_id = ?", [at, batch])
    return batch


def roll_back(con: duckdb.DuckDBPyConnection, batch: int, *, user: str = "test", at: dt.datetime) -> list[int]:
    """``store.rollback`` by ``user``, the undone batches stamped as rolled back ``at``."""
    undone = store.rollback(con, batch, as_user(user))
    con.execute("UPDATE batches SET rolled_back_at = ? WHERE list_contains(?, batch_id)", [at, undone])
    return undone
