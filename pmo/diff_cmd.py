"""``pmo diff``: since the last review, what changed between two points (``metrics.digest``).

A point is an as-of date and a state of the store: the current store, or the store as it stood
after a batch (``--from-batch``, ``--to-batch``). Without batches the points are two dates over
the current store, by default the last quarter end and today; with a batch the dates default to
one (``--to``, else today), so only the data differ. ``--to-batch M`` alone compares the store
just before batch M with the store after it: what that upload changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from i18n import numbers, t

from .report_cmd import _date
from .textable import render, terminal_width

if TYPE_CHECKING:
    import duckdb

EXIT_REFUSED, EXIT_USAGE = 1, 2


def _batch(text: str) -> int:
    """A batch number: 0 (nothing imported yet) or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(t("digest.cli.bad_batch", "en", value=text))
    return value


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    tx: Callable[[str], str],
) -> None:
    p = sub.add_parser("diff", parents=[common], help=tx("diff"), description=tx("diff"))
    p.add_argument("--from", dest="from_date", type=_date, default=None, metavar="YYYY-MM-DD", help=tx("diff_from"))
    p.add_argument("--to", dest="to_date", type=_date, default=None, metavar="YYYY-MM-DD", help=tx("diff_to"))
    p.add_argument("--from-batch", type=_batch, default=None, metavar="N", help=tx("diff_from_batch"))
    p.add_argument("--to-batch", type=_batch, default=None, metavar="M", help=tx("diff_to_batch"))
    p.add_argument("--program", default=None, help=tx("program"))
    p.add_argument("--curator", default=None, help=tx("curator"))
    p.add_argument("--project", action="append", default=None, metavar="PROJECT_ID", help=tx("project"))
    p.add_argument("--format", choices=("table", "json"), default="table", help=tx("diff_format"))
    p.set_defaults(run=cmd_diff)


class BatchUnknown(LookupError):
    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        super().__init__(batch_id)


def cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    """The metrics (pandas, DuckDB) are imported here, not when the parser is built."""
    from loaders import store
    from metrics import settings as settings_mod
    from metrics.common import Filters, previous_quarter_end
    from metrics.digest import digest, to_json

    from .cli import notes, opened
    from .jsonout import write_json

    lang = args.lang
    by_batch = args.from_batch is not None or args.to_batch is not None
    to = args.to_date or dt.date.today()
    frm = args.from_date or (to if by_batch else previous_quarter_end(to))
    if frm > to:
        print(t("digest.cli.from_after_to", lang, start=frm.isoformat(), end=to.isoformat()), file=sys.stderr)
        return EXIT_USAGE
    filters = Filters(args.program, args.curator, tuple(args.project) if args.project else None)
    path = args.db or store.default_db_path()
    from_batch, to_batch = args.from_batch, args.to_batch
    try:
        if by_batch:
            with opened(args, read_only=True) as con:
                for n in (from_batch, to_batch):
                    if n is not None:
                        batches_in_force(con, n)  # an unknown batch is refused before any work
                if from_batch is None and to_batch is not None:
                    from_batch = batch_before(con, to_batch)
        con_then = _connection_at_batch(path, from_batch, wait=args.wait) if from_batch is not None else None
        con_now = _connection_at_batch(path, to_batch, wait=args.wait) if to_batch is not None else None
    except BatchUnknown as exc:
        print(t("cli.batch_unknown", lang, batch=exc.batch_id), file=notes(args, out))
        return EXIT_REFUSED
    try:
        with opened(args, read_only=True) as con:
            settings = settings_mod.load(con)  # the settings in force now, for both points
            d = digest(con_then or con, frm, con_now or con, to, filters, settings)
    finally:
        for c in (con_then, con_now):
            if c is not None:
                c.close()
    if args.format == "json":
        write_json(to_json(d, filters, batch_then=from_batch, batch_now=to_batch), out)
    else:
        data = to_json(d, filters, batch_then=from_batch, batch_now=to_batch)
        print_table(data, lang, out)
    return 0


# --------------------------------------------------------------------------------------------
# The store as it stood after a batch


def batches_in_force(con: duckdb.DuckDBPyConnection, n: int) -> list[int]:
    """The batches whose rows made the store just after batch ``n`` was imported: those up to
    ``n`` not rolled back before ``n``'s import (a later rollback does not change what it was).
    Batch 0 is the store before any import. Raises ``BatchUnknown``."""
    if n == 0:
        return []
    row = con.execute("SELECT imported_at FROM batches WHERE batch_id = ?", [n]).fetchall()
    if not row:
        raise BatchUnknown(n)
    rows = con.execute(
        """SELECT batch_id FROM batches
           WHERE batch_id <= ? AND (status = 'applied' OR rolled_back_at > ?) ORDER BY batch_id""",
        [n, row[0][0]],
    ).fetchall()
    return [int(r[0]) for r in rows]


def batch_before(con: duckdb.DuckDBPyConnection, m: int) -> int:
    """The batch after which the store stood just before batch ``m`` was imported (0: none): the
    latest earlier batch still in force at ``m``'s import."""
    earlier = [b for b in batches_in_force(con, m) if b < m]
    return earlier[-1] if earlier else 0


def _connection_at_batch(path: str | Path, n: int, *, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory store as it stood after batch ``n``: ``store.snapshot(batch=n)`` (the data of
    the batches in force then, with the settings, calendar and overrides as they stood; README,
    "The data as it stood right after a batch"). Batch 0 is the store before any import: no rows,
    today's settings. Raises ``BatchUnknown``."""
    import duckdb

    from loaders import store

    if n > 0:
        try:
            return store.snapshot(path, batch=n, wait=wait or 0.0)[1]
        except store.BatchUnknown as exc:
            raise BatchUnknown(n) from exc

    mem = duckdb.connect(":memory:")
    try:
        with store.session(path, read_only=True, wait=wait) as con:
            ids = batches_in_force(con, n)
            for name in store.SNAPSHOT_TABLES:
                _copy(con, mem, name, f"SELECT * FROM {store.q(name)}", {})  # noqa: S608 - allowlisted
            for spec in store.table_specs().values():
                cols = ", ".join(f"h.{store.q(f.name)}" for f in spec.fields)
                part = ", ".join(store.key_exprs(spec, "h"))
                sql = (
                    f"SELECT {cols}, h._batch FROM {store.q('h_' + spec.name)} h "  # noqa: S608 - schema names
                    f"WHERE list_contains(CAST($ids AS INTEGER[]), h._batch) "
                    f"QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY h._batch DESC) = 1"
                )
                _copy(con, mem, "c_" + spec.name, sql, {"ids": ids})
                mem.execute(f"CREATE VIEW {store.q(spec.name)} AS SELECT * FROM {store.q('c_' + spec.name)}")  # noqa: S608
    except BaseException:
        mem.close()
        raise
    return mem


def _copy(
    src: duckdb.DuckDBPyConnection, dst: duckdb.DuckDBPyConnection, name: str, sql: str, params: dict[str, object]
) -> None:
    from loaders.store import q

    rows = src.sql(sql, params=params).to_arrow_table()
    dst.register("_rows", rows)
    dst.execute(f"CREATE TABLE {q(name)} AS SELECT * FROM _rows")  # noqa: S608 - a schema name
    dst.unregister("_rows")


# --------------------------------------------------------------------------------------------
# The table for a person


def _point(point: dict[str, Any], lang: str) -> str:
    from exports.digest_text import date_text

    when = date_text(point["as_of"])
    batch = point.get("batch")
    return when if batch is None else t("digest.cli.at_batch", lang, date=when, batch=batch)


def print_table(data: dict[str, Any], lang: str, out: TextIO) -> None:
    """The digest as tables for a person: the projects in the order of their worst change, then
    every change worst first. The JSON (``--format json``) is the contract; this is a view of it."""
    from exports.digest_text import item_text, note_text, project_row, value_text

    start, end = _point(data["from"], lang), _point(data["to"], lang)
    print(t("digest.cli.heading", lang, start=start, end=end), file=out)
    pp = numbers.plain(data["kpi_threshold_pp"], lang)
    print(t("digest.cli.threshold", lang, pp=pp), file=out)
    changes: Sequence[dict[str, Any]] = data["changes"]
    if not changes:
        print(file=out)
        print(t("digest.nothing", lang), file=out)
        return
    print(file=out)
    heads = [t(f"digest.col.{k}", lang) for k in ("project", "name", "rag", "kpi", "worse", "moved", "better")]
    rows = [
        [
            p["project_id"],
            p["project_name"],
            *project_row(p, lang).values(),
            numbers.number(p["worse"], lang),
            numbers.number(p["moved"], lang),
            numbers.number(p["better"], lang),
        ]
        for p in data["projects"]
    ]
    print(render(heads, rows, max_width=40), file=out)
    print(file=out)
    heads = [t(f"digest.col.{k}", lang) for k in ("project", "direction", "kind", "item", "before", "after", "note")]
    body = [
        [
            c["project_id"] or numbers.MISSING,
            t(f"digest.direction.{c['direction']}", lang),
            t(f"digest.kind.{c['kind']}", lang),
            item_text(c, lang),
            value_text(c, "before", lang),
            value_text(c, "after", lang),
            note_text(c, lang),
        ]
        for c in changes
    ]
    print(render(heads, body, max_width=40, wrap=[len(heads) - 1], width=terminal_width(out)), file=out)
