"""Data freshness (metrics.freshness): upload dates per project and table, and the stale projects,
over a store of four batches, one rolled back; expectations written by hand."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from loaders import store
from metrics import settings as settings_mod
from metrics.common import Filters
from metrics.freshness import data_freshness, last_quarter_end, last_uploads
from tests.builders import D, as_user, project, roll_back, upload

T = dt.datetime
AS_OF = D(2026, 10, 20)  # Q = 30.09.2026, the quarter before ended 30.06.2026


def act(aid: str, pid: str, **kw: object) -> dict[str, object]:
    return {"activity_id": aid, "project_id": pid, "name": aid, "planned_end": D(2026, 12, 1), **kw}


def risk(rid: str, pid: str, **kw: object) -> dict[str, object]:
    return {"risk_id": rid, "project_id": pid, "title": rid, "probability": 2, "impact": 2, **kw}


def ind(iid: str, pid: str, deadline: dt.date) -> dict[str, object]:
    return {"indicator_id": iid, "project_id": pid, "name": iid, "baseline": 0, "target": 10, "deadline": deadline}


def value(iid: str, period_end: dt.date, actual: float = 1) -> dict[str, object]:
    return {"indicator_id": iid, "period_end": period_end, "actual": actual}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Batch 1 (1 March): P1, P2, P6 (no risks), P4 cancelled, P5 completed, with their rows.
    Batch 2 (25 July): P1's risk and P2's activity change. Batch 3 (1 August): P2's risk, rolled
    back the next day. Batch 4 (1 October): P1's value for 30.09 and a new project P3, starting
    after that quarter end."""
    db = tmp_path / "f.duckdb"
    con = store.connect(db)
    upload(
        con,
        {
            "projects": [
                project("P1"),
                project("P2"),
                project("P6", project_manager=None),
                project("P4", status="cancelled"),
                project("P5", status="completed", completed_on=D(2026, 5, 31)),
            ],
            "activities": [act("A1", "P1"), act("A2", "P2"), act("A6", "P6"), act("A4", "P4"), act("A5", "P5")],
            "risks": [risk("R1", "P1"), risk("R2", "P2"), risk("R4", "P4")],
            "indicators": [
                ind("I1", "P1", D(2026, 12, 31)),
                ind("I2", "P1", D(2026, 6, 30)),  # over before Q: needs no more values
                ind("I3", "P1", D(2026, 9, 30)),  # due at Q: needs the value for Q
                ind("I4", "P4", D(2026, 12, 31)),  # a cancelled project's
            ],
            "indicator_values": [value("I1", D(2026, 6, 30)), value("I2", D(2026, 3, 31)), value("I3", D(2026, 6, 30))],
        },
        user="Aliya",
        at=T(2026, 3, 1, 9),
    )
    upload(
        con,
        {"risks": [risk("R1", "P1", probability=3)], "activities": [act("A2", "P2", percent_complete=40)]},
        at=T(2026, 7, 25, 9),
    )
    upload(con, {"risks": [risk("R2", "P2", probability=5)]}, at=T(2026, 8, 1, 9))
    roll_back(con, 3, at=T(2026, 8, 2, 9))
    upload(
        con,
        {
            "projects": [project("P3", status="planning", start_date=D(2026, 10, 15))],
            "indicators": [ind("I5", "P3", D(2027, 6, 30))],
            "indicator_values": [value("I1", D(2026, 9, 30), 5)],
        },
        at=T(2026, 10, 1, 9),
    )
    con.close()
    return db


@pytest.fixture
def con(path: Path) -> duckdb.DuckDBPyConnection:
    return store.connect(path)


def by_project(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {str(r["project_id"]): r for r in typing.cast(list[dict[str, Any]], frame.to_dict("records"))}


def test_the_last_quarter_end() -> None:
    assert last_quarter_end(D(2026, 10, 20)) == D(2026, 9, 30)
    assert last_quarter_end(D(2026, 9, 30)) == D(2026, 9, 30)
    assert last_quarter_end(D(2026, 1, 1)) == D(2025, 12, 31)


def test_stale_projects_and_why(con: duckdb.DuckDBPyConnection) -> None:
    fresh = data_freshness(con, AS_OF)
    # live projects only, the stale ones first
    assert list(fresh["project_id"]) == ["P1", "P2", "P6", "P3"]
    rows = by_project(fresh)
    p1 = rows["P1"]
    assert p1["reasons"] == ["values_missing", "activities_stale"]
    assert p1["values_missing"] == ["I3"]  # I1 has its value for Q, I2 was due before Q
    assert p1["quarter_end"] == pd.Timestamp(2026, 9, 30)
    assert p1["activities_updated"] == pd.Timestamp(2026, 3, 1) and p1["activities_days"] == 233
    assert p1["risks_updated"] == pd.Timestamp(2026, 7, 25) and p1["risks_days"] == 87 and not p1["risks_stale"]
    assert p1["last_upload"] == pd.Timestamp(2026, 10, 1) and p1["last_batch"] == 4
    assert p1["indicator_values_updated"] == pd.Timestamp(2026, 10, 1)
    assert p1["project_manager"] == "PM P1"

    p2 = rows["P2"]  # its risk's change was rolled back: the risks date from batch 1
    assert p2["reasons"] == ["risks_stale"]
    assert p2["risks_updated"] == pd.Timestamp(2026, 3, 1) and p2["risks_days"] == 233
    assert p2["activities_updated"] == pd.Timestamp(2026, 7, 25) and not p2["activities_stale"]
    assert p2["last_upload"] == pd.Timestamp(2026, 7, 25) and p2["last_batch"] == 2

    p6 = rows["P6"]  # no risk ever: counted from the project's first upload
    assert p6["reasons"] == ["activities_stale", "risks_stale"]
    assert p6["activities_updated"] == pd.Timestamp(2026, 3, 1)
    assert pd.isna(p6["risks_updated"]) and p6["risks_days"] == 233
    assert p6["project_manager"] is None

    p3 = rows["P3"]  # uploaded 19 days ago; starts after Q, so its indicator needs no value yet
    assert p3["reasons"] == [] and not p3["stale"] and p3["values_missing"] == []
    assert pd.isna(p3["activities_updated"]) and p3["activities_days"] == 19
    assert list(fresh["stale"]) == [True, True, True, False]


def test_the_threshold_is_a_setting(con: duckdb.DuckDBPyConnection) -> None:
    assert settings_mod.load(con).data_stale_days == 92
    settings_mod.set_value(con, "data_stale_days", 240, as_user("admin"))
    rows = by_project(data_freshness(con, AS_OF))
    assert rows["P1"]["reasons"] == ["values_missing"]
    assert [rows[p]["stale"] for p in ("P2", "P6", "P3")] == [False, False, False]  # 233 days: not over 240
    settings_mod.set_value(con, "data_stale_days", 20, as_user("admin"))
    assert by_project(data_freshness(con, AS_OF))["P3"]["reasons"] == []  # 19 days: not more than 20
    settings_mod.set_value(con, "data_stale_days", 18, as_user("admin"))
    assert by_project(data_freshness(con, AS_OF))["P3"]["reasons"] == ["activities_stale", "risks_stale"]


def test_an_earlier_as_of_date(con: duckdb.DuckDBPyConnection) -> None:
    """As of 1 July: Q is 30 June; uploads after the as-of date count as 0 days old."""
    rows = by_project(data_freshness(con, D(2026, 7, 1)))
    assert set(rows) == {"P1", "P2", "P3", "P6"}  # the current rows (P5 was completed on 31 May)
    p1 = rows["P1"]
    assert p1["quarter_end"] == pd.Timestamp(2026, 6, 30)
    assert p1["values_missing"] == ["I2"]  # I1 and I3 have their value for 30 June, I2 only for March
    assert p1["activities_days"] == 122 and p1["activities_stale"]
    assert p1["risks_days"] == 0 and not p1["risks_stale"]  # updated 25 July, after the as-of date
    assert rows["P2"]["activities_days"] == 0
    assert rows["P3"]["reasons"] == [] and rows["P3"]["activities_days"] == 0  # first uploaded after it


def test_filters_and_the_snapshot_agree(path: Path) -> None:
    con = store.connect(path, read_only=True)
    try:
        on_file = data_freshness(con, AS_OF)
        narrowed = data_freshness(con, AS_OF, filters=Filters(project_ids=("P2",)))
    finally:
        con.close()
    _, snap = store.snapshot(path)
    try:
        assert snap.execute(f"SELECT count(*) FROM {store.TOUCHES}").fetchall()[0][0] > 0
        pd.testing.assert_frame_equal(data_freshness(snap, AS_OF), on_file)
    finally:
        snap.close()
    assert list(narrowed["project_id"]) == ["P2"]


def test_last_uploads_per_table(con: duckdb.DuckDBPyConnection) -> None:
    uploads = last_uploads(con)
    p2 = uploads[uploads["project_id"] == "P2"].set_index("table")
    assert list(p2.index) == ["projects", "activities", "risks"]  # the workbook's order
    assert p2.loc["risks", "batch"] == 1  # batch 3 was rolled back
    assert p2.loc["activities", "batch"] == 2 and p2.loc["activities", "uploaded_on"] == pd.Timestamp(2026, 7, 25)
    assert p2.loc["activities", "first_on"] == pd.Timestamp(2026, 3, 1)
    p1 = uploads[uploads["project_id"] == "P1"].set_index("table")
    assert p1.loc["indicator_values", "batch"] == 4  # values belong to their indicator's project
    assert set(uploads["project_id"]) == {"P1", "P2", "P3", "P4", "P5", "P6"}
