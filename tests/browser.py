"""The dashboard in a real browser: a Streamlit server on a free loopback port with a store of its
own, Debian's Chromium driven by Playwright, and the waits a page needs before it is read."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
AS_OF = "2026-09-30"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it as root)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@contextmanager
def streamlit_server(
    db: Path | str,
    log_dir: Path,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    port: int | None = None,
) -> Iterator[str]:
    """``streamlit run app.py`` on loopback with ``db`` as its store (a file or a PostgreSQL
    URL); yields its URL."""
    port = port or free_port()
    log = (log_dir / f"streamlit-{port}.log").open("w")
    # started as make run starts it (ui.serve: streamlit run app.py, with its work begun before the first visit)
    command = [sys.executable, "-m", "ui.serve", "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none", "--global.developmentMode", "false", *args]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PMO_DB": str(db), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while not healthy(url):
            if proc.poll() is not None or time.time() > deadline:
                log.flush()
                pytest.fail(f"Streamlit did not start: {(log_dir / f'streamlit-{port}.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium(viewport: tuple[int, int] = (1600, 1000), locale: str = "kk-KZ") -> Iterator[Any]:
    """A browser page (Playwright's sync API over Debian's Chromium)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True, locale=locale
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def settle(pg: Any, quiet: float = 1.2) -> None:
    """Wait until the app has finished running (no 'running' indicator for ``quiet`` seconds)."""
    pg.wait_for_selector("[data-testid='stApp']")
    calm_since, deadline = None, time.time() + 90
    while time.time() < deadline:
        running = pg.locator("[data-testid='stStatusWidget']").count()
        if running:
            calm_since = None
        elif calm_since is None:
            calm_since = time.time()
        elif time.time() - calm_since >= quiet:
            return
        time.sleep(0.2)
    raise AssertionError("the app kept running")


def open_page(pg: Any, server: str, path: str, **params: str) -> None:
    """Open a page and wait until its script has run (its title is there) and gone quiet."""
    query = "&".join(f"{k}={v}" for k, v in {"as_of": AS_OF, **params}.items())
    pg.goto(f"{server}/{path}?{query}")
    pg.locator("h1").first.wait_for()
    settle(pg)


def error_boxes(pg: Any) -> list[str]:
    loc = pg.locator("[data-testid='stException'], [data-testid='stAlertContentError']")
    return [loc.nth(i).inner_text()[:200] for i in range(loc.count())]


def shoot(pg: Any, name: str, width: int = 1600) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the window is made tall."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = pg.viewport_size
    pg.set_viewport_size({"width": width, "height": 3000})
    settle(pg, quiet=0.8)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    pg.set_viewport_size(size)


def text_widths(pg: Any, texts: list[str], font: str = '400 14px "Source Sans"') -> list[float]:
    """How wide each text is drawn in ``font`` (pixels), measured by the browser with Streamlit's
    own Source Sans (the font the table grid draws its headers in)."""
    media = Path(sys.modules["streamlit"].__file__ or "").parent / "static" / "static" / "media"
    woff = next(media.glob("SourceSansVF-Upright*.woff2"))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "fonts.html"
        page.write_text(
            f"<style>@font-face {{font-family: 'Source Sans'; src: url('{woff.as_uri()}') format('woff2');"
            " font-weight: 100 900;}</style><body style=\"font-family: 'Source Sans'\">x</body>"
        )
        pg.goto(page.as_uri())
        loaded = pg.evaluate("f => document.fonts.load(f).then(fs => fs.length)", font)
    assert loaded, "Source Sans did not load"
    widths: list[float] = pg.evaluate(
        "([f, xs]) => { const c = document.createElement('canvas').getContext('2d'); c.font = f;"
        " return xs.map(x => c.measureText(x).width) }",
        [font, texts],
    )
    return widths


def choose(pg: Any, selectbox: Any, option: str) -> None:
    """Pick ``option`` in a Streamlit selectbox (a combo box: its button opens the list; if the
    first press only focused it, the arrow key opens it)."""
    selectbox.locator("button[aria-haspopup=listbox]").click()
    wanted = pg.get_by_role("option", name=option)
    try:
        wanted.wait_for(timeout=3000)
    except Exception:
        selectbox.locator("input[role=combobox]").press("ArrowDown")
        wanted.wait_for(timeout=10_000)
    wanted.click()
    settle(pg)


def wait_cards(pg: Any, count: int = 7) -> None:
    """Wait until the Overview's headline cards are all drawn (a slow machine settles the page
    before its first HTML block arrives)."""
    pg.wait_for_function(f"document.querySelectorAll('[data-testid=pmo-card] .v').length >= {count}", timeout=20_000)
