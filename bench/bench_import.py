"""How long the import of a ministry-scale workbook takes, against reading it with calamine alone.

    python -m bench.bench_import [FILE] [--runs N] [--openpyxl-runs N] [--breakdown-runs N] [--strict]

Three timings on the same file, best of N each: (a) calamine reading every sheet fully into
Python values; (b) the full import (read, validate, commit) into a fresh DuckDB file, then the
same plus the checkpoint DuckDB does later (when its log passes ``store.CHECKPOINT_THRESHOLD`` or
the store is closed); (c) ``pandas.read_excel`` with openpyxl, for scale. Target: import ≤ 1.5 ×
calamine. Runs of (a) and (b) alternate, so both see the same load on a shared machine; wall
and CPU seconds are both shown (CPU time moves less when other processes compete for the cores).
Then the import's own stages, timed by calling them the way ``loaders.importer`` does, and per
sheet: rows, calamine read, parse and checks.

The file is made with ``bench.make_ministry`` when it does not exist.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

import duckdb
import pandas as pd
import python_calamine

from bench import make_ministry
from loaders import store
from loaders.access import open_demo
from loaders.importer import ImportPlan, _stage_all, commit, import_files, sha256
from loaders.reader import iter_sheets, load
from loaders.store import known_keys
from loaders.validate import IssueLog, SheetTable, combine, read_tables

TARGET: Final = 1.5
T = TypeVar("T")


@dataclass
class Best:
    """The best wall and CPU seconds seen over several runs."""

    wall: float = float("inf")
    cpu: float = float("inf")
    runs: int = 0

    def add(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu, self.runs = min(self.wall, wall), min(self.cpu, cpu), self.runs + 1


def timed(fn: Callable[[], T]) -> tuple[float, float, T]:
    """Wall and CPU seconds of one call, after a garbage collection."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


# (a) calamine alone ---------------------------------------------------------------------------


def calamine_read(path: Path) -> dict[str, int]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: len(book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names}


def calamine_per_sheet(path: Path, runs: int) -> dict[str, float]:
    """Best of ``runs`` seconds per sheet (``get_sheet_by_name`` + ``to_python``)."""
    out: dict[str, float] = {}
    for _ in range(runs):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            gc.collect()
            start = time.perf_counter()
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out[name] = min(time.perf_counter() - start, out.get(name, float("inf")))
    return out


# (b) the import -------------------------------------------------------------------------------


def fresh_store(tmp: Path, name: str) -> duckdb.DuckDBPyConnection:
    db = tmp / name
    for f in (db, db.with_name(db.name + ".wal")):
        f.unlink(missing_ok=True)
    return store.connect(db)


def full_import(path: Path, tmp: Path) -> tuple[float, float, float, float, ImportPlan]:
    """One import into a fresh store (connecting, the schema DDL, is not timed), then the
    checkpoint that folds its log into the file."""
    con = fresh_store(tmp, "bench.duckdb")
    try:
        wall, cpu, (plan, batch) = timed(lambda: import_files(con, [path], actor=open_demo("bench")))
        assert plan.ok, [str(i) for i in plan.issues[:10]]
        assert batch is not None
        start, start_cpu = time.perf_counter(), time.process_time()
        con.execute("CHECKPOINT")
        checkpoint, checkpoint_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        con.close()
    return wall, cpu, checkpoint, checkpoint_cpu, plan


# The import's stages, called as loaders.importer.prepare / commit call them --------------------

STAGES: Final = (
    ("load", "file bytes (reader.load)"),
    ("sha256", "sha256 + already-imported lookup"),
    ("read", "fastexcel -> Arrow columns (reader.iter_sheets)"),
    ("read_tables", "locate + parse + cell checks (validate.read_tables)"),
    ("combine", "concat, duplicate keys, references (validate.combine)"),
    ("diff", "stage + diff, for the Upload page's preview only (_stage_all)"),
    ("commit", "history + current rows, commit to the log (importer.commit)"),
    ("checkpoint", "log folded into the file (DuckDB, later)"),
)


def breakdown(path: Path, tmp: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Wall seconds per stage of one import, and parse seconds per sheet."""
    con = fresh_store(tmp, "stages.duckdb")
    times: dict[str, float] = {}
    per_sheet: dict[str, float] = {}

    def stage(name: str, fn: Callable[[], T]) -> T:
        start = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - start
        return out

    try:
        gc.collect()
        loaded = stage("load", lambda: load(path))
        digest = stage("sha256", lambda: (sha256(loaded.data), store.find_applied(con, sha256(loaded.data)))[0])
        grids = stage("read", lambda: list(iter_sheets(loaded)))
        log = IssueLog()

        def parse_all() -> list[SheetTable]:
            sheets: list[SheetTable] = []
            for g in grids:
                start = time.perf_counter()
                sheets.extend(read_tables([g], log))
                per_sheet[g.place] = time.perf_counter() - start
            return sheets

        sheets = stage("read_tables", parse_all)
        validation = stage("combine", lambda: combine(sheets, log, lambda table: known_keys(con, table)))
        assert validation.ok, [str(i) for i in validation.errors[:10]]
        plan = ImportPlan([store.FileRecord(loaded.name, digest, len(loaded.data))], validation)
        plan.diffs = stage("diff", lambda: _stage_all(con, validation, keep=False))
        batch = stage("commit", lambda: commit(con, plan, open_demo("bench")))
        assert batch is not None
        stage("checkpoint", lambda: con.execute("CHECKPOINT"))
    finally:
        con.close()
    return times, per_sheet


# (c) pandas + openpyxl ------------------------------------------------------------------------


def openpyxl_read(path: Path) -> int:
    frames = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    return sum(len(f) for f in frames.values())


# Report ---------------------------------------------------------------------------------------


def _row(what: str, b: Best, base: Best) -> str:
    return (
        f"{what:<34}{b.wall:>8.3f}{b.wall / base.wall:>8.2f}×{b.cpu:>9.3f}{b.cpu / base.cpu:>8.2f}×   best of {b.runs}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("file", nargs="?", type=Path, default=make_ministry.DEFAULT_OUT)
    ap.add_argument("--runs", type=int, default=3, help="runs of calamine and of the import (best is kept)")
    ap.add_argument("--openpyxl-runs", type=int, default=1, help="runs of pandas/openpyxl; 0 skips it")
    ap.add_argument("--breakdown-runs", type=int, default=1, help="runs of the stage breakdown; 0 skips it")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is not met")
    args = ap.parse_args(argv)
    path: Path = args.file
    if not path.exists():
        print(f"{path} missing: generating it")
        make_ministry.write(path)
    print(f"file: {path} ({path.stat().st_size / 2**20:.1f} MiB)")

    calamine, imported, checkpointed, openpyxl = Best(), Best(), Best(), Best()
    rows: dict[str, int] = {}
    plan: ImportPlan | None = None
    stages: dict[str, float] = {}
    per_sheet: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="pmo-bench-") as d:
        tmp = Path(d)
        for _ in range(max(1, args.runs)):  # alternate, so both see the same machine load
            wall, cpu, rows = timed(lambda: calamine_read(path))
            calamine.add(wall, cpu)
            wall, cpu, checkpoint, checkpoint_cpu, plan = full_import(path, tmp)
            imported.add(wall, cpu)
            checkpointed.add(wall + checkpoint, cpu + checkpoint_cpu)
        for _ in range(args.openpyxl_runs):
            wall, cpu, _n = timed(lambda: openpyxl_read(path))
            openpyxl.add(wall, cpu)
        for _ in range(args.breakdown_runs):
            s, p = breakdown(path, tmp)
            stages = {k: min(v, stages.get(k, v)) for k, v in s.items()}
            per_sheet = {k: min(v, per_sheet.get(k, v)) for k, v in p.items()}
    assert plan is not None
    inserted = sum(diff.counts.inserted for diff in plan.diffs.values())
    print(f"calamine: {len(rows)} sheets, {sum(rows.values()):,} rows (headers included)")
    print(f"import: plan.ok={plan.ok}, issues={len(plan.issues)}, rows inserted={inserted:,}")

    print()
    print(f"{'':<34}{'wall s':>8}{'ratio':>9}{'CPU s':>9}{'ratio':>9}")
    print(_row("(a) calamine, every sheet", calamine, calamine))
    print(_row("(b) import_files -> fresh DuckDB", imported, calamine))
    print(_row("    the same + DuckDB's checkpoint", checkpointed, calamine))
    if openpyxl.runs:
        print(_row("(c) pandas.read_excel (openpyxl)", openpyxl, calamine))
    ratio = imported.wall / calamine.wall
    verdict = "MET" if ratio <= TARGET else "NOT MET"
    print()
    print(
        f"import / calamine   = {ratio:.2f} wall, {imported.cpu / calamine.cpu:.2f} CPU"
        f"  (target ≤ {TARGET}: {verdict}; budget {TARGET * calamine.wall:.3f} s wall)"
    )
    with_checkpoint = f"{checkpointed.wall / calamine.wall:.2f} wall, {checkpointed.cpu / calamine.cpu:.2f} CPU"
    print(f"  with the checkpoint = {with_checkpoint}  (DuckDB does it later, not during the import)")
    if openpyxl.runs:
        print(f"openpyxl / calamine = {openpyxl.wall / calamine.wall:.2f} wall, {openpyxl.cpu / calamine.cpu:.2f} CPU")

    if stages:
        total = sum(stages.values())
        print()
        print(f"import stages, wall (best of {args.breakdown_runs} per stage; sum {total:.3f} s)")
        for key, what in STAGES:
            took = stages[key]
            print(f"  {key:<12}{took:>8.3f} s {100 * took / total:>5.1f} %  {took / calamine.wall:>5.2f}× cal  {what}")
        per_cal = calamine_per_sheet(path, max(1, args.breakdown_runs))
        print()
        print(f"  {'sheet':<20}{'rows':>8}{'calamine s':>12}{'parse s':>10}{'parse/cal':>11}")
        for name, parse_s in per_sheet.items():
            cal = per_cal.get(name, float("nan"))
            print(f"  {name:<20}{rows.get(name, 0):>8,}{cal:>12.3f}{parse_s:>10.3f}{parse_s / cal:>11.1f}")
    return 1 if args.strict and ratio > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
