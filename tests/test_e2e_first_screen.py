"""The curator's first screen in a real browser (Streamlit, Debian's Chromium), on the demo store.

At 1280×720 and 1440×900, in kk, ru and en: the decision list's first five rows show their RAG,
KPI index and main reason inside the window, ordered as ``metrics.status.decision_list`` orders
them; no card label or value is cut; the decisive columns of the tables are drawn without
scrolling sideways. The demo opens at its own date. No page in kk/ru writes a number with a
decimal point or leaks English words of Streamlit's own; widgets follow a language switch at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from i18n import LANGS, t
from loaders import store
from metrics.report import picture
from metrics.status import decision_list
from pmo.cli import DEMO_AS_OF, load_demo
from tests.browser import choose, chromium, error_boxes, needs_chromium, open_page, settle, wait_cards
from tests.browser import streamlit_server as serve

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]

SIZES = [(1280, 720), (1440, 900)]
PAGES = ("overview", "kpi", "risks", "overdue", "passport", "meeting_load", "budget", "meeting", "upload", "settings")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("first") / "demo.duckdb"
    con = store.connect(db)
    load_demo(con)
    con.close()
    return db


@pytest.fixture(scope="module")
def server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(demo_store, tmp_path_factory.mktemp("first-log"), env={"PMO_AUTH": "open"}) as url:
        yield url


@pytest.fixture(scope="module")
def expected(demo_store: Path) -> list[str]:
    """The projects of the decision list, worst first, as the metrics order them."""
    con = store.connect(demo_store, read_only=True)
    try:
        return list(decision_list(picture(con, DEMO_AS_OF).status)["project_id"])
    finally:
        con.close()


def inside(box: dict[str, float] | None, width: int, height: int) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width + 0.5
        and (box["y"] + box["height"] <= height + 0.5)
    )


#: elements whose text must not be cut: the overview's cards and every st.metric
CUT = """() => Array.from(document.querySelectorAll(
    '.pmo-card .l, .pmo-card .v, [data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] p'))
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => e.textContent)"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_decision_list_answers_on_the_first_screen(
    server: str, expected: list[str], lang: str, size: tuple[int, int]
) -> None:
    width, height = size
    with chromium(viewport=size) as pg:
        open_page(pg, server, "", lang=lang)
        assert error_boxes(pg) == []
        rows = pg.locator("[data-testid='pmo-decision']")
        rows.first.wait_for()
        shown = [rows.nth(i).get_attribute("data-pid") for i in range(rows.count())]
        assert shown == expected[:10]  # worst first: red, amber, green; within a colour by severity
        colours = [rows.nth(i).locator(".pmo-rag").first.get_attribute("class") for i in range(len(shown))]
        rank = [("red", "amber", "green").index(str(c).split("pmo-rag-")[-1]) for c in colours]
        assert rank == sorted(rank) and rank[0] == 0
        for i in range(5):
            row = rows.nth(i)
            for part in (".pmo-rag", "td.k", "td.r"):
                cell = row.locator(part).first
                assert cell.inner_text().strip(), (i, part)
                assert inside(cell.bounding_box(), width, height), (lang, size, i, part, cell.bounding_box())
        cards = pg.locator("[data-testid='pmo-card']")
        assert cards.count() == 7
        for i in range(cards.count()):
            assert inside(cards.nth(i).bounding_box(), width, height)
        assert pg.evaluate(CUT) == []
        # the main reason is words, never a code
        reasons = [rows.nth(i).locator("td.r").inner_text() for i in range(len(shown))]
        assert not any(re.search(r"\b[a-z]+_[a-z_]+\b", r) for r in reasons)


def test_the_first_screen_on_a_phone(server: str, expected: list[str]) -> None:
    """390×844: the decision list comes before the cards, RAG and the main reason readable."""
    with chromium(viewport=(390, 844)) as pg:
        open_page(pg, server, "", lang="ru")
        rows = pg.locator("[data-testid='pmo-decision']")
        rows.first.wait_for()
        first_card = pg.locator("[data-testid='pmo-card']").first.bounding_box()
        assert first_card is not None
        top = rows.first.bounding_box()
        assert top is not None and top["y"] < first_card["y"]  # the list first
        for i in range(3):
            for part in (".pmo-rag", "td.r"):
                box = rows.nth(i).locator(part).first.bounding_box()
                assert inside(box, 390, 844), (i, part, box)
        cards = pg.locator("[data-testid='pmo-card']")
        lefts = {round(cards.nth(i).bounding_box()["x"]) for i in range(cards.count())}
        assert len(lefts) == 2  # two to a row
        assert pg.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert pg.evaluate(CUT) == []


#: every label of the page that Streamlit would cut with an ellipsis: cards, tabs, segmented
#: controls, buttons, widget labels
CUT_ANY = """() => Array.from(document.querySelectorAll(
    '.pmo-card .l, .pmo-card .v, [data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] p,'
    + ' [data-testid="stTab"] p, [data-testid="stButtonGroup"] button p, [data-testid="stWidgetLabel"] p,'
    + ' [data-testid="stBaseButton-secondary"] p, [data-testid="stBaseButton-primary"] p'))
  .filter(e => e.getClientRects().length)
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map(e => e.textContent)"""


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_is_cut_on_any_page(server: str, lang: str) -> None:
    """1280×720: no card, tab, segmented control, button or widget label cut, in any language."""
    with chromium(viewport=(1280, 720)) as pg:
        for page in PAGES:
            open_page(pg, server, "" if page == "overview" else page, lang=lang)
            assert pg.evaluate(CUT_ANY) == [], (page, lang)
            if page == "settings":  # the labels the check reads are there: the eleven tabs
                assert pg.locator("[data-testid='stTab'] p").count() == 11
            if page == "meeting":  # and the meeting's order control
                assert pg.locator("[data-testid='stButtonGroup'] button p").count() == 3


#: page → (a header that finds the table, the headers that must be drawn without scrolling sideways)
DECISIVE: dict[str, tuple[str, tuple[str, ...]]] = {
    "": (
        "overview.main_reason",
        ("col.projects.project_id", "overview.effective", "overview.kpi", "overview.main_reason"),
    ),
    "overdue": ("overdue.item", ("overdue.item", "overdue.days", "overdue.working_days", "overdue.kind")),
    "budget": (
        "budget.financed_planned",
        (
            "col.budget.project_id",
            "budget.financed_planned",
            "budget.financed_spent",
            "budget.absorption_col",
            "budget.unfunded_col",
        ),
    ),
    "meeting_load": ("meeting_load.compliance", ("col.team.person", "meeting_load.compliance", "col.team.project_id")),
    "kpi": (
        "kpi.expected_short",
        (
            "col.indicators.indicator_id",
            "kpi.status",
            "kpi.achievement",
            "kpi.expected_short",
            "kpi.target_short",
            "kpi.latest_short",
        ),
    ),
    "meeting": ("meeting.status", ("meeting.start", "col.projects.project_id", "meeting.status")),
}

#: the headers the grid draws: its accessible table holds the columns in view, no others
HEADERS = """e => { const t = e.querySelector('table[role=grid]');
  return t ? Array.from(t.querySelectorAll('th')).map(x => x.textContent) : null }"""


@pytest.mark.parametrize("lang", LANGS)
def test_the_decisive_columns_are_in_view(server: str, lang: str) -> None:
    with chromium(viewport=(1280, 720)) as pg:
        for page, (finder, needed) in DECISIVE.items():
            open_page(pg, server, page, lang=lang)
            frames = pg.locator("[data-testid='stDataFrame']")
            frames.first.wait_for()
            found = None
            for i in range(frames.count()):
                frame = frames.nth(i)
                if not frame.is_visible():
                    continue
                frame.scroll_into_view_if_needed()
                frame.locator("table[role=grid]").wait_for(state="attached")
                headers = frame.evaluate(HEADERS) or []
                if t(finder, lang) in headers:
                    found = (frame, headers)
                    break
            assert found, (page, lang, finder)
            frame, headers = found
            box = frame.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1280
            missing = [t(h, lang) for h in needed if t(h, lang) not in headers]
            assert missing == [], (page, lang, headers)


def test_the_demo_opens_at_its_own_date_and_says_so(server: str) -> None:
    """Opened without a date, the demo store shows the portfolio at the demo's date, not today's
    (a believable mix: about a third red, amber and green, a few items overdue)."""
    with chromium(viewport=(1280, 720)) as pg:
        pg.goto(f"{server}/?lang=en")
        pg.locator("h1").first.wait_for()
        settle(pg)
        caption = pg.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()
        assert f"{DEMO_AS_OF:%d.%m.%Y}" in caption and t("common.demo_short", "en") in caption
        assert dt.date.today() != DEMO_AS_OF
        wait_cards(pg)
        values = dict(
            zip(
                pg.locator(".pmo-card .l").all_inner_texts(),
                pg.locator(".pmo-card .v").all_inner_texts(),
                strict=True,
            )
        )
        assert values[t("overview.projects", "en")] == "8"
        assert [
            values[f"{s} {t(f'overview.{k}', 'en')}"] for s, k in (("■", "red"), ("▲", "amber"), ("●", "green"))
        ] == [
            "3",
            "3",
            "2",
        ]


# --------------------------------------------------------------------------------------------
# kk/ru: no decimal point, no English of Streamlit's own

#: what may look like a decimal number but is not: dates, month.year ticks, paragraph references
NOT_DECIMAL = [
    r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b",  # 30.09.2026
    r"\b\d{2}\.\d{4}\b",  # 09.2026 (chart ticks)
    r"(?<=W\d{2}\s)\d{2}\.\d{2}\b",  # W27 29.06: an ISO week and its Monday (heatmap ticks)
    r"\b\d+(?:\.\d+)+(?:[–-]\d+(?:\.\d+)*)?(?=[,–-]|\s*-т\.|\s*-тт\.)",  # 8.4-т., 2.4–2.5, 44–45-т.
    r"(?:п\.|пп\.|§|Регламент|Reg)\s*\d+(?:\.\d+)+(?:[–-]\d+(?:\.\d+)*)?",  # п. 8.4, §42.2
]
DECIMAL = re.compile(r"\d\.\d")
ENGLISH = re.compile(
    r"\b(Deploy|Upload|Browse files|Drag and drop|All|Not chosen|Choose an option|Rerun|Clear cache|"
    r"No options to select|Press Enter)\b"
)
#: every text node of the page (rendered or folded away), each on its own line, and what inputs hold;
#: not the grid's screen-reader table (the grid draws its cells on a canvas: ``test_number_style``
#: reads what it draws)
TEXT = """() => {
  const out = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const parent = walk.currentNode.parentElement;
    if (!parent || ['STYLE', 'SCRIPT', 'NOSCRIPT'].includes(parent.tagName)) continue;
    if (!parent.getClientRects().length) continue;  // not drawn (display: none)
    if (parent.closest('table[role=grid]')) continue;
    out.push(walk.currentNode.nodeValue);
  }
  for (const i of document.querySelectorAll('input')) out.push(i.value || i.placeholder || '');
  return out.join('\\n') }"""


def decimals(text: str, data: frozenset[str] = frozenset()) -> list[str]:
    """Numbers written with a decimal point in ``text``; ``data`` are phrases of the portfolio's
    own text (a version "ТБЖ 2.0" in a name is the user's words, not a number we wrote)."""
    for phrase in sorted(data, key=len, reverse=True):
        text = text.replace(phrase, " ")
    for pattern in NOT_DECIMAL:
        text = re.sub(pattern, " ", text)
    return [text[max(m.start() - 30, 0) : m.end() + 30] for m in DECIMAL.finditer(text)]


@pytest.fixture(scope="module")
def data_phrases(demo_store: Path) -> frozenset[str]:
    """Every "word 1.2" / "1.2 word" phrase in the text of the demo store's tables."""
    con = store.connect(demo_store, read_only=True)
    try:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall()
        found: set[str] = set()
        for table, column in columns:
            for (value,) in con.execute(
                f'SELECT DISTINCT "{column}" FROM "{table}" WHERE regexp_matches("{column}", \'\\d\\.\\d\')'
            ).fetchall():
                found |= set(re.findall(r"\S+\s\d+(?:\.\d+)+|\d+(?:\.\d+)+\s\S+", str(value)))
        return frozenset(found)
    finally:
        con.close()


def test_the_filter_for_decimals_keeps_what_matters() -> None:
    assert decimals("98.5% және 0.38") and decimals("Орындалуы 75.5%")
    assert not decimals("30.09.2026 · 09.2026 · Регламент 8.4-т. · п. 42.2 · 2.4–2.5, 44–45-т.")
    assert not decimals("P05-A09 · ТБЖ 2.0 нұсқасын", frozenset({"ТБЖ 2.0"}))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_decimal_point_and_no_english(server: str, lang: str, data_phrases: frozenset[str]) -> None:
    with chromium(viewport=(1440, 900)) as pg:
        for page in PAGES:
            open_page(
                pg,
                server,
                "" if page == "overview" else page,
                lang=lang,
                **({"pid": "P05"} if page == "passport" else {}),
            )
            pg.set_viewport_size({"width": 1440, "height": 4000})  # every lazily drawn chart drawn
            settle(pg, quiet=0.8)
            text = pg.evaluate(TEXT)
            found = decimals(text, data_phrases)
            assert found == [], (page, lang, "\n---\n".join(found))
            assert ENGLISH.findall(text) == [], (page, lang)
            pg.set_viewport_size({"width": 1440, "height": 900})


def test_widgets_follow_a_language_switch_at_once(server: str) -> None:
    with chromium(viewport=(1280, 720)) as pg:
        open_page(pg, server, "", lang="kk")
        sidebar = pg.locator("[data-testid='stSidebar']")
        shown = """e => [e.innerText, ...Array.from(e.querySelectorAll('input'))
            .map(i => i.value || i.placeholder || '')].join('\\n')"""
        assert t("side.all", "kk") in sidebar.evaluate(shown)
        choose(pg, sidebar.locator("[data-testid='stSelectbox']").first, "Русский")
        text = sidebar.evaluate(shown)
        assert t("side.all", "ru") in text and t("side.all", "kk") not in text
        assert t("page.overview", "ru") in pg.locator("h1").first.inner_text()
