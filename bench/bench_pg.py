"""A store in PostgreSQL at ministry scale: how to load it, how long a process takes to load it,
what a write costs on top of DuckDB's.

    python -m bench.bench_pg [--url postgresql://…] [--runs N]

The ministry workbook (``bench.make_ministry``, made when missing) is imported into a DuckDB
file, which ``store.copy`` copies into an empty PostgreSQL database: a throw-away cluster of
its own (``tests.pgcluster``) unless ``--url`` names one (its store must be empty). Then, best
of N each:

1. Reading every base table into Arrow (what a process's mirror loads): ADBC
   (``cursor.fetch_arrow_table()``) against psycopg 3's binary ``COPY … TO STDOUT (FORMAT
   BINARY)`` with its rows made into Arrow columns. The faster is what ``loaders.store_pg``
   uses.
2. Writing the history rows of the whole import (what a write sends): ADBC's ingest (binary
   COPY from Arrow) against psycopg's binary ``COPY … FROM STDIN`` fed row by row.
3. A process's first look at the store: the mirror made and loaded (every table, the current
   rows worked out), against opening the DuckDB file.
4. A write: one setting saved, and a one-row upload, on PostgreSQL and on the DuckDB file; the
   difference is what PostgreSQL costs a write.
5. Another process's write seen: the mirror reading only what changed.

Timings only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from bench import make_ministry
from loaders import store
from loaders.access import open_demo
from loaders.importer import import_files
from metrics import settings as settings_mod

T = TypeVar("T")


def best(fn: Callable[[], T], runs: int) -> tuple[float, T]:
    """The best wall seconds of ``runs`` calls, and the last result."""
    times, out = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    assert out is not None
    return min(times), out


@contextmanager
def postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from tests import pgcluster

    with pgcluster.cluster() as running:
        yield running.create_database("bench")


def ministry_store(tmp: Path) -> Path:
    workbook = make_ministry.DEFAULT_OUT
    if not workbook.exists():
        make_ministry.write(workbook)
    db = tmp / "ministry.duckdb"
    con = store.connect(db)
    try:
        plan, batch = import_files(con, [workbook], actor=open_demo("bench"))
        assert plan.ok and batch == 1, [i.message("en") for i in plan.issues[:5]]
    finally:
        con.close()
    return db


def read_adbc(url: str, tables: list[str]) -> int:
    import adbc_driver_postgresql.dbapi as adbc

    rows = 0
    with adbc.connect(url) as conn, conn.cursor() as cur:
        for name in tables:
            cur.execute(f"SELECT * FROM {store.q(name)}")  # noqa: S608 - schema names
            rows += cur.fetch_arrow_table().num_rows
    return rows


def read_copy(url: str, tables: list[str]) -> int:
    """psycopg's binary COPY out, the rows made into Arrow columns (types from the catalog)."""
    import psycopg
    import pyarrow as pa

    rows = 0
    with psycopg.connect(url) as conn:
        for name in tables:
            types = pg_types(conn, name)
            names = [str(r[0]) for r in conn.execute(f"SELECT * FROM {store.q(name)} LIMIT 0").description or []]  # noqa: S608
            with conn.cursor() as cur, cur.copy(f"COPY {store.q(name)} TO STDOUT (FORMAT BINARY)") as copy:
                copy.set_types(types)
                got = list(copy.rows())
            columns = list(zip(*got, strict=True)) if got else [() for _ in names]
            table = pa.table({n: pa.array(list(c)) for n, c in zip(names, columns, strict=True)})
            rows += table.num_rows
    return rows


def write_adbc(url: str, history: dict[str, Any]) -> int:
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(url) as conn, conn.cursor() as cur:
        for name, rows in history.items():
            cur.execute(f"CREATE TEMP TABLE {store.q('w_' + name)} (LIKE {store.q(name)})")
            cur.adbc_ingest("w_" + name, rows, mode="append", temporary=True)
        conn.rollback()
    return sum(t.num_rows for t in history.values())


def write_copy(url: str, history: dict[str, Any]) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        for name, rows in history.items():
            conn.execute(f"CREATE TEMP TABLE {store.q('w_' + name)} (LIKE {store.q(name)})")
            types = pg_types(conn, name)
            with conn.cursor() as cur, cur.copy(f"COPY {store.q('w_' + name)} FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in zip(*(c.to_pylist() for c in rows.columns), strict=True):
                    copy.write_row(row)
        conn.rollback()
    return sum(t.num_rows for t in history.values())


def pg_types(conn: Any, table: str) -> list[str]:
    """The columns' types as PostgreSQL names them (for a binary COPY)."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [table],
        ).fetchall()
    ]


def first_look(target: str | Path) -> int:
    """A process's first look: the store opened (PostgreSQL: the mirror made and loaded)."""
    store.disconnect(target)
    con = store.connect(target)
    try:
        return int(con.execute("SELECT count(*) FROM h_meetings").fetchall()[0][0])
    finally:
        con.close()


def line(what: str, seconds: float, note: str = "") -> None:
    print(f"  {what:<58} {seconds * 1000:9.1f} ms  {note}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--url", default=None, help="an empty PostgreSQL database (default: a throw-away cluster)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory() as tmp_dir, postgres(args.url) as url:
        tmp = Path(tmp_dir)
        start = time.perf_counter()
        db = ministry_store(tmp)
        print(f"ministry store: {db.stat().st_size / 2**20:.0f} MiB DuckDB file ({time.perf_counter() - start:.1f} s)")
        took, copied = best(lambda: store.copy(db, url), 1)
        history = sum(n for name, n in copied.items() if name.startswith("h_"))
        print(f"store copy to PostgreSQL: {took:.1f} s, {history:,} history rows, {sum(copied.values()):,} rows")
        tables = list(store.base_tables())

        print(f"\n1. every base table into Arrow (best of {runs})")
        adbc, n = best(lambda: read_adbc(url, tables), runs)
        line("ADBC fetch_arrow_table", adbc, f"{n:,} rows")
        copy, _ = best(lambda: read_copy(url, tables), runs)
        line("psycopg binary COPY TO STDOUT -> Arrow", copy, f"{copy / adbc:.1f} x ADBC")

        print(f"\n2. the import's history rows written (best of {runs})")
        with store.session(db, read_only=True) as con:
            rows = {name: con.sql(f"SELECT * FROM {store.q(name)}").to_arrow_table() for name in tables}  # noqa: S608
        history_rows = {name: t for name, t in rows.items() if name.startswith("h_")}
        ingest, n = best(lambda: write_adbc(url, history_rows), runs)
        line("ADBC ingest (binary COPY from Arrow)", ingest, f"{n:,} rows")
        feed, _ = best(lambda: write_copy(url, history_rows), max(1, runs // 2))
        line("psycopg binary COPY FROM STDIN, row by row", feed, f"{feed / ingest:.1f} x ADBC")

        print(f"\n3. a process's first look at the store (best of {runs})")
        mirror, n = best(lambda: first_look(url), runs)
        line("PostgreSQL: the mirror made and loaded", mirror, f"{n:,} meetings")
        duck, _ = best(lambda: first_look(db), runs)
        line("DuckDB file: opened", duck)

        print(f"\n4. a write (median of {runs})")
        for name, target in (("DuckDB file", db), ("PostgreSQL", url)):
            write_costs(name, target, runs)

        print(f"\n5. another process's write seen (best of {runs})")
        seen = another_write_seen(url, runs)
        line("the mirror reads what changed (one-row upload elsewhere)", seen)
        line("signature (asked every rerun)", best(lambda: store.signature(url), 50)[0])
        store.disconnect(url)
    return 0


def write_costs(name: str, target: str | Path, runs: int) -> None:
    con = store.connect(target)
    actor = open_demo("bench")
    pid = str(con.execute("SELECT min(project_id) FROM projects").fetchall()[0][0])
    try:
        setting = []
        upload = []
        for i in range(runs):
            start = time.perf_counter()
            settings_mod.set_values(con, {"risk_review_days": 60 + i}, actor)
            setting.append(time.perf_counter() - start)
            csv = Path(tempfile.mkstemp(suffix=".csv")[1])
            csv.write_text(f"project_id,name,start_date,end_date\n{pid},Renamed {i},01.01.2024,31.12.2027\n")
            start = time.perf_counter()
            _, batch = import_files(con, [csv], actor=actor)
            upload.append(time.perf_counter() - start)
            assert batch is not None
            csv.unlink()
        line(f"{name}: one setting saved", statistics.median(setting))
        line(f"{name}: a one-row upload (read, check, write)", statistics.median(upload))
    finally:
        con.close()


def another_write_seen(url: str, runs: int) -> float:
    """A second mirror of the same database in this process (the URL spelled another way)
    uploads a row; the first one, asked for a connection, reads what changed."""
    other = url + ("&" if "?" in url else "?") + "application_name=bench-other"
    theirs = store.connect(other)
    store.connect(url).close()
    actor = open_demo("bench")
    pid = str(theirs.execute("SELECT max(project_id) FROM projects").fetchall()[0][0])
    times = []
    try:
        for i in range(runs):
            csv = Path(tempfile.mkstemp(suffix=".csv")[1])
            csv.write_text(f"project_id,name,start_date,end_date\n{pid},Elsewhere {i},01.01.2024,31.12.2027\n")
            _, batch = import_files(theirs, [csv], actor=actor)
            assert batch is not None
            csv.unlink()
            start = time.perf_counter()
            store.connect(url).close()
            times.append(time.perf_counter() - start)
    finally:
        theirs.close()
        store.disconnect(other)
    return min(times)


if __name__ == "__main__":
    raise SystemExit(main())
