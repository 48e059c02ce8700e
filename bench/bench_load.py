"""How many people one server, or several behind the proxy, hold: browser sessions ramped up.

    python -m bench.bench_load URL [--server-port PORT]... [--max-sessions 16] [--step 4]
                               [--level-seconds 30] [--seconds 540] [--think 1.0]

``URL`` is a dashboard on this machine: one server (``http://127.0.0.1:8601``) or the proxy of
``deploy/run-local.sh`` (``http://127.0.0.1:8600`` with ``--server-port 8601 --server-port 8602
--server-port 8603``). Debian's Chromium, driven by Playwright, opens N sessions (a browser
context each, at most ``--per-browser`` in one browser process); each opens the Overview, then in
a loop changes the program filter in the sidebar and moves to the next page (Overview, KPI, risks,
overdue items, budget), pausing ``--think`` seconds after each step. N goes 1, 2, 4, 8, then up by
``--step`` to ``--max-sessions``; the sessions of a level stay open into the next one. A level is
measured for ``--level-seconds`` once its new sessions have drawn their first page (up to twice as
long while it has fewer than ``--min-samples`` filter changes). The filter cycles through its first
``--options`` choices (all, then programs); before the first level one unmeasured session per server
goes through every page with each of them, so the servers' caches are warm (``--no-warm``: not).

A step's time runs from the click (the browser's own timestamp of the event) to the page being
idle: the app's script state (``data-test-script-state`` of ``stApp``, what the status widget
shows) gone from running back to not running, and no change of the page for 0.3 s after that.

Per level: the median and p90 of the filter changes and of the page switches, the steps that
failed (no idle page within ``--step-timeout``), the resident memory of each server process
(``VmRSS``), where the machine's CPU went (the servers with their child processes, this process
with its browsers, everything else) in percent of one core, and the CPU seconds per step of the
servers and of the browsers. Then the largest N whose filter changes stayed under 1 s at p90, at
that level and every level below it.

Bounded: at most ``--max-sessions`` sessions (64 at most), and no new level starts once
``--seconds`` would be passed. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from exports.paper import CHROME_ARGS, CHROMIUM

LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
PAGES: Final = ("", "kpi", "risks", "overdue", "budget")  # "" is the Overview
HARD_MAX_SESSIONS: Final = 64
TARGET: Final = 1.0  # seconds, p90 of a filter change
QUIET_MS: Final = 300
CLK_TCK: Final = os.sysconf("SC_CLK_TCK")

# What the page did, in the browser's clock (performance.now() milliseconds): the script state's
# changes, the last change of the page, the last click (the event's own timestamp).
WATCH: Final = """
window.__pmo = {states: [], last: 0, click: 0};
document.addEventListener('click', (e) => { window.__pmo.click = e.timeStamp; }, true);
new MutationObserver((records) => {
  const now = performance.now();
  for (const r of records) {
    if (r.type === 'attributes' && r.attributeName === 'data-test-script-state')
      window.__pmo.states.push([now, r.target.getAttribute('data-test-script-state')]);
  }
  window.__pmo.last = now;
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""

# The step that began at ``mark`` is over: a run started and finished after it, the app is not
# running now, and the page has not changed for QUIET_MS (or 5 s have passed since the run ended:
# something that never stops moving is not the page's work). Returns the step's times.
DONE: Final = f"""
([mark]) => {{
  const p = window.__pmo;
  if (!p) return false;
  const s = p.states.filter((e) => e[0] >= mark);
  const ran = s.findIndex((e) => e[1] === 'running');
  if (ran < 0) return false;
  const fin = s.slice(ran + 1).find((e) => e[1] === 'notRunning');
  const app = document.querySelector('[data-testid=stApp]');
  if (!fin || !app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const now = performance.now();
  if (now - p.last < {QUIET_MS} && now - fin[0] < 5000) return false;
  const start = p.click >= mark ? p.click : mark;
  return {{script: fin[0] - start, idle: Math.max(fin[0], Math.min(p.last, fin[0] + 5000)) - start}};
}}
"""


@dataclass(frozen=True)
class Step:
    kind: str  # first, filter, page
    session: int
    ended: float  # time.monotonic()
    seconds: float  # click to idle page
    script: float  # click to the end of the server's run
    ok: bool


@dataclass
class Run:
    base: str
    query: str
    think: float
    step_timeout: float
    options: int  # the filter's first options used (all, then programs)
    steps: list[Step] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    errors: Counter[str] = field(default_factory=Counter)  # why steps failed: the first line of each error


# --------------------------------------------------------------------------------------------
# One session


class Session:
    def __init__(self, number: int, run: Run, context: BrowserContext) -> None:
        self.number = number
        self.run = run
        self.context = context
        self.ready = asyncio.Event()
        self.page_at = 0  # index into PAGES
        self.option_at = 0  # the filter's chosen option (0: all)
        self.task: asyncio.Task[None] | None = None

    async def main(self) -> None:
        page = await self.context.new_page()
        page.set_default_timeout(self.run.step_timeout * 1000)
        await page.add_init_script(WATCH)
        try:
            await self._open(page)
        finally:
            self.ready.set()  # a session that could not open still lets the level begin
        while not self.run.stop.is_set():
            await asyncio.sleep(self.run.think)
            await self._step(page, "filter", self._filter)
            await asyncio.sleep(self.run.think)
            await self._step(page, "page", self._next_page)

    async def _open(self, page: Page) -> None:
        t = time.monotonic()
        try:
            await page.goto(f"{self.run.base}/?{self.run.query}")
            await self._idle(page, 0.0)
            self._record("first", time.monotonic() - t, 0.0, True)
        except Exception:
            self._record("first", time.monotonic() - t, 0.0, False)

    async def warm(self) -> None:
        """Every option of the filter on every page once, unmeasured: the server's caches hold
        what the measured sessions will ask for (as they do after a few minutes of use)."""
        page = await self.context.new_page()
        page.set_default_timeout(self.run.step_timeout * 1000)
        await page.add_init_script(WATCH)
        await page.goto(f"{self.run.base}/?{self.run.query}")
        await self._idle(page, 0.0)
        for _ in PAGES:
            for _ in range(self.run.options):
                await self._idle(page, await self._filter(page))
            await self._idle(page, await self._next_page(page))

    async def _step(self, page: Page, kind: str, action: Any) -> None:
        try:
            mark = await action(page)
            seconds, script = await self._times(page, mark)
            self._record(kind, seconds, script, True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._record(kind, self.run.step_timeout, 0.0, False)
            self.run.errors[f"{kind}: {str(exc).splitlines()[0][:100]}"] += 1
            if not self.run.stop.is_set():  # start again from the Overview
                self.page_at = 0
                try:
                    await page.goto(f"{self.run.base}/?{self.run.query}")
                    await self._idle(page, 0.0)
                except Exception:
                    await asyncio.sleep(1.0)

    async def _filter(self, page: Page) -> float:
        """Open the program filter and pick the next option; the browser time just before the click."""
        box = page.locator("[data-testid=stSidebar] [class*='st-key-pmo_program']")
        options = page.locator("[role=listbox] [role=option]")  # CSS: no accessibility tree of the page
        await box.locator("input[role=combobox]").press("ArrowDown")  # opens the list
        try:
            await options.first.wait_for(timeout=3000)
        except Exception:
            await box.locator("button[aria-haspopup=listbox]").click()
            await options.first.wait_for()
        count = min(await options.count(), self.run.options)
        wanted = (self.option_at + 1 + self.number) % count
        if wanted == self.option_at:
            wanted = (wanted + 1) % count
        self.option_at = wanted
        mark = float(await page.evaluate("performance.now()"))
        await options.nth(wanted).click()
        return mark

    async def _next_page(self, page: Page) -> float:
        self.page_at = (self.page_at + 1) % len(PAGES)
        link = page.locator(f"[data-testid=stSidebarNav] a[href='{self.run.base}/{PAGES[self.page_at]}']")
        mark = float(await page.evaluate("performance.now()"))
        await link.click()
        return mark

    async def _times(self, page: Page, mark: float) -> tuple[float, float]:
        """Seconds from the click to the idle page, and to the end of the server's run."""
        done = await page.wait_for_function(DONE, arg=[mark], polling=100)
        times = await done.json_value()
        return float(times["idle"]) / 1000, float(times["script"]) / 1000

    async def _idle(self, page: Page, mark: float) -> None:
        await self._times(page, mark)

    def _record(self, kind: str, seconds: float, script: float, ok: bool) -> None:
        self.run.steps.append(Step(kind, self.number, time.monotonic(), seconds, script, ok))


# --------------------------------------------------------------------------------------------
# Processes: the servers found by their ports, memory and CPU time from /proc


def listening_pid(port: int) -> int | None:
    """The process holding a listening TCP socket on ``port`` (root, or the same user, to see it)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(cols[9])
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(proc.name)
        except OSError:
            continue
    return None


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def _stat(pid: str) -> tuple[int, int] | None:
    """(parent pid, CPU ticks) of a process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


@dataclass(frozen=True)
class CpuSample:
    at: float
    machine_busy: int  # ticks of every core
    servers: int  # ticks of the server processes and their children
    client: int  # this process, its Playwright driver and its browsers


def _tree_ticks(roots: set[int], table: dict[int, tuple[int, int]]) -> int:
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, todo, seen = 0, list(roots), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total


def cpu_sample(servers: list[int]) -> CpuSample:
    table: dict[int, tuple[int, int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and (st := _stat(proc.name)) is not None:
            table[int(proc.name)] = st
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for v in cpu[:8]) - int(cpu[3]) - int(cpu[4])  # less idle and iowait
    return CpuSample(time.monotonic(), busy, _tree_ticks(set(servers), table), _tree_ticks({os.getpid()}, table))


# --------------------------------------------------------------------------------------------
# The ramp


@dataclass(frozen=True)
class Level:
    sessions: int
    filters: list[float]
    scripts: list[float]  # the filter changes' server part: click to the end of the run
    pages: list[float]
    failed: int
    rss: list[float]
    cpu_servers: float  # percent of one core
    cpu_client: float
    cpu_other: float
    cpu_per_step: float  # the servers' CPU seconds per step done (filter change or page switch)
    client_per_step: float  # the same for the browsers
    placement: str  # sessions per server, from the proxy's cookie


def p90(values: list[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def levels(max_sessions: int, step: int) -> list[int]:
    out = [n for n in (1, 2, 4, 8) if n <= max_sessions]
    n = 8 + step
    while n <= max_sessions:
        out.append(n)
        n += step
    if out[-1] != max_sessions:
        out.append(max_sessions)
    return out


def _run(args: argparse.Namespace, url: str) -> Run:
    split = urlsplit(url)
    query = f"as_of={args.as_of}&lang={args.lang}"
    return Run(f"{split.scheme}://{split.netloc}", query, args.think, args.step_timeout, args.options)


async def _placement(contexts: list[BrowserContext]) -> str:
    """How many sessions each server holds, by the proxy's SRV cookie (empty without a proxy)."""
    counts: dict[str, int] = {}
    for context in contexts:
        name = next((c.get("value", "") for c in await context.cookies() if c.get("name") == "SRV"), "")
        if name:
            counts[name] = counts.get(name, 0) + 1
    return " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))


async def _warm(pw: Playwright, args: argparse.Namespace, urls: list[str]) -> float:
    """One unmeasured session per server through every page and filter option; its seconds."""
    t = time.monotonic()
    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROME_ARGS))
    try:
        contexts = [await browser.new_context(viewport={"width": 1280, "height": 800}) for _ in urls]
        await asyncio.gather(*(Session(0, _run(args, u), c).warm() for u, c in zip(urls, contexts, strict=True)))
    finally:
        await browser.close()
    return time.monotonic() - t


async def ramp(args: argparse.Namespace, servers: list[int], warm_urls: list[str], errors: Counter[str]) -> list[Level]:
    run = _run(args, args.url)
    run.errors = errors
    began = time.monotonic()
    out: list[Level] = []
    sessions: list[Session] = []
    browsers: list[Browser] = []
    pw: Playwright
    async with async_playwright() as pw:
        if warm_urls:
            print(f"(warm-up: {await _warm(pw, args, warm_urls):.0f} s, not measured)", flush=True)
        try:
            for n in levels(args.max_sessions, args.step):
                spent = time.monotonic() - began
                if out and spent + args.level_seconds * 1.5 > args.seconds:
                    print(f"(stopping before {n} sessions: --seconds {args.seconds:.0f} would be passed)", flush=True)
                    break
                while len(sessions) < n:
                    if len(sessions) % args.per_browser == 0:
                        browsers.append(await pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROME_ARGS)))
                    context = await browsers[-1].new_context(viewport={"width": 1280, "height": 800}, locale="kk-KZ")
                    session = Session(len(sessions), run, context)
                    session.task = asyncio.create_task(session.main())
                    sessions.append(session)
                try:
                    await asyncio.wait_for(
                        asyncio.gather(*(s.ready.wait() for s in sessions)), timeout=args.step_timeout * 2
                    )
                except TimeoutError:
                    print(f"(not every session had drawn its first page after {args.step_timeout * 2:.0f} s)")
                before = cpu_sample(servers)
                await asyncio.sleep(args.level_seconds)
                # a level of few sessions gets up to twice the time to gather --min-samples changes
                while time.monotonic() - before.at < 2 * args.level_seconds and (
                    sum(1 for s in run.steps if s.kind == "filter" and s.ended >= before.at) < args.min_samples
                ):
                    await asyncio.sleep(1.0)
                after = cpu_sample(servers)
                placement = await _placement([s.context for s in sessions])
                out.append(_level(n, run.steps, before, after, servers, placement))
                print(_row(out[-1]), flush=True)
                if p90(out[-1].filters) > args.stop_above:
                    print(f"(stopping: p90 above {args.stop_above:.0f} s)", flush=True)
                    break
        finally:
            run.stop.set()
            for s in sessions:
                if s.task is not None:
                    s.task.cancel()
            await asyncio.gather(*(s.task for s in sessions if s.task is not None), return_exceptions=True)
            for b in browsers:
                await b.close()
    return out


def _level(n: int, steps: list[Step], before: CpuSample, after: CpuSample, servers: list[int], placement: str) -> Level:
    window = [s for s in steps if before.at <= s.ended <= after.at]
    filters = [s for s in window if s.kind == "filter" and s.ok]
    ticks = (after.at - before.at) * CLK_TCK / 100  # ticks in one percent of one core
    busy = after.machine_busy - before.machine_busy
    srv = after.servers - before.servers
    cli = after.client - before.client
    done = sum(1 for s in window if s.ok and s.kind != "first")
    return Level(
        sessions=n,
        filters=[s.seconds for s in filters],
        scripts=[s.script for s in filters],
        pages=[s.seconds for s in window if s.kind == "page" and s.ok],
        failed=sum(1 for s in window if not s.ok),
        rss=[rss_mb(pid) for pid in servers],
        cpu_servers=srv / ticks,
        cpu_client=cli / ticks,
        cpu_other=max(0.0, busy - srv - cli) / ticks,
        cpu_per_step=srv / CLK_TCK / done if done else math.nan,
        client_per_step=cli / CLK_TCK / done if done else math.nan,
        placement=placement,
    )


HEADER: Final = (
    f"{'':>8} {'filter change':^31}  {'page switch':^20}\n"
    f"{'sessions':>8} {'n':>5} {'median':>7} {'p90':>6} {'run end':>7}  {'n':>5} {'median':>7} {'p90':>6} "
    f"{'failed':>6}  {'RSS MB per server':<18} {'CPU %: servers':>14} {'browsers':>8} {'other':>5} "
    f"{'s/step':>6} {'browsers':>8}  placement"
)


def _row(level: Level) -> str:
    rss = "/".join(f"{r:.0f}" for r in level.rss)
    return (
        f"{level.sessions:>8} {len(level.filters):>5} {median(level.filters):>7.2f} {p90(level.filters):>6.2f} "
        f"{median(level.scripts):>7.2f}  {len(level.pages):>5} {median(level.pages):>7.2f} {p90(level.pages):>6.2f} "
        f"{level.failed:>6}  {rss:<18} {level.cpu_servers:>14.0f} {level.cpu_client:>8.0f} {level.cpu_other:>5.0f} "
        f"{level.cpu_per_step:>6.2f} {level.client_per_step:>8.2f}  {level.placement}"
    )


def held(out: list[Level]) -> int:
    """The largest N whose filter changes stayed under TARGET at p90, there and at every level below."""
    best = 0
    for level in out:
        if not level.filters or p90(level.filters) >= TARGET or level.failed:
            break
        best = level.sessions
    return best


def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", help="the dashboard or the proxy on this machine, e.g. http://127.0.0.1:8600")
    ap.add_argument("--server-port", type=int, action="append", help="a server's port (default: the URL's)")
    ap.add_argument("--server-pid", type=int, action="append", help="a server's process, instead of its port")
    ap.add_argument("--max-sessions", type=int, default=16)
    ap.add_argument("--step", type=int, default=4, help="sessions added per level after 8")
    ap.add_argument("--level-seconds", type=float, default=30.0, help="how long each level is measured")
    ap.add_argument("--min-samples", type=int, default=10, help="filter changes wanted per level (up to 2x its time)")
    ap.add_argument("--seconds", type=float, default=540.0, help="no new level past this many seconds")
    ap.add_argument("--think", type=float, default=1.0, help="pause after each step of a session")
    ap.add_argument("--options", type=int, default=4, help="the filter's first options used: all, then programs")
    ap.add_argument("--no-warm", action="store_true", help="measure from cold caches (no warm-up pass)")
    ap.add_argument("--per-browser", type=int, default=8, help="sessions (contexts) per browser process")
    ap.add_argument("--step-timeout", type=float, default=60.0)
    ap.add_argument("--stop-above", type=float, default=5.0, help="no further level once p90 passes this")
    ap.add_argument("--as-of", default="2026-09-30")
    ap.add_argument("--lang", default="kk")
    args = ap.parse_args(argv)
    split = urlsplit(args.url)
    if split.scheme != "http" or split.hostname not in LOOPBACK:
        ap.error("the URL must be http:// on this machine's loopback (127.0.0.1, localhost)")
    if not 1 <= args.max_sessions <= HARD_MAX_SESSIONS or min(args.step, args.per_browser) < 1 or args.options < 2:
        ap.error(f"--max-sessions is 1..{HARD_MAX_SESSIONS}; --step and --per-browser at least 1, --options 2")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    servers = list(args.server_pid or [])
    ports = args.server_port or ([] if servers else [split.port or 80])
    for port in ports:
        pid = listening_pid(port)
        if pid is None:
            print(f"nothing listens on port {port} (or its process is not ours to see)", file=sys.stderr)
            return 2
        servers.append(pid)
    warm = [] if args.no_warm else [f"http://{split.hostname}:{p}" for p in ports] or [args.url]
    print(
        f"{args.url}: server processes {', '.join(map(str, servers))}; {os.cpu_count()} cores,"
        f" load {os.getloadavg()[0]:.1f}; think {args.think:.1f} s; the filter cycles through its first"
        f" {args.options} options; {args.level_seconds:.0f} s per level; up to {args.max_sessions} sessions,"
        f" {args.per_browser} per browser"
    )
    print("Times in seconds from the click to the idle page (run end: to the end of the server's run, as the")
    print("page saw it). CPU in % of one core over the level: servers with their children; browsers: Chromium")
    print("and Playwright; other: the rest of the machine (the proxy, and any other work on it); s/step: CPU")
    print("seconds of the servers, and of the browsers, per step done (filter change or page switch).\n")
    print(HEADER, flush=True)
    errors: Counter[str] = Counter()
    out = asyncio.run(ramp(args, servers, warm, errors))
    for error, count in errors.most_common(5):
        print(f"failed {count}x: {error}")
    print(f"\nsessions held with filter change < {TARGET:.0f} s (p90): {held(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
