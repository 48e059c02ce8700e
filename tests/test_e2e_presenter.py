"""The presenter view on a laptop's projector resolution (1280×720) in a real browser: one click
from the agenda, nothing of the app's frame left, nothing wider than the screen, the keyboard
moves between teams and leaves (demo portfolio, the Q3 2026 meeting)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from i18n import LANGS, t
from tests.browser import chromium, error_boxes, needs_chromium, open_page, settle, shoot, streamlit_server

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]

SIZE = (1280, 720)

#: elements of the main area whose box reaches past the window's right edge, and the page's
#: own horizontal scroll
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const main = document.querySelector('[data-testid="stMain"]');
  const wide = [...main.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > width + 1;
  }).map(e => (e.getAttribute('data-testid') || e.tagName) + ':' + (e.textContent || '').trim().slice(0, 30));
  const scroller = main.scrollWidth > main.clientWidth + 1 || document.documentElement.scrollWidth > width + 1;
  return {wide: wide.slice(0, 10), scroller};
}"""


@pytest.fixture(scope="module")
def server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("presenter")
    db = folder / "demo.duckdb"
    shutil.copyfile(demo_store, db)
    with streamlit_server(db, folder) as url:
        yield url


def visible(pg: Any, testid: str) -> bool:
    loc = pg.locator(f"[data-testid='{testid}']")
    return any(loc.nth(i).is_visible() for i in range(loc.count()))


def position(pg: Any) -> str:
    return str(pg.locator(".pmo-pos").first.inner_text()).strip()


@pytest.mark.parametrize("lang", LANGS)
def test_the_presenter_view_fills_the_screen_and_obeys_the_keys(server: str, lang: str) -> None:
    with chromium(SIZE) as pg:
        open_page(pg, server, "meeting", lang=lang, as_of="2026-10-15")
        pg.get_by_role("button", name=t("meeting_page.present", lang)).click()
        pg.locator(".pmo-pos").wait_for()
        settle(pg)
        assert error_boxes(pg) == []
        for frame in ("stSidebar", "stHeader", "stToolbar", "stSidebarCollapsedControl", "stExpandSidebarButton"):
            assert not visible(pg, frame), frame
        assert pg.locator("h1").count() == 0 and not visible(pg, "stMultiSelect")  # no title, no controls
        assert position(pg) == "1/10"
        bar = pg.locator(".st-key-meeting_bar").bounding_box()
        assert bar is not None and bar["y"] < 40  # the bar is at the top of the screen
        for team in (1, 2):
            assert pg.evaluate(OVERFLOW) == {"wide": [], "scroller": False}, (lang, team)
            shoot(pg, f"presenter_{lang}_{team}", width=SIZE[0])
            pg.keyboard.press("ArrowRight")
            pg.wait_for_function(f"() => document.querySelector('.pmo-pos')?.innerText.trim() !== '{team}/10'")
            settle(pg)
        assert position(pg) == "3/10"
        pg.keyboard.press("ArrowLeft")
        pg.wait_for_function("() => document.querySelector('.pmo-pos')?.innerText.trim() === '2/10'")
        pg.keyboard.press("Escape")
        pg.locator("h1").first.wait_for()
        settle(pg)
        assert visible(pg, "stSidebar") and pg.locator(".pmo-pos").count() == 0  # back to the agenda
