"""The server under hostile files and beside the command line, for real: a Streamlit process, the
browser, ``pmo`` in processes of its own.

- A workbook reaching XFD1048576 and a zip bomb uploaded through the Upload page: the page says
  what is wrong, the server keeps answering its health check and the next upload works.
- ``pmo import``, ``pmo report`` and ``pmo batches`` while the dashboard is up, two imports at
  once, and a store held by another process: every command succeeds, waits, or says the store is
  busy; none shows a traceback; the dashboard shows a command line import at its next rerun."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from i18n import t
from loaders import store
from tests.browser import ROOT, chromium, error_boxes, healthy, needs_chromium, open_page, settle, streamlit_server
from tests.hostile import far_cell_xlsx, zip_bomb_xlsx

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.e2e, needs_chromium]
DEMO = ROOT / "data" / "demo_portfolio.xlsx"


def pmo(*args: str, db: Path, wait: float | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pmo", *args, "--db", str(db), "--lang", "en"]
    if wait is not None:
        command += ["--wait", str(wait)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=180)
    assert "Traceback" not in out + err, out + err
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("hostile-upload") / "s.duckdb"
    store.connect(db).close()
    with streamlit_server(db, tmp_path_factory.mktemp("log"), env={"PMO_AUTH": "open"}) as url:
        yield url


def test_hostile_uploads_leave_the_server_up(empty_server: str, tmp_path: Path) -> None:
    far = tmp_path / "far.xlsx"
    far.write_bytes(far_cell_xlsx(dimension=False))
    bomb = zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    with chromium() as pg:
        open_page(pg, empty_server, "upload", lang="en")
        for path, words in ((far, "reaches cell XFD1048576"), (bomb, "unpacks to 1 100 MB")):
            pg.locator("input[type='file']").first.set_input_files(str(path))
            pg.locator("[data-testid='stAlertContentError']").first.wait_for()
            settle(pg)
            shown = pg.locator("[data-testid='stMain']").inner_text()
            assert words in shown.replace("\u2060", "").replace("\u00a0", " "), shown
            assert healthy(empty_server)
            pg.reload()
            pg.locator("h1").first.wait_for()
            settle(pg)
        pg.locator("input[type='file']").first.set_input_files(str(DEMO))  # the server carries on
        pg.get_by_role("button", name=t("upload.confirm", "en")).click()
        pg.locator("[data-testid='stAlertContentSuccess']", has_text="demo_portfolio.xlsx").wait_for()
        assert error_boxes(pg) == []
    assert healthy(empty_server)


def test_the_command_line_runs_while_the_dashboard_is_up(tmp_path: Path, demo_store: Path) -> None:
    db = tmp_path / "live.duckdb"
    db.write_bytes(demo_store.read_bytes())
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("project_id,name,start_date,end_date\nP01,Renamed by the CLI,15.01.2025,31.12.2026\n")
    second = tmp_path / "second.csv"
    second.write_text("project_id,name,start_date,end_date\nP02,Second import,01.02.2025,31.12.2026\n")
    third = tmp_path / "third.csv"
    third.write_text("project_id,name,start_date,end_date\nP03,Third import,01.02.2025,31.12.2026\n")
    with streamlit_server(db, tmp_path, env={"PMO_AUTH": "open"}) as url, chromium() as pg:
        open_page(pg, url, "passport", lang="en", pid="P01")
        assert "Renamed by the CLI" not in pg.locator("h2").first.inner_text()

        code, out, _ = finished(pmo("import", str(renamed), db=db))
        assert code == 0 and "Imported as batch 2: renamed.csv." in out
        code, out, _ = finished(pmo("report", "--as-of", "2026-09-30", db=db))
        assert code == 0 and '"schema_version"' in out
        code, out, _ = finished(pmo("batches", db=db))
        assert code == 0 and "renamed.csv" in out

        pg.reload()  # the dashboard picks the import up at its next rerun
        pg.locator("h2", has_text="Renamed by the CLI").wait_for()

        # two imports at once: one waits for the other, both land, in order
        a, b = pmo("import", str(second), db=db), pmo("import", str(third), db=db)
        results = [finished(a), finished(b)]
        assert [r[0] for r in results] == [0, 0], results
        con = store.connect(db)
        batches = store.batches(con)
        con.close()
        assert sorted(batches["batch_id"].tolist()) == [1, 2, 3, 4]
        assert set(batches["status"]) == {"applied"}

        # a store held by another process: a command waits, then says so in words
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('x'); time.sleep(6)",
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "x"
        started = time.monotonic()
        code, out, err = finished(pmo("import", str(renamed), db=db, wait=1))
        assert code == 3, out + err
        assert out.startswith("The store is busy: another process (PID ")
        assert "waiting up to 1 s" in err
        assert time.monotonic() - started < 30
        code, out, _ = finished(pmo("batches", db=db, wait=30))  # waits until the holder lets go
        assert code == 0 and "third.csv" in out
        holder.wait(timeout=30)

        open_page(pg, url, "", lang="en")
        assert error_boxes(pg) == []
        assert healthy(url)
    assert os.path.exists(db)


def test_a_local_sign_in_survives_a_reload_until_sign_out(tmp_path: Path, demo_store: Path) -> None:
    from loaders import users
    from loaders.access import Role
    from tests.builders import as_user

    db = tmp_path / "local.duckdb"
    db.write_bytes(demo_store.read_bytes())
    con = store.connect(db)
    users.add(con, as_user("admin"), "aliya", name="Aliya", role=Role.COORDINATOR, password="correct horse battery")
    con.close()
    with streamlit_server(db, tmp_path, env={"PMO_AUTH": ""}) as url, chromium() as pg:
        pg.goto(f"{url}/?lang=en&as_of=2026-09-30")
        pg.get_by_role("textbox", name=t("auth.login", "en")).fill("aliya")
        pg.get_by_role("textbox", name=t("auth.password", "en")).fill("correct horse battery")
        pg.get_by_role("button", name=t("auth.sign_in", "en")).click()
        pg.locator("h1", has_text=t("page.overview", "en")).wait_for()
        settle(pg)
        cookies = {c["name"]: c for c in pg.context.cookies()}
        assert cookies["pmo_session"]["sameSite"] == "Strict" and len(cookies["pmo_session"]["value"]) >= 40
        pg.goto(f"{url}/kpi?lang=en&as_of=2026-09-30")  # a new session of the same browser
        pg.locator("h1", has_text=t("page.kpi", "en")).wait_for()
        pg.get_by_role("button", name=t("auth.sign_out", "en")).click()
        pg.get_by_role("textbox", name=t("auth.password", "en")).wait_for()
        settle(pg)
        assert "pmo_session" not in {c["name"] for c in pg.context.cookies()}
        pg.goto(f"{url}/?lang=en")
        pg.get_by_role("textbox", name=t("auth.password", "en")).wait_for()  # signed out: asked again
    con = store.connect(db)
    assert con.execute("SELECT count(*) FROM sessions").fetchall() == [(0,)]
    con.close()
