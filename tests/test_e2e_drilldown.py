"""Every chart leads somewhere, clicked in a real browser (Streamlit, Debian's Chromium):
a timeline bar opens the project's passport, a KPI bullet the indicator in its passport, a budget
bar the lines behind it, a meeting-load cell and a risk-matrix cell the rows behind them. Links
keep the language and the date."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from i18n import t
from loaders import store
from pmo.cli import load_demo
from tests.browser import chromium, needs_chromium, open_page, settle
from tests.browser import streamlit_server as serve

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("drill") / "demo.duckdb"
    con = store.connect(db)
    load_demo(con)
    con.close()
    with serve(db, tmp_path_factory.mktemp("drill-log"), env={"PMO_AUTH": "open"}) as url:
        yield url


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with chromium(viewport=(1280, 900)) as pg:
        yield pg


def chart(pg: Any, n: int) -> Any:
    found = pg.locator("[data-testid='stPlotlyChart']").nth(n)
    found.scroll_into_view_if_needed()
    found.locator(".main-svg").first.wait_for()
    return found


def click_bar(pg: Any, figure: Any, nth: int) -> str:
    """Click a bar; returns the text of its hover label (what the bar stands for)."""
    bar = figure.locator("g.trace.bars g.point path").nth(nth)
    bar.hover(force=True)
    label = pg.locator("g.hovertext").first
    label.wait_for()
    hover = str(label.text_content())
    bar.click(force=True)
    settle(pg)
    return hover


def query(pg: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(pg.url).query).items()}


def test_a_timeline_bar_opens_the_passport(page: Any, server: str) -> None:
    open_page(page, server, "", lang="ru")
    timeline = chart(page, 0)
    click_bar(page, timeline, 0)
    page.wait_for_url("**/passport?**")
    settle(page)
    q = query(page)
    assert q["lang"] == "ru" and q["as_of"] == "2026-09-30" and q["pid"].startswith("P")
    assert page.locator("h2").first.inner_text().startswith(q["pid"])


def test_a_kpi_bullet_opens_the_indicator_in_the_passport(page: Any, server: str) -> None:
    open_page(page, server, "kpi", lang="kk")
    bullets = chart(page, 1)
    bars = bullets.locator("g.trace.bars g.point path")
    # the grey track behind each bullet is not clickable: find a bar of a status
    for i in range(bars.count() - 1, -1, -1):
        hover = click_bar(page, bullets, i)
        if "/passport" in page.url:
            break
    else:
        raise AssertionError("no bullet opened a passport")
    page.wait_for_url("**/passport?**")
    settle(page)
    q = query(page)
    assert q["lang"] == "kk" and q["ind"].startswith(q["pid"]) and q["ind"] in hover
    info = page.locator("[data-testid='stAlertContentInfo']").first.inner_text()
    assert q["ind"] in info


def test_a_budget_bar_lists_the_lines_behind_it(page: Any, server: str) -> None:
    open_page(page, server, "budget", lang="en")
    hover = click_bar(page, chart(page, 0), 1)  # 2025, the republican budget: planned
    source = t("enum.funding_source.republican_budget", "en")
    assert "2025" in hover and source.split()[0] in hover
    title = t("budget.bar_title", "en", year=2025, source=source)
    assert title in page.locator("[data-testid='stMain']").inner_text()


def test_a_meeting_load_cell_lists_the_rows_behind_it(page: Any, server: str) -> None:
    open_page(page, server, "meeting_load", lang="en")
    heat = chart(page, 0)
    box = heat.locator("g.hm image").first.bounding_box()
    page.mouse.click(box["x"] + 20, box["y"] + 10)  # the first person's first week
    settle(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "the rows behind the cell" in text


def test_a_risk_matrix_cell_lists_its_risks(page: Any, server: str) -> None:
    open_page(page, server, "risks", lang="en")
    matrix = chart(page, 0)
    box = matrix.locator("g.hm image").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)  # probability 3, impact 3
    settle(page)
    values = page.evaluate("() => Array.from(document.querySelectorAll('input')).map(i => i.value)")
    assert values[-2:] == ["3", "3"]
    caption = t("risks.cell_caption", "en", p=3, i=3, score=9, count=5)
    assert caption in page.locator("[data-testid='stMain']").inner_text()
