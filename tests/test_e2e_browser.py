"""The dashboard in a real browser: Streamlit on 127.0.0.1 with a temporary database, Debian's
Chromium driven by Playwright. Download the template, upload the demo workbook, confirm, see the
Overview numbers, switch to Russian, open a project passport, visit every page without an error
box, and keep a screenshot of every page in test-artifacts/screenshots/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from i18n import t

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
PAGES = ("overview", "kpi", "risks", "overdue", "passport", "meeting_load", "budget", "meeting", "upload", "settings")
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

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it as root)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Streamlit serving app.py on a free local port with an empty temporary store."""
    db = tmp_path_factory.mktemp("e2e") / "e2e.duckdb"
    port = _free_port()
    env = {**os.environ, "PMO_DB": str(db)}
    log = (tmp_path_factory.mktemp("e2e-log") / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--global.developmentMode",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("Streamlit did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True, locale="kk-KZ")
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        yield pg
        context.close()
        browser.close()


def settle(pg: object, quiet: float = 1.2) -> None:
    """Wait until the app has finished running (no 'running' indicator for ``quiet`` seconds)."""
    pg.wait_for_selector("[data-testid='stApp']")  # type: ignore[attr-defined]
    calm_since, deadline = None, time.time() + 90
    while time.time() < deadline:
        running = pg.locator("[data-testid='stStatusWidget']").count()  # type: ignore[attr-defined]
        if running:
            calm_since = None
        elif calm_since is None:
            calm_since = time.time()
        elif time.time() - calm_since >= quiet:
            return
        time.sleep(0.2)
    raise AssertionError("the app kept running")


def error_boxes(pg: object) -> list[str]:
    loc = pg.locator("[data-testid='stException'], [data-testid='stAlertContentError']")  # type: ignore[attr-defined]
    return [loc.nth(i).inner_text()[:200] for i in range(loc.count())]


def shoot(pg: object, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the window is made tall."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.set_viewport_size({"width": 1600, "height": 3000})  # type: ignore[attr-defined]
    settle(pg, quiet=0.8)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # type: ignore[attr-defined]
    pg.set_viewport_size({"width": 1600, "height": 1000})  # type: ignore[attr-defined]


def open_page(pg: object, server: str, path: str, **params: str) -> None:
    """Open a page and wait until its script has run (its title is there) and gone quiet."""
    query = "&".join(f"{k}={v}" for k, v in {"as_of": AS_OF, **params}.items())
    pg.goto(f"{server}/{path}?{query}")  # type: ignore[attr-defined]
    pg.locator("h1").first.wait_for()  # type: ignore[attr-defined]
    settle(pg)


def test_the_coordinator_and_the_curator(page: object, server: str, tmp_path: Path) -> None:
    pg = page
    # Upload page on an empty store: download the template in Kazakh
    open_page(pg, server, "upload", lang="kk")
    assert error_boxes(pg) == []
    with pg.expect_download() as download:  # type: ignore[attr-defined]
        pg.get_by_role("button", name=t("upload.template_button", "kk")).click()  # type: ignore[attr-defined]
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    book = openpyxl.load_workbook(template)
    assert t("table.projects", "kk") in book.sheetnames
    # upload the demo workbook, see the preview, confirm
    pg.locator("input[type='file']").first.set_input_files(str(ROOT / "data" / "demo_portfolio.xlsx"))  # type: ignore[attr-defined]
    settle(pg)
    shoot(pg, "upload_preview")
    assert error_boxes(pg) == []
    pg.get_by_role("button", name=t("upload.confirm", "kk")).click()  # type: ignore[attr-defined]
    done = t("cli.imported", "kk", batch=1, files="demo_portfolio.xlsx")
    pg.locator("[data-testid='stAlertContentSuccess']", has_text=done).wait_for()  # type: ignore[attr-defined]
    settle(pg)
    assert error_boxes(pg) == []

    # Overview numbers as of 2026-09-30
    open_page(pg, server, "", lang="kk")
    metrics = pg.locator("[data-testid='stMetricValue']").all_inner_texts()  # type: ignore[attr-defined]
    assert metrics[:2] == ["69%", "12"]
    assert t("page.overview", "kk") in pg.locator("h1").first.inner_text()  # type: ignore[attr-defined]

    # switch to Russian in the sidebar
    sidebar = pg.locator("[data-testid='stSidebar']")  # type: ignore[attr-defined]
    sidebar.locator("[data-testid='stSelectbox']").first.click()
    pg.get_by_role("option", name="Русский").click()  # type: ignore[attr-defined]
    settle(pg)
    assert t("page.overview", "ru") in pg.locator("h1").first.inner_text()  # type: ignore[attr-defined]
    assert "lang=ru" in pg.url  # type: ignore[attr-defined]

    # open a project passport (the link a curator would share)
    open_page(pg, server, "passport", lang="ru", pid="P06")
    body = pg.locator("[data-testid='stMain']").inner_text()  # type: ignore[attr-defined]
    assert "P06" in body and t("rag.red", "ru") in body
    assert error_boxes(pg) == []

    # every page, in Russian and Kazakh, without an error box; a screenshot of each
    for lang in ("ru", "kk"):
        for name in PAGES:
            open_page(
                pg,
                server,
                "" if name == "overview" else name,
                lang=lang,
                **({"pid": "P06"} if name == "passport" else {}),
            )
            assert error_boxes(pg) == [], (name, lang)
            assert pg.locator("h1").count() >= 1, (name, lang)  # type: ignore[attr-defined]
            shoot(pg, f"{name}_{lang}")
    assert {f"{name}_{lang}" for name in PAGES for lang in ("ru", "kk")} <= {p.stem for p in ARTIFACTS.glob("*.png")}
