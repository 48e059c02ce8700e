"""Two dashboard servers on one PostgreSQL store, for real: two Streamlit processes with
``PMO_DB=postgresql://…``, Debian's Chromium driven by Playwright. The demo workbook uploaded
through one server's Upload page shows on the other server's open page at its next rerun; an
import from the command line shows on both."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from i18n import t
from tests.browser import ROOT, chromium, error_boxes, needs_chromium, open_page, settle, streamlit_server, wait_cards

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]
DEMO = ROOT / "data" / "demo_portfolio.xlsx"


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two servers of the dashboard, each with its own copy of the one (empty) PostgreSQL store."""
    env = {"PMO_AUTH": "open"}
    with streamlit_server(pg_url, tmp_path, env=env) as one, streamlit_server(pg_url, tmp_path, env=env) as other:
        yield one, other


def test_an_upload_through_one_server_shows_on_the_other(
    two_servers: tuple[str, str], pg_url: str, tmp_path: Path
) -> None:
    one, other = two_servers
    with chromium() as page_one:
        page_other = page_one.context.new_page()
        page_other.set_default_timeout(60_000)
        open_page(page_other, other, "", lang="en")
        assert page_other.locator("[data-testid='pmo-card']").count() == 0  # nothing uploaded yet

        open_page(page_one, one, "upload", lang="en")
        page_one.locator("input[type='file']").first.set_input_files(str(DEMO))
        settle(page_one)
        page_one.get_by_role("button", name=t("upload.confirm", "en")).click()
        done = t("cli.imported", "en", batch=1, files=DEMO.name)
        page_one.locator("[data-testid='stAlertContentSuccess']", has_text=done).wait_for()

        page_other.reload()  # the other server's next rerun
        page_other.locator("h1").first.wait_for()
        wait_cards(page_other)
        cards = page_other.locator("[data-testid='pmo-card'] .v").all_inner_texts()
        assert cards[:2] == ["70%", "8"]  # the KPI index; projects in planning or execution
        assert error_boxes(page_other) == []

        csv = tmp_path / "renamed.csv"
        csv.write_text("project_id,name,start_date,end_date\nP01,Renamed by the CLI,15.01.2025,31.12.2026\n")
        done_cli = subprocess.run(
            [sys.executable, "-m", "pmo", "import", str(csv), "--db", pg_url, "--lang", "en"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done_cli.returncode == 0 and "Imported as batch 2" in done_cli.stdout, done_cli.stdout + done_cli.stderr
        for pg, server in ((page_one, one), (page_other, other)):
            open_page(pg, server, "passport", lang="en", pid="P01")
            pg.locator("h2", has_text="Renamed by the CLI").wait_for()
            assert error_boxes(pg) == []
