"""Where the user waits: the dashboard in Chromium on the ministry-scale store.

    python -m bench.bench_browser [FILE] [--as-of YYYY-MM-DD] [--lang en] [--repeat N] [--sessions N]

The workbook (``bench.make_ministry``) goes into a store (kept in ``bench/out/`` and remade when
the workbook or the schema is newer); a Streamlit server starts on a copy of it (loopback) and
Debian's Chromium, driven by Playwright, does what a user does: the first load of the Overview
after the server starts; then, once the server has finished warming its caches, a switch to every
page in the sidebar (the first visit and again), the program filter on the Overview and on the KPI
page, on the meeting page the start of the presentation and the next team, and the first load of a
returning visitor (a new tab: the scripts are in the browser's cache) and of a new one (a new
browser). For every step:

- ``wall``: from the action to the page's last change (the last DOM mutation, once the server has
  finished and the page stayed still for a while): what the user waits for;
- ``server``: the CPU seconds the server's process spent on the step (all its threads, from
  ``/proc``);
- ``browser``: the seconds the page's main thread in Chromium was busy (its tasks: decoding the
  messages, React, Plotly and the grid, style, layout, paint), from DevTools'
  ``Performance.getMetrics``;
- ``kB``: what the server sent over the websocket for the step.

The two parts are measured where they happen. (Timestamps of the websocket frames cannot split a
step: Chromium stamps a frame when its busy main thread gets to it, so a page the browser is
still drawing looks like a slow server.) On this machine both share the same two cores.

Then the floor: the same kinds of step on a two-page app that holds nothing
(``bench/floor_app.py``), on the same machine. Last, the server's resident memory with one
session and with ``--sessions`` sessions open (each has loaded the Overview and the KPI page).
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import make_ministry
from exports.paper import CHROME_ARGS, CHROMIUM
from loaders import store
from loaders.access import open_demo
from loaders.importer import import_files

ROOT: Final = Path(__file__).resolve().parents[1]
STORE: Final = ROOT / "bench" / "out" / "ministry.duckdb"
QUIET: Final = 0.6  # seconds the page stays unchanged after the server finished: the step is over
PAGES: Final = ("digest", "kpi", "risks", "overdue", "roadmaps", "passport", "meeting_load", "budget", "meeting")
TARGETS: Final = {"first load": 1.5, "page switch": 0.5, "filter": 0.3, "next team": 0.3}

# The last change of the page, in performance.now() milliseconds. The presenter's countdown ticks
# every second in a fragment of its own: its changes are not the page's.
WATCH: Final = """
window.__pmoLast = performance.now();
new MutationObserver((records) => {
  for (const r of records) {
    const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    // a canvas's children are never drawn (the grid rewrites its text for screen readers there)
    if (!el || el.closest('canvas')) continue;
    const box = el.closest('[data-testid=stElementContainer]') || el;
    if (el.closest('.pmo-timer') || (box.querySelector && box.querySelector('.pmo-timer'))) continue;
    window.__pmoLast = performance.now();
    return;
  }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


@dataclass(frozen=True)
class Frame:
    at: float  # time.monotonic() seconds (Chromium's timestamps are the same clock on Linux)
    size: int
    kind: str  # the ForwardMsg's type: new_session, delta, script_finished...
    fragment: bool  # part of a fragment's run (the countdown), not of the page's


@dataclass(frozen=True)
class Step:
    name: str
    wall: float
    server: float  # CPU seconds of the server's process
    browser: float  # busy seconds of the page's main thread
    sent: int  # bytes


@dataclass
class Probe:
    """One browser tab with its websocket frames and its last DOM change in view."""

    page: Any
    cdp: Any
    server: Server | None = None
    frames: list[Frame] = field(default_factory=list)
    offset: float = 0.0  # time.monotonic() - performance.now() / 1000 of the current document

    @classmethod
    def open(cls, context: Any, server: Server | None = None) -> Probe:
        page = context.new_page()
        page.set_default_timeout(120_000)
        cdp = context.new_cdp_session(page)
        probe = cls(page, cdp, server)
        cdp.send("Network.enable")
        cdp.send("Performance.enable")
        cdp.on("Network.webSocketFrameReceived", probe._frame)
        return probe

    def busy(self) -> float:
        """Seconds the page's main thread has been busy with tasks so far."""
        metrics = self.cdp.send("Performance.getMetrics")["metrics"]
        return next(float(m["value"]) for m in metrics if m["name"] == "TaskDuration")

    def cpu(self) -> float:
        return self.server.cpu_s() if self.server is not None else 0.0

    def _frame(self, params: dict[str, Any]) -> None:
        response = params["response"]
        raw = base64.b64decode(response["payloadData"]) if response["opcode"] == 2 else b""
        kind, fragment = "", False
        if raw:
            msg = ForwardMsg.FromString(raw)
            kind = msg.WhichOneof("type") or ""
            if kind == "script_finished":
                fragment = msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        self.frames.append(Frame(float(params["timestamp"]), len(raw), kind, fragment))

    def calibrate(self) -> None:
        before = time.monotonic()
        now = float(self.page.evaluate("performance.now()"))
        self.offset = (before + time.monotonic()) / 2 - now / 1000

    def last_change(self) -> float:
        return self.offset + float(self.page.evaluate("window.__pmoLast || 0")) / 1000

    def step(self, name: str, action: Callable[[], None], *, navigates: bool = False) -> Step:
        """Do ``action`` and wait until the server has finished a run of the page and the page has
        stayed unchanged for ``QUIET`` seconds; the times are taken from the frames and the DOM."""
        mark, busy, cpu = len(self.frames), self.busy(), self.cpu()
        start = time.monotonic()
        action()
        if navigates:
            self.calibrate()
        deadline = start + 180
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            frames = self.frames[mark:]
            done = [f for f in frames if f.kind == "script_finished" and not f.fragment]
            if not done:
                continue
            last = max(self.last_change(), done[-1].at)
            if time.monotonic() - last < QUIET or self.page.locator("[data-testid=stStatusWidget]").count():
                continue
            # a navigation starts a new document: its counter starts again from nothing
            browser = self.busy() - (0.0 if navigates else busy)
            step = Step(name, last - start, self.cpu() - cpu, browser, sum(f.size for f in frames))
            print(f"  {name}: {step.wall:.2f} s", file=sys.stderr, flush=True)
            return step
        raise TimeoutError(f"{name}: the page did not settle in 180 s")


# --------------------------------------------------------------------------------------------
# The store and the servers


def ministry_store(workbook: Path) -> Path:
    """The ministry-scale store, imported once and kept while it is newer than the workbook and of
    the current schema."""
    if not workbook.exists():
        make_ministry.main([str(workbook)])
    if STORE.exists() and STORE.stat().st_mtime > workbook.stat().st_mtime:
        with store.session(STORE, read_only=True) as con:
            if store.schema_version(con) == store.SCHEMA_VERSION:
                return STORE
        STORE.unlink()
    STORE.unlink(missing_ok=True)
    con = store.connect(STORE)
    try:
        plan, batch = import_files(con, [workbook], actor=open_demo("bench"))
        assert batch is not None, [i.message("en") for i in plan.issues[:5]]
    finally:
        con.close()
    return STORE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_s(self) -> float:
        """The server's CPU time so far (user and system, all threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_quiet(self, idle: float = 2.0, limit: float = 300.0) -> float:
        """Wait until the server has used almost no CPU for ``idle`` seconds (the start-up's
        warming of the caches is over); returns the seconds waited."""
        start = last_busy = time.monotonic()
        before = self.cpu_s()
        while time.monotonic() - last_busy < idle and time.monotonic() - start < limit:
            time.sleep(0.25)
            now = self.cpu_s()
            if now - before > 0.05:
                last_busy = time.monotonic()
            before = now
        return last_busy - start


@contextmanager
def server(script: str, env: dict[str, str], log: Path, profile: Path | None = None) -> Iterator[Server]:
    """``streamlit run script`` on a free loopback port; with ``profile``, under py-spy, which
    writes the server's sampled stacks there (collapsed, for a flame graph)."""
    port = free_port()
    spy = [os.environ.get("PY_SPY", "py-spy"), "record", "--format", "raw", "-o", str(profile), "--"] if profile else []
    # the dashboard starts as ``make run`` starts it (``ui.serve``); anything else with streamlit run
    start = ["-m", "ui.serve"] if script == "app.py" else ["-m", "streamlit", "run", script]
    command = [*spy, sys.executable, *start, "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none", "--global.developmentMode", "false"]
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while not _healthy(url):
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"Streamlit did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            yield Server(url, proc.pid)
        finally:
            proc.send_signal(signal.SIGINT) if profile else proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROME_ARGS))
        try:
            yield b
        finally:
            b.close()


def new_context(b: Any, lang: str) -> Any:
    context = b.new_context(
        viewport={"width": 1600, "height": 1000}, locale={"kk": "kk-KZ", "ru": "ru-RU"}.get(lang, "en-US")
    )
    context.add_init_script(WATCH)
    return context


# --------------------------------------------------------------------------------------------
# The user's steps


def _nav(p: Probe, path: str) -> Callable[[], None]:
    """A click on the sidebar's link to ``path`` (the default page, the Overview, is the root)."""
    href = "/" if path == "overview" else f"/{path}"
    return lambda: p.page.locator(f"[data-testid=stSidebarNav] a[href$='{href}']").last.click()


def _open_box(p: Probe, label: str) -> None:
    """Open the sidebar's select box ``label`` (its button opens the list; if the first press only
    focused it, the arrow key does)."""
    box = p.page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(
        has=p.page.get_by_text(label, exact=True)
    )
    box.locator("button[aria-haspopup=listbox]").first.click()
    try:
        p.page.get_by_role("option").first.wait_for(timeout=3000)
    except Exception:
        box.locator("input[role=combobox]").first.press("ArrowDown")
        p.page.get_by_role("option").first.wait_for(timeout=10_000)


def _pick(p: Probe, label: str, option: str) -> Callable[[], None]:
    """Open the select box ``label`` (not timed); the returned action picks ``option``."""
    _open_box(p, label)
    wanted = p.page.get_by_role("option", name=option, exact=True)
    return lambda: wanted.click()


def _options(p: Probe, label: str) -> list[str]:
    _open_box(p, label)
    names = [str(x) for x in p.page.get_by_role("option").all_inner_texts()]
    p.page.keyboard.press("Escape")
    p.page.wait_for_timeout(300)
    return names


def _query(args: argparse.Namespace) -> str:
    return f"?lang={args.lang}" + (f"&as_of={args.as_of}" if args.as_of else "")


def dashboard_steps(b: Any, srv: Server, args: argparse.Namespace) -> list[Step]:
    context = new_context(b, args.lang)
    p = Probe.open(context, srv)
    query = _query(args)
    steps = [p.step("first load · server just up", partial(p.page.goto, srv.url + "/" + query), navigates=True)]
    # what follows is a server in its daily state: the start-up's warming of the caches is over
    print(f"  the server was busy {srv.wait_quiet():.1f} s more after the first load (warming its caches)")
    for path in PAGES:
        steps.append(p.step(f"page switch · {path}", _nav(p, path)))
    for path in ("overview", *PAGES):
        steps.append(p.step(f"page switch again · {path}", _nav(p, path)))
    label = {"kk": "Бағдарлама", "ru": "Программа"}.get(args.lang, "Program")
    for path in ("overview", "kpi"):
        p.step(f"open {path}", _nav(p, path))
        programs = [o for o in _options(p, label) if o not in ("", "Барлығы", "Все", "All")][: args.repeat]
        for program in programs:
            steps.append(p.step(f"filter · {path}", _pick(p, label, program)))
        everything = {"kk": "Барлығы", "ru": "Все"}.get(args.lang, "All")
        steps.append(p.step(f"filter · {path}", _pick(p, label, everything)))
    p.step("open meeting", _nav(p, "meeting"))
    start = p.page.get_by_role(
        "button", name={"kk": "Көрсетілімді бастау", "ru": "Начать показ"}.get(args.lang, "Start the presentation")
    )
    steps.append(p.step("presentation · start", start.click))
    for _ in range(args.repeat):
        steps.append(p.step("presentation · next team", lambda: p.page.keyboard.press("ArrowRight")))
    p.page.keyboard.press("Escape")
    # a user who comes back: a new tab of the same browser (its cache holds the scripts)
    again = Probe.open(context, srv)
    home = partial(again.page.goto, srv.url + "/" + query)
    steps.append(again.step("first load · returning visitor", home, navigates=True))
    context.close()
    # a user who comes later for the first time: a new browser (nothing cached in it)
    later = new_context(b, args.lang)
    q = Probe.open(later, srv)
    steps.append(q.step("first load · new visitor", partial(q.page.goto, srv.url + "/" + query), navigates=True))
    later.close()
    return steps


def floor_steps(b: Any, srv: Server, args: argparse.Namespace) -> list[Step]:
    context = new_context(b, "en")
    p = Probe.open(context, srv)
    steps = [p.step("first load · new visitor", lambda: p.page.goto(srv.url + "/"), navigates=True)]
    for _ in range(args.repeat):
        steps.append(p.step("page switch · second", _nav(p, "second")))
        steps.append(p.step("page switch · overview", _nav(p, "overview")))
    for option in ("A", "B", "C")[: args.repeat]:
        steps.append(p.step("filter · overview", _pick(p, "Program", option)))
    again = Probe.open(context, srv)
    steps.append(again.step("first load · returning visitor", lambda: again.page.goto(srv.url + "/"), navigates=True))
    context.close()
    return steps


def sessions_rss(b: Any, srv: Server, args: argparse.Namespace) -> list[tuple[int, float]]:
    """The server's RSS with 1, then ``args.sessions`` sessions open (each loaded two pages)."""
    out, contexts = [], []
    query = _query(args)
    for n in range(1, args.sessions + 1):
        context = new_context(b, args.lang)
        p = Probe.open(context)
        p.step("load", partial(p.page.goto, srv.url + "/" + query), navigates=True)
        p.step("kpi", _nav(p, "kpi"))
        contexts.append(context)
        if n in (1, args.sessions):
            time.sleep(1)
            out.append((n, srv.rss_mb()))
    for context in contexts:
        context.close()
    return out


# --------------------------------------------------------------------------------------------
# The table


def _group(name: str) -> str:
    return name.split(" · ")[0]


def report(title: str, steps: list[Step]) -> None:
    print(f"\n{title}")
    print(f"{'step':<34}{'wall s':>8}{'server s':>10}{'browser s':>11}{'kB':>9}   target")
    for s in steps:
        target = TARGETS.get(_group(s.name).replace(" again", "")) or TARGETS.get(_group(s.name).split(" · ")[-1])
        if s.name.endswith("next team"):
            target = TARGETS["next team"]
        mark = "" if target is None else f"≤ {target:.1f}" + ("" if s.wall <= target else "  over")
        print(f"{s.name:<34}{s.wall:>8.2f}{s.server:>10.2f}{s.browser:>11.2f}{s.sent / 1024:>9.0f}   {mark}")


def summary(title: str, steps: list[Step]) -> None:
    groups: dict[str, list[Step]] = {}
    for s in steps:
        key = "next team" if s.name.endswith("next team") else _group(s.name)
        groups.setdefault(key, []).append(s)
    print(f"\n{title}: median (max) of each kind of step")
    for key, group in groups.items():
        walls = [s.wall for s in group]
        print(
            f"  {key:<28}{statistics.median(walls):>6.2f} s ({max(walls):.2f})"
            f"  server {statistics.median(s.server for s in group):.2f} s"
            f"  browser {statistics.median(s.browser for s in group):.2f} s"
            f"  {statistics.median(s.sent for s in group) / 1024:.0f} kB"
        )


def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", type=Path, default=make_ministry.DEFAULT_OUT)
    ap.add_argument("--as-of", help="the as-of date in the link (default: none, so today, as users open it)")
    ap.add_argument("--lang", default="en", choices=("kk", "ru", "en"))
    ap.add_argument("--repeat", type=int, default=3, help="filter changes and next teams per page")
    ap.add_argument("--sessions", type=int, default=10, help="sessions open for the memory figure")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--profile", type=Path, help="run the dashboard's server under py-spy; its stacks go here")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian's chromium is missing (make chromium installs it)")
        return 1
    source = ministry_store(args.file)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ministry.duckdb"
        shutil.copy(source, db)
        env = {"PMO_DB": str(db), "PMO_AUTH": "open"}
        print(f"{args.file.name} in {source.name}; as of {args.as_of or 'today'}; {os.cpu_count()} cores")
        with browser() as b:
            with server("app.py", env, Path(tmp) / "app.log", args.profile) as srv:
                steps = dashboard_steps(b, srv, args)
                rss = sessions_rss(b, srv, args)
            report("The dashboard (ministry store)", steps)
            summary("The dashboard", steps)
            for n, mb in rss:
                print(f"  server RSS with {n:>2} session{'s' if n > 1 else ''}: {mb:.0f} MB")
            if not args.no_floor:
                with server("bench/floor_app.py", {}, Path(tmp) / "floor.log") as srv:
                    floor = floor_steps(b, srv, args)
                report("The floor: a page that holds nothing (bench/floor_app.py)", floor)
                summary("The floor", floor)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
