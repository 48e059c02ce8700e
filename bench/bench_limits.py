"""What reading the largest files the import limits accept costs: time, and the peak memory of the
reader's child process (``loaders.sandbox``), against the default limits (50 MB a file, 500,000
rows a sheet, 2 GB of memory for the reader).

    python -m bench.bench_limits [--rows N]

Files: the ministry workbook (``bench.make_ministry``); a CSV of meetings just under both the
file-size and the row limit; an .xlsx sheet of the same meetings at the row limit. The numbers go
in README ("Limits").
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import xlsxwriter

from bench import make_ministry
from loaders import limits, sandbox
from loaders.importer import read_files
from loaders.reader import Loaded

HEADER = ["meeting_id", "project_id", "type", "date", "duration_min", "attendees", "teams_presented"]
TYPES = ["daily", "sprint_planning", "sprint_review", "monthly_report", "quarterly_report", "other"]


def meetings(n: int, seed: int = 7) -> list[list[object]]:
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    people = [f"{s} {f}" for s in make_ministry.SURNAMES[:20] for f in make_ministry.FIRST_NAMES[:10]]
    return [
        [
            f"MT-{i:07d}",
            f"МКД-{rng.randint(1, make_ministry.N_PROJECTS):04d}",
            rng.choice(TYPES),
            start + dt.timedelta(days=rng.randint(0, 900)),
            rng.choice([15, 30, 60, 90]),
            "; ".join(rng.sample(people, 2)),
            1,
        ]
        for i in range(n)
    ]


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        for r in rows:
            fh.write(",".join(f"{v:%d.%m.%Y}" if isinstance(v, dt.date) else str(v) for v in r) + "\n")
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("meetings")
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    ws.write_row(0, 0, HEADER)
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r):
            if isinstance(v, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(v, dt.time()), date_fmt)
            else:
                ws.write(i, j, v)
    wb.close()
    return path


def measure(path: Path) -> tuple[float, float, int, str]:
    loaded = Loaded(path.name, path.read_bytes())
    sandbox.start()
    best, peak, issues = float("inf"), 0.0, []
    for _ in range(2):
        t0 = time.perf_counter()
        sheets, log = read_files([loaded], bounds=limits.Limits())
        best = min(best, time.perf_counter() - t0)
        peak = max(peak, sandbox.last_peak_kb / 1024)
        issues = [i.code for i in log.finish() if i.level == "error"]
    rows = sum(len(s.frame) for s in sheets)
    return best, peak, rows, ", ".join(sorted(set(issues))) or "accepted"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rows", type=int, default=limits.Limits().rows - 1, help="rows of the largest sheet")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        ministry = here / "ministry.xlsx"
        make_ministry.write(ministry, make_ministry.DEFAULT_SEED)
        rows = meetings(args.rows)
        csv = write_csv(here / "meetings.csv", rows)
        fit = int(len(rows) * 0.995 * limits.Limits().file_mb * limits.MB / csv.stat().st_size)
        if fit < len(rows):  # as many rows as stay under the file-size limit
            csv = write_csv(csv, rows[:fit])
        files = [ministry, csv, write_xlsx(here / "meetings.xlsx", rows)]
        print(f"{'file':<16} {'MB':>6} {'rows read':>10} {'read (s)':>9} {'reader peak RSS (MB)':>21}  result")
        for f in files:
            wall, peak, n, result = measure(f)
            size = f.stat().st_size / limits.MB
            print(f"{f.name:<16} {size:>6.1f} {n:>10,} {wall:>9.2f} {peak:>21.0f}  {result}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
