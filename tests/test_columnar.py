"""The fast path of an .xlsx upload (Arrow columns) against the exact one (calamine's cells).

Whatever a workbook holds, both paths must give the same tables and the same issues: the fast
path either parses a sheet to exactly what the exact path makes of it, or hands it over.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from loaders.reader import ColumnGrid, Grid, Loaded, iter_grids, iter_sheets, load
from loaders.validate import IssueLog, SheetTable, parse_columns, read_tables

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo_portfolio.xlsx"

PROJECT_HEADER = ["project_id", "name", "program", "curator", "start_date", "end_date", "status", "description"]
TEAM_HEADER = ["project_id", "person", "role", "allocation_pct", "from_date", "to_date"]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text kept in Arrow by the fast path, as the exact path keeps it (objects, None)."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.ArrowDtype):
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def _both(loaded: Loaded) -> tuple[list[SheetTable], list[SheetTable], list[object], list[object]]:
    exact_log, fast_log = IssueLog(), IssueLog()
    exact = read_tables(iter_grids(loaded), exact_log)
    fast = read_tables(iter_sheets(loaded), fast_log)
    return exact, fast, list(exact_log.finish()), list(fast_log.finish())


def assert_same(loaded: Loaded) -> None:
    exact, fast, exact_issues, fast_issues = _both(loaded)
    assert fast_issues == exact_issues
    assert [(t.table, t.place, t.header_row, t.headers) for t in fast] == [
        (t.table, t.place, t.header_row, t.headers) for t in exact
    ]
    for e, f in zip(exact, fast, strict=True):
        pd.testing.assert_frame_equal(_plain(f.frame), e.frame)


def fast_sheets(loaded: Loaded) -> list[str]:
    """The sheets the fast path parsed without handing them over."""
    return [s.sheet for s in iter_sheets(loaded) if isinstance(s, ColumnGrid) and parse_columns(s) is not None]


def workbook(projects: list[list[object]], team: list[list[object]] | None = None, title: bool = True) -> Loaded:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Projects"
    if title:  # a title, a blank row, then the header: row numbers must still be Excel's
        sheet.append(["Портфель проектов"])
        sheet.append([])
    sheet.append(PROJECT_HEADER)
    for row in projects:
        sheet.append(row)
    if team is not None:
        people = book.create_sheet("Team")
        people.append(TEAM_HEADER)
        for row in team:
            people.append(row)
    out = io.BytesIO()
    book.save(out)
    return Loaded("portfolio.xlsx", out.getvalue())


def project(**changes: object) -> list[object]:
    row: dict[str, object] = {
        "project_id": "P1",
        "name": "Электрондық шот-фактура",
        "program": "Цифрлық салық",
        "curator": "Асанов Ерлан",
        "start_date": dt.date(2025, 1, 15),
        "end_date": dt.datetime(2026, 12, 31, 0, 0),
        "status": "Іске асыру",
        "description": "ЭШФ жүйесін кеңейту",
    }
    row.update(changes)
    return [row[h] for h in PROJECT_HEADER]


def member(**changes: object) -> list[object]:
    row: dict[str, object] = {
        "project_id": "P1",
        "person": "Асанов Ерлан",
        "role": "project manager",
        "allocation_pct": 50,
        "from_date": dt.date(2025, 1, 15),
        "to_date": None,
    }
    row.update(changes)
    return [row[h] for h in TEAM_HEADER]


def test_the_demo_workbook_reads_the_same_and_every_sheet_takes_the_fast_path() -> None:
    loaded = load(DEMO)
    assert_same(loaded)
    exact = read_tables(iter_grids(loaded), IssueLog())
    assert sorted(fast_sheets(loaded)) == sorted(t.place for t in exact)


def test_xlsx_is_read_as_columns_and_csv_as_a_grid() -> None:
    (sheet,) = list(iter_sheets(workbook([project()], title=False)))
    assert isinstance(sheet, ColumnGrid)
    assert sheet.head[0] == PROJECT_HEADER
    assert sheet.head[1][0] == "P1"
    assert isinstance(sheet.exact(), Grid)
    (csv,) = list(iter_sheets(b"project_id,name\nP1,x\n", "projects.csv"))
    assert isinstance(csv, Grid)


# Each case: rows that read the same either way; ``fast`` says whether the fast path may keep
# the sheet (False: only the cell types or an issue can settle it, so it hands the sheet over).
CASES: list[tuple[str, list[list[object]], list[list[object]] | None, bool]] = [
    ("clean", [project(), project(project_id="P2", status="planning")], [member()], True),
    ("dates typed as text", [project(start_date="15.01.2025", end_date="2026-12-31")], None, True),
    ("a quarter label", [project(end_date="4 тоқсан 2026")], None, True),
    ("a number typed into an ID column", [project(project_id=101)], None, True),
    ("a percent typed as text", [project()], [member(allocation_pct="30%")], True),
    ("a comma decimal", [project()], [member(allocation_pct="12,5")], True),
    (
        "status in Russian and English",
        [project(status="Реализация"), project(project_id="P2", status="Completed")],
        None,
        True,
    ),
    ("spaces around text", [project(name="  Шот-фактура  ", curator=" Асанов   Ерлан ")], None, True),
    ("an Excel serial in a date column", [project(start_date=45672)], None, False),
    ("a time of day in a date column", [project(start_date=dt.time(10, 30))], None, False),
    ("a date in a text column", [project(description=dt.date(2026, 1, 1))], None, False),
    ("TRUE in a text column", [project(description=True)], None, False),
    ("a tiny number in a text column", [project(description=0.00001)], None, False),
    ("a no-break space at the end", [project(name="Шот-фактура\u00a0")], None, False),
    ("a no-break space inside a name", [project(curator="Асанов\u00a0Ерлан")], None, False),
    ("a no-break space around a number", [project()], [member(allocation_pct="\u00a030\u00a0")], True),
    ("only a no-break space in a required date", [project(start_date="\u00a0")], None, False),
    ("an unreadable date", [project(start_date="сәуірде")], None, False),
    ("an unknown status", [project(status="белгісіз")], None, False),
    ("a required cell left blank", [project(name=None)], None, False),
    ("an end date left blank", [project(end_date=None)], None, False),
    ("end before start", [project(start_date=dt.date(2027, 1, 1))], None, False),
    ("a share where a percent belongs", [project()], [member(allocation_pct=0.5)], False),
    ("allocation above 100", [project()], [member(allocation_pct=150)], False),
]


@pytest.mark.parametrize(("rows", "team", "fast"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_columns_read_like_cells(rows: list[list[object]], team: list[list[object]] | None, fast: bool) -> None:
    loaded = workbook(rows, team)
    assert_same(loaded)
    odd_sheet = "Projects" if team is None else "Team"  # the other sheet is clean
    kept = fast_sheets(loaded)
    assert (odd_sheet in kept) == fast
    assert "Projects" in kept or odd_sheet == "Projects"


def test_an_unknown_column_is_reported_once_and_the_rest_still_reads() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Projects"
    sheet.append([*PROJECT_HEADER, "Ескертпе"])
    sheet.append([*project(), "x"])
    out = io.BytesIO()
    book.save(out)
    loaded = Loaded("p.xlsx", out.getvalue())
    assert_same(loaded)
    exact, _, issues, _ = _both(loaded)
    assert [getattr(i, "code", None) for i in issues] == ["unknown_column"]
    assert len(exact[0].frame) == 1
