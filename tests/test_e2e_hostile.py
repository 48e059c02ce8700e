"""Data is text, in a real browser: the demo portfolio with markup in every text field (script in
an iframe, an image with onerror, a style sheet, Markdown links and headings, Streamlit's colour
and math directives, Plotly's anchors) is opened on every page and in the presenter view, and no
element, style, link or request that the markup would have made exists. The page talks to no
server but the dashboard's own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from i18n import t
from tests.browser import chromium, error_boxes, needs_chromium, open_page, settle, shoot, streamlit_server
from tests.hostile import hostile_demo_store

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]

PAGES: tuple[str, ...] = (
    "",
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
    "audit",
)

#: what the hostile texts would have made, had they been taken as markup
PROBE = """() => {
  const all = (selector) => [...document.querySelectorAll(selector)];
  const text = (e) => (e.textContent || '');
  const href = (a) => a.getAttribute('href') || a.getAttribute('xlink:href') || '';
  const attr = (e, name) => e.getAttribute(name) || '';
  // the dashboard's own link to a passport: same site, the passport page, only the view's
  // parameters (a hostile project id rides in ``pid`` URL-encoded, as data)
  const ours = (a) => {
    const u = new URL(href(a), location.href);
    const known = ['pid', 'lang', 'as_of', 'program', 'curator', 'project', 'ind'];
    return u.origin === location.origin && u.pathname.endsWith('/passport')
      && [...u.searchParams.keys()].every(k => known.includes(k));
  };
  return {
    injected: all('[id^="pwn"]').map(e => e.tagName + '#' + e.id),
    script_links: all('a').filter(a => /^\\s*javascript:/i.test(href(a))).length,
    pwn_links: all('a').filter(a => href(a).includes('pwn') && !href(a).startsWith('#') && !ours(a)).map(href),
    pwn_images: all('img').filter(i => attr(i, 'src').includes('pwn')).length,
    pwn_styles: all('style').filter(s => text(s).includes('#f00')).length,
    headings: all('h1,h2,h3,h4,h5,h6').filter(h => /PWN heading/.test(text(h)) && !/# PWN/.test(text(h))).length,
    iframes: all('iframe').filter(f => attr(f, 'srcdoc').includes('pwned')).length,
    coloured: all('[style*="color"]').filter(e => text(e).trim().startsWith('pwn-colour')).length,
    maths: all('.katex').filter(e => text(e).includes('pwn')).length,
    bold: all('b,strong').filter(e => text(e) === 'pwn').length,
    pwned: window.__pwned || (window.parent && window.parent.__pwned) || null,
    shown: document.body.innerText.includes('pwn'),
  };
}"""
CLEAN = {
    "injected": [],
    "script_links": 0,
    "pwn_links": [],
    "pwn_images": 0,
    "pwn_styles": 0,
    "headings": 0,
    "iframes": 0,
    "coloured": 0,
    "maths": 0,
    "bold": 0,
    "pwned": None,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = hostile_demo_store(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")
    with streamlit_server(db, tmp_path_factory.mktemp("hostile-log"), env={"PMO_AUTH": "open"}) as url:
        yield url


def probe(pg: Any) -> dict[str, Any]:
    found: dict[str, Any] = pg.evaluate(PROBE)
    return found


def test_no_markup_from_the_data_on_any_page(server: str) -> None:
    requests: list[str] = []
    with chromium() as pg:
        pg.on("request", lambda r: requests.append(r.url))
        as_text: dict[str, bool] = {}
        for path in PAGES:
            params = {"lang": "kk"}
            if path == "passport":
                params["pid"] = quote("P06<b id=pwn-b>pwn</b>", safe="")
            open_page(pg, server, path, **params)
            assert error_boxes(pg) == [], path
            if path in ("passport", "meeting"):  # tables draw their cells after the page is quiet
                pg.wait_for_function("document.body.innerText.includes('pwn')", timeout=20_000)
            found = probe(pg)
            as_text[path] = found.pop("shown")
            assert found == CLEAN, (path, found)
            shoot(pg, f"hostile_{path or 'overview'}")
        assert as_text["passport"] and as_text["meeting"]  # the hostile texts are on the pages, as text
        open_page(pg, server, "passport", lang="kk", pid=quote("P06<b id=pwn-b>pwn</b>", safe=""))
        assert "P06<b id=pwn-b>pwn</b>" in pg.locator("h2").first.inner_text()

        # the quarterly meeting's presentation, team by team
        open_page(pg, server, "meeting", lang="ru")
        pg.get_by_role("button", name=t("meeting_page.present", "ru")).click()
        settle(pg)
        for _ in range(3):
            found = probe(pg)
            found.pop("shown")
            assert found == CLEAN, ("presentation", found)
            pg.get_by_role("button", name=t("meeting_page.next", "ru")).click()
            settle(pg)
        shoot(pg, "hostile_presentation")
    foreign = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
    assert foreign == []  # no font server, no image from the data: nothing but the dashboard itself
