"""Printing the Overview and the passport from a real browser (Streamlit, Debian's Chromium), on the
demo store as of 30.09.2026: in print media the sidebar, toolbar and controls are gone, the sheets
are all there is and nothing in them runs past an A4 landscape line; on screen they are hidden; the
PDF button gives a PDF and the export is in the audit log."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from i18n import t
from loaders import store
from pmo.cli import load_demo
from tests.browser import chromium, error_boxes, needs_chromium, open_page, streamlit_server, wait_cards

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]

#: an A4 landscape sheet at 96 px an inch is 1123 px wide; its line inside the 10 mm margins, the
#: width the browser lays the page out at when it prints, 1047 px
LINE, HEIGHT = 1047, 794

#: elements of the page that show in print media, and anything whose box or content runs past ``width``
PRINTED = """(width) => {
  const shown = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const main = document.querySelector('[data-testid="stMain"]');
  const paper = document.querySelector('[data-testid="pmo-paper"]');
  const wide = [...paper.querySelectorAll('*')].filter(e => shown(e)
      && (e.getBoundingClientRect().right > width + 0.5 || e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
          && getComputedStyle(e).overflowX !== 'visible'))
    .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40));
  // a cell whose content runs into the next one (a badge, a number, a word too long for it)
  const crowded = [...paper.querySelectorAll('td, th')].filter(c => shown(c) && c.scrollWidth > c.clientWidth + 1)
    .map(c => c.tagName + ': ' + (c.textContent || '').slice(0, 40));
  const others = [...main.querySelectorAll(
      '[data-testid="stElementContainer"], [data-testid="stPlotlyChart"], [data-testid="stDataFrame"], button')]
    .filter(e => !e.closest('.st-key-pmo_paper') && shown(e)).map(e => e.getAttribute('data-testid') || e.tagName);
  return {
    sidebar: [...document.querySelectorAll('[data-testid="stSidebar"]')].some(shown),
    header: [...document.querySelectorAll('[data-testid="stHeader"]')].some(shown),
    paper: shown(paper),
    paper_right: paper.getBoundingClientRect().right,
    wide: wide.slice(0, 5),
    crowded: crowded.slice(0, 5),
    others: others.slice(0, 5),
  };
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("paper") / "demo.duckdb"
    con = store.connect(db)
    load_demo(con)
    con.close()
    return db


@pytest.fixture(scope="module")
def server(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_server(demo, tmp_path_factory.mktemp("paper-log"), env={"PMO_AUTH": "open"}) as url:
        yield url


@pytest.fixture
def sheet() -> Iterator[Any]:
    """A browser window as wide as the line of an A4 landscape sheet."""
    with chromium(viewport=(LINE, HEIGHT), locale="ru-RU") as pg:
        yield pg


def printed(pg: Any) -> dict[str, Any]:
    pg.emulate_media(media="print")
    try:
        found: dict[str, Any] = pg.evaluate(PRINTED, LINE)
    finally:
        pg.emulate_media(media="null")  # back to no emulation: page.pdf prints in print media
    return found


def pdf_text(pg: Any, path: Path) -> str:
    """The page printed by the browser (as Ctrl+P would), read back as text."""
    pg.pdf(path=str(path), format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    assert path.read_bytes().startswith(b"%PDF-")
    if not shutil.which("pdftotext"):
        return ""
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", done.stdout.decode())


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("page", ["", "passport"])
def test_on_paper_only_the_sheets_show_and_nothing_runs_past_the_line(
    sheet: Any, server: str, page: str, lang: str, tmp_path: Path
) -> None:
    open_page(sheet, server, page, lang=lang, pid="P06")
    if not page:
        wait_cards(sheet)
    sheet.locator("[data-testid='pmo-paper']").wait_for(state="attached")
    assert error_boxes(sheet) == []
    assert not sheet.locator("[data-testid='pmo-paper']").is_visible()  # hidden on screen
    assert sheet.locator("[data-testid='stSidebar']").is_visible()

    found = printed(sheet)
    assert not found["sidebar"] and not found["header"]
    assert found["paper"] and found["paper_right"] <= LINE + 0.5
    assert found["wide"] == []  # no table, cell, bar or label wider than the line
    assert found["crowded"] == []  # and no cell's content wider than its cell
    assert found["others"] == []  # no widget, chart, grid or button of the page

    text = pdf_text(sheet, tmp_path / f"{page or 'overview'}.pdf")
    if text:
        assert t("common.as_of_note", lang, date="30.09.2026") in text
        assert t("paper.version", lang, version=1, when="").split(",")[0] in text  # data version on the sheets
        if page == "passport":  # the plan's right side: its last columns, the overdue days, the as-of date
            assert t("passport.days_late", lang) in text and "124" in text and "P06-A07" in text
        else:
            assert "P13" in text and t("overview.timeline", lang) in text


def test_the_pdf_button_gives_the_pdf_and_the_export_is_audited(sheet: Any, server: str, demo: Path) -> None:
    open_page(sheet, server, "passport", lang="en", pid="P06")
    button = sheet.get_by_role("button", name=t("paper.pdf", "en"))
    with sheet.expect_download(timeout=90_000) as caught:
        button.click()
    download = caught.value
    assert download.suggested_filename == "passport_P06_20260930_en.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    con = store.connect(demo, read_only=True)
    try:
        rows = con.execute("SELECT detail FROM audit WHERE action = 'export' AND target = 'pdf'").fetchall()
    finally:
        con.close()
    assert any('"project": "P06"' in r[0] and '"page": "passport"' in r[0] for r in rows)
