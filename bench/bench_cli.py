"""How long the ``pmo`` command line takes, as a whole process, on the ministry-scale portfolio.

    python -m bench.bench_cli [FILE] [--runs N] [--as-of YYYY-MM-DD] [--tree DIR] [--no-bytecode-cache]

Each step runs the installed ``pmo`` in its own process (start-up, imports and exit included)
and reports the median wall time of N runs. The ministry workbook (``bench.make_ministry``) is
imported once into a temporary store for ``batches`` and ``report``; every timed import goes into
a copy of an empty store (made once: creating the schema is not part of an import). Targets:

- ``pmo --help`` and ``pmo batches``: ≤ 0.3 s (no pandas-heavy imports they do not need);
- ``pmo report --format json``: ≤ 1.5 s;
- ``pmo import`` of the workbook: ≤ 2 × a process that only reads every sheet with calamine.

Runs of the import and of the bare calamine read alternate, so both see the same machine load.
CPU seconds (user + system, of the process and its children) are shown too: on a shared machine
they move less than wall time. ``--tree DIR`` times ``python -m pmo`` of another copy of the code
instead (say, ``git archive`` of the commit before a change), with the same interpreter.
Python's bytecode cache is used as on any machine (the warm-up runs write it);
``--no-bytecode-cache`` makes every process compile its modules from source, as happens here when
``PYTHONDONTWRITEBYTECODE`` is set and the virtualenv was synced without ``--compile-bytecode``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bench import make_ministry

ROOT: Final = Path(__file__).resolve().parent.parent
PMO: Final = (Path(sys.executable).parent / "pmo").as_posix()
START_TARGET: Final = 0.3
REPORT_TARGET: Final = 1.5
IMPORT_FACTOR: Final = 2.0

CALAMINE_ONLY: Final = """
import sys, python_calamine
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python(skip_empty_area=False)
"""


@dataclass
class Runs:
    """Wall and CPU seconds of every run of one step."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


@dataclass(frozen=True)
class Runner:
    """How the steps start: ``pmo`` installed, or ``python -m pmo`` in another copy of the code;
    and the environment of every process."""

    env: dict[str, str]
    tree: Path | None = None

    def pmo(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pmo", *args] if self.tree else [PMO, *args]

    def timed(self, argv: Sequence[str], runs: Runs, stdout: Path | None = None) -> None:
        """One whole process: wall seconds, and CPU seconds of it and the children it waited for."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with open(stdout or os.devnull, "wb") as sink:
            done = subprocess.run(argv, stdout=sink, stderr=subprocess.PIPE, cwd=self.tree or ROOT, env=self.env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode(errors='replace')}")
        runs.wall.append(wall)
        runs.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def bench_env(bytecode_cache: bool) -> dict[str, str]:
    """English, no ``PMO_DB``; and Python's bytecode cache as on any machine (the warm-up writes
    it), or, with ``bytecode_cache`` False, none at all: every process compiles pandas and the rest
    from source, as here when ``PYTHONDONTWRITEBYTECODE`` is set and the virtualenv was synced
    without ``--compile-bytecode``."""
    env = dict(os.environ, PMO_LANG="en", PMO_USER="bench")
    env.pop("PMO_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not bytecode_cache:
        env |= {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="pmo-no-pyc-")}
    return env


@dataclass(frozen=True)
class Row:
    step: str
    runs: Runs
    target: float | None  # seconds
    target_text: str


def table(rows: Sequence[Row]) -> str:
    head = f"{'step':<38}{'measured s':>11}{'CPU s':>8}  {'target':<28}{'ratio':>6}  met"
    lines = [head, "─" * len(head)]
    for r in rows:
        ratio = f"{r.runs.median / r.target:.2f}" if r.target else "—"
        met = ("yes" if r.runs.median <= r.target else "no") if r.target else "—"
        lines.append(
            f"{r.step:<38}{r.runs.median:>11.3f}{r.runs.median_cpu:>8.3f}  {r.target_text:<28}{ratio:>6}  {met}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("file", nargs="?", type=Path, default=make_ministry.DEFAULT_OUT)
    ap.add_argument("--runs", type=int, default=5, help="runs of each step (the median is kept)")
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 9, 30))
    ap.add_argument("--tree", type=Path, default=None, help="time `python -m pmo` run in this copy of the code")
    ap.add_argument("--no-bytecode-cache", action="store_true", help="every process compiles its modules anew")
    args = ap.parse_args(argv)
    run = Runner(bench_env(not args.no_bytecode_cache), args.tree.resolve() if args.tree else None)
    pmo = run.pmo
    path: Path = args.file.resolve()
    if not path.exists():
        print(f"{path} missing: generating it")
        make_ministry.write(path)
    n = max(1, args.runs)
    load = os.getloadavg()[0]
    print(f"file: {path} ({path.stat().st_size / 2**20:.1f} MiB); {n} runs a step; load average {load:.1f}")
    print(f"pmo: {' '.join(pmo())} in {run.tree or ROOT}; bytecode cache: {'no' if args.no_bytecode_cache else 'yes'}")

    help_, batches, report, calamine, imported = Runs(), Runs(), Runs(), Runs(), Runs()
    with tempfile.TemporaryDirectory(prefix="pmo-bench-cli-") as d:
        tmp = Path(d)
        db = tmp / "ministry.duckdb"
        setup = Runs()
        run.timed(pmo("import", str(path), "--db", str(db)), setup)  # the store, and a warm page cache
        print(f"store made by `pmo import` in {setup.median:.2f} s")
        report_argv = pmo("report", "--format", "json", "--db", str(db), "--as-of", args.as_of.isoformat())
        out = tmp / "report.json"
        run.timed(report_argv, Runs(), out)  # warm-up, and a check that the output is JSON
        size = out.stat().st_size
        json.loads(out.read_bytes())
        for _ in range(n):
            run.timed(pmo("--help"), help_)
            run.timed(pmo("batches", "--db", str(db)), batches)
            run.timed(report_argv, report, out)
        empty = tmp / "empty.duckdb"
        run.timed(pmo("batches", "--db", str(empty)), Runs())  # a store that exists, with no data
        for i in range(n):
            run.timed([sys.executable, "-c", CALAMINE_ONLY, str(path)], calamine)
            target = shutil.copyfile(empty, tmp / f"import-{i}.duckdb")
            run.timed(pmo("import", str(path), "--db", str(target)), imported)

    budget = IMPORT_FACTOR * calamine.median
    rows = [
        Row("pmo --help", help_, START_TARGET, f"≤ {START_TARGET} s"),
        Row("pmo batches", batches, START_TARGET, f"≤ {START_TARGET} s"),
        Row(f"pmo report --format json ({size / 2**20:.1f} MiB)", report, REPORT_TARGET, f"≤ {REPORT_TARGET} s"),
        Row("calamine read, own process", calamine, None, "—"),
        Row("pmo import", imported, budget, f"≤ {IMPORT_FACTOR:g} × calamine = {budget:.3f} s"),
    ]
    print()
    print(table(rows))
    print()
    ratio = imported.median / calamine.median
    print(f"import / calamine = {ratio:.2f} wall, {imported.median_cpu / calamine.median_cpu:.2f} CPU")
    print(f"load average now {os.getloadavg()[0]:.1f} (was {load:.1f}); wall runs:")
    for name, r in (("help", help_), ("batches", batches), ("report", report), ("calamine", calamine)):
        print(f"  {name:<9}" + " ".join(f"{w:.3f}" for w in r.wall))
    print(f"  {'import':<9}" + " ".join(f"{w:.3f}" for w in imported.wall))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
