"""Who changed what in a project: every version of its passport and of its rows (indicators and
their values, activities, risks, team, meetings, budget, change requests, evaluation, decisions,
roadmap directions), field by field, with the batch, the user and the time of the upload (Reg §8,
the coordinator's monitoring; Reg §45, the monitoring data).

It reads the store's history (``h_<table>`` and ``batches``), which the dashboard's in-memory
snapshot does not hold: give it a connection to the store itself (``loaders.store.session``).

A version's *old* value is the one of the version its batch replaced: the latest earlier version
whose batch was still applied when this batch was imported (a batch rolled back before is no
longer what the upload changed). A row's first version is an addition: one line per field it
fills, with no old value. Nothing is ever deleted by an upload; a change or addition whose batch
was rolled back is kept, with the batch's status ``rolled_back`` (shown marked, not hidden).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

import duckdb
import pandas as pd

from loaders.schema import FieldSpec, TableSpec, table_specs
from loaders.store import key_exprs, q

from .common import ColumnType, typed

HISTORY_COLUMNS: Final[dict[str, ColumnType]] = {
    "table": "text",
    "key": "text",  # the row's key as text: its values joined by " · " (dates ISO)
    "key_parts": "list",  # the key's values one by one, in the key's order, None where blank
    "field": "text",  # None for a row added with every other field blank
    "change": "text",  # added | changed
    "old": "text",  # neutral text: dates ISO (2026-06-30), numbers as written (12.5, 85), enum keys
    "new": "text",
    "batch": "int",
    "user": "text",
    "imported_at": "date",  # a timestamp (datetime64[s])
    "status": "text",  # the batch's: applied | rolled_back
    "rolled_back_at": "date",
    "rolled_back_by": "text",
}
KEY_SEP: Final = " · "
_NAMES: Final = re.compile(r"[;,\n\r]+")
_SPACES: Final = re.compile(r"\s+")
_BATCH_COLUMNS: Final = ("_batch", "_imported_at", "_user", "_status", "_rolled_back_at", "_rolled_back_by")


def history_tables() -> tuple[str, ...]:
    """The tables whose rows belong to a project, in workbook order: those with a ``project_id``,
    and ``indicator_values`` (a value belongs to its indicator's project)."""
    return tuple(name for name, spec in table_specs().items() if _owner(spec) is not None)


def _owner(spec: TableSpec) -> str | None:
    """How a row names its project: ``project_id``, else through its ``indicator_id``."""
    if "project_id" in spec.columns:
        return "project_id"
    if "indicator_id" in spec.columns:
        return "indicator_id"
    return None


def _versions_sql(spec: TableSpec) -> str:
    """Every version of every row that ever belonged to the project ``$pid``, with its batch."""
    if _owner(spec) == "project_id":
        owned = "x.project_id = $pid"
    else:  # indicator values: of an indicator that ever belonged to the project
        owned = "x.indicator_id IN (SELECT indicator_id FROM h_indicators WHERE project_id = $pid)"
    mine = ", ".join(f"{e} AS k{i}" for i, e in enumerate(key_exprs(spec, "x")))
    same = " AND ".join(f"{e} IS NOT DISTINCT FROM m.k{i}" for i, e in enumerate(key_exprs(spec, "h")))
    cols = ", ".join(f"h.{q(f.name)}" for f in spec.fields)
    history = q("h_" + spec.name)
    return (
        f"WITH mine AS (SELECT DISTINCT {mine} FROM {history} x WHERE {owned}) "
        f"SELECT {cols}, h._batch, b.imported_at, b.user_name, b.status, b.rolled_back_at, b.rolled_back_by "
        f"FROM {history} h JOIN mine m ON {same} JOIN batches b ON b.batch_id = h._batch "
        "ORDER BY h._batch"
    )


def neutral(value: object) -> str | None:
    """A stored value as text in no language's style: dates ISO, numbers as Python writes them
    (a whole number without ``.0``), text as it is; a blank is None."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _names(value: object) -> tuple[str, ...] | None:
    """A list of names as compared (``loaders.store.compared``): the set of names, case and
    spacing aside."""
    if not isinstance(value, str):
        return None
    parts = (_SPACES.sub(" ", p.strip()) for p in _NAMES.split(value.lower()))
    return tuple(sorted({p for p in parts if p}))


def _same(f: FieldSpec, a: object, b: object) -> bool:
    if f.name_list:
        return _names(a) == _names(b)
    return neutral(a) == neutral(b)


def _group_key(spec: TableSpec, row: dict[str, Any]) -> tuple[object, ...]:
    """The natural key as the store matches it (a person's name in any case is the same row)."""
    return tuple(row[k].lower() if spec.field(k).person and isinstance(row[k], str) else row[k] for k in spec.key)


def _replaced(versions: Sequence[dict[str, Any]], at: int) -> dict[str, Any] | None:
    """The version that the one at ``at`` replaced: the latest earlier one whose batch was still
    applied when the batch of ``at`` was imported."""
    imported: dt.datetime = versions[at]["_imported_at"]
    for before in range(at - 1, -1, -1):
        earlier = versions[before]
        gone: dt.datetime | None = earlier["_rolled_back_at"]
        if earlier["_status"] == "applied" or (gone is not None and gone > imported):
            return earlier
    return None


def _wanted(table: str, fields: set[str] | None) -> set[str] | None:
    """The fields of ``table`` the filter keeps (names, or ``table.field``); None keeps all."""
    if fields is None:
        return None
    return {f.partition(".")[2] if "." in f else f for f in fields if "." not in f or f.startswith(table + ".")}


def _table_lines(spec: TableSpec, rows: list[dict[str, Any]], wanted: set[str] | None) -> list[dict[str, Any]]:
    by_key: dict[tuple[object, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_key.setdefault(_group_key(spec, row), []).append(row)
    others = [f for f in spec.fields if not f.key and (wanted is None or f.name in wanted)]
    out: list[dict[str, Any]] = []
    for versions in by_key.values():
        for at, version in enumerate(versions):
            parts = [neutral(version[k]) for k in spec.key]
            base = {
                "table": spec.name,
                "key": KEY_SEP.join(p for p in parts if p is not None),
                "key_parts": parts,
                "batch": version["_batch"],
                "user": version["_user"],
                "imported_at": version["_imported_at"],
                "status": version["_status"],
                "rolled_back_at": version["_rolled_back_at"],
                "rolled_back_by": version["_rolled_back_by"],
            }
            before = _replaced(versions, at)
            if before is None:
                filled = [f for f in others if neutral(version[f.name]) is not None]
                if not filled and wanted is None:  # a row with nothing but its key: still an addition
                    out.append({**base, "field": None, "change": "added", "old": None, "new": None})
                out += [
                    {**base, "field": f.name, "change": "added", "old": None, "new": neutral(version[f.name])}
                    for f in filled
                ]
                continue
            out += [
                {
                    **base,
                    "field": f.name,
                    "change": "changed",
                    "old": neutral(before[f.name]),
                    "new": neutral(version[f.name]),
                }
                for f in others
                if not _same(f, before[f.name], version[f.name])
            ]
    return out


def project_history(
    con: duckdb.DuckDBPyConnection,
    project_id: str,
    tables: Iterable[str] | None = None,
    fields: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every change to the project's own fields and to its rows, one line per changed field per
    version, newest first (Reg §8, §45): table, key, field, old → new as neutral text, batch, user,
    time of the upload and the batch's status (a rolled-back change is kept, marked). A row's first
    version is "added", one line per field it fills. ``tables`` and ``fields`` (field names, or
    ``table.field``) narrow it. ``con`` is the store with its history (``h_<table>``)."""
    specs = table_specs()
    chosen = history_tables() if tables is None else tuple(t for t in history_tables() if t in set(tables))
    field_filter = None if fields is None else set(fields)
    lines: list[dict[str, Any]] = []
    for name in chosen:
        spec = specs[name]
        wanted = _wanted(name, field_filter)
        if wanted is not None and not wanted:
            continue
        cursor = con.execute(_versions_sql(spec), {"pid": project_id})
        names = [*spec.columns, *_BATCH_COLUMNS]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        lines += _table_lines(spec, rows, wanted)
    order = {name: i for i, name in enumerate(specs)}
    rank = {(t, f.name): i for t, s in specs.items() for i, f in enumerate(s.fields)}
    lines.sort(key=lambda r: (-r["batch"], order[r["table"]], r["key"], rank.get((r["table"], r["field"]), -1)))
    return typed(pd.DataFrame(lines, columns=list(HISTORY_COLUMNS)), HISTORY_COLUMNS)
