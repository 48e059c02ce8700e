"""The store as it stood right after a batch: what ``pmo report --batch N``, ``pmo export --batch
N`` and the dashboard's "data as of batch" choice compute from, so a meeting's pack can be rebuilt
later, after rollbacks and newer uploads.

The uploaded data is exact. The batches in force right after batch N are those up to N that had
not been rolled back when N was imported (one rolled back later, after N, still counts); each
table holds the latest version of each key among them, as the store's own ``latest_<table>``
does among the batches applied now.

Settings, the extra calendar days and the RAG overrides are not batch-versioned. They are taken
as they stood at the end of the last period during which the data was exactly that (until the
next import, or a rollback of one of those batches; now, when the data still is): the last moment
a pack could have been made from that data. Overrides are append-only and dated, so they are
kept up to that moment; the settings and the calendar are the current ones with every change the
audit log records from that moment on undone.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Final

import duckdb

from . import store
from .store import BatchUnknown, copy_rows, q

#: the audit actions that change the settings or the calendar (``metrics.settings``)
SETTING_ACTIONS: Final = ("setting", "setting_reset", "calendar_set", "calendar_remove", "calendar_reset")


@dataclass(frozen=True)
class BatchState:
    """What "right after batch N" means in one store."""

    batch_id: int
    imported_at: dt.datetime
    applied: tuple[int, ...]  # the batches in force right after it, N among them
    until: dt.datetime | None  # the end of the last period the data stood so; None: it still does


def state(con: duckdb.DuckDBPyConnection, batch_id: int) -> BatchState:
    """The batches in force right after ``batch_id`` and until when the data stood so; raises
    ``BatchUnknown`` for a batch the store has no record of (every batch it has was applied when
    imported)."""
    rows = con.execute("SELECT batch_id, imported_at, rolled_back_at FROM batches ORDER BY batch_id").fetchall()
    history = {int(r[0]): (r[1], r[2]) for r in rows}
    if batch_id not in history:
        raise BatchUnknown(batch_id)
    imported = history[batch_id][0]
    # in force when it was imported: not rolled back by then (a later rollback does not count)
    applied = frozenset(
        b for b, (_, undone) in history.items() if b <= batch_id and (undone is None or undone > imported)
    )
    # replay the imports and rollbacks in time order; a rollback undoes its batches at one moment
    events: dict[dt.datetime, tuple[set[int], set[int]]] = {}
    for b, (at, undone) in history.items():
        events.setdefault(at, (set(), set()))[0].add(b)
        if undone is not None:
            events.setdefault(undone, (set(), set()))[1].add(b)
    live: set[int] = set()
    inside, until = False, None
    for at in sorted(events):
        added, removed = events[at]
        live = (live | added) - removed
        if live == applied:
            inside = True
        elif inside:
            inside, until = False, at
    return BatchState(batch_id, imported, tuple(sorted(applied)), None if inside else until)


def copy(con: duckdb.DuckDBPyConnection, mem: duckdb.DuckDBPyConnection, at: BatchState) -> None:
    """Fill the in-memory ``mem`` with the tables of ``store.snapshot`` as they stood at ``at``
    (read from the store ``con``); ``meta`` names the batch (``store.as_of_batch``)."""
    applied = list(at.applied)
    copy_rows(con, mem, "meta", "SELECT * FROM meta WHERE key <> 'as_of_batch'")
    mem.execute("INSERT INTO meta VALUES ('as_of_batch', ?)", [str(at.batch_id)])
    # the batches as they stood: the later ones unknown yet, a later rollback not yet made
    copy_rows(
        con,
        mem,
        "batches",
        """SELECT batch_id, imported_at, user_name, file_name, sha256,
                  CASE WHEN list_contains($applied, batch_id) THEN 'applied' ELSE 'rolled_back' END AS status,
                  CASE WHEN list_contains($applied, batch_id) THEN NULL ELSE rolled_back_at END AS rolled_back_at,
                  CASE WHEN list_contains($applied, batch_id) THEN NULL ELSE rolled_back_by END AS rolled_back_by
           FROM batches WHERE batch_id <= $batch""",
        {"applied": applied, "batch": at.batch_id},
    )
    for name in ("batch_files", "batch_stats"):
        copy_rows(con, mem, name, f"SELECT * FROM {q(name)} WHERE batch_id <= ?", [at.batch_id])  # noqa: S608
    for spec in store.table_specs().values():
        copy_rows(con, mem, f"c_{spec.name}", store.latest_select(spec, "list_contains(?, b.batch_id)"), [applied])
    _settings_then(con, mem, at.until)


def _settings_then(con: duckdb.DuckDBPyConnection, mem: duckdb.DuckDBPyConnection, until: dt.datetime | None) -> None:
    """The settings, extra calendar days and RAG overrides as they stood at ``until`` (now: None)."""
    copy_rows(con, mem, "settings", "SELECT * FROM settings")
    copy_rows(con, mem, "calendar_days", "SELECT * FROM calendar_days")
    if until is None:
        copy_rows(con, mem, "rag_overrides", "SELECT * FROM rag_overrides")
        return
    copy_rows(con, mem, "rag_overrides", "SELECT * FROM rag_overrides WHERE created_at < ?", [until])
    later = con.execute(
        "SELECT action, target, detail FROM audit WHERE logged_at >= ? AND list_contains(?, action) ORDER BY seq DESC",
        [until, list(SETTING_ACTIONS)],
    ).fetchall()
    for action, target, detail in later:  # newest first, each undone
        _undo(mem, str(action), str(target), json.loads(str(detail)))


def _undo(mem: duckdb.DuckDBPyConnection, action: str, target: str, detail: dict[str, object]) -> None:
    """Undo one change of the settings or the calendar, as the audit log recorded it (its old
    value; when the restored value was set, and by whom, the log does not say)."""
    old = detail.get("old")
    if action == "setting":
        _set(mem, {target: old})
    elif action == "setting_reset" and isinstance(old, dict):
        _set(mem, old)
    elif action in ("calendar_set", "calendar_remove"):
        _days(mem, {target: old}, replace=False)
    elif action == "calendar_reset" and isinstance(old, dict):
        _days(mem, old, replace=True)


def _set(mem: duckdb.DuckDBPyConnection, values: dict[str, object]) -> None:
    for key, value in values.items():
        mem.execute("DELETE FROM settings WHERE key = ?", [key])
        if value is not None:
            mem.execute("INSERT INTO settings VALUES (?, ?, NULL, NULL)", [key, float(str(value))])


def _days(mem: duckdb.DuckDBPyConnection, kinds: dict[str, object], *, replace: bool) -> None:
    """The days' kinds back (a None kind: the day was not declared); ``replace``: these were all
    the declared days (a reset of the calendar)."""
    if replace:
        mem.execute("DELETE FROM calendar_days")
    for day, kind in kinds.items():
        mem.execute("DELETE FROM calendar_days WHERE day = ?", [dt.date.fromisoformat(day)])
        if kind is not None:
            mem.execute(
                "INSERT INTO calendar_days VALUES (?, ?, NULL, NULL, NULL)", [dt.date.fromisoformat(day), str(kind)]
            )
