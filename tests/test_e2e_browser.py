"""The dashboard in a real browser: Streamlit on 127.0.0.1 with a temporary database, Debian's
Chromium driven by Playwright. Download the template, upload the demo workbook, confirm, see the
Overview numbers, switch to Russian, open a project passport, visit every page without an error
box, and keep a screenshot of every page in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from i18n import t
from tests.browser import (
    ARTIFACTS,
    ROOT,
    choose,
    chromium,
    error_boxes,
    needs_chromium,
    open_page,
    settle,
    shoot,
    wait_cards,
)
from tests.browser import streamlit_server as serve

PAGES = (
    "overview",
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

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Streamlit serving app.py on a free local port with an empty temporary store."""
    db = tmp_path_factory.mktemp("e2e") / "e2e.duckdb"
    with serve(db, tmp_path_factory.mktemp("e2e-log"), env={"PMO_AUTH": "open"}) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    with chromium() as pg:
        yield pg


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
    wait_cards(pg)
    cards = pg.locator("[data-testid='pmo-card'] .v").all_inner_texts()  # type: ignore[attr-defined]
    assert cards[:2] == ["70%", "8"]  # the KPI index; projects in planning or execution
    assert t("page.overview", "kk") in pg.locator("h1").first.inner_text()  # type: ignore[attr-defined]

    # switch to Russian in the sidebar
    sidebar = pg.locator("[data-testid='stSidebar']")  # type: ignore[attr-defined]
    choose(pg, sidebar.locator("[data-testid='stSelectbox']").first, "Русский")
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
