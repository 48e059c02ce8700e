"""Cold and warm rerun time of every dashboard page on the ministry-scale portfolio (AppTest).

    python -m bench.bench_pages [FILE] [--runs N] [--as-of YYYY-MM-DD]

The workbook (``bench.make_ministry``) is imported into a temporary store; then, per page: the
cold run (Streamlit's caches cleared: the metrics are computed) and the best of N warm reruns (what
a user waits for after clicking a widget). Target: warm ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.logger import set_log_level
from streamlit.testing.v1 import AppTest

from bench import make_ministry
from loaders import store
from loaders.access import open_demo
from loaders.importer import import_files

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    "overview",
    "digest",
    "kpi",
    "risks",
    "overdue",
    "roadmaps",
    "passport",
    "meeting_load",
    "budget",
    "meeting",
    "upload",
    "settings",
)
TARGET_MS = 150


def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file", nargs="?", type=Path, default=make_ministry.DEFAULT_OUT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--as-of", default="2026-09-30")
    ap.add_argument("--page", action="append", choices=PAGES, help="only these pages (repeatable)")
    args = ap.parse_args(argv)
    set_log_level("error")  # bare-mode cache warnings would bury the figures
    for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
        logging.getLogger(name).disabled = True
    if not args.file.exists():
        make_ministry.main([str(args.file)])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ministry.duckdb"
        con = store.connect(db)
        plan, batch = import_files(con, [args.file], actor=open_demo("bench"))
        assert batch is not None, [i.message("en") for i in plan.issues[:5]]
        con.close()
        os.environ["PMO_DB"] = str(db)
        os.environ["PMO_AUTH"] = "open"  # the pages themselves, not the sign-in form in front of them
        os.environ["PMO_WARM"] = "0"  # cold is cold: no start-up warming here
        print(f"{args.file.name} imported; as of {args.as_of}; warm = best of {args.runs} reruns\n")
        print(f"{'page':<14}{'cold ms':>10}{'warm ms':>10}   target ≤ {TARGET_MS} ms")
        for page in args.page or PAGES:
            st.cache_resource.clear()
            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            at.query_params["as_of"] = args.as_of
            at.query_params["lang"] = "kk"
            at.switch_page(f"pages/{page}.py")
            t = time.perf_counter()
            at.run()
            cold = (time.perf_counter() - t) * 1000
            problems = [str(e.value)[:80] for e in at.exception]
            if any(box.key == "auth_login" for box in at.text_input):
                problems.append("the sign-in form, not the page, was timed")
            warm = float("inf")
            for _ in range(args.runs):
                t = time.perf_counter()
                at.run()
                warm = min(warm, (time.perf_counter() - t) * 1000)
            verdict = "met" if warm <= TARGET_MS else "NOT MET"
            print(f"{page:<14}{cold:>10.0f}{warm:>10.0f}   {verdict}{'  ' + '; '.join(problems) if problems else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
