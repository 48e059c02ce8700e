"""A mapping profile's SQL: one DuckDB ``SELECT`` over the rows of its sources, and nothing else.

Each source is a table of text, one column per header (a column without one is named by its
letter), plus ``_row``: where the row is in the file (its Excel row, or its column number when
the sheet is read across). Rows blank in every column are left out. The ``SELECT``'s output
columns are the contract's fields; what it computes, filters, joins or pivots is DuckDB's own SQL.

It runs in a fresh in-memory DuckDB that holds only those tables: they are loaded first, then file
access is switched off and the configuration locked, so ``read_csv``, ``ATTACH``, ``COPY``,
``INSTALL`` or ``SET`` reach nothing. The result stops at the import's row limit, a query that
runs too long is interrupted, and every failure is a ``ReadError`` naming the target table with
DuckDB's own words, never a traceback. (It runs inside the reader's child process, under its
memory and CPU limits, like the rest of an import.)
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Final

import duckdb
import pyarrow as pa

from . import limits
from .issues import ReadError, Tr
from .limits import column_letter

ROW: Final = "_row"  # where a row is in its source; an output column of that name says so too
_STATEMENTS: Final = (duckdb.StatementType.SELECT, duckdb.StatementType.MULTI)  # MULTI: a PIVOT
_CONFIG: Final[dict[str, str | bool | int | float | list[str]]] = {
    "threads": 1,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,  # a table name never reaches a Python variable
    "temp_directory": "",  # nothing spills to disk
}


@dataclass(frozen=True)
class Rows:
    """One source as the SQL sees it: its column names, its rows of cells, where each row is."""

    names: Sequence[str]
    rows: Sequence[Sequence[object]]
    numbers: Sequence[int]


def _connect(memory_mb: int | None = None) -> duckdb.DuckDBPyConnection:
    config = dict(_CONFIG)
    if memory_mb is not None:
        config["memory_limit"] = f"{memory_mb}MB"
    return duckdb.connect(":memory:", config=config)


def said(exc: duckdb.Error) -> str:
    """DuckDB's message on one line, without the echo of the query and its caret."""
    lines = [
        line.strip() for line in str(exc).splitlines() if line.strip() and not line.lstrip().startswith(("LINE ", "^"))
    ]
    text = " ".join(lines)
    return text if len(text) <= 400 else text[:399] + "…"


def check(sql: str) -> str | None:
    """Why ``sql`` is not one ``SELECT`` (said in English, for the profile's author), or None."""
    con = _connect()
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        return said(exc)
    finally:
        con.close()
    if len(statements) != 1:
        return f"one SELECT statement is expected, not {len(statements)}"
    if statements[0].type not in _STATEMENTS:
        return f"only a SELECT is run, not {statements[0].type.name}"
    return None


@cache
def referenced(sql: str) -> tuple[frozenset[str], bool]:
    """The column names ``sql`` refers to, and whether it also takes whole rows (``*``,
    ``COLUMNS(...)``, or a statement DuckDB cannot show as a tree, such as a bare PIVOT)."""
    con = _connect()
    try:
        row = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    except duckdb.Error:
        return frozenset(), True
    finally:
        con.close()
    tree = json.loads(str(row[0])) if row else {"error": True}
    if tree.get("error"):
        return frozenset(), True
    names: set[str] = set()
    star = False
    for node in _nodes(tree):
        if node.get("class") == "STAR":
            star = True
        elif node.get("class") == "COLUMN_REF":
            parts = node.get("column_names")
            if isinstance(parts, list) and parts:
                names.add(str(parts[-1]))
    return frozenset(names), star


def _nodes(tree: object) -> Iterator[dict[str, object]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def column_names(names: Sequence[str]) -> list[str]:
    """The SQL names of a source's columns: its headers, a blank one named by its letter, a
    repeated one (DuckDB ignores case) as ``name #2``; ``_row`` is ours."""
    seen: dict[str, int] = {ROW: 1}
    out = []
    for j, name in enumerate(names):
        base = name or column_letter(j + 1)
        key = base.casefold()
        seen[key] = seen.get(key, 0) + 1
        out.append(base if seen[key] == 1 else f"{base} #{seen[key]}")
    return out


def text(cell: object) -> str | None:
    """A cell as the SQL reads it: text as typed, a number with a decimal point and without a
    needless ``.0``, a date as ``2026-11-23``; a blank cell is NULL. A number with three decimals
    gets a fourth, a zero (``24.2040``): "24.204" could be twenty-four thousand to a reader whose
    decimal mark is the comma, which the number the cell holds is not."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell if cell.strip() else None
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        if cell != cell:
            return None
        if cell.is_integer() and abs(cell) < 2**53:
            return str(int(cell))
        shown = repr(cell)
        _, point, fraction = shown.partition(".")
        return shown + "0" if point and len(fraction) == 3 else shown
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def table(source: Rows) -> pa.Table:
    """A source as the table the SQL reads (made once, for every target that reads it)."""
    names = column_names(source.names)
    cells = [[text(c) for c in row] for row in source.rows]
    kept = [i for i, row in enumerate(cells) if any(c is not None for c in row)]
    columns = [pa.array([source.numbers[i] for i in kept], pa.int64())]
    columns += [pa.array([cells[i][j] for i in kept], pa.string()) for j in range(len(names))]
    return pa.Table.from_arrays(columns, names=[ROW, *names])


def value(cell: object) -> object:
    """An output value as a cell of the grid the contract reads: exact decimals as floats, what
    is neither text, number, truth nor date as its text."""
    if cell is None or isinstance(cell, str | int | float | dt.date):
        return cell
    if isinstance(cell, Decimal):
        return float(cell)
    return str(cell)


def run(
    sql: str, sources: Mapping[str, Rows | pa.Table], *, target: str, file: str
) -> tuple[list[str], list[tuple[object, ...]]]:
    """The output column names and rows of ``sql`` over ``sources`` (SQL table name -> its rows,
    or the table made of them), for the ``target`` table of the file ``file``."""
    bounds = limits.active()
    reason = check(sql)
    if reason is not None:
        raise ReadError("mapping_sql", file=file, table=Tr(f"table.{target}"), reason=reason)
    con = _connect(max(64, bounds.memory_mb // 2))
    try:
        for name, source in sources.items():
            rows = source if isinstance(source, pa.Table) else table(source)
            con.from_arrow(rows).create(name)  # a name the profile allows: src, or [sources.<name>]
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        seconds = max(5.0, bounds.cpu_seconds / 2)
        timer = threading.Timer(seconds, con.interrupt)
        timer.start()
        try:
            relation = con.sql(sql)
            if relation is None:  # not a query after all: check() lets none through
                raise ReadError("mapping_sql", file=file, table=Tr(f"table.{target}"), reason="no result")
            names = [str(c) for c in relation.columns]
            result = relation.limit(bounds.rows + 1).fetchall()  # never more than one row past the limit
        except duckdb.InterruptException as exc:
            raise ReadError(
                "mapping_sql_timeout", file=file, table=Tr(f"table.{target}"), seconds=int(seconds)
            ) from exc
        except duckdb.Error as exc:
            raise ReadError("mapping_sql", file=file, table=Tr(f"table.{target}"), reason=said(exc)) from exc
        finally:
            timer.cancel()
    finally:
        con.close()
    if len(result) > bounds.rows:
        raise ReadError("mapping_sql_rows", file=file, table=Tr(f"table.{target}"), limit=bounds.rows)
    return names, result
